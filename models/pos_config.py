from odoo import api, fields, models
from odoo.exceptions import UserError


class PosConfig(models.Model):
    _inherit = "pos.config"

    # At most one (a unique constraint on the cashbox); the many2one reads it.
    mp_qr_cashbox_ids = fields.One2many("mercado.pago.qr.cashbox", "pos_config_id")
    mp_qr_cashbox_id = fields.Many2one(
        "mercado.pago.qr.cashbox",
        string="Mercado Pago cashbox",
        compute="_compute_mp_qr_cashbox_id",
        search="_search_mp_qr_cashbox_id",
    )

    @api.depends("mp_qr_cashbox_ids")
    def _compute_mp_qr_cashbox_id(self):
        for config in self:
            config.mp_qr_cashbox_id = config.mp_qr_cashbox_ids[:1]

    def _search_mp_qr_cashbox_id(self, operator, value):
        return [("mp_qr_cashbox_ids", operator, value)]

    def _mp_qr_takes(self, method):
        self.ensure_one()
        return method.active and method in self.payment_method_ids

    def _check_before_creating_new_session(self):
        res = super()._check_before_creating_new_session()
        self._check_mp_qr_cashbox()
        return res

    def _check_mp_qr_cashbox(self):
        for config in self:
            methods = config.payment_method_ids.filtered(
                lambda m: m.use_payment_terminal == "mercado_pago_qr"
            )
            if not methods:
                continue
            cashbox = config.mp_qr_cashbox_id
            if not cashbox or not cashbox.mp_pos_id:
                raise UserError(
                    self.env._(
                        "The Point of Sale %(pos)s accepts %(method)s but has no "
                        "Mercado Pago cashbox saved in Mercado Pago. Go to Point of "
                        "Sale > Configuration > Mercado Pago QR > Cashboxes, create "
                        "one for %(pos)s (or use 'Create cashboxes' on its store), "
                        "save it in Mercado Pago and print its QR sticker.",
                        pos=config.name,
                        method=methods[0].name,
                    )
                )
            accounts = methods.mp_qr_account_id
            if accounts and cashbox.account_id not in accounts:
                raise UserError(
                    self.env._(
                        "The cashbox of %(pos)s belongs to the Mercado Pago account "
                        "%(cashbox_account)s, but the payment method %(method)s uses "
                        "%(method_account)s. Use the same account for both.",
                        pos=config.name,
                        cashbox_account=cashbox.account_id.name,
                        method=methods[0].name,
                        method_account=accounts[0].name,
                    )
                )
