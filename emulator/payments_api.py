"""Merchant orders and payments, with payment refunds.

Sources: docs/mercado-pago-api.md §6.1 (merchant orders), §6.2 (payments), §7 (refunds).
"""

from __future__ import annotations

from . import idempotency
from .errors import ApiError
from .money import parse_number, to_decimal
from .payflow import RefundRefused
from .web import ok, route


def _mo_list(app, req):
    uid = req.account["user_id"]
    ref = req.q("external_reference")
    status = req.q("status")
    found = [
        app.engine.render_mo(mo)
        for mo in app.state.data["merchant_orders"].values()
        if mo["user_id"] == uid
        and (ref is None or mo["external_reference"] == ref)
        and (status is None or mo["status"] == status)
    ]
    try:
        offset = max(0, int(req.q("offset", "0")))
        limit = max(1, min(100, int(req.q("limit", "50"))))
    except ValueError:
        raise ApiError(400, "bad_request", "offset and limit are integers") from None
    page = found[offset : offset + limit]
    return ok(
        {
            # Empty search answers "elements": null (docs/mercado-pago-api.md §6.1).
            "elements": page or None,
            "next_offset": offset + len(page) if page else 0,
            "total": len(found),
        }
    )


@route("GET", "/merchant_orders/search", "legacy")
def mo_search(app, req):
    return _mo_list(app, req)


@route("GET", "/merchant_orders", "legacy")
def mo_query(app, req):
    return _mo_list(app, req)


@route("GET", "/merchant_orders/{mo_id}", "legacy")
def mo_get(app, req):
    mo = app.state.data["merchant_orders"].get(req.params["mo_id"])
    if not mo or mo["user_id"] != req.account["user_id"]:
        raise ApiError(404, "not_found", "Merchant Order not found")
    return ok(app.engine.render_mo(mo))


def own_payment(app, req) -> dict:
    p = app.state.data["payments"].get(req.params["payment_id"])
    if not p or p["user_id"] != req.account["user_id"]:
        raise ApiError(
            404,
            "not_found",
            "Payment not found",
            details=[{"code": 2000, "description": "Payment not found"}],
        )
    return p


@route("GET", "/v1/payments/search", "legacy")
def payments_search(app, req):
    uid = req.account["user_id"]
    filters = {
        k: req.q(k)
        for k in ("external_reference", "status", "pos_id", "store_id")
        if req.q(k) is not None
    }
    found = []
    for p in app.state.data["payments"].values():
        if p["user_id"] != uid:
            continue
        if all(str(p.get(k)) == v for k, v in filters.items()):
            found.append(app.engine.render_payment(p))
    if req.q("sort") == "date_created" and req.q("criteria") == "desc":
        found.reverse()
    try:
        offset = max(0, int(req.q("offset", "0")))
        limit = max(1, min(1000, int(req.q("limit", "30"))))
    except ValueError:
        raise ApiError(400, "bad_request", "offset and limit are integers") from None
    return ok(
        {
            "paging": {"total": len(found), "limit": limit, "offset": offset},
            "results": found[offset : offset + limit],
        }
    )


@route("GET", "/v1/payments/{payment_id}", "legacy")
def payments_get(app, req):
    return ok(app.engine.render_payment(own_payment(app, req)))


@route("GET", "/v1/payments/{payment_id}/refunds", "legacy")
def refunds_list(app, req):
    p = own_payment(app, req)
    return ok([app.engine.render_refund(p, r) for r in p["refunds"]])


@route("GET", "/v1/payments/{payment_id}/refunds/{refund_id}", "legacy")
def refunds_get(app, req):
    p = own_payment(app, req)
    for r in p["refunds"]:
        if str(r["id"]) == req.params["refund_id"]:
            return ok(app.engine.render_refund(p, r))
    raise ApiError(404, "not_found", "Refund not found")


_REFUSALS = {
    "not_refundable": (400, "payment_not_refundable"),
    "already_refunded": (400, "payment_already_refunded"),
    "exceeds": (400, "amount_exceeds_refundable"),
    "partial_not_allowed": (400, "partial_refund_not_allowed"),
    "invalid_amount": (400, "invalid_refund_amount"),
    "too_old": (400, "payment_not_refundable"),
}


@route("POST", "/v1/payments/{payment_id}/refunds", "legacy")
def refunds_create(app, req):
    def create():
        p = own_payment(app, req)
        body = req.json(required=False)
        amount = None
        if body not in (None, {}):
            if not isinstance(body, dict) or set(body) - {"amount", "metadata"}:
                raise ApiError(400, "bad_request", "body is {amount}")
            raw = body.get("amount")
            if raw is not None:
                # The SDK sends a number; a numeric string is tolerated.
                try:
                    amount = parse_number(
                        to_decimal(raw) if isinstance(raw, str) else raw,
                        max_places=2,
                    )
                except (TypeError, ValueError):
                    raise ApiError(
                        400, "invalid_refund_amount", "amount must be a number"
                    ) from None
        try:
            refund = app.engine.refund(p, amount)
        except RefundRefused as exc:
            status, code = _REFUSALS[exc.reason]
            raise ApiError(status, code, exc.message) from None
        return ok(
            app.engine.render_refund(p, refund),
            201,
            resource={"type": "refund", "payment_id": p["id"], "id": refund["id"]},
        )

    def current(resource):
        p = app.state.data["payments"].get(str(resource["payment_id"]))
        for r in (p or {}).get("refunds", []):
            if r["id"] == resource["id"]:
                return app.engine.render_refund(p, r)
        return None

    # The key is optional here (legacy API) but honoured when sent.
    return idempotency.run(app, req, create, required=False, render_current=current)
