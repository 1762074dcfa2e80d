"""One row per refund of a Mercado Pago QR payment, from the POS or the backend,
committed with its idempotency key before Mercado Pago is called: a retry after
a lost answer reuses the key, so Mercado Pago returns its first refund instead
of refunding twice."""

import logging
import uuid
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mercado_pago.errors import MercadoPagoError, RateLimitedError, UnavailableError
from ..mercado_pago.money import from_minor_units
from ..mercado_pago.transitions import MONEY

_logger = logging.getLogger(__name__)

# Mercado Pago refunds in-store payments up to 180 days after the payment.
REFUND_WINDOW_DAYS = 180
# Sites where Mercado Pago is documented to refund QR payments in full only.
FULL_REFUND_ONLY_SITES = ("MPE",)


class MercadoPagoQrRefund(models.Model):
    _name = "mercado.pago.qr.refund"
    _description = "Mercado Pago QR refund"
    _check_company_auto = True
    _order = "id desc"

    attempt_id = fields.Many2one(
        "mercado.pago.qr.attempt", required=True, index=True, check_company=True
    )
    company_id = fields.Many2one(related="attempt_id.company_id", store=True)
    currency_id = fields.Many2one(related="attempt_id.currency_id", store=True)
    amount_minor = fields.Integer(required=True)
    amount = fields.Monetary(compute="_compute_amount", store=True)
    line_uuid = fields.Char(string="POS refund line uuid", index=True)
    pos_payment_id = fields.Many2one("pos.payment", index="btree_not_null")
    idempotency_key = fields.Char(
        required=True, readonly=True, default=lambda self: str(uuid.uuid4())
    )
    state = fields.Selection(
        [
            ("new", "Sending"),
            ("done", "Refunded"),
            ("pending", "Pending at Mercado Pago"),
            ("failed", "Failed"),
        ],
        default="new",
        required=True,
        readonly=True,
        index=True,
    )
    mp_refund_ids = fields.Char(string="Mercado Pago refunds", readonly=True)
    message = fields.Char(readonly=True)
    requested_by_id = fields.Many2one(
        "res.users", default=lambda self: self.env.uid, readonly=True
    )

    @api.depends("amount_minor", "currency_id")
    def _compute_amount(self):
        for refund in self:
            code = refund.currency_id.name
            refund.amount = (
                float(from_minor_units(refund.amount_minor, code)) if code else 0.0
            )

    # -- checks before anything is sent ------------------------------------------

    @api.model
    def _check_refundable(self, attempt, amount_minor):
        """Mercado Pago's limits, as messages, before anything is sent."""
        if attempt.state not in MONEY or not attempt.paid_minor:
            raise UserError(
                self.env._("Only a payment Mercado Pago confirmed can be refunded.")
            )
        if amount_minor <= 0:
            raise UserError(self.env._("The refund amount must be positive."))
        left = attempt.refundable_minor
        code = attempt.currency_id.name
        if amount_minor > left:
            raise UserError(
                self.env._(
                    "At most %(left)s %(currency)s can still be refunded on this "
                    "Mercado Pago payment (paid %(paid)s).",
                    left=from_minor_units(left, code),
                    currency=code,
                    paid=from_minor_units(attempt.paid_minor, code),
                )
            )
        paid_at = attempt.paid_at or attempt.create_date
        if paid_at and fields.Datetime.now() - paid_at > timedelta(
            days=REFUND_WINDOW_DAYS
        ):
            raise UserError(
                self.env._(
                    "Mercado Pago refunds QR payments up to %(days)s days after the "
                    "payment; refund this one another way.",
                    days=REFUND_WINDOW_DAYS,
                )
            )
        if (
            attempt.account_id.site_id in FULL_REFUND_ONLY_SITES
            and amount_minor != attempt.paid_minor
        ):
            raise UserError(
                self.env._(
                    "In this country Mercado Pago refunds QR payments in full only."
                )
            )

    # -- the refund ---------------------------------------------------------------

    @api.model
    def _request_in_own_cursor(self, attempt, amount_minor, line=None):
        """Refund `attempt` in a transaction of its own that starts at the
        attempt's row lock; the caller's rights were checked. Two refunds of one
        payment queue on the lock: once the first commits (it writes the
        attempt's row), the second, its snapshot stale, looks again in a new
        transaction, so the duplicate and limit checks never read a snapshot
        older than the lock. A stored refund whose answer cannot be recorded
        (the row moved) is sent again with its key, never asked anew: Mercado
        Pago would refund twice."""
        refund_id = None
        for _look in range(3):
            try:
                with self.env.registry.cursor() as cr:
                    env = self.env(cr=cr, su=True)
                    refund = env[self._name].browse(refund_id)
                    if not refund:
                        refund = refund._request(
                            env[attempt._name].browse(attempt.id),
                            amount_minor,
                            env["pos.payment"].browse(line.id) if line else None,
                        )
                        refund_id = refund.id
                    if refund.state == "new":
                        refund._send()
                    return refund._to_pos()
            except psycopg2.errors.SerializationFailure:
                continue
        if refund_id:
            # Stored and maybe made: never "try again", the cron sends it
            # again with its key. Committed after this request's snapshot.
            with self.env.registry.cursor() as cr:
                return self.env(cr=cr, su=True)[self._name].browse(refund_id)._to_pos()
        raise UserError(
            self.env._("This payment is being refunded right now; try again.")
        )

    @api.model
    def _request(self, attempt, amount_minor, line=None):
        """Lock the attempt, check, store the refund and its key, and commit:
        the key survives whatever happens to the call that follows. Runs in
        the cursor `_request_in_own_cursor` opens."""
        if not attempt._lock():
            raise UserError(
                self.env._("This payment is being handled right now; try again.")
            )
        if line:
            existing = self.search(
                [
                    ("line_uuid", "=", line.uuid),
                    ("attempt_id", "=", attempt.id),
                    ("state", "!=", "failed"),
                ],
                limit=1,
            )
            if existing:
                # The POS asked again for the same line: same refund, same key.
                return existing
        self._check_refundable(attempt, amount_minor)
        refund = self.create(
            {
                "attempt_id": attempt.id,
                "amount_minor": amount_minor,
                "line_uuid": line and line.uuid,
                "pos_payment_id": line and line.id,
                "message": self.env._("Sending the refund to Mercado Pago..."),
            }
        )
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return refund

    def _send(self):
        self.ensure_one()
        attempt = self.attempt_id
        code = attempt.currency_id.name
        amount = from_minor_units(self.amount_minor, code)
        full = self.amount_minor == attempt.paid_minor and not (
            attempt.refund_ids - self
        ).filtered(lambda r: r.state in ("done", "pending"))
        try:
            result = self._ask(None if full else amount)
        except (UnavailableError, RateLimitedError) as error:
            # Maybe refunded: the same key is sent again on retry.
            _logger.info("Refund %s: Mercado Pago unreachable: %s", self.id, error)
            self.message = self.env._(
                "Mercado Pago cannot be reached; the refund will be sent again with "
                "the same reference (it is never made twice)."
            )
            return self
        except MercadoPagoError as error:
            if not attempt._lock():
                return self  # the cron records it: see below
            self.write(
                {
                    "state": "failed",
                    "message": self.env._(
                        "Mercado Pago refused the refund: %(message)s",
                        message=error.message or error.code,
                    ),
                }
            )
            return self
        # The answer changes the payment's refunded amounts: recorded under
        # its row lock, which a row that moved during the call refuses
        # (quietly) so the caller sends the refund again with its key. A row
        # another door keeps is left to the cron, which does the same.
        if not attempt._lock():
            return self
        done = result.status == "approved"
        self.write(
            {
                "state": "done" if done else "pending",
                "mp_refund_ids": ",".join(str(i) for i in result.refund_ids) or False,
                "message": self.env._(
                    "Refunded %(amount)s %(currency)s through Mercado Pago.",
                    amount=amount,
                    currency=code,
                )
                if done
                else self.env._(
                    "Mercado Pago is processing the refund of %(amount)s %(currency)s.",
                    amount=amount,
                    currency=code,
                ),
            }
        )
        # The refund order's line, already saved by the POS, takes its ids.
        self.pos_payment_id._mp_qr_link_refunds()
        return self

    def _ask(self, amount):
        """Mercado Pago's refund of `amount` (None: all of it), once per key."""
        attempt = self.attempt_id
        orders_api = {
            "payment_id": attempt.mp_payment_id,
            "currency": attempt.currency_code,
        }
        return attempt._client().refund(
            attempt._remote_ref(),
            amount,
            self.idempotency_key,
            **(orders_api if attempt.api_mode == "orders" else {}),
        )

    def _follow_up(self):
        """The cron: a refund whose answer was lost is sent again with its own
        key; one Mercado Pago took as pending is read until it is done or
        failed, and a failed one is shown to a manager."""
        for refund in self:
            if refund.state == "new":
                refund._send()
            elif refund.state == "pending":
                refund._read_status()

    def _read_status(self):
        attempt = self.attempt_id
        try:
            status = attempt._client().refund_status(
                attempt._remote_ref(),
                (self.mp_refund_ids or "").split(","),
                external_pos_id=attempt.cashbox_id.external_id,
            )
        except MercadoPagoError as error:
            _logger.info("Refund %s: status not read: %s", self.id, error)
            return
        amount = from_minor_units(self.amount_minor, self.currency_id.name)
        if status == "approved":
            self.write(
                {
                    "state": "done",
                    "message": self.env._(
                        "Refunded %(amount)s %(currency)s through Mercado Pago.",
                        amount=amount,
                        currency=self.currency_id.name,
                    ),
                }
            )
        elif status == "rejected":
            self.write(
                {
                    "state": "failed",
                    "message": self.env._(
                        "Mercado Pago did not complete the refund of %(amount)s "
                        "%(currency)s: the customer has not been paid back.",
                        amount=amount,
                        currency=self.currency_id.name,
                    ),
                }
            )
            attempt._needs_attention(note=self.message)

    def _to_pos(self):
        self.ensure_one()
        return {
            "id": self.id,
            "state": self.state,
            "message": self.message or "",
            "amount": str(from_minor_units(self.amount_minor, self.currency_id.name)),
            "mp_refund_ids": self.mp_refund_ids or False,
        }
