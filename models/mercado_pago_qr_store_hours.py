from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..mercado_pago.catalog import DAYS

# Mercado Pago accepts at most this many opening ranges a day.
MAX_RANGES_A_DAY = 4


def _hhmm(value):
    hours, minutes = divmod(round(value * 60), 60)
    return f"{hours:02d}:{minutes:02d}"


class MercadoPagoQrStoreHours(models.Model):
    _name = "mercado.pago.qr.store.hours"
    _description = "Mercado Pago store business hours"
    _order = "store_id, day, open_time"

    store_id = fields.Many2one(
        "mercado.pago.qr.store", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    day = fields.Selection([(day, day.capitalize()) for day in DAYS], required=True)
    open_time = fields.Float(string="Opens", required=True)
    close_time = fields.Float(string="Closes", required=True)

    @api.constrains("day", "open_time", "close_time")
    def _check_range(self):
        for hours in self:
            if not 0 <= hours.open_time < hours.close_time <= 24:
                raise ValidationError(
                    self.env._(
                        "Business hours must open before they close, within the day."
                    )
                )
            same_day = hours.store_id.hours_ids.filtered(
                lambda h, d=hours.day: h.day == d
            )
            if len(same_day) > MAX_RANGES_A_DAY:
                raise ValidationError(
                    self.env._(
                        "Mercado Pago accepts at most %(count)s opening ranges a day.",
                        count=MAX_RANGES_A_DAY,
                    )
                )

    def _as_business_hours(self):
        """Mercado Pago's shape: {"monday": [{"open": "08:00", "close": "12:00"}]}."""
        result = {}
        for hours in self.sorted(lambda h: (h.day, h.open_time)):
            close = "23:59" if hours.close_time >= 24 else _hhmm(hours.close_time)
            result.setdefault(hours.day, []).append(
                {"open": _hhmm(hours.open_time), "close": close}
            )
        return result
