from odoo import Command, fields, models

from ..mercado_pago.money import from_minor_units
from ..mercado_pago.transitions import MONEY, OPEN


class PosSession(models.Model):
    _inherit = "pos.session"

    mp_qr_fee_move_ids = fields.Many2many(
        "account.move",
        "pos_session_mp_qr_fee_move_rel",
        string="Mercado Pago fee entries",
        readonly=True,
        copy=False,
    )

    def _validate_session(self, *args, **kwargs):
        res = super()._validate_session(*args, **kwargs)
        for session in self.filtered(lambda s: s.state == "closed"):
            session._mp_qr_post_fees()
        return res

    def _mp_qr_post_fees(self):
        """One entry per QR method: the fees to the account's expense account,
        out of the outstanding account the session's payment went to, so the
        bank deposit (gross minus fees) reconciles with it."""
        self.ensure_one()
        # sudo: closing runs for POS users; attempts and entries are the
        # server's, and the account's settings decide.
        session = self.sudo()
        payments = session.order_ids.payment_ids.filtered(
            lambda p: (
                p.mp_qr_attempt_id
                and p.mp_qr_attempt_id.state in MONEY
                and p.mp_qr_attempt_id.account_id.post_fees
                and p.amount > 0
            )
        )
        payments.mp_qr_attempt_id._read_fees()
        moves = self.env["account.move"].sudo()
        for method, group in payments.grouped("payment_method_id").items():
            fee_minor = sum(payment.mp_qr_attempt_id.fee_minor for payment in group)
            account = method.mp_qr_account_id.sudo()
            bank_payment = session.bank_payment_ids.filtered(
                lambda p, m=method: p.pos_payment_method_id == m
            )[:1]
            outstanding = (
                bank_payment.outstanding_account_id or method.outstanding_account_id
            )
            if fee_minor and account.fee_account_id and outstanding:
                moves |= moves.create(
                    self._mp_qr_fee_move(method, fee_minor, account, outstanding)
                )
        if moves:
            moves.action_post()
            session.mp_qr_fee_move_ids |= moves

    def _mp_qr_fee_move(self, method, fee_minor, account, outstanding):
        amount = float(from_minor_units(fee_minor, self.currency_id.name))
        label = self.env._(
            "Mercado Pago fees of %(session)s (%(method)s)",
            session=self.name,
            method=method.name,
        )
        return {
            "move_type": "entry",
            "journal_id": method.journal_id.id,
            "company_id": self.company_id.id,
            "date": fields.Date.context_today(self),
            "ref": label,
            "line_ids": [
                Command.create(
                    {
                        "name": label,
                        "account_id": account.fee_account_id.id,
                        "debit": amount,
                    }
                ),
                Command.create(
                    {"name": label, "account_id": outstanding.id, "credit": amount}
                ),
            ],
        }

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
        methods = self.env["pos.payment.method"]
        for method in data.get("non_cash_payment_methods", []):
            own = attempts.filtered(
                lambda a, m=method: a.payment_method_id.id == m["id"]
            )
            qr = methods.browse(method["id"]).use_payment_terminal == "mercado_pago_qr"
            if not (own or qr):
                continue
            received = own.filtered(lambda a: a.state in MONEY)
            method["mp_qr_reported"] = float(
                from_minor_units(
                    sum(a.paid_minor - a.refunded_minor for a in received),
                    self.currency_id.name,
                )
            )
            method["mp_qr_unresolved"] = len(
                own.filtered(lambda a: a.state in OPEN or a.resolution == "attention")
            )
        return data
