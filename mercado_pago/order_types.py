"""The data both QR order implementations share: request, normalized state, refund."""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# pylint: disable=translation-required

from dataclasses import dataclass, field
from decimal import Decimal

from .errors import ValidationError
from .money import ItemLine, build_items, currency_decimals, positive, quantize
from .references import (
    check_external_reference,
    check_pos_external_id,
    check_store_external_id,
)

PENDING = "pending"
PAID = "paid"
REJECTED = "rejected"
EXPIRED = "expired"
CANCELED = "canceled"
REFUNDED = "refunded"
PARTIALLY_REFUNDED = "partially_refunded"
UNKNOWN = "unknown"
# States in which the customer's money has reached the seller (refunds aside).
MONEY_RECEIVED = frozenset({PAID, PARTIALLY_REFUNDED, REFUNDED})
MODES = ("static", "dynamic", "hybrid")
# Orders API: expiration_time between 30 s and 3600 h.
MIN_EXPIRY = 30
MAX_EXPIRY = 3600 * 3600


@dataclass(frozen=True)
class QrOrderRequest:
    external_reference: str
    external_pos_id: str
    external_store_id: str | None
    total: Decimal
    currency: str
    description: str
    items: list[ItemLine]
    expires_in_seconds: int
    mode: str = "static"
    notification_url: str | None = None
    title: str | None = None
    # The titles of the folded remainder and of a one-line sale, translated.
    fold_title: str = "Other items"
    sale_title: str = "Sale"

    def validate(self):
        """Refuse, before anything is sent, what Mercado Pago would refuse."""
        check_external_reference(self.external_reference)
        check_pos_external_id(self.external_pos_id, field="external_pos_id")
        if self.external_store_id:
            check_store_external_id(
                self.external_store_id, field="external_store_id", strict=False
            )
        currency_decimals(self.currency)
        total = positive(self.total, "total_amount", "order total")
        if quantize(total, self.currency) != total:
            # Rounding here would charge an amount the caller did not ask for.
            raise ValidationError(
                f"The total {total} has more decimals than {self.currency} allows; "
                "round it with money.quantize() first.",
                field="total_amount",
            )
        if self.mode not in MODES:
            raise ValidationError(
                f"The QR mode must be one of {', '.join(MODES)}.", field="mode"
            )
        expires = self.expires_in_seconds
        if (
            isinstance(expires, bool)
            or not isinstance(expires, int)
            or not MIN_EXPIRY <= expires <= MAX_EXPIRY
        ):
            raise ValidationError(
                f"The expiry must be between {MIN_EXPIRY} seconds and 3600 hours.",
                field="expiration_time",
            )

    def order_items(self, title_max, max_items=None):
        """The validated order's items, as one API takes them (money.build_items,
        which also refuses items that are not ItemLine objects)."""
        self.validate()
        return build_items(
            self.items,
            self.total,
            self.currency,
            max_items=max_items,
            title_max=title_max,
            fold_title=self.fold_title,
            sale_title=self.sale_title,
        )


@dataclass(frozen=True)
class QrOrderState:
    """An order as re-read from Mercado Pago, in one vocabulary for both APIs.

    ``status`` is one of the names above. "paid" and "partially_refunded" both mean the
    money arrived (see ``money_received``); the caller still compares
    ``paid_amount``/``currency`` with what it asked before accepting the payment.
    """

    order_id: str | None
    status: str
    raw_status: str | None = None
    status_detail: str | None = None
    paid_amount: Decimal | None = None
    currency: str | None = None
    payment_ids: list[str] = field(default_factory=list)
    operation_number: str | None = None
    refunded_amount: Decimal = Decimal(0)
    qr_data: str | None = None
    external_reference: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def money_received(self):
        return self.status in MONEY_RECEIVED

    @property
    def is_final(self):
        return self.status not in (PENDING, UNKNOWN)


@dataclass(frozen=True)
class RefundResult:
    """``status``: "approved" (money returned), "pending" or "rejected"."""

    refund_ids: list[str]
    amount: Decimal | None
    status: str
    raw: dict | list = field(default_factory=dict, repr=False, compare=False)
    state: QrOrderState | None = field(default=None, repr=False, compare=False)


_REFUND_STATUS = {
    raw: status
    for status, raws in {
        "approved": ("approved", "processed", "accredited", "refunded"),
        "pending": ("pending", "processing", "in_process", "authorized"),
        "rejected": ("rejected", "failed", "cancelled", "canceled"),
    }.items()
    for raw in raws
}


def refund_status(raw_statuses):
    """One status for a refund call that produced one or more refund records:
    "approved" or "rejected" when all of them are, else "pending"."""
    statuses = {_REFUND_STATUS.get(str(s).lower(), "pending") for s in raw_statuses}
    return statuses.pop() if len(statuses) == 1 else "pending"


def iso_duration(seconds):
    """600 -> "PT10M", 3690 -> "PT1H1M30S": the Orders API's expiration_time."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    return f"PT{text}{secs}S" if secs or not text else f"PT{text}"
