"""QR orders through the legacy in-store orders v2 API, read back via merchant orders.

v2 has no order id: ``PUT .../pos/{external_pos_id}/orders`` answers 204 and replaces
whatever order was pending on that cashbox. The order is therefore tracked by its
``external_reference``: merchant orders (``closed`` = paid) and their payments.
"""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# create() here is an HTTP call, not an ORM override.
# pylint: disable=translation-required,method-required-super

import datetime
import hashlib
import logging
import time
from dataclasses import replace
from urllib.parse import quote

from .errors import NotFoundError, ValidationError
from .http import check_idempotency_key
from .money import (
    SITES,
    V2_TITLE_MAX,
    format_v2_amount,
    sum_amounts,
    to_decimal,
)
from .order_types import (
    CANCELED,
    EXPIRED,
    PAID,
    PARTIALLY_REFUNDED,
    PENDING,
    REFUNDED,
    REJECTED,
    UNKNOWN,
    QrOrderState,
    RefundResult,
    refund_status,
)
from .payments import PaymentsClient
from .references import check_external_reference, check_pos_external_id

_logger = logging.getLogger(__name__)

TEXT_MAX = 256
V2_UNIT_MEASURES = ("unit", "pack")
_MONEY_STATUSES = frozenset({"approved", "refunded", "charged_back", "in_mediation"})
_WAITING_STATUSES = frozenset({"pending", "in_process", "authorized"})
_FAILED_STATUSES = frozenset({"rejected", "cancelled", "canceled"})
_PAID_ORDER_STATUSES = frozenset({"paid", "reverted", "partially_reverted"})
NOT_ON_CASHBOX = "not_on_cashbox"


def _segment(value):
    return quote(str(value), safe="")


def _text(value):
    return " ".join(str(value or "").split())[:TEXT_MAX]


def _payment_key(payment):
    # Numeric ids sort by creation; fall back to text for anything else.
    text = str(payment.get("id"))
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _refund_key(idempotency_key, payment_id, first_id):
    """One key per refunded payment, derived deterministically from the caller's
    (the first payment takes the caller's key itself)."""
    if payment_id == first_id:
        return idempotency_key
    digest = hashlib.sha256(f"{idempotency_key}:{payment_id}".encode()).hexdigest()
    return f"r{digest[:40]}"


class InstoreV2Client:
    """The attended QR flow on in-store orders v2 (legacy, still widely used)."""

    def __init__(self, session, user_id, *, clock=time.time):
        self.session = session
        self.user_id = str(user_id)
        if not self.user_id.isdigit():
            raise ValidationError("The user id must be numeric.", field="user_id")
        self.payments = PaymentsClient(session)
        self._clock = clock

    def _pos_path(self, external_pos_id, external_store_id=None):
        base = f"/instore/qr/seller/collectors/{self.user_id}"
        if external_store_id:
            base += f"/stores/{_segment(external_store_id)}"
        return f"{base}/pos/{_segment(external_pos_id)}/orders"

    def build_body(self, req):
        items = req.order_items(V2_TITLE_MAX)
        if req.mode != "static":
            raise ValidationError(
                "In-store orders v2 support only the static (attended) mode.",
                field="mode",
            )
        currency = req.currency
        expires = datetime.datetime.fromtimestamp(
            self._clock() + req.expires_in_seconds, datetime.timezone.utc
        )
        body = {
            "external_reference": req.external_reference,
            "title": _text(req.title or req.description or "Order") or "Order",
            "description": _text(req.description or req.title or "Order") or "Order",
            "expiration_date": expires.isoformat(timespec="milliseconds"),
            "total_amount": format_v2_amount(req.total, currency),
            "items": [self._item(item, currency) for item in items],
        }
        if req.notification_url:
            body["notification_url"] = req.notification_url[:500]
        return body

    @staticmethod
    def _item(item, currency):
        measure = (item.unit_measure or "unit").lower()
        line = {
            "title": item.title,
            "unit_price": format_v2_amount(item.unit_price, currency),
            "quantity": item.quantity,
            # v2 knows only "unit" and "pack".
            "unit_measure": measure if measure in V2_UNIT_MEASURES else "unit",
            "total_amount": format_v2_amount(item.total, currency),
        }
        if item.code:
            line["sku_number"] = str(item.code)
        return line

    def create(self, req, idempotency_key, *, body=None):
        """Put the order on the cashbox.

        v2 documents no idempotency header, so the key is checked (the caller must
        have stored it) but not sent. The PUT is idempotent by nature: it replaces
        the single pending order of the cashbox, so repeating it after a timeout
        leaves exactly one order, the same one.
        """
        check_idempotency_key(idempotency_key)
        body = self.build_body(req) if body is None else body
        self.session.request(
            "PUT",
            self._pos_path(req.external_pos_id, req.external_store_id),
            json=body,
            idempotent=True,
        )
        return _bare(req.external_reference, PENDING, currency=req.currency)

    def cashbox_order(self, external_pos_id):
        """The order currently pending on the cashbox, or None."""
        check_pos_external_id(external_pos_id, field="external_pos_id")
        try:
            answer = self.session.request("GET", self._pos_path(external_pos_id))
        except NotFoundError:
            return None
        if isinstance(answer, list):
            orders = [order for order in answer if isinstance(order, dict)]
            return orders[0] if orders else None
        return answer if isinstance(answer, dict) and answer else None

    def _on_cashbox(self, external_reference, external_pos_id):
        current = self.cashbox_order(external_pos_id)
        return bool(current) and current.get("external_reference") == external_reference

    def get(self, ref, *, external_pos_id=None):
        """The state of the order with external_reference ``ref``.

        Since 2024-08 a merchant order may only appear once someone pays, so when no
        merchant order and no payment exist yet, the cashbox is asked (when
        ``external_pos_id`` is given) whether our order is still pending on it.
        """
        state = self._find(ref)
        if state is not None:
            return state
        if external_pos_id is None or self._on_cashbox(ref, external_pos_id):
            return _bare(ref, PENDING)
        # Not payable any more (expired, replaced or deleted), and nothing paid
        # yet: the caller decides with its own expiry time.
        return _bare(ref, UNKNOWN, NOT_ON_CASHBOX)

    def _find(self, external_reference):
        check_external_reference(external_reference)
        merchant_orders = self.payments.search_merchant_orders(external_reference)
        payments = self._payments(external_reference, merchant_orders)
        if not merchant_orders and not payments:
            return None
        return self._state(external_reference, merchant_orders, payments)

    def _payments(self, ref, merchant_orders):
        """Every payment once, in full detail for those that moved money."""
        found = [p for o in merchant_orders for p in o.get("payments") or []]
        if not merchant_orders:
            found = self.payments.search_payments(external_reference=ref)
        summaries = {}
        for payment in found:
            if isinstance(payment, dict) and payment.get("id") is not None:
                summaries.setdefault(str(payment["id"]), payment)
        detailed = []
        for payment_id, summary in summaries.items():
            money = str(summary.get("status")).lower() in _MONEY_STATUSES
            if money and payment_id.isdigit():
                # The merchant order's copy lacks the refund totals.
                summary = self.payments.get_payment(payment_id) or summary
            detailed.append(summary)
        detailed.sort(key=_payment_key)
        return detailed

    def _state(self, ref, merchant_orders, payments):
        money = [p for p in payments if str(p.get("status")).lower() in _MONEY_STATUSES]
        paid_amount = sum_amounts(p.get("transaction_amount") for p in money)
        refunded = sum_amounts(
            p.get("transaction_amount_refunded") or p.get("amount_refunded")
            for p in money
        )
        closed = [o for o in merchant_orders if o.get("status") == "closed"]
        settled = [
            o for o in merchant_orders if o.get("order_status") in _PAID_ORDER_STATUSES
        ]
        chosen = (closed or settled or sorted(merchant_orders, key=_payment_key))[-1:]
        order = chosen[0] if chosen else {}
        status = self._status(merchant_orders, closed or settled, payments, money)
        if status == PAID and refunded > 0:
            status = REFUNDED if refunded >= paid_amount else PARTIALLY_REFUNDED
        currency = next(
            (p.get("currency_id") for p in payments if p.get("currency_id")), None
        )
        if currency is None and order.get("site_id") in SITES:
            currency = SITES[order["site_id"]].currency
        last = payments[-1] if payments else {}
        return QrOrderState(
            order_id=str(order["id"]) if order.get("id") is not None else None,
            status=status,
            raw_status=order.get("status") or last.get("status"),
            status_detail=order.get("order_status") or last.get("status_detail"),
            paid_amount=paid_amount if money else None,
            currency=currency,
            payment_ids=[str(p["id"]) for p in payments],
            operation_number=str(money[0]["id"]) if money else None,
            refunded_amount=refunded,
            external_reference=ref,
            raw={"merchant_orders": merchant_orders, "payments": payments},
        )

    @staticmethod
    def _status(merchant_orders, paid_orders, payments, money):
        if paid_orders and money:
            return PAID
        statuses = [str(p.get("status")).lower() for p in payments]
        if money or any(s in _WAITING_STATUSES for s in statuses):
            # Approved money without a closed merchant order (partial payment, or
            # the merchant order not yet updated): not "paid" until it closes.
            return PENDING
        # An expired merchant order still lists its rejected attempts
        # (docs/mercado-pago-api.md §6.1): dead, whatever the last attempt said.
        if merchant_orders and all(
            o.get("status") == "expired" for o in merchant_orders
        ):
            return EXPIRED
        if statuses and statuses[-1] in _FAILED_STATUSES:
            return REJECTED
        return PENDING

    def cancel(self, ref, idempotency_key, *, external_pos_id=None):
        """Remove our order from the cashbox, then report what really happened.

        The cashbox holds one order at a time and another one may have replaced
        ours, so the DELETE is sent only when the pending order is ours. A small
        window remains between that GET and the DELETE; each cashbox belongs to one
        till, so nothing else should write to it in between.
        """
        check_external_reference(ref)
        check_idempotency_key(idempotency_key)
        if not external_pos_id:
            raise ValidationError(
                "Canceling an in-store v2 order needs the cashbox external id.",
                field="external_pos_id",
            )
        deleted = False
        if self._on_cashbox(ref, external_pos_id):
            try:
                self.session.request("DELETE", self._pos_path(external_pos_id))
                deleted = True
            except NotFoundError:
                # Paid or expired in the meantime: the re-read below says which.
                _logger.info("Order %s left cashbox %s first", ref, external_pos_id)
        else:
            _logger.info("Order %s is no longer on cashbox %s", ref, external_pos_id)
        state = self._find(ref)
        if state is None:
            return _bare(ref, CANCELED, NOT_ON_CASHBOX)
        if state.paid_amount is None and (
            state.status in (PENDING, UNKNOWN)
            # Our DELETE expired the merchant order of the rejected attempts.
            or (deleted and state.status in (EXPIRED, REJECTED))
        ):
            return replace(state, status=CANCELED)
        return state

    def refund(self, ref, amount, idempotency_key):
        """Refund the order's payment(s) through ``/v1/payments/{id}/refunds``.

        Payments are taken in id order so that a retry picks the same ones; each
        gets its own key derived from the caller's (the first payment uses the
        caller's key itself), so a retry returns MP's first answer instead of
        refunding twice. A full refund skips payments already fully refunded.
        """
        check_idempotency_key(idempotency_key)
        state = self.get(ref)
        payments = [
            p
            for p in state.raw.get("payments", [])
            if str(p.get("status")).lower() in ("approved", "refunded")
        ]
        if not payments:
            raise ValidationError(
                "The order has no approved payment to refund.", field="payments"
            )
        first_id = str(payments[0]["id"])
        if amount is not None:
            amount = to_decimal(amount)
            targets = [(payments[0], amount)]
        else:
            targets = [(p, None) for p in payments if p.get("status") == "approved"]
        if targets:
            refunds = [
                self.payments.refund_payment(
                    str(payment["id"]),
                    part,
                    currency=payment.get("currency_id") or state.currency,
                    idempotency_key=_refund_key(
                        idempotency_key, str(payment["id"]), first_id
                    ),
                )
                for payment, part in targets
            ]
        else:
            # Everything was refunded already (by an earlier try of this call):
            # report the refunds the payments carry instead of refunding again.
            refunds = [r for p in payments for r in p.get("refunds") or []]
        refunds = [r for r in refunds if isinstance(r, dict)]
        if not refunds:
            return RefundResult(refund_ids=[], amount=amount, status="approved", raw=[])
        return RefundResult(
            refund_ids=[str(r["id"]) for r in refunds if r.get("id") is not None],
            amount=sum_amounts(r.get("amount") for r in refunds),
            status=refund_status(r.get("status") for r in refunds),
            raw=refunds,
        )

    def refund_status(self, ref, refund_ids, *, external_pos_id=None):
        """What became of refunds answered "pending": "approved", "pending" or
        "rejected", read from the refunds of the order's payments."""
        wanted = {str(i) for i in refund_ids}
        state = self.get(ref, external_pos_id=external_pos_id)
        refunds = [
            refund
            for payment in state.raw.get("payments") or []
            if payment.get("id")
            for refund in self.payments.list_refunds(payment["id"])
            if isinstance(refund, dict) and str(refund.get("id")) in wanted
        ]
        return refund_status(r.get("status") for r in refunds)


def _bare(ref, status, raw_status=None, **values):
    """A state with no merchant order nor payment behind it (yet, or any more)."""
    return QrOrderState(
        order_id=None,
        status=status,
        raw_status=raw_status,
        external_reference=ref,
        **values,
    )
