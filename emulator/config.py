"""Behaviour knobs: where Mercado Pago's docs are silent or disagree (⚠), pick here.

Every knob is documented in emulator/README.md. Faults live in faults.py, not here.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation

from .sites import SITES

DEFAULTS: dict = {
    # Orders API: a new order on a cashbox that already holds a pending one.
    # No public source says what Mercado Pago answers (issue #14), so the
    # emulator invents nothing by default: "replace" cancels the old one;
    # "reject" -> 409 already_queued_order_for_pos (v2: pos_has_pending_order),
    # a switch for tests that want the stricter cashbox.
    "pending_order_policy": "replace",
    # Sites where POST /v1/orders type=qr is enabled (others: 400 unsupported_site).
    "orders_api_sites": sorted(SITES),
    # Orders API amounts: "two_or_none" ("50" or "50.00") or "two_required".
    "amount_format": "two_or_none",
    # CLP/COP: reject "5000.00" too, not only "5000.50". Off: the QR reference
    # (.md) and guide say "two decimals or none", the HTML reference says "two
    # decimals" always; "5000" and "5000.00" satisfy one of them each.
    "zero_decimal_strict": False,
    # QR create: refuse a total_amount that differs from the payment amount
    # with 400 invalid_total_amount. The code is documented for online orders
    # only, and the QR reference's own example (50.00 vs 24.50) would fail it.
    "orders_total_must_match": False,
    # QR create: refuse discounts together with items[].external_categories
    # (the reference says so; the guide's example O1 sends both).
    "discounts_exclusive_with_categories": False,
    "orders_default_expiration": "PT15M",
    # status_detail of a paid order: "accredited" (webhook sample) or "processed".
    "processed_status_detail": "accredited",
    # Full refund: "refunded" -> status refunded/refunded (QR docs);
    # "processed" -> status processed/refunded (Checkout Pro orders docs).
    "full_refund_status": "refunded",
    # Rejected payment on an Orders API order: "action_required" (status
    # action_required/waiting_payment + order.action_required webhook) or
    # "created" (order unchanged, no webhook).
    "rejected_order_status": "action_required",
    # Refund transactions start "processing" and settle after N emulated seconds.
    "refund_settle_seconds": 0,
    # Sites where only full refunds are allowed (MPE historically).
    "no_partial_refund_sites": [],
    # Idempotent replay: "snapshot" (first response again) or "current"
    # (the resource as it is now, status 200).
    "idempotency_replay": "snapshot",
    "idempotency_ttl_seconds": 86400,
    # GET /v1/orders response list key: "data" (SDK fixtures) or "results".
    "orders_search_shape": "data",
    # GET /v1/orders paging numbers: "int" (SDK-PHP/Java/Python fixtures) or
    # "string" (SDK-Node/Go/.NET fixtures).
    "orders_search_paging_type": "int",
    # How GET/cancel/refund bodies name the payment's operation number:
    # "reference_id" (SDK fixtures and types), "reference" ({"id": ...}, as the
    # published webhooks W1/W6) or "both". Webhooks always use "reference".
    "order_operation_number": "reference_id",
    # Refunds are possible this many days after the payment: the QR guide says
    # 180, the QR refund-errors page 360; the emulator accepts the longer one.
    "refund_window_days": 360,
    # In-store v2: default expiry when expiration_date is omitted (undocumented).
    "v2_default_expiration_seconds": 600,
    # In-store v2: require `description` (the error list says "must be present").
    "v2_description_required": False,
    # Reject orders whose items do not add up to total_amount (undocumented).
    "strict_item_sums": False,
    # Stores: external_id mandatory (MP-PT) or optional (JSON reference).
    "store_external_id_required": False,
    # Stores: external_id charset "alnum" ([A-Za-z0-9]) or "any".
    "store_external_id_charset": "alnum",
    # Store `id` rendered as a JSON "number" or "string" (schema says string).
    "store_id_type": "number",
    # POS: which store references are required: "both" or "either".
    "pos_store_fields": "both",
    # POS external_id lookups case-insensitive (legacy guide) or exact.
    "pos_external_id_case_insensitive": False,
    # Accept ?access_token= in the query string (old docs) besides the header.
    "accept_query_token": False,
    # Webhook signature: ts unit "ms" (docs) or "s" (SDK 3.6.0).
    "signature_ts_unit": "ms",
    # Lowercase an alphanumeric data.id in the signed manifest (the docs' rule)
    # or sign it as sent (False: every official SDK since the PRs of
    # 2026-06-17, which say Mercado Pago signs the original case).
    "signature_lowercase_id": False,
    # Sign Orders API (QR) webhooks at all. The SDKs' docstrings and MP's
    # webhooks page say QR notifications are not signed; the QR notifications
    # page shows an x-signature. Signed by default, so receivers can check it.
    "sign_order_webhooks": True,
    # Legacy v2: send JSON webhooks to the account webhook_url instead of IPN.
    "legacy_webhooks": False,
    # Notification delivery: retries after the first failure, seconds.
    "notify_retry_schedule": [0.2, 1, 5],
    "notify_timeout_seconds": 5,
    "notify_first_delay_seconds": 0,
    # Fee percentage per site (illustrative numbers, see README).
    "fee_percent": {s.site_id: s.fee_percent for s in SITES.values()},
    # Base URL written into QR/template links and IPN `resource`; None = from
    # the request's Host header.
    "public_url": None,
}

_CHOICES = {
    "pending_order_policy": ("reject", "replace"),
    "amount_format": ("two_or_none", "two_required"),
    "processed_status_detail": ("accredited", "processed"),
    "full_refund_status": ("refunded", "processed"),
    "rejected_order_status": ("action_required", "created"),
    "idempotency_replay": ("snapshot", "current"),
    "orders_search_shape": ("data", "results"),
    "orders_search_paging_type": ("int", "string"),
    "order_operation_number": ("reference_id", "reference", "both"),
    "store_external_id_charset": ("alnum", "any"),
    "store_id_type": ("number", "string"),
    "pos_store_fields": ("both", "either"),
    "signature_ts_unit": ("ms", "s"),
}


def _is_seconds(value: object) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float, Decimal))
        and value >= 0
    )


def defaults() -> dict:
    return copy.deepcopy(DEFAULTS)


def _fees(value, current: dict) -> dict:
    if not isinstance(value, dict):
        raise TypeError("fee_percent must be an object {site: percent}")
    fees = dict(current)
    for site, pct in value.items():
        if site not in SITES:
            raise ValueError(f"unknown site {site!r}")
        try:
            parsed = Decimal(str(pct))
        except InvalidOperation:
            raise ValueError(f"fee_percent[{site}] must be a number") from None
        if not parsed.is_finite() or not 0 <= parsed < 100:
            raise ValueError(f"fee_percent[{site}] must be between 0 and 100")
        fees[site] = str(pct)
    return fees


def _normalized(key: str, value, current: dict):
    """One knob, checked and normalized; ValueError/TypeError when invalid."""
    default = DEFAULTS[key]
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ValueError(f"{key} must be one of {_CHOICES[key]}")
    if isinstance(default, bool) and not isinstance(value, bool):
        raise TypeError(f"{key} must be a boolean")
    if key == "fee_percent":
        return _fees(value, current["fee_percent"])
    if key in ("orders_api_sites", "no_partial_refund_sites"):
        if not isinstance(value, list) or any(v not in SITES for v in value):
            raise ValueError(f"{key} must be a list of site ids")
        return value
    if key == "notify_retry_schedule":
        if not isinstance(value, list) or not all(_is_seconds(v) for v in value):
            raise ValueError("notify_retry_schedule must be a list of seconds")
        return [float(v) for v in value]
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if not _is_seconds(value):
            raise ValueError(f"{key} must be a non-negative number")
        return float(value)
    if key == "public_url" and value is not None:
        if not isinstance(value, str) or not value.startswith("http"):
            raise ValueError("public_url must be an http(s) URL or null")
        return value.rstrip("/")
    return value


def merged(base: dict, changes: dict) -> dict:
    """Validate `changes` and return a new config; ValueError/TypeError if bad."""
    if not isinstance(changes, dict):
        raise TypeError("config must be a JSON object")
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if key not in DEFAULTS:
            raise ValueError(f"unknown config key {key!r}")
        out[key] = _normalized(key, value, out)
    return out
