"""Users, stores and cashboxes / POS.

Sources: docs/mercado-pago-api.md §1.1 (users), §2 (stores), §3 (cashboxes / POS).
"""

from __future__ import annotations

import re
import urllib.parse

from .errors import ApiError, bad
from .money import D, parse_number
from .sites import SITES, inside_site, state_known, valid_mccs
from .state import iso
from .web import ok, route

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_LOCATION_FIELDS = {
    "street_number",
    "street_name",
    "city_name",
    "state_name",
    "latitude",
    "longitude",
    "reference",
    "zip_code",
}


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", "user_id does not match the access token")


def check_user(req) -> None:
    if req.params["user_id"] != str(req.account["user_id"]):
        raise forbidden()


def paging(req, items: list, key: str = "results") -> dict:
    try:
        offset = max(0, int(req.q("offset", "0")))
        limit = max(1, min(100, int(req.q("limit", "50"))))
    except ValueError:
        raise bad("bad_request", "offset and limit must be integers") from None
    return {
        "paging": {"total": len(items), "offset": offset, "limit": limit},
        key: items[offset : offset + limit],
    }


# --- users ----------------------------------------------------------------------------


@route("GET", "/users/me", "legacy")
def users_me(app, req):
    acc = req.account
    site = SITES[acc["site_id"]]
    return ok(
        {
            "id": acc["user_id"],
            "nickname": acc["nickname"],
            "first_name": acc["nickname"].title(),
            "last_name": "Emulator",
            "email": acc["email"],
            "site_id": site.site_id,
            "country_id": site.country_id,
            "registration_date": acc["date_created"],
            "user_type": "normal",
            "tags": ["normal", "test_user"] if acc["test"] else ["normal"],
            "status": {"site_status": "active"},
        }
    )


# --- stores ---------------------------------------------------------------------------


def _validate_location(loc, site) -> dict:
    if not isinstance(loc, dict):
        raise bad("INVALID_LOCATION", "location must be an object")
    unknown = set(loc) - _LOCATION_FIELDS
    if unknown:
        raise bad("UNKNOWN_FIELD", f"unknown location field {min(unknown)}")
    for key, code in (
        ("street_number", "INVALID_STREET_NUMBER"),
        ("street_name", "INVALID_STREET_NAME"),
        ("city_name", "INVALID_CITY_NAME"),
        ("state_name", "INVALID_STATE_NAME"),
    ):
        value = loc.get(key)
        if not isinstance(value, str) or not value.strip():
            raise bad(code, f"location.{key} is required and must be a string")
    if not state_known(site, loc["state_name"]):
        raise bad(
            "INVALID_STATE_NAME",
            f"state_name {loc['state_name']!r} is not a state of {site.country_id}",
        )
    for key in ("reference", "zip_code"):
        if key in loc and not isinstance(loc[key], str):
            code = "INVALID_REFERENCE" if key == "reference" else "INVALID_LOCATION"
            raise bad(code, f"location.{key} must be a string")
    coords = {}
    for key in ("latitude", "longitude"):
        try:
            coords[key] = parse_number(loc.get(key), max_places=15)
        except (TypeError, ValueError):
            raise bad("INVALID_LOCATION", f"location.{key} must be a number") from None
    if not inside_site(site, coords["latitude"], coords["longitude"]):
        raise bad("BAD_REQUEST", "store coordinates are outside the site")
    out = {k: loc[k] for k in loc if k not in ("latitude", "longitude")}
    out.update({k: str(v) for k, v in coords.items()})
    return out


def _validate_hours(hours) -> dict:
    if not isinstance(hours, dict):
        raise bad("INVALID_BUSINESS_HOURS", "business_hours must be an object")
    for day, ranges in hours.items():
        if day not in DAYS:
            raise bad("INVALID_DAY", f"{day!r} is not a day of the week")
        if not isinstance(ranges, list) or len(ranges) > 4:
            raise bad("INVALID_BUSINESS_HOURS", f"{day}: at most 4 ranges")
        for rng in ranges:
            if not isinstance(rng, dict) or set(rng) != {"open", "close"}:
                raise bad(
                    "INVALID_BUSINESS_HOURS", f"{day}: ranges are {{open, close}}"
                )
            if not all(isinstance(rng[k], str) and _HHMM.match(rng[k]) for k in rng):
                raise bad("INVALID_BUSINESS_HOURS", f"{day}: times are HH:MM (24 h)")
            if rng["open"] >= rng["close"]:
                raise bad("INVALID_BUSINESS_HOURS", f"{day}: open must precede close")
    return hours


def _validate_store(app, req, body, current: dict | None) -> dict:
    if not isinstance(body, dict):
        raise bad("VALIDATION_ERROR", "body must be a JSON object")
    unknown = set(body) - {"name", "external_id", "business_hours", "location"}
    if unknown:
        raise bad("UNKNOWN_FIELD", f"unknown field {min(unknown)}")
    cfg = app.state.config
    site = SITES[req.account["site_id"]]
    out: dict = {}
    if current is None or "name" in body:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad("INVALID_NAME", "name is required")
        out["name"] = name
    if "external_id" in body or (current is None and cfg["store_external_id_required"]):
        ext = body.get("external_id")
        if not isinstance(ext, str) or not ext or len(ext) > 60:
            raise bad("VALIDATION_ERROR", "external_id: a string of up to 60 chars")
        if cfg["store_external_id_charset"] == "alnum" and not _ALNUM.match(ext):
            raise bad("VALIDATION_ERROR", "external_id must be alphanumeric")
        other = app.state.store_by_external(req.account["user_id"], ext)
        if other and (current is None or other["id"] != current["id"]):
            raise bad(
                "VALIDATION_ERROR",
                f"External_id-already-used: store {other['id']} has {ext!r}",
            )
        out["external_id"] = ext
    if "business_hours" in body:
        out["business_hours"] = _validate_hours(body["business_hours"])
    if current is None or "location" in body:
        if "location" not in body:
            raise bad("INVALID_LOCATION", "location is required")
        out["location"] = _validate_location(body["location"], site)
    return out


def render_store(app, store: dict) -> dict:
    loc = store["location"]
    address = (
        f"{loc['street_name']}, {loc['street_number']}, {loc['city_name']}, "
        f"{loc['state_name']}."
    )
    location = {k: v for k, v in loc.items() if k not in ("latitude", "longitude")}
    location.update(
        address_line=address,
        latitude=D(loc["latitude"]),
        longitude=D(loc["longitude"]),
    )
    string_id = app.state.config["store_id_type"] == "string"
    return {
        "id": str(store["id"]) if string_id else store["id"],
        "name": store["name"],
        "date_created": store["date_created"],
        "business_hours": store.get("business_hours") or {},
        "location": location,
        "external_id": store.get("external_id"),
    }


def own_store(app, req, store_id) -> dict:
    store_id = str(store_id).strip()
    if not store_id.isdigit():
        # docs/mercado-pago-api.md §2: a malformed id is 400 INVALID_STORE_ID.
        raise bad("INVALID_STORE_ID", "Invalid STORE_ID.")
    store = app.state.data["stores"].get(store_id)
    if not store or store["user_id"] != req.account["user_id"]:
        raise ApiError(404, "not_found", f"Store {store_id} not found")
    return store


@route("GET", "/users/{user_id}/stores/search", "catalog")
def stores_search(app, req):
    check_user(req)
    uid = req.account["user_id"]
    ext = req.q("external_id")
    stores = [
        render_store(app, s)
        for s in app.state.data["stores"].values()
        if s["user_id"] == uid and (ext is None or s.get("external_id") == ext)
    ]
    return ok(paging(req, stores))


@route("POST", "/users/{user_id}/stores", "catalog")
def stores_create(app, req):
    check_user(req)
    fields = _validate_store(app, req, req.json(), None)
    store_id = app.state.next_id("store")
    store = {
        "id": store_id,
        "user_id": req.account["user_id"],
        "external_id": None,
        "business_hours": {},
        "date_created": iso(app.state.now()),
        **fields,
    }
    app.state.data["stores"][str(store_id)] = store
    return ok(render_store(app, store))  # docs/mercado-pago-api.md §2: 200


@route("GET", "/stores/{store_id}", "catalog")
def stores_get(app, req):
    return ok(render_store(app, own_store(app, req, req.params["store_id"])))


@route("PUT", "/users/{user_id}/stores/{store_id}", "catalog")
def stores_update(app, req):
    check_user(req)
    store = own_store(app, req, req.params["store_id"])
    fields = _validate_store(app, req, req.json(), store)
    store.update(fields)
    if "external_id" in fields:
        for pos in app.state.data["pos"].values():
            if pos["store_id"] == store["id"]:
                pos["external_store_id"] = fields["external_id"]
    app.state.dirty = True
    return ok(render_store(app, store))


@route("DELETE", "/users/{user_id}/stores/{store_id}", "catalog")
def stores_delete(app, req):
    check_user(req)
    store = own_store(app, req, req.params["store_id"])
    del app.state.data["stores"][str(store["id"])]
    # docs/mercado-pago-api.md §2: a delete unlinks the store's cashboxes.
    for pos in app.state.data["pos"].values():
        if pos["store_id"] == store["id"]:
            pos.update(store_id=None, external_store_id=None)
    app.state.dirty = True
    return ok({"store": store["id"], "user": req.account["user_id"]})


# --- POS ------------------------------------------------------------------------------

_POS_FIELDS = {
    "name",
    "fixed_amount",
    "store_id",
    "external_store_id",
    "external_id",
    "category",
    "url",
}


def _pos_name(body: dict) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad("INVALID_NAME", "name is required and must be a string")
    if len(name) >= 45:
        raise bad("NAME_TOO_LONG", "name must be shorter than 45 characters")
    return name


def _pos_external_id(state, uid: int, body: dict) -> str:
    ext = body.get("external_id")
    if not isinstance(ext, str) or not ext:
        raise bad("INVALID_EXTERNAL_ID", "external_id is required")
    if len(ext) >= 40:
        raise bad("EXTERNAL_ID_TOO_LONG", "external_id must be under 40 chars")
    if not _ALNUM.match(ext):
        raise bad("INVALID_EXTERNAL_ID", "external_id: letters and digits only")
    if state.pos_by_external(uid, ext):
        raise ApiError(
            409, "conflict", f"A point of sale with external_id {ext!r} already exists"
        )
    return ext


def _pos_category(cat, site) -> int | None:
    if cat is None:
        return None
    if isinstance(cat, bool) or not isinstance(cat, int):
        raise bad("INVALID_CATEGORY", "category must be a number")
    if cat not in valid_mccs(site):
        raise bad("UNKNOWN_MCC", f"category {cat} is not an MCC of {site.site_id}")
    return cat


def _pos_url(url) -> str | None:
    if url is None:
        return None
    if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in (
        "http",
        "https",
    ):
        raise bad("INVALID_URL", "url must be an http(s) URL")
    if len(url) >= 300:
        raise bad("URL_TOO_LONG", "url must be under 300 characters")
    return url


def _validate_pos(app, req, body, current: dict | None) -> dict:
    if body is None or body == {}:
        raise bad("MISSING_BODY", "request body is required")
    if not isinstance(body, dict):
        raise bad("MISSING_BODY", "body must be a JSON object")
    unknown = set(body) - _POS_FIELDS
    if unknown:
        raise bad("UNKNOWN_FIELD_EXCEPTION", f"unknown field {min(unknown)}")
    creating = current is None
    out: dict = {}
    if creating or "name" in body:
        out["name"] = _pos_name(body)
    if creating or "fixed_amount" in body:
        if not isinstance(body.get("fixed_amount"), bool):
            raise bad("INVALID_FIXED_AMOUNT", "fixed_amount is a required boolean")
        out["fixed_amount"] = body["fixed_amount"]
    if creating:
        out["external_id"] = _pos_external_id(app.state, req.account["user_id"], body)
    elif "external_id" in body and body["external_id"] != current["external_id"]:
        raise bad("INVALID_EXTERNAL_ID", "external_id cannot be modified")
    if creating or {"store_id", "external_store_id"} & set(body):
        policy = app.state.config["pos_store_fields"]
        out.update(_resolve_store(app, req, body, policy))
    if "category" in body:
        out["category"] = _pos_category(body["category"], SITES[req.account["site_id"]])
    if "url" in body:
        out["url"] = _pos_url(body["url"])
    merged = {**(current or {}), **out}
    if merged.get("url") and merged.get("fixed_amount") is False:
        raise bad("FIXED_AMOUNT_FALSE", "url requires fixed_amount=true")
    return out


def _resolve_store(app, req, body, policy: str) -> dict:
    state = app.state
    uid = req.account["user_id"]
    sid, ext = body.get("store_id"), body.get("external_store_id")
    by_id = by_ext = None
    if sid is not None:
        if isinstance(sid, bool) or not str(sid).isdigit():
            raise bad("INVALID_STORE_ID", "store_id must be numeric")
        by_id = state.data["stores"].get(str(sid))
        if not by_id or by_id["user_id"] != uid:
            raise bad("INVALID_STORE_ID", f"store {sid} does not exist")
    if ext is not None:
        if not isinstance(ext, str) or not ext:
            raise bad("INVALID_EXTERNAL_STORE_ID", "external_store_id is a string")
        by_ext = state.store_by_external(uid, ext)
        if not by_ext:
            raise bad(
                "INEXISTENT_EXTERNAL_STORE_ID", f"no store with external_id {ext!r}"
            )
    if by_id and by_ext and by_id["id"] != by_ext["id"]:
        raise bad(
            "EXTERNAL_STORE_ID_NOT_MATCH", "store_id and external_store_id differ"
        )
    if policy == "both":
        if by_id is None:
            raise bad("INVALID_STORE_ID", "store_id is required")
        if by_ext is None:
            raise bad("INVALID_EXTERNAL_STORE_ID", "external_store_id is required")
    store = by_id or by_ext
    if store is None:
        raise bad("INVALID_STORE_ID", "store_id or external_store_id is required")
    return {"store_id": store["id"], "external_store_id": store.get("external_id")}


def render_pos(app, req, pos: dict) -> dict:
    base = app.state.config["public_url"] or req.base_url
    pid = pos["id"]
    out = {
        "id": pid,
        "qr": {
            "image": f"{base}/emulator/qr/{pid}.png",
            "template_document": f"{base}/emulator/qr/{pid}/template.pdf",
            "template_image": f"{base}/emulator/qr/{pid}/template.png",
        },
        "status": pos["status"],
        "date_created": pos["date_created"],
        "date_last_updated": pos["date_last_updated"],
        "uuid": pos["uuid"],
        "user_id": pos["user_id"],
        "name": pos["name"],
        "fixed_amount": pos["fixed_amount"],
        "category": pos.get("category"),
        "store_id": pos["store_id"],
        "external_store_id": pos["external_store_id"],
        "external_id": pos["external_id"],
    }
    if pos.get("url"):
        out["url"] = pos["url"]
    return out


def own_pos(app, req, pos_id: str) -> dict:
    if not pos_id.isdigit():
        raise bad("INVALID_POS_ID", "pos id must be numeric")
    pos = app.state.data["pos"].get(pos_id)
    if not pos or pos["user_id"] != req.account["user_id"]:
        raise ApiError(404, "not_found", f"Point of sale {pos_id} not found")
    return pos


@route("POST", "/pos", "catalog")
def pos_create(app, req):
    fields = _validate_pos(app, req, req.json(required=False), None)
    state = app.state
    now = iso(state.now())
    pos_id = state.next_id("pos")
    pos = {
        "id": pos_id,
        "user_id": req.account["user_id"],
        "status": "active",
        "category": None,
        "url": None,
        "uuid": state.token_hex(16),
        "date_created": now,
        "date_last_updated": now,
        **fields,
    }
    state.data["pos"][str(pos_id)] = pos
    return ok(render_pos(app, req, pos))  # docs/mercado-pago-api.md §3: 200


@route("GET", "/pos", "catalog")
def pos_search(app, req):
    uid = req.account["user_id"]
    filters = {
        k: req.q(k)
        for k in ("external_id", "external_store_id", "store_id", "category")
        if req.q(k) is not None
    }
    fold = app.state.config["pos_external_id_case_insensitive"]
    found = []
    for pos in app.state.data["pos"].values():
        if pos["user_id"] != uid:
            continue
        keep = True
        for key, wanted in filters.items():
            have = "" if pos.get(key) is None else str(pos.get(key))
            if key == "external_id" and fold:
                have, wanted = have.lower(), wanted.lower()
            keep = keep and have == wanted
        if keep:
            found.append(render_pos(app, req, pos))
    return ok(paging(req, found))


@route("GET", "/pos/{pos_id}", "catalog")
def pos_get(app, req):
    return ok(render_pos(app, req, own_pos(app, req, req.params["pos_id"])))


@route("PUT", "/pos/{pos_id}", "catalog")
def pos_update(app, req):
    pos = own_pos(app, req, req.params["pos_id"])
    fields = _validate_pos(app, req, req.json(required=False), pos)
    pos.update(fields)
    pos["date_last_updated"] = iso(app.state.now())
    app.state.dirty = True
    return ok(render_pos(app, req, pos))


@route("DELETE", "/pos/{pos_id}", "catalog")
def pos_delete(app, req):
    pos = own_pos(app, req, req.params["pos_id"])
    app.engine.close_instore(pos["id"], "pos_deleted")
    del app.state.data["pos"][str(pos["id"])]
    app.state.dirty = True
    return ok({})
