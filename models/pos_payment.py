from odoo import api, fields, models

from ..mercado_pago.transitions import POS_PAID


def attempt_vals(attempt):
    """What a POS payment line keeps of its attempt: Mercado Pago's ids."""
    return {
        "mp_qr_attempt_id": attempt.id,
        "mp_qr_order_id": attempt.mp_order_id,
        "mp_qr_payment_id": attempt.mp_payment_id,
        "mp_qr_operation_number": attempt.operation_number,
        "transaction_id": attempt.operation_number or attempt.mp_payment_id,
    }


class PosPayment(models.Model):
    _inherit = "pos.payment"

    mp_qr_attempt_id = fields.Many2one(
        "mercado.pago.qr.attempt",
        string="Mercado Pago QR attempt",
        readonly=True,
        index="btree_not_null",
    )
    mp_qr_order_id = fields.Char(string="Mercado Pago order", readonly=True)
    mp_qr_payment_id = fields.Char(string="Mercado Pago payment", readonly=True)
    mp_qr_operation_number = fields.Char(string="Mercado Pago operation", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        payments = super().create(vals_list)
        payments._mp_qr_link_attempts()
        return payments

    def _mp_qr_lines(self, sign):
        """QR lines not linked yet: refunds (sign -1) or charges (sign 1)."""
        return self.filtered(
            lambda p: (
                p.payment_method_id.use_payment_terminal == "mercado_pago_qr"
                and p.amount * sign > 0
                and not p.mp_qr_attempt_id
            )
        )

    def _mp_qr_link_refunds(self):
        """Link the POS's refund lines to the server's refund of each line."""
        lines = self._mp_qr_lines(-1)
        if not lines:
            return
        # sudo: refunds are server records; matched by line, method and company.
        refunds = (
            self.env["mercado.pago.qr.refund"]
            .sudo()
            .search(
                [
                    ("line_uuid", "in", lines.mapped("uuid")),
                    ("state", "in", ("done", "pending")),
                    ("company_id", "in", lines.company_id.ids),
                ]
            )
        )
        by_key = {
            (r.line_uuid, r.attempt_id.payment_method_id, r.company_id): r
            for r in refunds
        }
        for payment in lines:
            refund = by_key.get(
                (payment.uuid, payment.payment_method_id, payment.company_id)
            )
            if refund and refund.pos_payment_id in (payment, payment.browse()):
                payment.write(
                    {
                        "mp_qr_attempt_id": refund.attempt_id.id,
                        "mp_qr_order_id": refund.attempt_id.mp_order_id,
                        "transaction_id": refund.mp_refund_ids,
                    }
                )
                refund.pos_payment_id = payment.id

    def _mp_qr_link_attempts(self):
        """Take Mercado Pago's ids from the server's attempt, not the browser:
        the attempt of the same line, method and Point of Sale."""
        self._mp_qr_link_refunds()
        qr_payments = self._mp_qr_lines(1)
        if not qr_payments:
            return
        # sudo: attempts are server records; matched by line, method and POS.
        attempts = (
            self.env["mercado.pago.qr.attempt"]
            .sudo()
            .search(
                [
                    ("line_uuid", "in", qr_payments.mapped("uuid")),
                    ("state", "in", POS_PAID),
                    ("pos_payment_id", "=", False),
                    ("config_id", "in", qr_payments.session_id.config_id.ids),
                ]
            )
        )
        by_key = {(a.line_uuid, a.payment_method_id, a.config_id): a for a in attempts}
        for payment in qr_payments:
            attempt = by_key.get(
                (payment.uuid, payment.payment_method_id, payment.session_id.config_id)
            )
            if not attempt:
                continue
            payment.write(attempt_vals(attempt))
            attempt.write(
                {"pos_payment_id": payment.id, "pos_order_id": payment.pos_order_id.id}
            )
