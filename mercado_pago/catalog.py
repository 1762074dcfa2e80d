"""Account, stores (sucursales) and cashboxes (cajas, ``/pos``).

Creating a store or a cashbox is not idempotent at Mercado Pago (no idempotency key),
so ``create_store_or_find`` and ``create_pos_or_find`` look the resource up by its
``external_id`` first, and again when the create's outcome is unknown or MP says it
already exists: one created remotely but not saved locally is found, not duplicated.
"""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# pylint: disable=translation-required

import logging
import re
from decimal import Decimal

from .errors import ConflictError, MercadoPagoError, ValidationError
from .money import SITES
from .paging import paginate
from .references import (
    check_pos_external_id,
    check_pos_name,
    check_resource_id,
    check_store_external_id,
    check_store_name,
)

_logger = logging.getLogger(__name__)

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOUR_RE = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_LOCATION_REQUIRED = ("street_number", "street_name", "city_name", "state_name")
_KNOWN_MCCS = frozenset(
    mcc
    for site in SITES.values()
    for mcc in (site.gastronomy_mcc, site.gas_station_mcc)
)


def _user(user_id):
    # A non-numeric user id (often the token pasted by mistake) must never reach
    # a URL path: MP would answer invalid_collectorId and logs would show it.
    return check_resource_id(user_id, "user_id", numeric=True)


def _number(value, field):
    if isinstance(value, bool):
        raise ValidationError(f"The {field} must be a number.", field=field)
    try:
        return float(Decimal(str(value)))
    except ArithmeticError:
        raise ValidationError(f"The {field} must be a number.", field=field) from None


def _check_business_hours(business_hours):
    if not isinstance(business_hours, dict):
        raise ValidationError(
            "Business hours must map weekdays to ranges.", field="business_hours"
        )
    clean = {}
    for day, ranges in business_hours.items():
        if day not in DAYS:
            raise ValidationError(
                f"Unknown weekday {day!r} in business hours.",
                field=f"business_hours.{day}",
            )
        if not isinstance(ranges, list) or len(ranges) > 4:
            raise ValidationError(
                "Each weekday takes a list of at most 4 opening ranges.",
                field=f"business_hours.{day}",
            )
        for span in ranges:
            if not (
                isinstance(span, dict)
                and _HOUR_RE.fullmatch(str(span.get("open", "")))
                and _HOUR_RE.fullmatch(str(span.get("close", "")))
            ):
                raise ValidationError(
                    "Opening ranges need 'open' and 'close' times as HH:MM.",
                    field=f"business_hours.{day}",
                )
        clean[day] = [{"open": s["open"], "close": s["close"]} for s in ranges]
    return clean


def store_payload(name, external_id, location, business_hours=None):
    """The body of a store create/update, checked before it is sent."""
    check_store_name(name)
    check_store_external_id(external_id)
    if not isinstance(location, dict):
        raise ValidationError("The store location is required.", field="location")
    for key in _LOCATION_REQUIRED:
        if not str(location.get(key) or "").strip():
            raise ValidationError(
                f"The store location needs {key}.", field=f"location.{key}"
            )
    clean = {key: str(location[key]).strip() for key in _LOCATION_REQUIRED}
    for key in ("latitude", "longitude"):
        if location.get(key) is None:
            raise ValidationError(
                f"The store location needs {key}.", field=f"location.{key}"
            )
        clean[key] = _number(location[key], f"location.{key}")
    if not -90 <= clean["latitude"] <= 90 or not -180 <= clean["longitude"] <= 180:
        raise ValidationError(
            "The store coordinates are out of range.", field="location.latitude"
        )
    for key in ("reference", "zip_code"):
        if location.get(key):
            clean[key] = str(location[key]).strip()
    payload = {"name": name.strip(), "external_id": external_id, "location": clean}
    if business_hours:
        payload["business_hours"] = _check_business_hours(business_hours)
    return payload


def pos_payload(name, external_id, store_id, external_store_id, category=None):
    """The body of a cashbox create: attended model, so ``fixed_amount`` is True."""
    check_pos_name(name)
    check_pos_external_id(external_id)
    check_store_external_id(external_store_id, field="external_store_id", strict=False)
    store = check_resource_id(store_id, "store_id", numeric=True)
    payload = {
        "name": name,
        "fixed_amount": True,
        "store_id": int(store),
        "external_store_id": external_store_id,
        "external_id": external_id,
    }
    if category is not None:
        if isinstance(category, bool) or not isinstance(category, int):
            raise ValidationError(
                "The category must be an MCC number.", field="category"
            )
        if category not in _KNOWN_MCCS:
            raise ValidationError(
                "The category must be a gastronomy or gas-station MCC of a Mercado "
                "Pago site.",
                field="category",
                code="UNKNOWN_MCC",
            )
        payload["category"] = category
    return payload


def _match(found, external_id):
    """The first of `found` with `external_id`, whatever its case: MP may
    compare external ids case-insensitively (legacy guide)."""
    wanted = str(external_id or "").lower()
    return next(
        (r for r in found if str(r.get("external_id") or "").lower() == wanted), None
    )


class CatalogClient:
    def __init__(self, session):
        self.session = session

    def users_me(self):
        """The account behind the token: ``id`` is the user_id of store/order paths."""
        return self.session.request("GET", "/users/me")

    def create_store(self, user_id, payload):
        return self.session.request(
            "POST", f"/users/{_user(user_id)}/stores", json=payload
        )

    def search_stores(self, user_id, external_id=None):
        params = {}
        if external_id is not None:
            params["external_id"] = check_store_external_id(external_id, strict=False)
        return paginate(self.session, f"/users/{_user(user_id)}/stores/search", params)

    def find_store_by_external_id(self, user_id, external_id):
        return _match(self.search_stores(user_id, external_id=external_id), external_id)

    def update_store(self, user_id, store_id, payload):
        store = check_resource_id(store_id, "store_id")
        # PUT replaces the store's fields: repeating it is harmless.
        return self.session.request(
            "PUT",
            f"/users/{_user(user_id)}/stores/{store}",
            json=payload,
            idempotent=True,
        )

    def create_store_or_find(self, user_id, payload):
        """Create the store unless one with the same external_id exists."""
        external_id = check_store_external_id(payload.get("external_id"), strict=False)
        return _create_or_find(
            "Store",
            external_id,
            lambda: self.find_store_by_external_id(user_id, external_id),
            lambda: self.create_store(user_id, payload),
        )

    def create_pos(self, payload):
        return self.session.request("POST", "/pos", json=payload)

    def search_pos(self, external_id=None):
        params = {}
        if external_id is not None:
            params["external_id"] = check_pos_external_id(external_id)
        return paginate(self.session, "/pos", params)

    def find_pos_by_external_id(self, external_id):
        return _match(self.search_pos(external_id=external_id), external_id)

    def update_pos(self, pos_id, payload):
        pos = check_resource_id(pos_id, "pos_id", numeric=True)
        # PUT replaces the cashbox's fields: repeating it is harmless.
        return self.session.request("PUT", f"/pos/{pos}", json=payload, idempotent=True)

    def create_pos_or_find(self, payload):
        """Create the cashbox unless one with the same external_id exists."""
        external_id = check_pos_external_id(payload.get("external_id"))
        return _create_or_find(
            "Cashbox",
            external_id,
            lambda: self.find_pos_by_external_id(external_id),
            lambda: self.create_pos(payload),
        )


def _create_or_find(what, external_id, find, create):
    existing = find()
    if existing is not None:
        return existing
    try:
        return create()
    except MercadoPagoError as error:
        if not _maybe_exists(error):
            raise
        _logger.info(
            "%s %s: create failed (%s); looking it up by external id",
            what,
            external_id,
            error,
        )
        found = find()
        if found is None:
            raise
        return found


def _maybe_exists(error):
    """The create may have happened, or MP says the external id is taken."""
    if error.unknown_outcome or isinstance(error, ConflictError):
        return True
    text = f"{error.code or ''} {error.message or ''}".lower()
    return isinstance(error, ValidationError) and (
        "already" in text or "duplicate" in text
    )
