"""Typed errors raised by the Mercado Pago client, and the parser of MP error bodies.

Mercado Pago answers errors in several shapes depending on the API generation:

- classic: ``{"message", "error", "status", "cause": [{"code", "description"}]}``
- Orders API: ``{"errors": [{"code", "message", "details": [...]}]}``
- in-store v2: ``{"errorKey": "invalid_items.unit_price"}`` or ``{"error", "message"}``
- stores/POS: upper-case codes such as ``NAME_TOO_LONG`` in ``errorKey`` (the
  devsite-docs ``stores.json``/``pos.json`` schemas), ``error`` or ``cause``.

Every one of them is reduced to (code, message, field).
"""

import re
from dataclasses import KW_ONLY, dataclass

# Bearer tokens look like APP_USR-<digits>-<...>-<hex>-<user id> or TEST-...; MP
# sometimes echoes what it was sent, so messages are scrubbed before they are kept.
_TOKEN_RE = re.compile(r"\b(?:APP_USR|TEST)-[A-Za-z0-9_-]{8,}")
_BEARER_RE = re.compile(r"(?i)bearer\s+\S+")
_MAX_MESSAGE = 500

# Store and POS codes that name the offending field (DD stores.json / pos.json).
CODE_FIELDS = {
    "INVALID_NAME": "name",
    "NAME_TOO_LONG": "name",
    "INVALID_BUSINESS_HOURS": "business_hours",
    "INVALID_DAY": "business_hours",
    "INVALID_LOCATION": "location",
    "INVALID_STREET_NAME": "location.street_name",
    "INVALID_STREET_NUMBER": "location.street_number",
    "INVALID_CITY_NAME": "location.city_name",
    "INVALID_STATE_NAME": "location.state_name",
    "INVALID_REFERENCE": "location.reference",
    "INVALID_FIXED_AMOUNT": "fixed_amount",
    "FIXED_AMOUNT_FALSE": "fixed_amount",
    "INVALID_CATEGORY": "category",
    "UNKNOWN_MCC": "category",
    "INVALID_STORE_ID": "store_id",
    "INVALID_EXTERNAL_STORE_ID": "external_store_id",
    "EXTERNAL_STORE_ID_NOT_MATCH": "external_store_id",
    "INEXISTENT_EXTERNAL_STORE_ID": "external_store_id",
    "INVALID_EXTERNAL_ID": "external_id",
    "EXTERNAL_ID_TOO_LONG": "external_id",
    "INVALID_URL": "url",
    "URL_TOO_LONG": "url",
    "INVALID_POS_ID": "id",
    "MISSING_BODY": "body",
    # v2 camelCase keys (errorKey "invalid_<field>") that are not field names.
    "INVALID_COLLECTORID": "user_id",
    "INVALID_EXTERNALPOSID": "external_pos_id",
    "POS_NOT_FOUND": "config.qr.external_pos_id",
    "EMPTY_REQUIRED_HEADER": "X-Idempotency-Key",
    "INVALID_IDEMPOTENCY_KEY_LENGTH": "X-Idempotency-Key",
    # Orders API (QR "Cancel order" reference, QR "Refund errors" page).
    "INVALID_PATH_PARAM": "order_id",
    "REFUND_AMOUNT_EXCEEDS": "amount",
    "UNSUPPORTED_PARTIALLY_REFUNDS": "amount",
    "PARTIAL_REFUND_FORBIDDEN_WITH_TIPS": "amount",
}

# Codes that mean "bad credentials" even when MP answers them with a 400.
AUTH_CODES = {"invalid_access_token", "unauthorized", "invalid_token"}
# "Try again later": the idempotency key or the order is locked for a moment
# (sdk-python MPOrderErrors.RESOURCE_LOCKED, HTTP 409; HTTP 423 in every SDK).
LOCKED_CODES = {"resource_locked"}
# The order forbids the call although the request is well formed (QR "Refund
# errors" page: 400 unsupported_partially_refunds, 403
# partial_refund_forbidden_with_tips, not a credentials problem): a conflict
# with the order's state, like the 409s.
CONFLICT_CODES = {"unsupported_partially_refunds", "partial_refund_forbidden_with_tips"}

# "property 'x.y'" / "field x.y" / "x.y is required" inside Orders API details.
_DETAIL_FIELD_RES = (
    re.compile(r"propert(?:y|ies)\s+['\"`]?([A-Za-z_][\w.\[\]]*)"),
    re.compile(r"field\s+['\"`]?([A-Za-z_][\w.\[\]]*)"),
    re.compile(r"^['\"`]?([a-z_][\w\[\]]*(?:\.[\w\[\]]+)+)['\"`]?\b"),
    re.compile(r"^['\"`]?([a-z][a-z0-9]*(?:_[a-z0-9]+)+)['\"`]?\s+(?:is|must|should)"),
)


def scrub(text, secrets=()):
    """Remove anything that looks like a token, plus the given secrets, from text."""
    if text is None:
        return None
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _BEARER_RE.sub("Bearer ***", text)
    text = _TOKEN_RE.sub("***", text)
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return text


@dataclass(eq=False)
class MercadoPagoError(Exception):
    """A failed Mercado Pago call.

    ``unknown_outcome`` is True when a write may have been applied remotely (timeout,
    connection dropped after sending, 5xx on a write): the caller must re-read or
    retry with the same idempotency key, never assume failure.
    """

    message: str
    _: KW_ONLY
    status: int | None = None
    code: str | None = None
    field: str | None = None
    retry_after: float | None = None
    unknown_outcome: bool = False
    method: str | None = None
    path: str | None = None
    attempts: int | None = None

    def __post_init__(self):
        self.message = scrub(self.message) or "Mercado Pago error"
        self.args = (self.message,)

    def __str__(self):
        head = []
        if self.status is not None:
            head.append(str(self.status))
        if self.code:
            head.append(str(self.code))
        text = f"[{' '.join(head)}] {self.message}" if head else self.message
        if self.field:
            text += f" (field: {self.field})"
        if self.method and self.path:
            text += f" on {self.method} {self.path}"
        return text


class AuthenticationError(MercadoPagoError):
    """401/403: the access token is wrong, expired, or not allowed for this account."""


class NotFoundError(MercadoPagoError):
    """404: the resource (store, POS, order, payment) does not exist for this token."""


class ValidationError(MercadoPagoError):
    """400/422, or a value refused locally before sending; ``field`` names it."""


class ConflictError(MercadoPagoError):
    """409: duplicate external id, idempotency key reused, or state forbids the call."""


class RateLimitedError(MercadoPagoError):
    """429 (too many requests) or 423 / ``resource_locked`` (locked for a moment):
    try later; ``retry_after`` says how long MP asked us to wait."""


class UnavailableError(MercadoPagoError):
    """5xx, timeout or connection error: Mercado Pago could not be reached reliably."""


def _first_dict(value):
    """A dict, or a list's first item if it is one (MP sends either)."""
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, dict) else None


def _field_from_details(details):
    if not isinstance(details, list):
        details = [details]
    for detail in details:
        if isinstance(detail, dict):
            for key in ("field", "property", "parameter", "path"):
                if isinstance(detail.get(key), str) and detail[key]:
                    return detail[key]
            detail = detail.get("message") or detail.get("description") or ""
        if not isinstance(detail, str):
            continue
        for regex in _DETAIL_FIELD_RES:
            match = regex.search(detail.strip())
            if match:
                return match.group(1).rstrip(".")
    return None


def _field_from_code(code):
    if not code or str(code).lower() in AUTH_CODES:
        return None
    mapped = CODE_FIELDS.get(str(code).upper())
    if mapped:
        return mapped
    # v2 errorKey: invalid_items.unit_price, invalid_total_amount, invalid_title...
    match = re.fullmatch(r"invalid_([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)", str(code))
    if match and match.group(1) not in ("request", "body", "parameters"):
        return match.group(1)
    return None


def parse_error_body(body):
    """Return ``(code, message, field)`` from any of Mercado Pago's error bodies."""
    if not isinstance(body, dict):
        text = body.strip() if isinstance(body, str) else None
        return None, (text or None), None
    code = message = field = None
    # Orders API: {"errors": [{"code", "message", "details": [...]}]}
    error = _first_dict(body.get("errors"))
    if error is not None:
        code = error.get("code")
        message = error.get("message")
        field = _field_from_details(error.get("details"))
    # v2: {"errorKey": "invalid_items.unit_price", "message": ...}
    if not code and body.get("errorKey"):
        code = body["errorKey"]
    # classic: cause[0].code is the most specific code.
    cause = _first_dict(body.get("cause"))
    if cause is not None:
        if not code and cause.get("code") not in (None, ""):
            code = str(cause["code"])
        if not message:
            message = cause.get("description")
        field = field or _field_from_details(cause)
    if not code and isinstance(body.get("error"), str):
        code = body["error"]
    if not code and isinstance(body.get("code"), str):
        code = body["code"]
    message = body.get("message") or message or body.get("error_description")
    if not message and isinstance(body.get("error"), str):
        message = body["error"]
    field = field or body.get("field") or _field_from_code(code)
    if not field and message:
        field = _field_from_details([message])
    return code, message, field


def error_class_for(status, code=None):
    """The error subclass for an HTTP status (and, for 400s, MP's code)."""
    code = str(code).lower() if code else None
    if code in AUTH_CODES:
        return AuthenticationError
    if code in LOCKED_CODES or status == 423:
        return RateLimitedError
    if code in CONFLICT_CODES:
        return ConflictError
    if status == 424:  # Failed Dependency: the SDKs type it as retryable
        return UnavailableError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitedError
    if status is None or status >= 500:
        return UnavailableError
    return ValidationError if status >= 400 else MercadoPagoError


def error_from_response(status, body, *, secrets=(), cls=None, **extra):
    """Build the typed error for a non-success response (of class `cls`, else
    the one its status and code say)."""
    code, message, field = parse_error_body(body)
    cls = cls or error_class_for(status, code)
    if not message:
        message = f"Mercado Pago answered HTTP {status}"
    return cls(
        scrub(message, secrets),
        status=status,
        code=scrub(code, secrets),
        field=field,
        **extra,
    )
