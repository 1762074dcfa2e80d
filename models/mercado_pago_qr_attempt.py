"""One row per attempt to charge a POS payment line by QR: the truth. Every
door (notification, POS, cron, cancel, force done) moves it through `_move`,
after re-reading the order from Mercado Pago (`_settle`)."""

import json
import logging
import time
import uuid
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from ..mercado_pago.errors import MercadoPagoError
from ..mercado_pago.instore_v2 import InstoreV2Client
from ..mercado_pago.money import from_minor_units, to_minor_units
from ..mercado_pago.orders_api import OrdersApiClient
from ..mercado_pago.transitions import MONEY, REREAD, check, decide
from .mercado_pago_qr_account import API_MODES

_logger = logging.getLogger(__name__)

BUS_CHANNEL = "MERCADO_PAGO_QR"
# How long a notification waits for a row another door holds: the POS's poll
# or another notification holds it for one Mercado Pago read; past this, the
# holder (a cron batch, most likely) settles it.
NOTIFICATION_LOCK_WAIT = 0.5
# Re-check Mercado Pago after a grace period for the notification, then back
# off (Mercado Pago allows polling only as a contingency; about every 5 s).
RECHECK_DELAYS = (5, 5, 5, 5, 5, 10, 10, 15, 20, 30, 60)


def _new_key(_model=None):
    return str(uuid.uuid4())


class MercadoPagoQrAttempt(models.Model):
    _name = "mercado.pago.qr.attempt"
    _inherit = ["mail.thread", "mail.activity.mixin"]  # noqa: RUF012
    _description = "Mercado Pago QR payment attempt"
    _check_company_auto = True
    _order = "id desc"
    _rec_name = "external_reference"

    company_id = fields.Many2one("res.company", required=True, index=True)
    config_id = fields.Many2one("pos.config", required=True, check_company=True)
    session_id = fields.Many2one("pos.session", check_company=True, index=True)
    payment_method_id = fields.Many2one(
        "pos.payment.method", required=True, check_company=True
    )
    account_id = fields.Many2one(
        "mercado.pago.qr.account", required=True, check_company=True, index=True
    )
    cashbox_id = fields.Many2one(
        "mercado.pago.qr.cashbox", required=True, check_company=True, index=True
    )
    api_mode = fields.Selection(API_MODES, required=True)
    mode = fields.Selection(
        [("static", "Static (sticker)"), ("hybrid", "Hybrid (sticker and screen)")],
        required=True,
        default="static",
    )
    order_uuid = fields.Char(string="POS order uuid", index=True)
    line_uuid = fields.Char(string="POS payment line uuid", required=True, index=True)
    pos_order_id = fields.Many2one(
        "pos.order", index="btree_not_null", check_company=True
    )
    pos_payment_id = fields.Many2one("pos.payment", index="btree_not_null")
    currency_id = fields.Many2one("res.currency", required=True)
    # Read with the row: the notifications' re-read needs no currency query.
    currency_code = fields.Char(
        string="Currency code", related="currency_id.name", store=True, precompute=True
    )
    # Money in the currency's minor units: integers, never floats.
    amount_minor = fields.Integer(required=True)
    paid_minor = fields.Integer(readonly=True)
    amount = fields.Monetary(compute="_compute_amounts")
    amount_paid = fields.Monetary(compute="_compute_amounts")
    # Its unique constraint is its index.
    external_reference = fields.Char(readonly=True, copy=False)
    idempotency_key = fields.Char(readonly=True, copy=False, default=_new_key)
    cancel_key = fields.Char(readonly=True, copy=False, default=_new_key)
    mp_order_id = fields.Char(string="Mercado Pago order", readonly=True, index=True)
    mp_payment_id = fields.Char(string="Mercado Pago payment", readonly=True)
    operation_number = fields.Char(readonly=True)
    qr_data = fields.Char(readonly=True)
    push_ms = fields.Integer(
        string="Mercado Pago push time (ms)",
        readonly=True,
        help="How long Mercado Pago took to answer the push, retries included, as "
        "Odoo saw it: a slow QR on the screen starts here.",
    )
    state = fields.Selection(
        [
            ("new", "Sending"),
            ("waiting", "Waiting for the customer"),
            ("paid", "Paid"),
            ("rejected", "Rejected"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
            ("failed", "Failed"),
            ("review", "Paid, to review"),
            ("late", "Paid late"),
            ("forced", "Forced done"),
        ],
        default="new",
        required=True,
        index=True,
        readonly=True,
    )
    message = fields.Char(readonly=True, help="What the cashier was told.")
    expires_at = fields.Datetime(readonly=True)
    next_check_at = fields.Datetime(readonly=True, index=True)
    check_count = fields.Integer(readonly=True)
    paid_at = fields.Datetime(readonly=True)
    forced_by_id = fields.Many2one("res.users", readonly=True)
    forced_at = fields.Datetime(readonly=True)
    # Large and read by hand only: not loaded with the row (prefetch=False)
    # by the notifications, the POS and the cron, which read the row often.
    # Mercado Pago's answers carry the payer's e-mail and identification.
    last_payload = fields.Text(
        readonly=True,
        prefetch=False,
        groups="point_of_sale.group_pos_manager",
        help="Mercado Pago's last answer.",
    )
    # The body sent with the idempotency key, replayed as it is on every retry:
    # Mercado Pago answers 409 to a reused key with another body, and product
    # names or the user's language may have changed since.
    push_body = fields.Text(
        string="Order sent to Mercado Pago", readonly=True, prefetch=False
    )
    # The push failed in a way that may still have created the order: it is
    # looked up and closed later, so nothing is paid behind the cashier's back.
    push_unknown = fields.Boolean(readonly=True)
    # A cancelled, expired or rejected attempt is read once more by the cron
    # after it closed: money that arrived anyway becomes a late payment.
    closed_verified = fields.Boolean(readonly=True)
    refund_ids = fields.One2many("mercado.pago.qr.refund", "attempt_id")
    fee_minor = fields.Integer(readonly=True, help="Mercado Pago's fee, minor units.")
    # False until Mercado Pago's fee was read, by the cron or at session close.
    fee_known = fields.Boolean(readonly=True, index=True)
    refunded_minor = fields.Integer(
        compute="_compute_refunded_minor", store=True, precompute=True
    )
    # Every refund asked and not failed. Stored: each refund writes the
    # attempt's row, on which two refunds of one payment queue.
    refund_asked_minor = fields.Integer(
        compute="_compute_refunded_minor", store=True, precompute=True
    )
    refundable_minor = fields.Integer(
        string="Left to refund (minor units)", compute="_compute_refundable_minor"
    )
    # Stored for the accountant's pivot; the minor units stay the truth. Float,
    # not Monetary: they are exact already, and a Monetary would read the
    # currency on every payment to round them (the notification intake figure).
    gross = fields.Float(compute="_compute_money", store=True, precompute=True)
    fee = fields.Float(compute="_compute_money", store=True, precompute=True)
    net = fields.Float(compute="_compute_money", store=True, precompute=True)
    refunded = fields.Float(compute="_compute_money", store=True, precompute=True)
    resolution = fields.Selection(
        [
            ("none", "Nothing to do"),
            ("attention", "Needs attention"),
            ("resolved", "Resolved"),
        ],
        default="none",
        required=True,
        index=True,
    )
    resolution_note = fields.Char()
    expiry_seconds = fields.Integer(readonly=True)

    _external_reference_unique = models.Constraint(
        "unique(external_reference)", "The external reference must be unique."
    )

    @api.depends("refund_ids.state", "refund_ids.amount_minor")
    def _compute_refunded_minor(self):
        for attempt in self:
            refunds = attempt.refund_ids
            attempt.refunded_minor = sum(
                refunds.filtered(lambda r: r.state == "done").mapped("amount_minor")
            )
            attempt.refund_asked_minor = sum(
                refunds.filtered(lambda r: r.state != "failed").mapped("amount_minor")
            )

    @api.depends("paid_minor", "refund_asked_minor")
    def _compute_refundable_minor(self):
        for attempt in self:
            attempt.refundable_minor = attempt.paid_minor - attempt.refund_asked_minor

    @api.depends("paid_minor", "fee_minor", "refunded_minor", "currency_code", "state")
    def _compute_money(self):
        for attempt in self:
            code = attempt.currency_code
            received = attempt.state in MONEY and code
            if not received:
                attempt.gross = attempt.fee = attempt.net = attempt.refunded = 0.0
                continue
            gross = from_minor_units(attempt.paid_minor, code)
            fee = from_minor_units(attempt.fee_minor, code)
            attempt.gross = float(gross)
            attempt.fee = float(fee)
            attempt.net = float(gross - fee)
            attempt.refunded = float(from_minor_units(attempt.refunded_minor, code))

    @api.depends("amount_minor", "paid_minor", "currency_code")
    def _compute_amounts(self):
        for attempt in self:
            code = attempt.currency_code
            if not code:
                attempt.amount = attempt.amount_paid = 0.0
                continue
            attempt.amount = float(from_minor_units(attempt.amount_minor, code))
            attempt.amount_paid = float(from_minor_units(attempt.paid_minor, code))

    # -- helpers ---------------------------------------------------------------

    def _decimal(self, minor):
        return from_minor_units(minor, self.currency_code)

    def _client(self):
        account = self.account_id
        client = OrdersApiClient if self.api_mode == "orders" else InstoreV2Client
        return client(account._mp_session(), account.mp_user_id)

    def _lock(self, wait_seconds=2):
        """Row lock for the one writer; False if another holder keeps it past
        `wait_seconds`. A locked row is skipped, not waited on, so no savepoint
        is needed. Under Odoo's repeatable read a row changed since the
        transaction began cannot be locked, so what was read of it stays true;
        a row referencing it (a POS line) can still be inserted."""
        self.ensure_one()
        # Odoo's try_lock_for_update(allow_referencing=True), without its
        # "bad query" error line when the row moved since this transaction
        # began: a normal case here, which the caller meets as
        # SerializationFailure.
        query = SQL(
            "SELECT id FROM mercado_pago_qr_attempt WHERE id = %s "
            "FOR NO KEY UPDATE SKIP LOCKED",
            self.id,
        )
        deadline = time.monotonic() + wait_seconds
        pause = 0.01
        while True:
            self.env.cr.execute(query, log_exceptions=False)
            if self.env.cr.fetchall():
                break
            if time.monotonic() + pause > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
        return True

    def _schedule_next_check(self, now=None):
        now = now or fields.Datetime.now()
        delay = RECHECK_DELAYS[min(self.check_count, len(RECHECK_DELAYS) - 1)]
        return now + timedelta(seconds=delay)

    def _notify_pos(self):
        # The bus needs the config's token only: its row is wide.
        self.config_id.fetch(["access_token"])
        for attempt in self:
            attempt.config_id._notify(
                BUS_CHANNEL,
                {"attempt_id": attempt.id, "line_uuid": attempt.line_uuid},
            )

    def _move(self, state, remote=None, message=None, **extra):
        """The one method that changes an attempt's state, from every door: it
        checks the move against the transition table, records what Mercado Pago
        reported (`remote`), flags money nobody waits for to a manager, and
        hints the POS through the bus."""
        check(self.state, state)
        vals = {"state": state, **extra}
        if message is not None:
            vals["message"] = message
        if remote is not None:
            vals["last_payload"] = json.dumps(remote.raw, default=str)[:20000]
            if remote.order_id and not self.mp_order_id:
                vals["mp_order_id"] = remote.order_id
            if remote.payment_ids:
                vals["mp_payment_id"] = remote.payment_ids[-1]
            if remote.operation_number:
                vals["operation_number"] = remote.operation_number
            if remote.paid_amount is not None and remote.currency:
                vals["paid_minor"] = to_minor_units(
                    remote.paid_amount, self.currency_code
                )
        if state in MONEY and not self.paid_at:
            vals["paid_at"] = fields.Datetime.now()
        changed = state != self.state
        if changed and state == "forced":
            vals.update(forced_by_id=self.env.uid, forced_at=fields.Datetime.now())
        confirmed = changed and self.state == "forced" and state == "paid"
        self.write(vals)
        if changed and state in ("late", "review", "forced"):
            self._needs_attention()
        if confirmed:
            self.resolution_note = self.env._(
                "Mercado Pago confirmed the payment after it was forced done."
            )
            self.action_mark_resolved()
        # "waiting" only ever answers the POS's own push RPC, and the cron's
        # closings reach a POS still asking by its polling.
        quiet = state == "waiting" or (
            self.env.context.get("mp_qr_cron") and state not in MONEY
        )
        if changed and not quiet:
            self._notify_pos()

    # -- the one room: re-read and move forward ---------------------------------

    def _settle_from_notification(self):
        """A notification's door, in the request's own transaction. A row
        another door holds is waited for, briefly: the holder may have read the
        order just before the customer paid, and this notification is the news
        of that payment. Once the holder has moved the row, this transaction's
        snapshot is stale: it is rolled back and the row looked at again in a
        new one; by then it is final, or it is re-read."""
        self.ensure_one()
        for _look in range(2):
            try:
                return self._settle(lock_wait=NOTIFICATION_LOCK_WAIT)
            except psycopg2.errors.SerializationFailure:
                self.env.cr.rollback()
                self.env.cr.reset()
        return False

    def _settle(self, lock_wait=2):
        """Re-read from Mercado Pago and record the result under a lock; True
        when the attempt moved. A row found locked or final is left alone:
        another door is already handling it."""
        self.ensure_one()
        if not self._lock(lock_wait):
            return False
        if self.state not in REREAD:
            return False
        before = self.state
        now = fields.Datetime.now()
        if self.state == "new":
            self._resend()
            return self.state != before
        if self.state == "failed":
            if self.push_unknown:
                self._close_unknown_push()
            return self.state != before
        try:
            remote = self._read_order()
        except MercadoPagoError as error:
            _logger.info("Attempt %s: re-read failed: %s", self.id, error)
            remote = None
        return self._settle_with(remote, now)

    def _read_order(self):
        """The order as Mercado Pago reports it now; on v2, the cashbox is
        asked too while no merchant order exists yet."""
        cashbox = self.cashbox_id.external_id if self.api_mode == "v2" else None
        return self._client().get(self._remote_ref(), external_pos_id=cashbox)

    def _settle_with(self, remote, now):
        """Record an open attempt's order as just read (None: the read failed)
        and schedule the next check."""
        before = self.state
        vals = {
            "check_count": self.check_count + 1,
            "next_check_at": self._schedule_next_check(now),
        }
        if remote is None:
            self.write(vals)
        else:
            self._apply_remote(remote, now, vals)
        return self.state != before

    def _remote_ref(self):
        return (
            self.mp_order_id if self.api_mode == "orders" else self.external_reference
        )

    def _expired_message(self):
        return self.env._(
            "The QR order expired before the customer paid. Send it again or take "
            "another payment method."
        )

    def _apply_remote(self, remote, now, vals=None):
        """Move the attempt as `decide` reads Mercado Pago's order; `vals` are
        written with the move, or alone when nothing moves."""
        vals = vals or {}
        decision = decide(
            self.state,
            remote,
            amount=self._decimal(self.amount_minor),
            currency=self.currency_code,
            past_expiry=bool(self.expires_at and now > self.expires_at),
        )
        if decision.state != self.state and not decision.cancel_first:
            message = self._message(decision.reason, remote)
            self._move(decision.state, remote, message, **vals)
        elif vals:
            self.write(vals)
        if decision.cancel_first:
            self._cancel_remote(reason="rejected")

    def _message(self, reason, remote=None):
        """What the cashier (or the manager) reads for a decision's reason."""
        if reason == "amount_differs":
            return self.env._(
                "Mercado Pago received %(paid)s %(currency)s instead of "
                "%(requested)s %(code)s. The payment was not accepted: a "
                "manager must review it.",
                paid=remote.paid_amount,
                currency=remote.currency or "?",
                requested=self._decimal(self.amount_minor),
                code=self.currency_code,
            )
        if reason == "paid":
            return self.env._(
                "Paid. Mercado Pago operation %(number)s.",
                number=remote.operation_number or "-",
            )
        return {
            "late": self.env._(
                "Paid after the line was closed. A manager must attach it to an "
                "order or refund it."
            ),
            "expired": self._expired_message(),
            "cancelled": self.env._("The QR order was cancelled."),
        }[reason]

    def _needs_attention(self, note=None):
        """Money nobody is waiting for: an item and an activity for managers."""
        managers = self.env.ref("point_of_sale.group_pos_manager").all_user_ids
        manager = managers.filtered(lambda u: self.company_id in u.company_ids)[:1]
        for attempt in self:
            attempt.resolution = "attention"
            if manager:
                attempt.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Mercado Pago QR payment to handle"),
                    note=note or attempt.message,
                    user_id=manager.id,
                )

    def action_mark_resolved(self):
        """A manager attached the money to an order, or handled it otherwise."""
        for attempt in self:
            attempt.write(
                {
                    "resolution": "resolved",
                    "resolution_note": attempt.resolution_note
                    or (
                        attempt.pos_order_id
                        and self.env._(
                            "Attached to order %(order)s.",
                            order=attempt.pos_order_id.name,
                        )
                    )
                    or self.env._("Resolved by %(user)s.", user=self.env.user.name),
                }
            )
            attempt.activity_ids.action_feedback(feedback=attempt.resolution_note)
        return True
