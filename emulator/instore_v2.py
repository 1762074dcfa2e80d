"""Legacy attended model, in-store orders v2: PUT / GET / DELETE.

Source: docs/mercado-pago-api.md §4.
"""

from __future__ import annotations

import re
import urllib.parse
from datetime import timedelta

from .errors import ApiError
from .money import ZERO, D, fmt, parse_number
from .sites import SITES
from .state import iso, iso_offset, parse_iso
from .web import Response, ok, route

_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_BASE = "/instore/qr/seller/collectors/{user_id}"


def _bad(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def _collector(req) -> None:
    uid = req.params["user_id"]
    if not uid.isdigit():
        raise _bad("invalid_collectorId", "user_id must be a number.")
    if int(uid) != req.account["user_id"]:
        # Published as 400 errorKey invalid_access_token "Access denied." for
        # v2 DELETE (devsite-docs instore_orders_v2.json) and the v1 POST; the
        # same answer on PUT and GET (no other status is published for it).
        raise _bad("invalid_access_token", "Access denied.")


def _pos(app, req) -> dict:
    ext = req.params["external_pos_id"]
    if not ext:
        raise _bad("invalid_externalPosId", "externalPosId must be present.")
    pos = app.state.pos_by_external(req.account["user_id"], ext)
    if not pos:
        # ⚠ undocumented: what v2 answers for an unknown cashbox.
        raise ApiError(404, "point_of_sale_not_found", f"Point of sale {ext} not found")
    return pos


def _number(value, code: str, decimals: int, *, positive: bool = True):
    try:
        dec = parse_number(value, max_places=2)
    except (TypeError, ValueError) as exc:
        raise _bad(code, f"{code[8:]} {exc}") from None
    if positive and dec <= ZERO:
        raise _bad(code, f"{code[8:]} must be greater than zero")
    if decimals == 0 and dec != dec.to_integral_value():
        raise _bad(code, f"{code[8:]} must be an integer in this currency")
    return dec


def _text(body: dict, key: str, code: str, max_len: int, required: bool):
    value = body.get(key)
    if value is None:
        if required:
            raise _bad(code, f"{key} must be present.")
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise _bad(code, f"{key} must be a string of up to {max_len} chars.")
    return value


def _validate(app, req, site) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise _bad("invalid_body", "body must be a JSON object")
    cfg = app.state.config
    ref = body.get("external_reference")
    if not isinstance(ref, str) or not _REFERENCE.match(ref):
        raise _bad(
            "invalid_external_reference",
            "external_reference: up to 64 chars of letters, digits, _ and -.",
        )
    out = {"external_reference": ref}
    out["title"] = _text(body, "title", "invalid_title", 256, True)
    out["description"] = _text(
        body, "description", "invalid_description", 256, cfg["v2_description_required"]
    )
    url = _text(body, "notification_url", "invalid_notification_url", 500, False)
    if url and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise _bad("invalid_notification_url", "notification_url must be http(s)")
    out["notification_url"] = url
    if "total_amount" not in body:
        raise _bad("invalid_total_amount", "total_amount must be present.")
    total = _number(body["total_amount"], "invalid_total_amount", site.decimals)
    out["total_amount"] = fmt(total, site.decimals)

    now = app.state.now()
    exp = body.get("expiration_date")
    if exp is not None:
        try:
            when = parse_iso(exp) if isinstance(exp, str) else None
        except ValueError:
            when = None
        if when is None or when <= now:
            raise _bad(
                "invalid_expiration_date",
                "expiration_date must be a future ISO-8601 date with offset.",
            )
        out["expiration_date"] = exp
        out["_expires_at"] = iso(when)
    else:
        when = now + timedelta(seconds=cfg["v2_default_expiration_seconds"])
        out["expiration_date"] = iso_offset(when)
        out["_expires_at"] = iso(when)

    sponsor = body.get("sponsor")
    if sponsor is not None:
        sid = sponsor.get("id") if isinstance(sponsor, dict) else None
        if isinstance(sid, bool) or not isinstance(sid, int):
            raise _bad("invalid_sponsor.id", "sponsor.id must be a number.")
        out["sponsor"] = {"id": sid}
    cash_out = body.get("cash_out")
    if cash_out is not None:
        amount = cash_out.get("amount") if isinstance(cash_out, dict) else None
        val = _number(amount, "invalid_cash_out.amount", site.decimals)
        out["cash_out"] = {"amount": fmt(val, site.decimals)}

    items = body.get("items")
    if items is None or items == []:
        if cash_out is None:
            raise _bad(
                "error_creating_seller_qr_order",
                "cash out is required when order has no items",
            )
        items = []
    if not isinstance(items, list):
        raise _bad("invalid_items", "items must be an array")
    out["items"] = [_item(i, n, site) for n, i in enumerate(items)]
    if cfg["strict_item_sums"] and out["items"]:
        lines = sum((D(i["total_amount"]) for i in out["items"]), ZERO)
        if lines != total:
            raise _bad("invalid_total_amount", f"items add up to {lines}")
    return out


def _item(item, n: int, site) -> dict:
    if not isinstance(item, dict):
        raise _bad("invalid_items", f"items[{n}] must be an object")
    out = {}
    for key in ("sku_number", "category", "description"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise _bad(f"invalid_items.{key}", f"items[{n}].{key} must be a string")
        if value is not None:
            out[key] = value
    title = item.get("title")
    if not isinstance(title, str) or not title:
        raise _bad("invalid_title", f"items[{n}].title must be present.")
    out["title"] = title
    if item.get("unit_measure") not in ("unit", "pack"):
        raise _bad("invalid_unit_measure", f"items[{n}].unit_measure: unit or pack")
    out["unit_measure"] = item["unit_measure"]
    price = _number(item.get("unit_price"), "invalid_unit_price", site.decimals)
    qty = _number(item.get("quantity"), "invalid_quantity", 2)
    line = _number(
        item.get("total_amount"), "invalid_items.total_amount", site.decimals
    )
    out.update(
        unit_price=format(price, "f"),
        quantity=format(qty, "f"),
        total_amount=format(line, "f"),
    )
    return out


@route(
    "PUT", _BASE + "/stores/{external_store_id}/pos/{external_pos_id}/orders", "instore"
)
@route("PUT", _BASE + "/pos/{external_pos_id}/orders", "instore")
def v2_put(app, req):
    _collector(req)
    pos = _pos(app, req)
    store_ext = req.params.get("external_store_id")
    if store_ext is not None and store_ext != pos["external_store_id"]:
        raise ApiError(
            404, "store_not_found", f"Point of sale not linked to store {store_ext}"
        )
    account = req.account
    site = SITES[account["site_id"]]
    fields = _validate(app, req, site)
    engine = app.engine
    pending = engine.pending_for_pos(pos)
    if pending and pending[0] == "order":
        # ⚠ undocumented: a v2 PUT on a cashbox holding an Orders API order.
        if app.state.config["pending_order_policy"] == "reject":
            raise ApiError(
                409,
                "pos_has_pending_order",
                f"Orders API order {pending[1]['id']} is waiting on this cashbox",
            )
        engine.cancel_order(account, pending[1], "canceled_by_new_order")
    elif pending:
        # docs/mercado-pago-api.md §4: a new PUT replaces the pending order.
        engine.close_instore(pos["id"], "replaced")
    rec = {
        **fields,
        "_user_id": account["user_id"],
        "pos_id": pos["id"],
        "external_pos_id": pos["external_id"],
        "external_store_id": store_ext or pos["external_store_id"],
        "created": iso(app.state.now()),
        "mo_id": None,
    }
    app.state.data["instore"][str(pos["id"])] = rec
    app.state.dirty = True
    return Response(204)


@route("GET", _BASE + "/pos/{external_pos_id}/orders", "instore")
def v2_get(app, req):
    _collector(req)
    pos = _pos(app, req)
    pending = app.engine.pending_for_pos(pos)
    if not pending or pending[0] != "instore":
        raise ApiError(
            404, "point_of_sale_in_store_order_not_found", "No associated order found."
        )
    rec = pending[1]
    out = {
        "external_reference": rec["external_reference"],
        "title": rec["title"],
        "description": rec["description"],
        "notification_url": rec["notification_url"],
        "expiration_date": rec["expiration_date"],
        "total_amount": D(rec["total_amount"]),
        "items": [app.engine._render_v2_item(i) for i in rec["items"]],
        "user_id": str(rec["_user_id"]),
        "external_pos_id": rec["external_pos_id"],
    }
    if rec.get("sponsor"):
        out["sponsor"] = rec["sponsor"]
    if rec.get("cash_out"):
        out["cash_out"] = {"amount": D(rec["cash_out"]["amount"])}
    return ok([out])


@route("DELETE", _BASE + "/pos/{external_pos_id}/orders", "instore")
def v2_delete(app, req):
    _collector(req)
    pos = _pos(app, req)
    # Deleting an empty QR is not an error here (⚠ undocumented): 204 either way.
    app.engine.close_instore(pos["id"], "deleted")
    return Response(204)
