"""QR orders behind one interface, on the Orders API or on legacy in-store v2.

Both implementations take and return the same types (``QrOrderRequest``,
``QrOrderState``, ``RefundResult``). ``ref`` is the Orders API order id (ORD...) for
``OrdersApiClient`` and the ``external_reference`` for ``InstoreV2Client``, which has
no order id (its PUT answers 204). Pass ``external_pos_id`` where the v2 flow needs
the cashbox (reading a not-yet-paid order, canceling); the Orders API ignores it.
"""

# create() here is an HTTP call, not an ORM override.
# pylint: disable=method-required-super

from decimal import Decimal
from typing import Protocol, runtime_checkable

from .instore_v2 import InstoreV2Client
from .order_types import QrOrderRequest, QrOrderState, RefundResult
from .orders_api import OrdersApiClient, state_from_order

__all__ = [
    "InstoreV2Client",
    "OrdersApiClient",
    "QrOrderRequest",
    "QrOrderState",
    "QrOrdersApi",
    "RefundResult",
    "qr_orders_client",
    "state_from_order",
]


@runtime_checkable
class QrOrdersApi(Protocol):
    api: str

    def create(
        self, req: QrOrderRequest, idempotency_key: str, *, body: dict | None = None
    ) -> QrOrderState: ...

    def get(self, ref: str, *, external_pos_id: str | None = None) -> QrOrderState: ...

    def cancel(
        self, ref: str, idempotency_key: str, *, external_pos_id: str | None = None
    ) -> QrOrderState: ...

    def refund(
        self, ref: str, amount: Decimal | None, idempotency_key: str
    ) -> RefundResult: ...

    def refund_status(
        self, ref: str, refund_ids: list, *, external_pos_id: str | None = None
    ) -> str: ...


_MODES = {"orders": OrdersApiClient, "v2": InstoreV2Client}


def qr_orders_client(api_mode, session, user_id):
    """``"orders"`` for the Orders API, ``"v2"`` for legacy in-store orders v2."""
    try:
        cls = _MODES[api_mode]
    except KeyError:
        raise ValueError(
            f"Unknown Mercado Pago QR API {api_mode!r}: use 'orders' or 'v2'."
        ) from None
    return cls(session, user_id)
