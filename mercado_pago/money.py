"""Amounts in Mercado Pago's decimals per currency, and item lines that sum exactly.

All arithmetic is done in ``Decimal`` with ROUND_HALF_UP (never truncation); floats
are refused at the entrance because ``1.005`` as a float is 1.00499999...
"""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# pylint: disable=translation-required

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import ValidationError


@dataclass(frozen=True)
class Site:
    site_id: str
    currency: str
    decimals: int
    gastronomy_mcc: int
    gas_station_mcc: int
    orders_api_supported: bool
    name: str


# Decimals per MP (COP has none at MP, unlike ISO 4217); MCCs from the POS API table.
# Orders API QR support: the reference's currency enum lists only ARS, BRL, CLP and
# UYU; MX/CO/PE are unconfirmed, so they are marked unsupported until proven.
SITES = {
    "MLA": Site("MLA", "ARS", 2, 621102, 473000, True, "Argentina"),
    "MLB": Site("MLB", "BRL", 2, 5611203, 4731300, True, "Brazil"),
    "MLM": Site("MLM", "MXN", 2, 5812, 468419, False, "Mexico"),
    "MLC": Site("MLC", "CLP", 0, 561000, 473001, True, "Chile"),
    "MCO": Site("MCO", "COP", 0, 5611, 4731, False, "Colombia"),
    "MPE": Site("MPE", "PEN", 2, 5520, 5050, False, "Peru"),
    "MLU": Site("MLU", "UYU", 2, 56101, 47300, True, "Uruguay"),
}

_DECIMALS = {site.currency: site.decimals for site in SITES.values()}

# Item field limits (Orders API: title 150, unit_measure 10, external_code 30;
# v2: title String(256)).
ORDERS_TITLE_MAX = 150
V2_TITLE_MAX = 256


def currency_decimals(currency):
    try:
        return _DECIMALS[currency]
    except (KeyError, TypeError):
        raise ValidationError(
            f"Currency {currency!r} is not supported by Mercado Pago QR.",
            field="currency",
        ) from None


def to_decimal(amount):
    """An exact Decimal from Decimal, int or str; floats are refused."""
    if isinstance(amount, bool | float):
        raise TypeError(
            "Amounts must be Decimal, int or str, not float: a float cannot hold "
            "most decimal fractions exactly."
        )
    if not isinstance(amount, Decimal | int | str):
        raise TypeError(f"Unsupported amount type: {type(amount).__name__}")
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except InvalidOperation:
        raise ValueError(f"Not an amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"Not a finite amount: {amount!r}")
    return value


def positive(amount, field, what):
    """``amount`` as an exact Decimal, refused unless greater than zero."""
    amount = to_decimal(amount)
    if amount <= 0:
        raise ValidationError(f"The {what} must be greater than zero.", field=field)
    return amount


def quantize(amount, currency):
    """Round half-up to the currency's Mercado Pago decimals."""
    exponent = Decimal(1).scaleb(-currency_decimals(currency))
    return to_decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def to_minor_units(amount, currency):
    return int(quantize(amount, currency).scaleb(currency_decimals(currency)))


def from_minor_units(units, currency):
    if isinstance(units, bool) or not isinstance(units, int):
        raise TypeError("Minor units must be an int.")
    return quantize(Decimal(units).scaleb(-currency_decimals(currency)), currency)


def format_orders_amount(amount, currency):
    """Orders API amounts are strings with two decimals: "50.00", "1500.00" (CLP).

    Rounded to the currency's decimals first (CLP/COP: none). Two decimals is
    the one form every public source accepts: the Create order reference wants
    them "even if it is a whole number", its Markdown version and the QR guide
    allow "two decimal places or none" (docs/mercado-pago-api.md).
    ``parse_amount`` reads answers with or without them.
    """
    return f"{quantize(amount, currency):.2f}"


def format_v2_amount(amount, currency):
    """In-store v2 amounts are JSON numbers: int without decimals, else float.

    The float is made only here, from a Decimal already rounded to 2 decimals:
    ``json`` writes its shortest repr, which gives back any decimal of up to 15
    digits, so ``Decimal("19.99")`` is sent as ``19.99`` below 10**13.
    """
    value = quantize(amount, currency)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def parse_amount(value):
    """An MP amount (string or JSON number) as Decimal; None stays None.

    JSON numbers arrive as floats; ``str()`` of a float gives its shortest repr,
    which is the decimal MP wrote, so nothing is lost for ≤ 15 digits.
    """
    if value is None or value == "":
        return None
    return to_decimal(repr(value) if isinstance(value, float) else value)


def sum_amounts(values):
    """The sum of MP amounts (see ``parse_amount``); absent ones count nothing."""
    return sum((a for a in map(parse_amount, values) if a is not None), Decimal(0))


@dataclass(frozen=True)
class ItemLine:
    """A sold line as the caller knows it (may be fractional, discounted, negative)."""

    title: str
    quantity: Decimal
    unit_price: Decimal
    code: str | None = None
    unit_measure: str = "unit"


@dataclass(frozen=True)
class Item:
    """A line as Mercado Pago accepts it: integer quantity, rounded positive price."""

    title: str
    quantity: int
    unit_price: Decimal
    code: str | None = None
    unit_measure: str = "unit"

    @property
    def total(self):
        return self.unit_price * self.quantity


def _truncate(text, limit):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _total(items):
    return sum((item.total for item in items), Decimal(0))


def _qty_one(title, quantity, total, line, title_max):
    """One unit at the line total; the real quantity goes into the title.
    ``line`` (an ItemLine or Item) gives the code and the unit measure."""
    if quantity != 1:
        measure = line.unit_measure
        suffix = "" if measure in ("unit", "", None) else f" {measure}"
        title = f"{Decimal(quantity).normalize():f}{suffix} x {title}"
    return Item(_truncate(title, title_max), 1, total, line.code)


def _to_items(lines, currency, title_max):
    items = []
    for line in lines:
        if not isinstance(line, ItemLine):
            raise TypeError("Order items must be ItemLine objects.")
        quantity = to_decimal(line.quantity)
        unit_price = to_decimal(line.unit_price)
        line_total = quantize(quantity * unit_price, currency)
        if line_total <= 0:
            continue  # discounts and free lines are folded via the difference
        title = _truncate(line.title or "Item", title_max)
        integral = quantity > 0 and quantity == quantity.to_integral_value()
        if integral and unit_price == quantize(unit_price, currency):
            price = quantize(unit_price, currency)
            item = Item(title, int(quantity), price, line.code, line.unit_measure)
        else:
            item = _qty_one(title, quantity, line_total, line, title_max)
        items.append(item)
    return items


def _absorb(items, diff, fold_title, sale_title, title_max):
    """Make the items sum to the total by moving ``diff`` into one of them."""
    if diff == 0:
        return items
    by_total = sorted(range(len(items)), key=lambda i: items[i].total, reverse=True)
    singles = [i for i in by_total if items[i].quantity == 1]
    # Prefer an item already priced as quantity 1: only its price changes.
    for index in singles[:1] + by_total[:1]:
        item = items[index]
        new_total = item.total + diff
        if new_total > 0:
            adjusted = _qty_one(item.title, item.quantity, new_total, item, title_max)
            return items[:index] + [adjusted] + items[index + 1 :]
    # A discount larger than any single item: merge the largest items until the
    # merged line can carry it; all of them merged always can (total > 0).
    merged, running = [], Decimal(0)
    for index in by_total:
        merged.append(index)
        running += items[index].total
        if running + diff > 0:
            break
    if len(merged) == len(items):
        title = sale_title
    elif len(merged) <= 3:
        title = " + ".join(items[i].title for i in sorted(merged))
    else:
        title = fold_title
    folded = Item(_truncate(title, title_max), 1, running + diff)
    first = min(merged)  # the merged line takes the place of the first of them
    return [
        folded if i == first else item
        for i, item in enumerate(items)
        if i == first or i not in merged
    ]


def build_items(
    lines,
    total,
    currency,
    *,
    max_items=None,
    fold_title="Other items",
    sale_title="Sale",
    title_max=ORDERS_TITLE_MAX,
):
    """Mercado Pago items whose Σ unit_price × quantity equals ``total`` exactly.

    - quantities become integers: a fractional line is one unit at its line total,
      the quantity moving into the title ("0.75 kg x Cheese");
    - prices are rounded half-up to the currency's decimals;
    - negative and zero lines (discounts, free items) are not allowed by MP: their
      amount is folded into the other lines through the difference to ``total``;
    - any difference (discounts, rounding, surcharges) is moved into one line priced
      as quantity 1, or into a merged line when no single line can carry it;
    - with ``max_items`` (10 for the Orders API) the extra lines fold into one.
    """
    total = positive(quantize(total, currency), "total_amount", "order total")
    if max_items is not None and max_items < 1:
        raise ValueError("max_items must be at least 1.")
    items = _to_items(lines, currency, title_max)
    if not items:
        return [Item(_truncate(sale_title, title_max), 1, total)]
    if max_items is not None and len(items) > max_items:
        keep = max_items - 1
        title = fold_title if keep else sale_title
        rest = Item(_truncate(title, title_max), 1, _total(items[keep:]))
        items = items[:keep] + [rest]
    items = _absorb(items, total - _total(items), fold_title, sale_title, title_max)
    if _total(items) != total:  # pragma: no cover
        raise AssertionError("Item lines do not add up to the total.")
    return items
