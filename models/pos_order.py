from odoo import models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..mercado_pago.transitions import POS_PAID


class PosOrder(models.Model):
    _inherit = "pos.order"

    def action_pos_order_paid(self):
        self._mp_qr_check_payments()
        return super().action_pos_order_paid()

    def _mp_qr_check_payments(self):
        """An order is paid by QR only with a payment Mercado Pago confirmed,
        and refunded by QR only with a refund Mercado Pago took."""
        for order in self:
            qr = order.payment_ids.filtered(
                lambda p: p.payment_method_id.use_payment_terminal == "mercado_pago_qr"
            )
            refunds = qr.filtered(lambda p: p.amount < 0)
            refunds._mp_qr_link_refunds()
            if refunds.filtered(lambda p: not p.mp_qr_attempt_id):
                raise UserError(
                    self.env._(
                        "Mercado Pago has not taken the QR refund of order "
                        "%(order)s; it cannot be recorded.",
                        order=order.name,
                    )
                )
            for payment in qr.filtered(lambda p: p.amount > 0):
                payment._mp_qr_link_attempts()
                attempt = payment.mp_qr_attempt_id
                # A late payment a manager registered in this order.
                registered = (
                    attempt.state in ("late", "review")
                    and attempt.pos_payment_id == payment
                )
                if not attempt or (attempt.state not in POS_PAID and not registered):
                    raise UserError(
                        self.env._(
                            "Mercado Pago has not confirmed the QR payment of "
                            "%(amount)s on order %(order)s; it cannot be recorded.",
                            amount=payment.amount,
                            order=order.name,
                        )
                    )
                asked = attempt.amount_paid if registered else attempt.amount
                if float_compare(
                    asked,
                    payment.amount,
                    precision_rounding=order.currency_id.rounding,
                ):
                    raise UserError(
                        self.env._(
                            "The QR payment line of order %(order)s says %(line)s but "
                            "Mercado Pago was asked for %(asked)s.",
                            order=order.name,
                            line=payment.amount,
                            asked=asked,
                        )
                    )
