"""External references and ids that meet Mercado Pago's charset and length rules.

- ``external_reference`` (orders): at most 64 chars of ``[A-Za-z0-9_-]``.
- POS ``external_id`` (= ``external_pos_id``): letters and digits only, under 40 chars,
  unique per account and, per a legacy guide, not case-sensitive.
- store ``external_id``: up to 60 chars; MP says "alphanumeric", so letters and digits.
- POS ``name``: under 45 chars.
"""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# pylint: disable=translation-required

import hashlib
import re
import unicodedata

from .errors import ValidationError

EXTERNAL_REFERENCE_MAX = 64
POS_EXTERNAL_ID_MAX = 39  # "< 40 chars"
STORE_EXTERNAL_ID_MAX = 60
POS_NAME_MAX = 44  # "< 45 chars"
STORE_NAME_MAX = 255

_REFERENCE_RE = re.compile(r"[A-Za-z0-9_-]+")
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_-]+")
_ALNUM_RE = re.compile(r"[A-Za-z0-9]+")
_HASH_LEN = 10


def _ascii_fold(text):
    """Fold accents (Café Nº1 -> Cafe No1): keep letters a reader recognises."""
    text = unicodedata.normalize("NFKD", str(text))
    return text.encode("ascii", "ignore").decode("ascii")


def _digest(text, length):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def make_external_reference(*parts):
    """A deterministic external_reference built from parts, e.g. session, order, try.

    Unsafe characters become "_"; parts are joined by "-". When the result exceeds 64
    chars it is cut and a hash of all the original parts is appended, so that two
    long references that share a prefix still differ.
    """
    cleaned = []
    for part in parts:
        if part is None:
            continue
        text = _UNSAFE_RE.sub("_", _ascii_fold(part)).strip("_")
        if text:
            cleaned.append(text)
    if not cleaned:
        raise ValueError("An external reference needs at least one non-empty part.")
    reference = "-".join(cleaned)
    if len(reference) > EXTERNAL_REFERENCE_MAX:
        raw = "\x1f".join(str(part) for part in parts if part is not None)
        head = reference[: EXTERNAL_REFERENCE_MAX - _HASH_LEN - 1].rstrip("-_")
        reference = f"{head}-{_digest(raw, _HASH_LEN)}"
    return reference


def _fits(value, limit):
    """A string of 1 to `limit` letters, digits, "_" or "-"."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= limit
        and bool(_REFERENCE_RE.fullmatch(value))
    )


def check_external_reference(value):
    if not _fits(value, EXTERNAL_REFERENCE_MAX):
        raise ValidationError(
            "The external reference must be 1 to 64 characters among letters, "
            "digits, '_' and '-'.",
            field="external_reference",
            code="invalid_external_reference",
        )
    return value


def make_pos_external_id(prefix_seed, number):
    """A POS external id such as ``ODOO1A2B3C4DP7``: letters and digits, < 40 chars.

    ``prefix_seed`` (e.g. the database uuid and company id) is hashed, so the id is
    stable for one database and differs between databases sharing an MP account.
    Upper case because MP may compare these ids case-insensitively.
    """
    return _make_alnum_id(prefix_seed, "P", number, POS_EXTERNAL_ID_MAX)


def make_store_external_id(prefix_seed, number):
    """A store external id such as ``ODOO1A2B3C4DS3``, letters and digits only."""
    return _make_alnum_id(prefix_seed, "S", number, STORE_EXTERNAL_ID_MAX)


def _make_alnum_id(prefix_seed, kind, number, limit):
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValueError("The number must be a non-negative int.")
    if not prefix_seed:
        raise ValueError("A prefix seed is required.")
    value = f"ODOO{_digest(str(prefix_seed), 8).upper()}{kind}{number}"
    if len(value) > limit:
        raise ValueError(f"The number {number} makes the id too long.")
    return value


def _check_alnum(value, limit, field, what):
    code = "INVALID_EXTERNAL_ID"
    if not isinstance(value, str) or not value:
        raise ValidationError(f"The {what} is required.", field=field, code=code)
    if not _ALNUM_RE.fullmatch(value):
        raise ValidationError(
            f"The {what} may contain only letters and digits (no spaces, hyphens or "
            "other characters).",
            field=field,
            code=code,
        )
    if len(value) > limit:
        raise ValidationError(
            f"The {what} must be at most {limit} characters long.",
            field=field,
            code=code,
        )
    return value


def check_pos_external_id(value, field="external_id"):
    return _check_alnum(value, POS_EXTERNAL_ID_MAX, field, "cashbox external id")


def check_store_external_id(value, field="external_id", *, strict=True):
    """Ids we create are letters and digits only (MP's store charset is unconfirmed);
    ``strict=False`` also accepts "_" and "-" for stores created elsewhere."""
    if strict:
        return _check_alnum(value, STORE_EXTERNAL_ID_MAX, field, "store external id")
    if not _fits(value, STORE_EXTERNAL_ID_MAX):
        raise ValidationError(
            "The store external id must be 1 to 60 letters, digits, '_' or '-'.",
            field=field,
            code="INVALID_EXTERNAL_STORE_ID",
        )
    return value


def _check_name(name, what, limit, too_long_code):
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(
            f"The {what} name is required.", field="name", code="INVALID_NAME"
        )
    if len(name) > limit:
        raise ValidationError(
            f"The {what} name must be at most {limit} characters long.",
            field="name",
            code=too_long_code,
        )
    return name


def check_pos_name(name):
    return _check_name(name, "cashbox", POS_NAME_MAX, "NAME_TOO_LONG")


def check_store_name(name):
    return _check_name(name, "store", STORE_NAME_MAX, "INVALID_NAME")


def check_resource_id(value, field, *, numeric=False):
    """Ids that go into a URL path: MP ids are digits or ORD/PAY-style alnum."""
    text = (
        str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    )
    pattern = r"[0-9]{1,30}" if numeric else r"[A-Za-z0-9_-]{1,64}"
    if not isinstance(text, str) or not re.fullmatch(pattern, text):
        kind = "a number" if numeric else "a Mercado Pago id"
        raise ValidationError(f"The {field} must be {kind}.", field=field)
    return text
