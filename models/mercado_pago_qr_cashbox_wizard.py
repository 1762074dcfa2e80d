from odoo import fields, models

from ..mercado_pago.references import POS_NAME_MAX
from .mercado_pago_qr_cashbox import CATEGORIES


class MercadoPagoQrCashboxWizard(models.TransientModel):
    _name = "mercado.pago.qr.cashbox.wizard"
    _description = "Create Mercado Pago cashboxes for Points of Sale"
    _check_company_auto = True

    store_id = fields.Many2one(
        "mercado.pago.qr.store", required=True, check_company=True
    )
    company_id = fields.Many2one(related="store_id.company_id")
    pos_config_ids = fields.Many2many(
        "pos.config",
        string="Points of Sale",
        check_company=True,
        domain="[('mp_qr_cashbox_id', '=', False)]",
        # Opened from the list of Points of Sale: the selected ones.
        default=lambda self: (
            self.env.context.get("active_model") == "pos.config"
            and self.env.context.get("active_ids")
        ),
    )
    category = fields.Selection(CATEGORIES, required=True, default="generic")

    def action_create(self):
        """One cashbox per selected Point of Sale, created in Mercado Pago."""
        self.ensure_one()
        Cashbox = self.env["mercado.pago.qr.cashbox"]
        cashboxes = Cashbox.browse()
        for config in self.pos_config_ids.filtered(lambda c: not c.mp_qr_cashbox_id):
            cashboxes |= Cashbox.create(
                {
                    "name": config.name[:POS_NAME_MAX],
                    "store_id": self.store_id.id,
                    "pos_config_id": config.id,
                    "category": self.category,
                }
            )
        cashboxes.action_sync()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cashboxes"),
            "res_model": "mercado.pago.qr.cashbox",
            "view_mode": "list,form",
            "domain": [("id", "in", cashboxes.ids)],
        }
