"""Mercado Pago notifications parsed into one event type, and x-signature checks.

Three shapes arrive at the same URL:
- IPN (legacy, unsigned): query ``topic=merchant_order|payment&id=<id>``, sometimes
  only a body ``{"resource": ".../merchant_orders/<id>", "topic": ...}``;
- legacy webhooks: body ``{"type": "payment", "action", "data": {"id"}}`` or
  ``{"type": "topic_merchant_order_wh", "id": <merchant order id>, ...}``;
- Orders API webhooks: query ``data.id=ORD...&type=order``, body ``{"type": "order",
  "action": "order.processed", "data": {"id", "version", ...}}``.

An event only says "look again": the caller re-reads the resource with its own token
before changing anything, signed or not.
"""

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

MAX_BODY = 256 * 1024
DEFAULT_TOLERANCE = 300
_MS_THRESHOLD = 10**12  # ts above this is in milliseconds
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")
_KINDS = {
    "order": "order",
    "orders": "order",  # MP's agent skill spells the topic in the plural
    "merchant_order": "merchant_order",
    "topic_merchant_order_wh": "merchant_order",
    "payment": "payment",
}
_NUMERIC_KINDS = ("merchant_order", "payment")


class NotificationError(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class MalformedNotification(NotificationError):
    """Garbage: answer 400."""


class UnsupportedNotification(NotificationError):
    """Well formed but of a kind this addon does not handle: answer 200 and drop."""


class InvalidSignature(Exception):
    """``reason`` is one of "missing", "malformed", "stale", "mismatch", and
    "other id" (a valid signature for another resource, from ``verify_event``)."""

    def __init__(self, reason):
        super().__init__(f"Invalid x-signature: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class NotificationEvent:
    kind: str  # "order" | "merchant_order" | "payment"
    resource_id: str
    version: int | None
    source: str  # "ipn" | "webhook"

    @property
    def must_be_signed(self):
        """Whether Mercado Pago signs this shape once the application has a secret:
        every webhook; never IPN, which it sends for no Orders API order."""
        return self.source == "webhook" or self.kind == "order"


def _first(value):
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _query_value(query, key):
    value = _first(query.get(key)) if query else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value.strip() if isinstance(value, str) else value


def _header(headers, name):
    """A header's value, whatever the case of its (lower-case) name."""
    items = dict(headers or {}).items()
    return next((value for key, value in items if str(key).lower() == name), None)


def _body_json(body):
    if body in (None, b"", ""):
        return {}
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > MAX_BODY:
        raise MalformedNotification("body too large")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedNotification("body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedNotification("body is not a JSON object")
    return data


def _resource_from_url(resource):
    """IPN bodies may name the resource by URL: ".../merchant_orders/123"."""
    if isinstance(resource, int | str) and str(resource).strip():
        return str(resource).rstrip("/").rsplit("/", 1)[-1]
    return None


def _clean_id(value, kind):
    if isinstance(value, bool) or value is None:
        raise MalformedNotification("missing resource id")
    text = str(value).strip()
    if not _ID_RE.fullmatch(text) or (kind in _NUMERIC_KINDS and not text.isdigit()):
        raise MalformedNotification("bad resource id")
    return text


def _text(value):
    """A string or integer as trimmed text, else None (as the SDK validators
    drop such a part of the manifest)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return text or None


def _version(value):
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedNotification("bad version")
    try:
        return int(str(value))
    except ValueError:
        raise MalformedNotification("bad version") from None


def _kind(topic):
    if not topic:
        return None
    kind = _KINDS.get(str(topic).strip().lower())
    if kind is None:
        raise UnsupportedNotification(f"unsupported topic {str(topic)[:40]!r}")
    return kind


def _webhook_resource(query, data, body_data):
    """A webhook's kind and resource id; the query and the body must agree."""
    query_type = _query_value(query, "type")
    body_type = data.get("type")
    kind = _kind(query_type or body_type)
    if kind is None:
        raise MalformedNotification("no topic or type")
    if query_type and body_type and _kind(body_type) != kind:
        raise MalformedNotification("query and body types differ")
    query_id = _query_value(query, "data.id")
    body_id = body_data.get("id")
    if body_type == "topic_merchant_order_wh" and body_id is None:
        body_id = data.get("id")  # the merchant order id is top-level here
    if query_id and body_id is not None and str(body_id).lower() != query_id.lower():
        raise MalformedNotification("query and body ids differ")
    return kind, query_id or body_id


def parse_notification(query, body):
    """One ``NotificationEvent`` from a request's query and raw body."""
    query_topic = _query_value(query, "topic")
    try:
        data = _body_json(body)
    except MalformedNotification:
        # IPN identifies the resource in the query; its body is not needed.
        if not (query_topic and _query_value(query, "id")):
            raise
        data = {}
    body_data = data.get("data") if isinstance(data.get("data"), dict) else {}
    if query_topic:
        source = "ipn"
        kind = _kind(query_topic)
        resource = _query_value(query, "id") or _resource_from_url(data.get("resource"))
    elif data.get("resource") and data.get("topic") and not data.get("type"):
        source = "ipn"
        kind = _kind(data["topic"])
        resource = _resource_from_url(data["resource"])
    else:
        source = "webhook"
        kind, resource = _webhook_resource(query, data, body_data)
    resource = _clean_id(resource, kind)
    version = _version(body_data.get("version")) if kind == "order" else None
    return NotificationEvent(
        kind=kind, resource_id=resource, version=version, source=source
    )


# -- x-signature -----------------------------------------------------------------------


def signature_data_id(query):
    """The id that MP signs: query ``data.id``, else ``id``; as sent."""
    value = _first(query.get("data.id")) if query else None
    if value in (None, "") and query:
        value = _first(query.get("id"))
    return str(value) if value not in (None, "") else None


def build_manifest(data_id, x_request_id, ts, *, lowercase_id=False):
    """``id:<data.id>;request-id:<x-request-id>;ts:<ts>;`` without the absent parts.

    data.id goes in as received (sdk-python ``mercadopago/webhook/validator.py``:
    "included in the manifest exactly as received"), or lowercased as Mercado
    Pago's Webhooks page asks ("data.id ... em letra minúscula").
    """
    data_id = _text(data_id)
    if data_id is not None and lowercase_id:
        data_id = data_id.lower()
    parts = (("id", data_id), ("request-id", _text(x_request_id)), ("ts", _text(ts)))
    return "".join(f"{key}:{value};" for key, value in parts if value is not None)


def manifests(data_id, x_request_id, ts):
    """The manifests a valid v1 may sign: data.id as received, then lowercased.

    The sources disagree: the SDKs' PRs of 2026-06-17 say "MercadoPago signs
    webhook notifications using the original casing of data.id", the Webhooks
    page asks for lowercase. Either is accepted.
    """
    as_received = build_manifest(data_id, x_request_id, ts)
    lowered = build_manifest(data_id, x_request_id, ts, lowercase_id=True)
    return [as_received] if lowered == as_received else [as_received, lowered]


def _parse_signature(x_signature):
    """``(ts, v1)`` from ``ts=<digits>,v1=<hex>``, parsed as the official SDKs do:
    unknown keys (v2...) and parts without a key or value are ignored."""
    found = {}
    for part in str(x_signature).split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if sep and key in ("ts", "v1") and value:
            found[key] = value
    ts = found.get("ts", "")
    if not (ts.isascii() and ts.isdigit()) or "v1" not in found:
        raise InvalidSignature("malformed")
    return ts, found["v1"]


def verify_signature(
    x_signature,
    x_request_id,
    data_id,
    secret,
    *,
    now=None,
    tolerance_seconds=DEFAULT_TOLERANCE,
):
    """Raise ``InvalidSignature`` unless v1 is the HMAC-SHA256 of one of
    ``manifests``. ``ts`` may be in seconds or milliseconds (MP's docs and SDKs
    disagree); ``tolerance_seconds=None`` skips the age check.
    """
    if not secret:
        raise ValueError("The webhook secret is not configured.")
    if not x_signature or not str(x_signature).strip():
        raise InvalidSignature("missing")
    ts, received = _parse_signature(x_signature)
    if not _HEX64_RE.fullmatch(received):
        raise InvalidSignature("mismatch")  # no HMAC-SHA256 hex digest at all
    received = received.lower()
    key = secret.encode("utf-8")
    matched = False
    for manifest in manifests(data_id, x_request_id, ts):
        expected = hmac.new(key, manifest.encode("utf-8"), hashlib.sha256).hexdigest()
        # Every candidate is compared, so the time does not say which matched.
        matched = hmac.compare_digest(expected, received) or matched
    if not matched:
        raise InvalidSignature("mismatch")
    if tolerance_seconds is not None:
        stamp = int(ts)
        seconds = stamp / 1000 if stamp > _MS_THRESHOLD else stamp
        current = time.time() if now is None else now
        if abs(current - seconds) > tolerance_seconds:
            raise InvalidSignature("stale")


def verify_event(
    event, query, headers, secret, *, now=None, tolerance_seconds=DEFAULT_TOLERANCE
):
    """``verify_signature`` of the request, and ``event`` must be about the id
    signed: the manifest covers the query's ``data.id``, never the body, so an
    event about another resource raises ``InvalidSignature("other id")``.
    """
    data_id = signature_data_id(query)
    verify_signature(
        _header(headers, "x-signature"),
        _header(headers, "x-request-id"),
        data_id,
        secret,
        now=now,
        tolerance_seconds=tolerance_seconds,
    )
    signed_id = _text(data_id)
    if signed_id is None or signed_id.lower() != str(event.resource_id or "").lower():
        raise InvalidSignature("other id")
