from odoo import models

from .mercado_pago_qr_attempt import MONEY_STATES, OPEN_STATES


class PosSession(models.Model):
    _inherit = "pos.session"

    def get_closing_control_data(self):
        """Add, for Mercado Pago QR methods, what Mercado Pago reports for the
        session next to what Odoo recorded, and how many attempts are open."""
        data = super().get_closing_control_data()
        # sudo: attempts are server records; the session's own were asked for.
        attempts = (
            self.env["mercado.pago.qr.attempt"]
            .sudo()
            .search([("session_id", "=", self.id)])
        )
        for method in data.get("non_cash_payment_methods", []):
            own = attempts.filtered(
                lambda a, m=method: a.payment_method_id.id == m["id"]
            )
            if (
                not own
                and self.env["pos.payment.method"]
                .browse(method["id"])
                .use_payment_terminal
                != "mercado_pago_qr"
            ):
                continue
            received = own.filtered(lambda a: a.state in MONEY_STATES)
            method["mp_qr_reported"] = sum(received.mapped("gross")) - sum(
                received.mapped("refunded")
            )
            method["mp_qr_unresolved"] = len(
                own.filtered(
                    lambda a: a.state in OPEN_STATES or a.resolution == "attention"
                )
            )
        return data
