"""One row per attempt to charge a POS payment line by QR: the truth.

Notifications, the POS's polling and the cron are three doors into the same
room, `_settle`, which re-reads the order from Mercado Pago and moves the row
forward under a row lock. The browser and notification bodies never decide.
"""

import base64
import io
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import psycopg2
import qrcode

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..mercado_pago import (
    SITES,
    ConflictError,
    ItemLine,
    MercadoPagoError,
    NotFoundError,
    PaymentsClient,
    QrOrderRequest,
    RateLimitedError,
    UnavailableError,
    build_items,
    currency_decimals,
    from_minor_units,
    make_external_reference,
    qr_orders_client,
    quantize,
    to_minor_units,
)
from ..mercado_pago import ValidationError as MpValidationError

_logger = logging.getLogger(__name__)

BUS_CHANNEL = "MERCADO_PAGO_QR"
# States the cashier is still waiting on.
OPEN_STATES = ("new", "waiting", "cancelling")
# States a notification makes us re-read Mercado Pago in: open ones, and closed
# unpaid ones that money may still reach. The others are final.
# States whose order the cron reads again after they closed, until Mercado
# Pago's order is final: money may still reach it.
FOLLOWED_STATES = ("cancelled", "expired", "rejected", "forced")
REREAD_STATES = (*OPEN_STATES, *FOLLOWED_STATES, "failed")
# States in which the customer's money reached the seller.
MONEY_STATES = ("paid", "late", "review")
NOT_READ = object()  # the cron's step has not read the order yet
# How long a notification waits for a row another door holds: the POS's poll
# or another notification holds it for one Mercado Pago read; past this, the
# holder (a cron batch, most likely) settles it.
NOTIFICATION_LOCK_WAIT = 0.5
# Re-check Mercado Pago after a grace period for the notification, then back
# off (Mercado Pago allows polling only as a contingency; about every 5 s).
RECHECK_DELAYS = (5, 5, 5, 5, 5, 10, 10, 15, 20, 30, 60)
DEFAULT_EXPIRY_MINUTES = 5
# Orders API items: at most 10.
ORDERS_API_MAX_ITEMS = 10
# What the push reads of the till's cashbox and the account (check_company,
# the order's ids, the HTTP session), and of the attempt after its commit.
PUSH_CASHBOX_FIELDS = ["company_id", "store_id", "external_id", "write_date"]
PUSH_ACCOUNT_FIELDS = [
    "name",
    "company_id",
    "site_id",
    "api_mode",
    "mp_user_id",
    "access_token",
    "api_base_url",
]
# The code, and the rounding the attempt's monetary fields use.
PUSH_CURRENCY_FIELDS = ["name", "rounding", "decimal_places"]
PUSH_ATTEMPT_FIELDS = [
    "idempotency_key",
    "state",
    "message",
    "currency_id",
    "cashbox_id",
    "line_uuid",
    "amount_minor",
    "expires_at",
    "mode",
    "mp_order_id",
    "mp_payment_id",
    "operation_number",
    "qr_data",
    "paid_at",
    "push_body",
]


def _new_key(_model=None):
    return str(uuid.uuid4())


def _elapsed_ms(started):
    return round((time.monotonic() - started) * 1000)


def _number(value):
    """A decimal from the POS, or None for anything that is not a number."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _clean_lines(lines):
    """Keep only what the server uses of the POS's order lines: product ids
    and numbers (the item breakdown only; the charged amount is checked on its
    own). Anything malformed is dropped, not trusted."""
    if not isinstance(lines, list):
        return []
    clean = []
    for line in lines[:500]:
        if not isinstance(line, dict):
            continue
        qty = _number(line.get("qty"))
        subtotal = _number(line.get("price_subtotal_incl"))
        try:
            product_id = int(line.get("product_id") or 0)
        except (TypeError, ValueError):
            product_id = 0
        if qty is None or subtotal is None:
            continue
        clean.append(
            {
                "product_id": product_id,
                "qty": str(qty),
                "price_subtotal_incl": str(subtotal),
            }
        )
    return clean


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
    api_mode = fields.Selection(
        [("orders", "Orders API"), ("v2", "Legacy in-store orders v2")], required=True
    )
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
    # Money in the currency's minor units: integers, never floats.
    amount_minor = fields.Integer(required=True)
    paid_minor = fields.Integer(readonly=True)
    amount = fields.Monetary(compute="_compute_amounts")
    amount_paid = fields.Monetary(compute="_compute_amounts")
    external_reference = fields.Char(readonly=True, copy=False, index=True)
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
            ("cancelling", "Cancelling"),
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
    last_version = fields.Integer(readonly=True)
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
    refunded_minor = fields.Integer(compute="_compute_refunded_minor", store=True)
    # Paid less every refund asked and not failed. Stored: each refund writes
    # the attempt's row, on which two refunds of one payment queue.
    refundable_minor = fields.Integer(
        string="Left to refund (minor units)",
        compute="_compute_refunded_minor",
        store=True,
    )
    # For the accountant's views (stored, so they pivot); the minor units above
    # stay the source of truth.
    gross = fields.Monetary(compute="_compute_money", store=True)
    fee = fields.Monetary(compute="_compute_money", store=True)
    net = fields.Monetary(compute="_compute_money", store=True)
    refunded = fields.Monetary(compute="_compute_money", store=True)
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

    @api.depends("paid_minor", "refund_ids.state", "refund_ids.amount_minor")
    def _compute_refunded_minor(self):
        for attempt in self:
            refunds = attempt.refund_ids
            attempt.refunded_minor = sum(
                refunds.filtered(lambda r: r.state == "done").mapped("amount_minor")
            )
            attempt.refundable_minor = attempt.paid_minor - sum(
                refunds.filtered(lambda r: r.state != "failed").mapped("amount_minor")
            )

    @api.depends("paid_minor", "fee_minor", "refunded_minor", "currency_id", "state")
    def _compute_money(self):
        for attempt in self:
            code = attempt.currency_id.name
            received = attempt.state in MONEY_STATES and code
            if not received:
                attempt.gross = attempt.fee = attempt.net = attempt.refunded = 0.0
                continue
            gross = from_minor_units(attempt.paid_minor, code)
            fee = from_minor_units(attempt.fee_minor, code)
            attempt.gross = float(gross)
            attempt.fee = float(fee)
            attempt.net = float(gross - fee)
            attempt.refunded = float(from_minor_units(attempt.refunded_minor, code))

    @api.depends("amount_minor", "paid_minor", "currency_id")
    def _compute_amounts(self):
        for attempt in self:
            code = attempt.currency_id.name
            if not code:
                attempt.amount = attempt.amount_paid = 0.0
                continue
            attempt.amount = float(from_minor_units(attempt.amount_minor, code))
            attempt.amount_paid = float(from_minor_units(attempt.paid_minor, code))

    # -- helpers ---------------------------------------------------------------

    def _amount_to_minor(self, amount):
        """A refund's amount, negative from the POS, positive from a manager."""
        number = _number(amount)
        return self._charge_minor(
            None if number is None else abs(number), self.currency_id
        )

    @api.model
    def _charge_minor(self, amount, currency):
        """`amount` in Mercado Pago's minor units of `currency`. An amount
        Mercado Pago cannot charge exactly (cents of COP or CLP, which Mercado
        Pago charges in whole units) is refused before anything is sent, never
        rounded away: the POS line and Mercado Pago must say the same."""
        number = _number(amount)
        if number is None:
            raise UserError(self.env._("The amount is not a number."))
        # The POS sends a float's text: its noise ends at Odoo's decimals.
        number = number.quantize(
            Decimal(1).scaleb(-currency.decimal_places), rounding=ROUND_HALF_UP
        )
        if quantize(number, currency.name) != number:
            step = from_minor_units(1, currency.name)
            raise UserError(
                self.env._(
                    "Mercado Pago charges %(currency)s in steps of %(step)s, so it "
                    "cannot charge %(amount)s exactly. Ask a manager to set a cash "
                    "rounding of %(step)s for all payment methods on this Point of "
                    "Sale, or take this amount another way.",
                    currency=currency.name,
                    step=step,
                    amount=number,
                )
            )
        return to_minor_units(number, currency.name)

    def _decimal(self, minor):
        return from_minor_units(minor, self.currency_id.name)

    def _client(self):
        account = self.account_id
        return qr_orders_client(
            self.api_mode, account._mp_session(), account.mp_user_id
        )

    def _lock(self, wait_seconds=2):
        """Row lock for the one writer, tried again for up to `wait_seconds`;
        False if another holder keeps it. A locked row is skipped, not waited
        on, so no savepoint is needed around it."""
        self.ensure_one()
        # Odoo's try_lock_for_update, without its "bad query" error line when
        # the row moved since this transaction began: a normal case here, which
        # the caller meets as SerializationFailure.
        query = SQL(
            "SELECT id FROM mercado_pago_qr_attempt WHERE id = %s "
            "FOR UPDATE SKIP LOCKED",
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
        self.invalidate_recordset()
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

    def _record(self, state, remote=None, message=None, **extra):
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
            if remote.version:
                vals["last_version"] = remote.version
            if remote.paid_amount is not None and remote.currency:
                vals["paid_minor"] = to_minor_units(
                    remote.paid_amount, self.currency_id.name
                )
        if state in MONEY_STATES and not self.paid_at:
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
            self.env.context.get("mp_qr_cron") and state not in MONEY_STATES
        )
        if changed and not quiet:
            self._notify_pos()

    # -- the push --------------------------------------------------------------

    @api.model
    def _start(self, method, session, payload):
        """Store the attempt, commit, then push the order to the cashbox.

        Runs in the cursor `mp_qr_start` opens for it: the row and its
        idempotency key are committed before Mercado Pago is called, so a crash
        or a timeout can always be resumed with the same key.
        """
        config = session.config_id
        # Narrow reads of what the push uses: these rows are wide, and each
        # column fetched costs on every sale.
        cashbox = config._mp_qr_cashbox()
        cashbox.fetch(PUSH_CASHBOX_FIELDS)
        cashbox.store_id.fetch(["external_id"])
        account = method.mp_qr_account_id
        account.fetch(PUSH_ACCOUNT_FIELDS)
        currency = config.currency_id
        currency.fetch(PUSH_CURRENCY_FIELDS)
        code = currency.name
        site = SITES.get(account.site_id)
        if site and site.currency != code:
            raise UserError(
                self.env._(
                    "This Point of Sale sells in %(pos)s but the Mercado Pago account "
                    "charges in %(mp)s.",
                    pos=code,
                    mp=site.currency,
                )
            )
        amount_minor = self._charge_minor(payload.get("amount"), currency)
        if amount_minor <= 0:
            raise UserError(self.env._("A Mercado Pago QR charge must be positive."))
        line_uuid = str(payload.get("line_uuid") or "")[:64]
        if not line_uuid:
            raise UserError(self.env._("The payment line has no id."))
        # One read for both: an attempt of this line (a retried RPC) and what
        # earlier attempts left waiting on the cashbox's QR.
        open_attempts = self.search_fetch(
            [
                ("state", "in", OPEN_STATES),
                "|",
                "&",
                ("line_uuid", "=", line_uuid),
                ("config_id", "=", config.id),
                ("cashbox_id", "=", cashbox.id),
            ],
            ["line_uuid", "amount_minor"],
        )
        existing = open_attempts.filtered(lambda a: a.line_uuid == line_uuid)[:1]
        if existing and existing.amount_minor == amount_minor:
            # The POS asked twice (a retried RPC): same line, same attempt.
            return existing
        expiry = method.mp_qr_expiry_minutes or DEFAULT_EXPIRY_MINUTES
        mode = method.mp_qr_mode if account.api_mode == "orders" else "static"
        vals = {
            "company_id": config.company_id.id,
            "config_id": config.id,
            "session_id": session.id,
            "payment_method_id": method.id,
            "account_id": account.id,
            "cashbox_id": cashbox.id,
            "api_mode": account.api_mode,
            "mode": mode or "static",
            "order_uuid": payload.get("order_uuid"),
            "line_uuid": line_uuid,
            "currency_id": currency.id,
            "amount_minor": amount_minor,
            "expires_at": fields.Datetime.now() + timedelta(minutes=expiry),
            "expiry_seconds": expiry * 60,
            "message": self.env._("Sending the order to Mercado Pago..."),
            # Unique without the row's id, so the row is one INSERT.
            "external_reference": make_external_reference(
                "odoo", config.id, uuid.uuid4().hex
            ),
            "next_check_at": self._schedule_next_check(),
        }
        # No creation message nor follower: attempts are many and the push
        # must be fast; the chatter is for the few a manager handles. The
        # row's company is the env's, so its defaults do not read the user's.
        attempt = (
            self.with_company(config.company_id)
            .with_context(
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                tracking_disable=True,
            )
            .create(vals)
            .with_env(self.env)
        )
        request = attempt._order_request(_clean_lines(payload.get("lines") or []))
        # Read before the commit, which empties the cache.
        client = attempt._client()
        attempt.push_body = json.dumps(client.build_body(request))
        # Commit point: the attempt and its idempotency key exist before the call.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        for other in open_attempts:
            other._cancel_remote(reason="replaced" if other == existing else "cleared")
        # The commit emptied the cache: read back only what the push and the
        # POS's answer use.
        attempt.fetch(PUSH_ATTEMPT_FIELDS)
        attempt.currency_id.fetch(PUSH_CURRENCY_FIELDS)
        attempt.cashbox_id.fetch(["write_date"])
        attempt._push(request, client)
        return attempt

    def _sent_body(self):
        """The body of the first push, None for an attempt made before it was
        kept (the client builds it again)."""
        return json.loads(self.push_body) if self.push_body else None

    def _order_request(self, lines=()):
        """The Mercado Pago order, built here from the order lines' products.
        A retry passes no lines: the body it sends is `push_body`."""
        code = self.currency_id.name
        amount = self._decimal(self.amount_minor)
        products = (
            self.env["product.product"]
            .browse(
                [int(line["product_id"]) for line in lines if line.get("product_id")]
            )
            .exists()
        )
        names = {p.id: p.display_name for p in products}
        items = []
        for line in lines:
            qty = Decimal(str(line.get("qty") or 0))
            subtotal = quantize(
                Decimal(str(line.get("price_subtotal_incl") or 0)), code
            )
            if qty <= 0 or subtotal <= 0:
                continue
            unit = (subtotal / qty).quantize(
                Decimal(1).scaleb(-currency_decimals(code))
            )
            title = names.get(int(line.get("product_id") or 0)) or self.env._("Item")
            items.append(ItemLine(title, qty, unit, code=str(line.get("product_id"))))
        max_items = ORDERS_API_MAX_ITEMS if self.api_mode == "orders" else None
        built = build_items(
            items,
            amount,
            code,
            max_items=max_items,
            fold_title=self.env._("Other items"),
            sale_title=self.env._("Sale"),
        )
        cashbox = self.cashbox_id
        return QrOrderRequest(
            external_reference=self.external_reference,
            external_pos_id=cashbox.external_id,
            external_store_id=cashbox.store_id.external_id,
            total=amount,
            currency=code,
            description=self.config_id.name[:150],
            items=[
                ItemLine(i.title, Decimal(i.quantity), i.unit_price, code=i.code)
                for i in built
            ],
            expires_in_seconds=self.expiry_seconds,
            mode=self.mode,
            notification_url=self.account_id.sudo().webhook_url
            if self.api_mode == "v2"
            else None,
            title=self.config_id.name[:256],
        )

    def _push(self, request, client=None):
        self.ensure_one()
        client = client or self._client()
        started = time.monotonic()
        try:
            remote = client.create(
                request, self.idempotency_key, body=self._sent_body()
            )
        except UnavailableError as error:
            self.push_unknown = error.unknown_outcome
            self._record(
                "failed",
                message=self._unreachable_message(),
                push_ms=_elapsed_ms(started),
            )
            if self.push_unknown:
                # The order may exist: close it now if Mercado Pago is back, so
                # nobody pays a line the cashier was told failed.
                self._close_unknown_push()
            return
        except (MercadoPagoError, UserError) as error:
            self._record(
                "failed",
                message=self._push_error_message(error),
                push_ms=_elapsed_ms(started),
            )
            return
        self._record(
            "waiting",
            remote,
            self.env._("Waiting for the customer to scan and pay."),
            qr_data=remote.qr_data or False,
            push_ms=_elapsed_ms(started),
        )

    def _unreachable_message(self):
        return self.env._(
            "Mercado Pago cannot be reached right now. Nothing was charged: try "
            "again, or take another payment method."
        )

    def _push_error_message(self, error):
        if isinstance(error, ConflictError):
            return self.env._(
                "Another order is still waiting on this QR at Mercado Pago; it "
                "expires soon. Try again in a moment."
            )
        if isinstance(error, NotFoundError):
            return self.env._(
                "Mercado Pago does not know this till's cashbox. Ask a manager to "
                "save the cashbox in Mercado Pago again."
            )
        if isinstance(error, MpValidationError):
            return self.env._(
                "Mercado Pago refused the order (%(field)s): %(message)s",
                field=error.field or "-",
                message=error.message or error.code,
            )
        if isinstance(error, MercadoPagoError):
            return self.env._(
                "Mercado Pago refused the order: %(message)s",
                message=error.message or error.code,
            )
        return str(error)

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
        """Re-read from Mercado Pago and record the result, once, under a lock.

        Returns True when the attempt moved. A caller that finds the row locked
        or final does nothing: another door is already handling it.
        """
        self.ensure_one()
        if not self._lock(lock_wait):
            return False
        if self.state not in REREAD_STATES:
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
            remote = self._client().get(
                self._remote_ref(), external_pos_id=self.cashbox_id.external_id
            )
        except MercadoPagoError as error:
            _logger.info("Attempt %s: re-read failed: %s", self.id, error)
            remote = None
        return self._settle_with(remote, now)

    def _settle_with(self, remote, now):
        """Record an open attempt's order as just read (None: the read failed)
        and schedule the next check."""
        before = self.state
        self.write(
            {
                "check_count": self.check_count + 1,
                "next_check_at": self._schedule_next_check(now),
            }
        )
        if remote is not None:
            self._apply_remote(remote, now)
        return self.state != before

    def _remote_ref(self):
        return (
            self.mp_order_id if self.api_mode == "orders" else self.external_reference
        )

    def _resend(self):
        """An earlier push had an unknown outcome: the same key finds it again."""
        if self.expires_at and fields.Datetime.now() >= self.expires_at:
            self._record("expired", message=self._expired_message())
            return
        self._push(self._order_request())

    def _close_unknown_push(self):
        """A push whose outcome is unknown: find the order, close it, and keep
        any money that came anyway as a late payment."""
        try:
            if self.api_mode == "orders" and not self.mp_order_id:
                # The same key returns the order if it was created.
                remote = self._client().create(
                    self._order_request(),
                    self.idempotency_key,
                    body=self._sent_body(),
                )
                self.mp_order_id = remote.order_id
            remote = self._client().cancel(
                self._remote_ref(),
                self.cancel_key,
                external_pos_id=self.cashbox_id.external_id,
            )
        except MercadoPagoError as error:
            _logger.info("Attempt %s: unknown push still open: %s", self.id, error)
            self.next_check_at = self._schedule_next_check()
            return
        self.push_unknown = False
        if remote.money_received:
            self._apply_remote(remote, fields.Datetime.now())

    def _forced_message(self):
        return self.env._(
            "Forced done by %(user)s without Mercado Pago's confirmation.",
            user=self.env.user.name,
        )

    def _force_done(self):
        """Odoo's Force done: re-read, close the order at Mercado Pago so nobody
        pays it afterwards, then record the line as forced, for a manager to
        check; the cron reads it again until Mercado Pago's order is closed."""
        self.ensure_one()
        if not self._lock():
            raise UserError(
                self.env._("This payment is being checked right now; try again.")
            )
        self._settle()
        if self.state in OPEN_STATES:
            self._cancel_remote(reason="forced")
        if self.state in (*OPEN_STATES, "rejected", "expired"):
            # Mercado Pago could not be reached, or the order had closed unpaid.
            self._record("forced", message=self._forced_message())
        return self

    def _expired_message(self):
        return self.env._(
            "The QR order expired before the customer paid. Send it again or take "
            "another payment method."
        )

    def _apply_remote(self, remote, now):
        code = self.currency_id.name
        if remote.money_received or (remote.paid_amount or 0) > 0:
            # Money arrived (on v2 an approved payment short of the total
            # leaves the merchant order open): it is checked, never ignored.
            requested = self._decimal(self.amount_minor)
            same = remote.currency == code and remote.paid_amount == requested
            if not same:
                self._record(
                    "review",
                    remote,
                    self.env._(
                        "Mercado Pago received %(paid)s %(currency)s instead of "
                        "%(requested)s %(code)s. The payment was not accepted: a "
                        "manager must review it.",
                        paid=remote.paid_amount,
                        currency=remote.currency or "?",
                        requested=requested,
                        code=code,
                    ),
                )
            elif self.state in (*OPEN_STATES, "forced"):
                # Forced done lines were recorded as paid: now they are.
                self._record(
                    "paid",
                    remote,
                    self.env._(
                        "Paid. Mercado Pago operation %(number)s.",
                        number=remote.operation_number or "-",
                    ),
                )
            else:
                # The line was given up (cancelled, expired, rejected) but the
                # money arrived: never dropped, surfaced as a late payment.
                self._record(
                    "late",
                    remote,
                    self.env._(
                        "Paid after the line was closed. A manager must attach it "
                        "to an order or refund it."
                    ),
                )
            return
        if self.state not in OPEN_STATES:
            return
        if remote.status == "rejected" or remote.raw_status == "action_required":
            # Close the order so a later scan cannot pay a line the cashier
            # was told failed; if the customer paid meanwhile, that wins.
            self._cancel_remote(reason="rejected")
            return
        if remote.status == "expired" or (
            remote.status == "unknown" and self.expires_at and now > self.expires_at
        ):
            self._record("expired", remote, self._expired_message())
        elif remote.status == "canceled":
            self._record("cancelled", remote, self.env._("The QR order was cancelled."))

    # -- after the sale: fees, late money, the cron ----------------------------

    def _fetch_fee(self):
        """Mercado Pago's fee on the payment, so the deposit matches the net."""
        number = next(
            (
                n
                for n in (self.operation_number, self.mp_payment_id)
                if n and n.isdigit()
            ),
            None,
        )
        if not number:
            return
        try:
            payment = PaymentsClient(self.account_id._mp_session()).get_payment(number)
        except MercadoPagoError as error:
            _logger.info("Attempt %s: fee not read: %s", self.id, error)
            return
        fee = sum(
            (
                Decimal(str(d.get("amount") or 0))
                for d in (payment or {}).get("fee_details") or []
                if d.get("fee_payer", "collector") == "collector"
            ),
            Decimal(0),
        )
        self.write(
            {"fee_minor": to_minor_units(fee, self.currency_id.name), "fee_known": True}
        )

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

    def action_register_in_session(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Register in a session"),
            "res_model": "mercado.pago.qr.register.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_attempt_id": self.id},
        }

    def action_refund(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refund through Mercado Pago"),
            "res_model": "mercado.pago.qr.refund.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_attempt_id": self.id},
        }

    @api.model
    def _reconcile_domain(self, now):
        grace = now - timedelta(minutes=2)
        return [
            "|",
            "|",
            "&",
            ("state", "in", OPEN_STATES),
            "|",
            ("expires_at", "<", now),
            ("next_check_at", "<", grace),
            "&",
            ("state", "=", "failed"),
            ("push_unknown", "=", True),
            "&",
            "&",
            ("state", "in", FOLLOWED_STATES),
            ("closed_verified", "=", False),
            ("write_date", "<", grace),
        ]

    @api.model
    def _cron_reconcile(self, batch_size=50, readers=4):
        """Settle what nobody is watching: one Mercado Pago read per attempt per
        run, rows locked with SKIP LOCKED so a webhook never waits on the cron,
        progress committed batch by batch; Retry-After stops the run."""
        now = fields.Datetime.now()
        domain = self._reconcile_domain(now)
        # One account the cron cannot use (no token, an API URL refused) is
        # skipped, logged once and shown on its form; the others go on.
        checked = {}
        groups = self._read_group(domain, ["account_id"])
        skipped = self._cron_skip_accounts(
            self.env["mercado.pago.qr.account"].browse([a.id for (a,) in groups if a]),
            checked,
        )
        if skipped:
            domain = [*domain, ("account_id", "not in", skipped.ids)]
        ids = self.search(domain, order="id").ids
        cron = self.with_context(mp_qr_cron=True)
        done = 0
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            try:
                done += cron._reconcile_batch(chunk, now, readers)
            except RateLimitedError as error:
                _logger.info("Reconciliation paused: %s", error)
                self.env["ir.cron"]._commit_progress(len(chunk), remaining=0)
                self.env.ref(
                    "pos_mercado_pago_qr.ir_cron_mercado_pago_qr_reconcile"
                )._trigger(now + timedelta(seconds=error.retry_after or 60))
                return done
            time_left = self.env["ir.cron"]._commit_progress(
                len(chunk), remaining=max(0, len(ids) - start - batch_size)
            )
            if time_left <= 0:
                return done  # the next run goes on where this one stopped
        self.search(
            [("state", "in", MONEY_STATES), ("fee_known", "=", False)], limit=500
        )._read_fees(checked)
        refunds = self.env["mercado.pago.qr.refund"].search(
            [("state", "in", ("new", "pending"))]
        )
        skipped = self._cron_skip_accounts(refunds.attempt_id.account_id, checked)
        refunds -= refunds.filtered(lambda r: r.attempt_id.account_id in skipped)
        refunds._follow_up()
        return done

    @api.model
    def _cron_skip_accounts(self, accounts, checked):
        """The accounts among `accounts` the cron cannot talk to Mercado Pago
        with. `checked` ({account id: problem or None}) lives for one run, so
        each bad account is logged once per run, not once per attempt."""
        skipped = accounts.browse()
        for account in accounts:
            if account.id not in checked:
                checked[account.id] = self._cron_account_problem(account)
            if checked[account.id]:
                skipped |= account
        return skipped

    @api.model
    def _cron_account_problem(self, account):
        try:
            account._mp_session()
        except UserError as error:
            problem = str(error)
        else:
            return None
        _logger.warning(
            "Reconciliation skips the Mercado Pago account %s (id %s): %s",
            account.name,
            account.id,
            problem,
        )
        message = self.env._(
            "The reconciliation skipped this account: %(problem)s",
            problem=problem,
        )
        if account.connection_state != "failed" or account.connection_message != (
            message
        ):
            try:
                with self.env.cr.savepoint():
                    account.sudo().write(
                        {
                            "connection_state": "failed",
                            "connection_message": message,
                            "connection_checked_at": fields.Datetime.now(),
                        }
                    )
            except psycopg2.errors.SerializationFailure:
                account.invalidate_recordset()  # written elsewhere: next run
        return problem

    def _read_fees(self, checked=None):
        """Mercado Pago's fee on each paid attempt whose fee is not known yet,
        so the net matches the deposit. Read after the payment is recorded,
        never while a notification or a cashier waits: by the cron, and at
        session close before the fees are posted."""
        attempts = self.filtered(lambda a: a.state in MONEY_STATES and not a.fee_known)
        skipped = self._cron_skip_accounts(
            attempts.account_id, {} if checked is None else checked
        )
        for attempt in attempts.filtered(lambda a: a.account_id not in skipped):
            try:
                with self.env.cr.savepoint():
                    attempt._fetch_fee()
            except UserError as error:
                _logger.info("Attempt %s: fee not read: %s", attempt.id, error)

    def _lock_skip_locked(self, ids):
        """The rows of `ids` nobody else holds, locked; the others are being
        settled by a webhook or the POS right now."""
        cr = self.env.cr
        query = (
            "SELECT id FROM mercado_pago_qr_attempt WHERE id IN %s ORDER BY id "
            "FOR UPDATE SKIP LOCKED"
        )
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, (tuple(ids),))
                return [row[0] for row in cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # A row moved after this transaction's snapshot: lock row by row
            # and leave the moved ones to the next run (theirs is newer).
            _logger.debug("Reconciliation: a row moved, locking one by one")
        locked = []
        for attempt_id in ids:
            try:
                with cr.savepoint(flush=False):
                    cr.execute(query, ((attempt_id,),))
                    locked += [row[0] for row in cr.fetchall()]
            except psycopg2.errors.SerializationFailure:
                continue
        return locked

    def _reconcile_batch(self, ids, now, readers):
        attempts = self.browse(self._lock_skip_locked(ids))
        attempts.invalidate_recordset()
        attempts.fetch()
        remotes = attempts.filtered(lambda a: a._reconcile_reads(now))._read_many(
            readers
        )
        moved = 0
        for attempt in attempts:
            remote = remotes.get(attempt.id, NOT_READ)
            if isinstance(remote, RateLimitedError):
                raise remote
            try:
                with self.env.cr.savepoint():
                    attempt._reconcile_one(now, remote)
            except psycopg2.errors.SerializationFailure:
                self.env.invalidate_all()
                continue
            except UserError as error:
                # Its account became unusable during the run: the next run
                # skips it (and says so on the account's form).
                _logger.info("Attempt %s: not reconciled: %s", attempt.id, error)
                continue
            moved += 1
        return moved

    def _reconcile_reads(self, now):
        """Whether the cron's step for this attempt starts with one read."""
        if self.state in FOLLOWED_STATES:
            return True
        if self.state not in ("waiting", "cancelling"):
            return False  # "new" and "failed" find their order by its key
        return bool(self.mp_order_id) or self.api_mode == "v2"

    def _read_many(self, readers):
        """Read these attempts' orders, a few at a time: Mercado Pago's round
        trips add up over thousands of attempts. {id: remote, None or error}."""
        jobs = {}
        for attempt in self:
            try:
                client = attempt._client()
            except UserError:
                continue  # not read: the attempt's own step says why
            jobs[attempt.id] = (
                client,
                attempt._remote_ref(),
                attempt.cashbox_id.external_id,
            )

        def read(job):
            client, ref, external_pos_id = job
            try:
                return client.get(ref, external_pos_id=external_pos_id)
            except RateLimitedError as error:
                return error
            except MercadoPagoError as error:
                _logger.info("Order %s: re-read failed: %s", ref, error)
                return None

        if len(jobs) <= 1 or readers <= 1:
            return {key: read(job) for key, job in jobs.items()}
        with ThreadPoolExecutor(max_workers=readers) as pool:
            return dict(zip(jobs, pool.map(read, jobs.values()), strict=True))

    def _reconcile_one(self, now, remote=NOT_READ):
        """The cron's step for one locked attempt; `remote` is its order as
        just read (None if the read failed), or NOT_READ."""
        if self.state in FOLLOWED_STATES:
            if remote is NOT_READ:
                remote = self._read_remote()
            if remote is None:
                return
            self._apply_remote(remote, now)
            if self.state == "forced" and not remote.is_final:
                # Force done could not close it at Mercado Pago: again, so
                # nobody pays a line the cashier already recorded.
                remote = self._cancel_remote(reason="forced", reread=False)
            # A forced line is read until Mercado Pago's order is final.
            self.closed_verified = self.state != "forced" or bool(
                remote and remote.is_final
            )
            return
        if self.state in OPEN_STATES and self.expires_at and now > self.expires_at:
            # Past its expiry: close it at Mercado Pago, keep any money.
            if remote is NOT_READ and not self._reconcile_reads(now):
                self._cancel_remote(reason="expired")  # finds it by its key first
                return
            # Read first: most orders closed by themselves (expired, replaced,
            # paid), so one read settles them; only one still open is cancelled.
            if remote is NOT_READ:
                remote = self._read_remote()
            if remote is None:
                return  # unreachable: the next run tries again
            self._apply_remote(remote, now)
            if self.state in OPEN_STATES:
                self._cancel_remote(reason="expired", reread=False)
            return
        if remote is NOT_READ:
            self._settle()
        else:
            self._settle_with(remote, now)

    def _read_remote(self):
        try:
            return self._client().get(
                self._remote_ref(), external_pos_id=self.cashbox_id.external_id
            )
        except RateLimitedError:
            raise
        except MercadoPagoError as error:
            _logger.info("Attempt %s: re-read failed: %s", self.id, error)
            return None

    # -- cancel ---------------------------------------------------------------

    def _cancel_remote(self, reason="cashier", reread=True):
        """Ask Mercado Pago to cancel, then trust only the re-read; returns the
        order as Mercado Pago then reports it (None when it was not reached).

        Without `reread` (the cron, which has just read the order), a failed
        cancel leaves the attempt for the next run instead of reading again.
        """
        self.ensure_one()
        if self.state not in (*OPEN_STATES, "forced"):
            return
        messages = {
            "cashier": self.env._("Cancelled by the cashier."),
            # The cron closing a forced order keeps who forced it.
            "forced": self.message
            if self.state == "forced"
            else self._forced_message(),
            "expired": self._expired_message(),
            "rejected": self.env._(
                "Mercado Pago rejected the customer's payment. Ask the customer to "
                "try again, or take another payment method."
            ),
            "cleared": self.env._("Replaced by a newer order on the same QR."),
            "replaced": self.env._("Replaced by a newer order on the same QR."),
        }
        final_state = {
            "rejected": "rejected",
            "expired": "expired",
            "forced": "forced",
        }.get(reason, "cancelled")
        if not self.mp_order_id and self.api_mode == "orders":
            # Never reached Mercado Pago (or unknown): the same key finds it.
            try:
                self._resend()
            except MercadoPagoError as error:
                _logger.info("Attempt %s: not found to cancel: %s", self.id, error)
            if not self.mp_order_id:
                self._record(final_state, message=messages[reason])
                return
        try:
            remote = self._client().cancel(
                self._remote_ref(),
                self.cancel_key,
                external_pos_id=self.cashbox_id.external_id,
            )
        except MercadoPagoError as error:
            _logger.info("Attempt %s: cancel failed: %s", self.id, error)
            try:
                if not reread:
                    raise
                remote = self._client().get(
                    self._remote_ref(), external_pos_id=self.cashbox_id.external_id
                )
            except MercadoPagoError:
                self.message = self.env._(
                    "Mercado Pago could not be reached to cancel; the order expires "
                    "by itself. Checking again..."
                )
                return
        if remote.money_received:
            self._apply_remote(remote, fields.Datetime.now())
            return remote
        self._record(final_state, remote, messages[reason])
        return remote

    # -- for the POS ----------------------------------------------------------

    def _qr_image_data_url(self):
        """The image the customer scans: the sticker's QR, or the order's own."""
        if self.mode == "hybrid" and self.qr_data:
            image = qrcode.make(self.qr_data, box_size=8, border=2)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            data = base64.b64encode(buffer.getvalue()).decode()
            return f"data:image/png;base64,{data}"
        return self.cashbox_id._qr_data_url()

    def _to_pos(self, with_images=False):
        self.ensure_one()
        code = self.currency_id.name
        result = {
            "id": self.id,
            "line_uuid": self.line_uuid,
            "state": self.state,
            "message": self.message or "",
            "amount": str(self._decimal(self.amount_minor)),
            "currency": code,
            "expires_at": self.expires_at and self.expires_at.isoformat() + "Z",
            "mode": self.mode,
            "mp_order_id": self.mp_order_id or False,
            "mp_payment_id": self.mp_payment_id or False,
            "operation_number": self.operation_number or False,
        }
        if with_images:
            result["qr_image"] = self._qr_image_data_url()
        return result

    def _poll(self):
        """The POS asks for news: re-read Mercado Pago only when it is time."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.state in OPEN_STATES and (
            not self.next_check_at or now >= self.next_check_at
        ):
            self._settle()
        return self
