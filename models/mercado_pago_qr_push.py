"""The attempt's order at Mercado Pago: the push (a POS line becomes an
attempt, committed with its idempotency key, then an order on the till's
cashbox), the cancel and Odoo's Force done."""

import json
import logging
import time
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mercado_pago.errors import (
    ConflictError,
    MercadoPagoError,
    NotFoundError,
    UnavailableError,
)
from ..mercado_pago.errors import ValidationError as MpValidationError
from ..mercado_pago.money import (
    SITES,
    ItemLine,
    from_minor_units,
    quantize,
    to_minor_units,
)
from ..mercado_pago.order_types import QrOrderRequest
from ..mercado_pago.references import make_external_reference
from ..mercado_pago.transitions import OPEN

_logger = logging.getLogger(__name__)

DEFAULT_EXPIRY_MINUTES = 5


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
    _inherit = "mercado.pago.qr.attempt"

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

    @api.model
    def _start(self, method, session, payload):
        """Store the attempt, commit, then push, in the cursor `mp_qr_start`
        opens: the row and its idempotency key are committed before Mercado
        Pago is called, so a crash or a timeout resumes with the same key."""
        config = session.config_id
        cashbox = config.mp_qr_cashbox_id
        amount_minor, line_uuid = self._checked_charge(method, config, payload)
        # One read for both: an attempt of this line (a retried RPC) and what
        # earlier attempts left waiting on the cashbox's QR.
        open_attempts = self.search_fetch(
            [
                ("state", "in", OPEN),
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
        vals = self._attempt_vals(method, session, cashbox, payload)
        vals.update(line_uuid=line_uuid, amount_minor=amount_minor)
        # The order's body is built first, so the row is one INSERT with it.
        draft = self.new(vals)
        request = draft._order_request(_clean_lines(payload.get("lines") or []))
        # Read before the commit, which empties the cache.
        client = draft._client()
        vals["push_body"] = json.dumps(client.build_body(request))
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
        # Commit point: the attempt and its idempotency key exist before the call.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        for other in open_attempts:
            other._cancel_remote(reason="replaced")
        attempt._push(request, client)
        return attempt

    @api.model
    def _attempt_vals(self, method, session, cashbox, payload):
        config = session.config_id
        account = method.mp_qr_account_id
        expiry = method.mp_qr_expiry_minutes or DEFAULT_EXPIRY_MINUTES
        return {
            "company_id": config.company_id.id,
            "config_id": config.id,
            "session_id": session.id,
            "payment_method_id": method.id,
            "account_id": account.id,
            "cashbox_id": cashbox.id,
            "api_mode": account.api_mode,
            "mode": (account.api_mode == "orders" and method.mp_qr_mode) or "static",
            "order_uuid": payload.get("order_uuid"),
            "currency_id": config.currency_id.id,
            "expires_at": fields.Datetime.now() + timedelta(minutes=expiry),
            "expiry_seconds": expiry * 60,
            "message": self.env._("Sending the order to Mercado Pago..."),
            # Unique without the row's id, so the row is one INSERT.
            "external_reference": make_external_reference(
                "odoo", config.id, uuid.uuid4().hex
            ),
            "next_check_at": self._schedule_next_check(),
        }

    @api.model
    def _checked_charge(self, method, config, payload):
        """The amount (minor units) and line of a charge the POS asks for,
        refused with a clear message when Mercado Pago could not take it."""
        code = config.currency_id.name
        site = SITES.get(method.mp_qr_account_id.site_id)
        if site and site.currency != code:
            raise UserError(
                self.env._(
                    "This Point of Sale sells in %(pos)s but the Mercado Pago account "
                    "charges in %(mp)s.",
                    pos=code,
                    mp=site.currency,
                )
            )
        amount_minor = self._charge_minor(payload.get("amount"), config.currency_id)
        if amount_minor <= 0:
            raise UserError(self.env._("A Mercado Pago QR charge must be positive."))
        line_uuid = str(payload.get("line_uuid") or "")[:64]
        if not line_uuid:
            raise UserError(self.env._("The payment line has no id."))
        return amount_minor, line_uuid

    def _sent_body(self):
        """The body of the first push, None for an attempt made before it was
        kept (the client builds it again)."""
        return json.loads(self.push_body) if self.push_body else None

    def _order_request(self, lines=()):
        """The Mercado Pago order, built here from the order lines' products.
        A retry passes no lines: the body it sends is `push_body`."""
        code = self.currency_code
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
            # Not rounded here: build_items keeps a line whose unit price has
            # more decimals at its exact total ("3 x Empanada").
            unit = subtotal / qty
            title = names.get(int(line.get("product_id") or 0)) or self.env._("Item")
            items.append(ItemLine(title, qty, unit, code=str(line.get("product_id"))))
        cashbox = self.cashbox_id
        return QrOrderRequest(
            external_reference=self.external_reference,
            external_pos_id=cashbox.external_id,
            external_store_id=cashbox.store_id.external_id,
            total=amount,
            currency=code,
            description=self.config_id.name[:150],
            # Mercado Pago's items are built once, by the client, from these.
            items=items,
            fold_title=self.env._("Other items"),
            sale_title=self.env._("Sale"),
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
            self._move(
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
            self._move(
                "failed",
                message=self._push_error_message(error),
                push_ms=_elapsed_ms(started),
            )
            return
        self._move(
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

    def _resend(self):
        """An earlier push had an unknown outcome: the same key finds it again."""
        if self.expires_at and fields.Datetime.now() >= self.expires_at:
            self._move("expired", message=self._expired_message())
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
            remote = self._cancel_order()
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
        if self.state in OPEN:
            self._cancel_remote(reason="forced")
        if self.state in (*OPEN, "rejected", "expired"):
            # Mercado Pago could not be reached, or the order had closed unpaid.
            self._move("forced", message=self._forced_message())
        return self

    def _cancel_remote(self, reason="cashier", reread=True):
        """Ask Mercado Pago to cancel, then trust only the re-read; returns the
        order as then reported (None if not reached). Without `reread` (the
        cron, which has just read it), a failed cancel waits for the next run."""
        self.ensure_one()
        if self.state not in (*OPEN, "forced"):
            return
        message = self._cancel_message(reason)
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
                self._move(final_state, message=message)
                return
        try:
            remote = self._cancel_order()
        except MercadoPagoError as error:
            _logger.info("Attempt %s: cancel failed: %s", self.id, error)
            try:
                if not reread:
                    raise
                remote = self._read_order()
            except MercadoPagoError:
                self.message = self.env._(
                    "Mercado Pago could not be reached to cancel; the order expires "
                    "by itself. Checking again..."
                )
                return
        if remote.money_received:
            self._apply_remote(remote, fields.Datetime.now())
            return remote
        self._move(final_state, remote, message)
        return remote

    def _cancel_order(self):
        """Mercado Pago's cancel, once per attempt's cancel key."""
        return self._client().cancel(
            self._remote_ref(),
            self.cancel_key,
            external_pos_id=self.cashbox_id.external_id,
        )

    def _cancel_message(self, reason):
        if reason == "forced":
            # The cron closing a forced order keeps who forced it.
            return self.message if self.state == "forced" else self._forced_message()
        return {
            "cashier": self.env._("Cancelled by the cashier."),
            "expired": self._expired_message(),
            "rejected": self.env._(
                "Mercado Pago rejected the customer's payment. Ask the customer to "
                "try again, or take another payment method."
            ),
            "replaced": self.env._("Replaced by a newer order on the same QR."),
        }[reason]
