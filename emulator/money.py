"""Money with Decimal only, and JSON that writes Decimals as exact numbers."""

from __future__ import annotations

import json
import re
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)

# Orders API amounts: "two decimals or none" (docs/mercado-pago-api.md §9).
_TWO_OR_NONE = re.compile(r"^\d+(\.\d{2})?$")
_TWO_REQUIRED = re.compile(r"^\d+\.\d{2}$")
_INTEGER = re.compile(r"^\d+$")


def quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def round_money(amount: Decimal, decimals: int) -> Decimal:
    return amount.quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def fmt(amount: Decimal | str, decimals: int) -> str:
    """Canonical string for a currency: "50.00" (ARS) or "5000" (CLP)."""
    return format(round_money(Decimal(amount), decimals), "f")


def D(value: str | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def parse_amount_string(
    text: object, decimals: int, *, two_required: bool, zero_decimal_strict: bool
) -> Decimal:
    """Parse an Orders API amount string; raise ValueError(reason) when invalid.

    Default ("two decimals or none", QR reference .md and guide): "50", "50.00",
    and for zero-decimal currencies (CLP, COP) "1500" and "1500.00" alike, but
    never a fraction the currency cannot hold ("1500.50"). `two_required` is the
    HTML reference's "must contain two decimals"; `zero_decimal_strict` refuses
    "1500.00" in CLP/COP (no public source says so: a switch, off by default).
    """
    if not isinstance(text, str):
        raise TypeError("must be a string")
    if decimals == 0 and zero_decimal_strict:
        if not _INTEGER.match(text):
            raise ValueError("must be an integer for a zero-decimal currency")
    elif two_required:
        if not _TWO_REQUIRED.match(text):
            raise ValueError("must have two decimals")
    elif not _TWO_OR_NONE.match(text):
        raise ValueError("must have two decimals or none")
    value = Decimal(text)
    if decimals == 0 and value != value.to_integral_value():
        raise ValueError("must be a whole number for a zero-decimal currency")
    if value <= ZERO:
        raise ValueError("must be greater than zero")
    return value


def parse_number(value: object, *, max_places: int = 2) -> Decimal:
    """Parse a JSON number (already a Decimal via parse_float); ValueError if bad."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError("must be a number")
    dec = D(value)
    if not dec.is_finite():
        raise ValueError("must be finite")
    places = -dec.normalize().as_tuple().exponent
    if places > max_places:
        raise ValueError(f"must have at most {max_places} decimals")
    return dec


def to_decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


# --- JSON ---------------------------------------------------------------

# Decimals are emitted as bare JSON numbers (never through float) by writing a
# marker string and unquoting it afterwards. The marker has a per-process token
# so user text can never collide with it.
_TOKEN = secrets.token_hex(8)
_MARK = re.compile(r'"@@' + _TOKEN + r'@(-?[0-9.E+-]+)@@"')


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return f"@@{_TOKEN}@{format(o, 'f')}@@"
        return super().default(o)


def dumps(obj: object, **kwargs) -> str:
    text = json.dumps(obj, cls=_Encoder, ensure_ascii=False, **kwargs)
    return _MARK.sub(r"\1", text)


def loads(text: str | bytes) -> object:
    """JSON numbers with a fraction become Decimal, never float."""
    return json.loads(text, parse_float=Decimal)
