from odoo import api, fields, models


class MercadoPagoQrRefundWizard(models.TransientModel):
    _name = "mercado.pago.qr.refund.wizard"
    _description = "Refund a Mercado Pago QR payment"
    _check_company_auto = True

    attempt_id = fields.Many2one(
        "mercado.pago.qr.attempt", required=True, check_company=True
    )
    company_id = fields.Many2one(related="attempt_id.company_id")
    currency_id = fields.Many2one(related="attempt_id.currency_id")
    amount = fields.Monetary(
        required=True,
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
    )

    @api.depends("attempt_id")
    def _compute_amount(self):
        for wizard in self:
            attempt = wizard.attempt_id
            # What Mercado Pago will still take: refunds not answered yet count.
            wizard.amount = float(attempt._decimal(attempt.refundable_minor))

    def action_refund(self):
        """Store the refund and its key in a transaction of its own, then send."""
        self.ensure_one()
        # The caller's own rights and record rules (company) on the payment,
        # before anything runs as superuser.
        self.attempt_id.check_access("write")
        attempt = self.attempt_id
        result = self.env["mercado.pago.qr.refund"]._request_in_own_cursor(
            attempt, attempt._amount_to_minor(self.amount)
        )
        kind = {"done": "success", "failed": "danger"}.get(result["state"], "warning")
        return self.env["mercado.pago.qr.account"]._notify(
            result["message"], kind, self.env._("Mercado Pago refund")
        )
