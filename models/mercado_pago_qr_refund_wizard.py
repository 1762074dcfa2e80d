from odoo import api, fields, models


class MercadoPagoQrRefundWizard(models.TransientModel):
    _name = "mercado.pago.qr.refund.wizard"
    _description = "Refund a Mercado Pago QR payment"

    attempt_id = fields.Many2one("mercado.pago.qr.attempt", required=True)
    currency_id = fields.Many2one(related="attempt_id.currency_id")
    amount = fields.Monetary(required=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        attempt = self.env["mercado.pago.qr.attempt"].browse(
            res.get("attempt_id") or self.env.context.get("active_id")
        )
        if attempt:
            res["attempt_id"] = attempt.id
            res["amount"] = attempt.gross - attempt.refunded
        return res

    def action_refund(self):
        """Store the refund and its key in a transaction of its own, then send."""
        self.ensure_one()
        attempt_id = self.attempt_id.id
        with self.env.registry.cursor() as cr:
            # sudo: refunds are server records; the manager's right to refund
            # was checked on this wizard.
            env = self.env(cr=cr, su=True)
            attempt = env["mercado.pago.qr.attempt"].browse(attempt_id)
            refund = env["mercado.pago.qr.refund"]._request(
                attempt, attempt._amount_to_minor(self.amount)
            )
            result = refund._to_pos()
        kind = {"done": "success", "failed": "danger"}.get(result["state"], "warning")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Mercado Pago refund"),
                "message": result["message"],
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
