"""QR orders through the Orders API (``POST /v1/orders`` with ``type: qr``)."""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# create() here is an HTTP call, not an ORM override.
# pylint: disable=translation-required,method-required-super

import logging

from .errors import ConflictError, ValidationError
from .http import check_idempotency_key
from .money import (
    ORDERS_TITLE_MAX,
    format_orders_amount,
    parse_amount,
    positive,
    sum_amounts,
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
    iso_duration,
    refund_status,
)
from .references import check_resource_id

_logger = logging.getLogger(__name__)

MAX_ITEMS = 10
DESCRIPTION_MAX = 150
EXTERNAL_CODE_MAX = 30
UNIT_MEASURE_MAX = 10

_ORDER_STATUS = {
    "created": PENDING,
    # Interoperable QR (UY/AR) payments pass through in_process: still waiting.
    "processing": PENDING,
    "in_process": PENDING,
    "action_required": PENDING,
    "processed": PAID,
    "refunded": REFUNDED,
    "expired": EXPIRED,
    "canceled": CANCELED,
    "cancelled": CANCELED,
    "failed": REJECTED,
    "rejected": REJECTED,
}
_FAILED = frozenset({"failed", "rejected", "canceled", "cancelled", "expired"})


def _transactions(body, kind):
    """The order's ``transactions.payments`` or ``.refunds``, as dicts."""
    transactions = body.get("transactions") if isinstance(body, dict) else None
    found = transactions.get(kind) if isinstance(transactions, dict) else None
    return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []


def _operation_number(payment):
    """Mercado Pago's operation number of one payment of an order.

    The SDKs' order models read ``reference_id`` (sdk-nodejs, sdk-go, sdk-php
    fixtures), the published QR and Point order webhooks carry ``reference:
    {"id": ...}``. Either is read; the payment method's reference, then the
    payment id (PAY...), are last resorts.
    """
    reference = payment.get("reference")
    reference = reference.get("id") if isinstance(reference, dict) else None
    method = payment.get("payment_method")
    method_ref = method.get("reference_id") if isinstance(method, dict) else None
    for value in (payment.get("reference_id"), reference, method_ref):
        if value not in (None, "") and not isinstance(value, bool | dict | list):
            return value
    return payment.get("id")


def state_from_order(body):
    """A QrOrderState out of an Orders API order object."""
    if not isinstance(body, dict):
        return QrOrderState(order_id=None, status=UNKNOWN, raw={})
    payments = _transactions(body, "payments")
    refunds = _transactions(body, "refunds")
    raw_status = body.get("status")
    detail = body.get("status_detail")
    status = _ORDER_STATUS.get(str(raw_status).lower(), UNKNOWN)
    live = [p for p in payments if str(p.get("status")).lower() not in _FAILED]
    paid_amount = None
    if status in (PAID, REFUNDED):
        paid_amount = parse_amount(body.get("total_paid_amount"))
        if paid_amount is None and live:
            paid_amount = sum_amounts(
                p.get("paid_amount") or p.get("amount") for p in live
            )
    live_refunds = [r for r in refunds if str(r.get("status")).lower() not in _FAILED]
    if refunds:
        refunded = sum_amounts(r.get("amount") for r in live_refunds)
    else:
        refunded = sum_amounts(p.get("refunded_amount") for p in payments)
    if status == PAID and (
        detail == "partially_refunded"
        or (refunded > 0 and (paid_amount is None or refunded < paid_amount))
    ):
        status = PARTIALLY_REFUNDED
    elif status == PAID and paid_amount is not None and refunded >= paid_amount > 0:
        status = REFUNDED
    operation = _operation_number((live or payments)[0]) if payments else None
    type_response = body.get("type_response")
    qr_data = type_response.get("qr_data") if isinstance(type_response, dict) else None
    return QrOrderState(
        order_id=body.get("id"),
        status=status,
        raw_status=raw_status,
        status_detail=detail,
        paid_amount=paid_amount,
        currency=body.get("currency"),
        payment_ids=[str(p["id"]) for p in payments if p.get("id")],
        operation_number=str(operation) if operation is not None else None,
        refunded_amount=refunded,
        qr_data=qr_data,
        external_reference=body.get("external_reference"),
        raw=body,
    )


class OrdersApiClient:
    """QR orders on the Orders API: create, get, cancel, refund."""

    def __init__(self, session, user_id=None):  # user_id: InstoreV2Client's signature
        self.session = session

    def build_body(self, req):
        items = req.order_items(ORDERS_TITLE_MAX, MAX_ITEMS)
        currency = req.currency
        total = format_orders_amount(req.total, currency)
        body = {
            "type": "qr",
            "external_reference": req.external_reference,
            "total_amount": total,
            "expiration_time": iso_duration(req.expires_in_seconds),
            "config": {
                "qr": {"external_pos_id": req.external_pos_id, "mode": req.mode}
            },
            "transactions": {"payments": [{"amount": total}]},
            "items": [self._item(item, currency) for item in items],
        }
        description = " ".join((req.description or req.title or "").split())
        if description:
            body["description"] = description[:DESCRIPTION_MAX]
        if self.session.platform_id:
            body["integration_data"] = {"platform_id": self.session.platform_id}
        # No notification_url: Orders API webhooks are configured per application.
        return body

    @staticmethod
    def _item(item, currency):
        line = {
            "title": item.title,
            "unit_price": format_orders_amount(item.unit_price, currency),
            "quantity": item.quantity,
            "unit_measure": (item.unit_measure or "unit").lower()[:UNIT_MEASURE_MAX],
        }
        if item.code:
            line["external_code"] = str(item.code)[:EXTERNAL_CODE_MAX]
        return line

    def create(self, req, idempotency_key, *, body=None):
        """Create the order; a retry with the same key returns the same order.

        `body` is the one `build_body` made for the first try, when there was
        one: Mercado Pago answers 409 to a key reused with another body.
        """
        check_idempotency_key(idempotency_key)
        body = self.build_body(req) if body is None else body
        answer = self.session.request(
            "POST", "/v1/orders", json=body, idempotency_key=idempotency_key
        )
        return state_from_order(answer)

    def get(self, ref, *, external_pos_id=None):
        order_id = check_resource_id(ref, "order_id")
        return state_from_order(self.session.request("GET", f"/v1/orders/{order_id}"))

    def cancel(self, ref, idempotency_key, *, external_pos_id=None):
        """Cancel a created order; if it moved on (paid, expired), say so.

        MP answers 409 ``order_already_canceled`` when the order is no longer
        ``created``, and 409 ``instore_order_locked_error`` while a payment is in
        progress (QR "Cancel order" reference). Neither is swallowed: the order
        is re-read and its real state returned, so a customer who paid just
        before the cancel is seen as paid.
        """
        check_idempotency_key(idempotency_key)
        order_id = check_resource_id(ref, "order_id")
        try:
            answer = self.session.request(
                "POST",
                f"/v1/orders/{order_id}/cancel",
                idempotency_key=idempotency_key,
            )
        except ConflictError as error:
            _logger.info(
                "Order %s could not be canceled (%s); re-reading it", order_id, error
            )
            return self.get(order_id)
        state = state_from_order(answer)
        if state.status == UNKNOWN:
            return self.get(order_id)
        return state

    def refund(self, ref, amount, idempotency_key, *, payment_id=None, currency=None):
        """Refund in full (``amount=None``) or partially, once per idempotency key.

        The refundable balance is deliberately not checked here: after a lost
        answer the caller retries with the same key and MP returns the first
        refund, while a local check would then see the balance already used.
        """
        check_idempotency_key(idempotency_key)
        order_id = check_resource_id(ref, "order_id")
        body = None
        if amount is not None:
            amount = positive(amount, "amount", "refund amount")
            body = self._partial_refund_body(order_id, amount, payment_id, currency)
        answer = self.session.request(
            "POST",
            f"/v1/orders/{order_id}/refund",
            json=body,
            idempotency_key=idempotency_key,
        )
        return _refund_result(answer, amount)

    def _partial_refund_body(self, order_id, amount, payment_id, currency):
        """A partial refund names the payment transaction (PAY...)."""
        if payment_id is None or currency is None:
            current = self.get(order_id)
            payment_id = payment_id or next(iter(current.payment_ids), None)
            currency = currency or current.currency
        if not payment_id or not currency:
            raise ValidationError(
                "The order has no payment to refund.", field="transactions"
            )
        return {
            "transactions": [
                {
                    "id": check_resource_id(payment_id, "payment_id"),
                    "amount": format_orders_amount(amount, currency),
                }
            ]
        }

    def refund_status(self, ref, refund_ids, *, external_pos_id=None):
        """What became of refunds answered "pending": "approved", "pending" or
        "rejected", read from the order's transactions.refunds."""
        wanted = {str(i) for i in refund_ids}
        refunds = _transactions(self.get(ref).raw, "refunds")
        return refund_status(
            r.get("status") for r in refunds if str(r.get("id")) in wanted
        )


def _refund_result(answer, amount):
    """The refund answer (201, or 200 on Point's reference) is a partial order:
    id, status, status_detail and transactions.refunds[{id, transaction_id,
    reference_id, amount, status}] (QR guide docs/qr-code/payment-processing;
    sdk-php .../Order/order_refund_total.json), with no currency nor payments:
    nothing else is read from it. Should refunds[] list earlier refunds too,
    this call's refund of the order's single payment is the last one."""
    body = answer if isinstance(answer, dict) else {}
    state = state_from_order(body)
    refunds = _transactions(body, "refunds")[-1:]
    if not refunds and "transactions" not in body and body.get("amount"):
        # sdk-python's tests/resources/mocks/order_refund.json answers the
        # refund itself: {"id", "status": "approved", "amount", ...}.
        refunds = [body]
    if refunds:
        status = refund_status(r.get("status") for r in refunds)
    elif state.status in (REFUNDED, PARTIALLY_REFUNDED):
        status = "approved"
    else:
        status = "pending"
    if amount is None:
        amount = next(
            (parse_amount(r.get("amount")) for r in refunds if r.get("amount")),
            state.refunded_amount or None,
        )
    return RefundResult(
        refund_ids=[str(r["id"]) for r in refunds if r.get("id")],
        amount=amount,
        status=status,
        raw=answer or {},
        state=state,
    )
