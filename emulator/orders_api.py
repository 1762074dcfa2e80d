"""Orders API for QR: POST /v1/orders, get, search, cancel, refund.

Source: docs/mercado-pago-api.md §5.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from . import idempotency
from .errors import ApiError
from .money import ZERO, D, parse_amount_string
from .payflow import PAYABLE, RefundRefused, public
from .qr import emv_payload
from .sites import SITES
from .state import iso, parse_iso
from .web import ok, route

_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Cancel and refund references: "must begin with the prefix ORD and be
# followed by 26 characters" (else 400 invalid_path_param).
_ORDER_ID = re.compile(r"^ORD[0-9A-Za-z]{26}$")
_DURATION = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_TOP_FIELDS = {
    "type",
    "external_reference",
    "total_amount",
    "description",
    "expiration_time",
    "config",
    "transactions",
    "items",
    "discounts",
    "marketplace_fee",
    "integration_data",
    "processing_mode",
}
_ITEM_FIELDS = {
    "title",
    "unit_price",
    "quantity",
    "unit_measure",
    "external_code",
    "external_categories",
}
_DISCOUNT_TYPES = ("debit_card", "credit_card", "account_money", "prepaid_card")
ORDER_VISIBLE_FOR = timedelta(days=90)
MIN_EXPIRATION = timedelta(seconds=30)
MAX_EXPIRATION = timedelta(hours=3600)


def _err(status: int, code: str, message: str, *fields: str) -> ApiError:
    return ApiError(status, code, message, details=list(fields))


def value_error(field: str, message: str) -> ApiError:
    return _err(400, "property_value", f"{field}: {message}", field)


def type_error(field: str, message: str) -> ApiError:
    return _err(400, "property_type", f"{field}: {message}", field)


def parse_duration(text: object) -> timedelta:
    if not isinstance(text, str):
        raise type_error("expiration_time", "must be an ISO-8601 duration string")
    m = _DURATION.match(text)
    if not m or text in ("P", "PT") or text.endswith("T"):
        raise value_error("expiration_time", "must be an ISO-8601 duration (PT15M)")
    parts = {k: Decimal(v) if v else ZERO for k, v in m.groupdict().items()}
    seconds = (
        parts["w"] * 604800
        + parts["d"] * 86400
        + parts["h"] * 3600
        + parts["m"] * 60
        + parts["s"]
    )
    delta = timedelta(seconds=float(seconds))
    if not MIN_EXPIRATION <= delta <= MAX_EXPIRATION:
        raise value_error("expiration_time", "must be between 30 s and 3600 h")
    return delta


class _Amounts:
    """Parse Orders API amount strings with the site's rules."""

    def __init__(self, site, cfg):
        self.site, self.cfg = site, cfg

    def __call__(self, value, field: str) -> Decimal:
        try:
            return parse_amount_string(
                value,
                self.site.decimals,
                two_required=self.cfg["amount_format"] == "two_required",
                zero_decimal_strict=self.cfg["zero_decimal_strict"],
            )
        except TypeError as exc:
            raise type_error(field, str(exc)) from None
        except ValueError as exc:
            raise value_error(field, str(exc)) from None


def _str_field(body: dict, field: str, max_len: int, *, required=False) -> str | None:
    value = body.get(field)
    if value is None:
        if required:
            raise _err(400, "required_properties", f"{field} is required", field)
        return None
    if not isinstance(value, str):
        raise type_error(field, "must be a string")
    if len(value) > max_len:
        raise value_error(field, f"at most {max_len} characters")
    return value


def _validate_items(items, amount) -> list:
    if not isinstance(items, list):
        raise type_error("items", "must be an array")
    if len(items) > 10:
        raise _err(400, "maximum_items", "items: at most 10 items", "items")
    out = []
    for n, item in enumerate(items):
        where = f"items[{n}]"
        if not isinstance(item, dict):
            raise type_error(where, "must be an object")
        unknown = set(item) - _ITEM_FIELDS
        if unknown:
            names = [f"{where}.{k}" for k in sorted(unknown)]
            raise _err(400, "unsupported_properties", "unsupported properties", *names)
        _str_field(item, "title", 150, required=True)
        amount(item.get("unit_price"), f"{where}.unit_price")
        qty = item.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, int):
            raise type_error(f"{where}.quantity", "must be an integer")
        if qty < 1:
            raise value_error(f"{where}.quantity", "must be at least 1")
        _str_field(item, "unit_measure", 10)
        _str_field(item, "external_code", 30)
        cats = item.get("external_categories")
        if cats is not None and (
            not isinstance(cats, list)
            or not all(
                isinstance(c, dict)
                and isinstance(c.get("id"), str)
                and len(c["id"]) <= 10
                for c in cats
            )
        ):
            raise value_error(
                f"{where}.external_categories", "[{id: string <= 10 chars}]"
            )
        out.append(item)
    return out


def _check_reference(app, uid: int, ref) -> str:
    if not isinstance(ref, str):
        raise type_error("external_reference", "must be a string")
    if not _REFERENCE.match(ref):
        raise value_error("external_reference", "up to 64 chars of [A-Za-z0-9_-]")
    for other in app.state.data["orders"].values():
        if other["_user_id"] == uid and other["external_reference"] == ref:
            raise value_error("external_reference", f"already used by {other['id']}")
    return ref


def _check_config(conf) -> tuple[str, str]:
    """(external_pos_id, mode) from config.qr."""
    if not isinstance(conf, dict) or not isinstance(conf.get("qr"), dict):
        raise _err(400, "required_properties", "config.qr is required", "config.qr")
    qr = conf["qr"]
    extra = sorted(set(conf) - {"qr"}) + [
        f"config.qr.{k}" for k in sorted(set(qr) - {"external_pos_id", "mode"})
    ]
    if extra:
        raise _err(400, "unsupported_properties", "unsupported properties", *extra)
    pos_ext = qr.get("external_pos_id")
    if pos_ext is None:
        field = "config.qr.external_pos_id"
        raise _err(400, "required_properties", f"{field} is required", field)
    if not isinstance(pos_ext, str):
        raise type_error("config.qr.external_pos_id", "must be a string")
    mode = qr.get("mode", "static")
    if mode not in ("static", "dynamic", "hybrid"):
        raise value_error("config.qr.mode", "static, dynamic or hybrid")
    return pos_ext, mode


def _check_transactions(txns, amount, total: Decimal, must_match: bool) -> None:
    if not isinstance(txns, dict):
        raise type_error("transactions", "must be an object")
    if set(txns) - {"payments"}:
        names = [f"transactions.{k}" for k in sorted(set(txns) - {"payments"})]
        raise _err(400, "unsupported_properties", "unsupported properties", *names)
    payments = txns.get("payments")
    if not isinstance(payments, list) or not payments:
        raise _err(
            400,
            "order_builder_without_transactions",
            "transactions.payments needs exactly one payment",
        )
    if len(payments) > 1:
        raise _err(
            400,
            "exceeded_number_of_transactions",
            "a QR order accepts exactly one payment",
        )
    field = "transactions.payments[0].amount"
    pay = payments[0]
    if not isinstance(pay, dict) or set(pay) - {"amount"}:
        raise value_error("transactions.payments[0]", "only {amount} is accepted")
    if pay.get("amount") is None:
        raise _err(400, "required_properties", f"{field} is required", field)
    if amount(pay["amount"], field) != total and must_match:
        # Documented for online orders only; a switch here (issue #14).
        raise _err(
            400,
            "invalid_total_amount",
            "total_amount is not equivalent to the sum of transactions.payments.amount",
            "total_amount",
        )


def _check_items_and_discounts(body, amount, total: Decimal, app_cfg: dict):
    strict = app_cfg["strict_item_sums"]
    items = body.get("items")
    if items is not None:
        items = _validate_items(items, amount)
        if strict:
            lines = sum((D(i["unit_price"]) * i["quantity"] for i in items), ZERO)
            if lines != total:
                raise value_error("items", f"items add up to {lines}")
    discounts = body.get("discounts")
    if discounts is not None:
        methods = discounts.get("payment_methods") if isinstance(discounts, dict) else 0
        if not isinstance(methods, list) or len(methods) > 4:
            raise value_error("discounts.payment_methods", "a list of at most 4")
        for n, dm in enumerate(methods):
            if not isinstance(dm, dict) or dm.get("type") not in _DISCOUNT_TYPES:
                raise value_error(f"discounts.payment_methods[{n}].type", "unknown")
            amount(dm.get("new_total_amount"), f"discounts.payment_methods[{n}]")
        # The reference says external_categories "cannot be set together with
        # the discounts field", yet the guide's own example sends both: a switch.
        exclusive = app_cfg["discounts_exclusive_with_categories"]
        if exclusive and items and any(i.get("external_categories") for i in items):
            raise value_error("discounts", "exclusive with items.external_categories")
    return items


def _check_integration(body) -> dict:
    if body.get("marketplace_fee") is not None:
        raise _err(
            404,
            "marketplace_fee_not_allowed",
            "marketplace_fee needs an OAuth marketplace integration",
        )
    integration = body.get("integration_data") or {}
    if not isinstance(integration, dict):
        raise type_error("integration_data", "must be an object")
    sponsor = integration.get("sponsor")
    if sponsor is not None and (
        not isinstance(sponsor, dict) or not str(sponsor.get("id", "")).isdigit()
    ):
        raise _err(400, "sponsor_id_not_valid", "integration_data.sponsor.id")
    return integration


def _validate_create(app, req) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise _err(400, "json_syntax_error", "body must be a JSON object")
    account = req.account
    site = SITES[account["site_id"]]
    cfg = app.state.config
    if site.site_id not in cfg["orders_api_sites"]:
        raise _err(400, "unsupported_site", f"QR orders unavailable in {site.site_id}")
    unknown = sorted(set(body) - _TOP_FIELDS)
    if unknown:
        raise _err(400, "unsupported_properties", "unsupported properties", *unknown)
    required = ("type", "external_reference", "total_amount", "config", "transactions")
    missing = [f for f in required if body.get(f) is None]
    if missing:
        raise _err(400, "required_properties", "missing properties", *missing)
    if body["type"] != "qr":
        raise value_error("type", "must be 'qr'")
    if body.get("processing_mode", "automatic") != "automatic":
        raise value_error("processing_mode", "QR orders are 'automatic'")
    amount = _Amounts(site, cfg)
    _check_reference(app, account["user_id"], body["external_reference"])
    total = amount(body["total_amount"], "total_amount")
    _str_field(body, "description", 150)
    expiration_text = body.get("expiration_time") or cfg["orders_default_expiration"]
    expires_in = parse_duration(expiration_text)
    pos_ext, mode = _check_config(body["config"])
    _check_transactions(
        body["transactions"], amount, total, cfg["orders_total_must_match"]
    )
    items = _check_items_and_discounts(body, amount, total, cfg)
    integration = _check_integration(body)
    pos = app.state.pos_by_external(account["user_id"], pos_ext)
    if not pos:
        raise _err(404, "pos_not_found", f"Point of sale {pos_ext!r} not found")
    return {
        "body": body,
        "pos": pos,
        "mode": mode,
        "expiration_text": expiration_text,
        "expires_in": expires_in,
        "items": items,
        "integration": integration,
    }


def _free_the_cashbox(app, account: dict, pos: dict) -> None:
    pending = app.engine.pending_for_pos(pos)
    if not pending:
        return
    if app.state.config["pending_order_policy"] == "reject":
        kind, rec = pending
        what = rec["id"] if kind == "order" else "an in-store order"
        raise ApiError(
            409,
            "already_queued_order_for_pos",
            f"Point of sale {pos['external_id']!r} already has {what} waiting: "
            "cancel it first",
        )
    kind, rec = pending
    if kind == "order":
        app.engine.cancel_order(account, rec, "canceled_by_new_order")
    else:
        app.engine.close_instore(pos["id"], "replaced")


def render_order(order: dict, operation_number: str = "reference_id") -> dict:
    """The REST view of an order. The payment's operation number is stored as
    `reference_id` (SDK fixtures); knob `order_operation_number` may show it as
    `reference: {id}` (the published webhooks' form) instead, or both."""
    out = public(order)
    if operation_number != "reference_id":
        for txn in out["transactions"].get("payments", []):
            if "reference_id" in txn:
                txn["reference"] = {"id": txn["reference_id"]}
                if operation_number == "reference":
                    del txn["reference_id"]
    return out


def render_refund_answer(order: dict, refund_id: str) -> dict:
    """POST /v1/orders/{id}/refund answers a partial order: id, status,
    status_detail and only the refund just made (QR guide; SDK-PHP/Java/Node
    fixtures R1-R7)."""
    refunds = [
        public(r)
        for r in order["transactions"].get("refunds", [])
        if r["id"] == refund_id
    ]
    return {
        "id": order["id"],
        "status": order["status"],
        "status_detail": order["status_detail"],
        "transactions": {"refunds": refunds},
    }


def _current(app, account):
    shape = app.state.config["order_operation_number"]

    def render(resource):
        if resource and resource.get("type") in ("order", "order_refund"):
            order = app.state.data["orders"].get(resource["id"])
            if order and order["_user_id"] == account["user_id"]:
                if resource["type"] == "order_refund":
                    return render_refund_answer(order, resource["refund_id"])
                return render_order(order, shape)
        return None

    return render


@route("POST", "/v1/orders", "orders")
def orders_create(app, req):
    def create():
        v = _validate_create(app, req)
        account, pos, body = req.account, v["pos"], v["body"]
        site = SITES[account["site_id"]]
        _free_the_cashbox(app, account, pos)
        state = app.state
        now = state.now()
        order = {
            "id": state.ulid("ORD"),
            "type": "qr",
            "processing_mode": "automatic",
            "external_reference": body["external_reference"],
            "total_amount": body["total_amount"],
            "expiration_time": v["expiration_text"],
            "country_code": site.country_code,
            "user_id": str(account["user_id"]),
            "status": "created",
            "status_detail": "created",
            "currency": site.currency,
            "created_date": iso(now),
            "last_updated_date": iso(now),
            "integration_data": {
                **v["integration"],
                "application_id": account["application_id"],
            },
            "transactions": {
                "payments": [
                    {
                        "id": state.ulid("PAY"),
                        "amount": body["transactions"]["payments"][0]["amount"],
                        "status": "created",
                        "status_detail": "ready_to_process",
                    }
                ]
            },
            "config": {
                "qr": {"external_pos_id": pos["external_id"], "mode": v["mode"]}
            },
            "_user_id": account["user_id"],
            "_pos_id": pos["id"],
            "_expires_at": iso(now + v["expires_in"]),
            "_version": 1,
            "_payment_ids": [],
        }
        if body.get("description") is not None:
            order["description"] = body["description"]
        if v["items"] is not None:
            order["items"] = v["items"]
        if body.get("discounts") is not None:
            order["discounts"] = body["discounts"]
        if v["mode"] in ("dynamic", "hybrid"):
            order["type_response"] = {"qr_data": emv_payload(site, account, order)}
        state.data["orders"][order["id"]] = order
        state.dirty = True
        return ok(
            render_order(order, app.state.config["order_operation_number"]),
            201,
            resource={"type": "order", "id": order["id"]},
        )

    return idempotency.run(
        app, req, create, required=True, render_current=_current(app, req.account)
    )


def own_order(app, req, *, check_id=False, refund=False, readable=True) -> dict:
    """The account's order named in the path.

    check_id: a reference that is not "ORD" + 26 characters is 400
    invalid_path_param (cancel and refund references). refund: another
    account's order is 400 invalid_order_owner (QR refund-errors page).
    readable: orders older than 3 months are 404 (doc: GET "available only for
    orders created less than 3 months ago").
    """
    order_id = req.params["order_id"]
    if check_id and not _ORDER_ID.match(order_id):
        raise _err(
            400,
            "invalid_path_param",
            f"The order_id {order_id!r} has an invalid format. It must begin "
            "with the prefix ORD and be followed by 26 characters.",
            "order_id",
        )
    order = app.state.data["orders"].get(order_id)
    if not order:
        raise ApiError(404, "order_not_found", "Order not found")
    if order["_user_id"] != req.account["user_id"]:
        if refund:
            raise ApiError(
                400,
                "invalid_order_owner",
                "It is not possible to process a refund for an order that was "
                "not created by the requester.",
            )
        raise ApiError(404, "order_not_found", "Order not found")
    if readable and _too_old(app, order):
        raise ApiError(404, "order_not_found", "Order older than 3 months")
    return order


def _too_old(app, order) -> bool:
    return parse_iso(order["created_date"]) + ORDER_VISIBLE_FOR < app.state.now()


_SEARCH_FILTERS = ("external_reference", "type", "status", "status_detail")


def _search_window(req):
    window = []
    for name in ("begin_date", "end_date"):
        text = req.q(name)
        try:
            window.append(parse_iso(text) if text else None)
        except ValueError:
            raise value_error(name, "an ISO-8601 date-time") from None
    return window


def _search_page(req) -> tuple[int, int]:
    """(offset, limit) from page/page_size (SDKs, page 1-based) or offset/limit."""
    try:
        if req.q("page") is not None or req.q("page_size") is not None:
            size = max(1, min(100, int(req.q("page_size", "50"))))
            page = max(1, int(req.q("page", "1")))
            return (page - 1) * size, size
        offset = max(0, int(req.q("offset", "0")))
        return offset, max(1, min(100, int(req.q("limit", "50"))))
    except ValueError:
        raise value_error("page", "page and page_size are integers") from None


@route("GET", "/v1/orders", "orders")
def orders_search(app, req):
    # Search order (SDK-Node search types, SDK-Go/PHP/Java/Python fixtures):
    # begin_date/end_date, filters, page/page_size ->
    # {data, paging: {total, total_pages, offset, limit}}. ⚠ unconfirmed for QR.
    uid = req.account["user_id"]
    begin, end = _search_window(req)
    filters = {k: req.q(k) for k in _SEARCH_FILTERS if req.q(k) is not None}
    found = []
    for o in app.state.data["orders"].values():
        if o["_user_id"] != uid or _too_old(app, o):
            continue
        if any(str(o.get(k)) != v for k, v in filters.items()):
            continue
        created = parse_iso(o["created_date"])
        if (begin and created < begin) or (end and created > end):
            continue
        found.append(o)
    offset, limit = _search_page(req)
    cfg = app.state.config
    shape = cfg["order_operation_number"]
    total = len(found)
    paging = {
        "total": total,
        "total_pages": -(-total // limit),
        "offset": offset,
        "limit": limit,
    }
    if cfg["orders_search_paging_type"] == "string":
        paging = {k: str(v) for k, v in paging.items()}
    page = [render_order(o, shape) for o in found[offset : offset + limit]]
    return ok({cfg["orders_search_shape"]: page, "paging": paging})


@route("GET", "/v1/orders/{order_id}", "orders")
def orders_get(app, req):
    shape = app.state.config["order_operation_number"]
    return ok(render_order(own_order(app, req), shape))


@route("POST", "/v1/orders/{order_id}/cancel", "orders")
def orders_cancel(app, req):
    def cancel():
        order = own_order(app, req, check_id=True, readable=False)
        # Cancel reference: only a "created" order can be canceled; any other
        # status is 409 order_already_canceled. (action_required, the state of
        # a rejected payment, stays cancelable: the order still waits.)
        if order["status"] not in PAYABLE:
            raise ApiError(
                409,
                "order_already_canceled",
                f"There is a conflict trying to cancel the order due to its "
                f"current status ({order['status']}).",
            )
        app.engine.cancel_order(req.account, order, "canceled_by_api")
        shape = app.state.config["order_operation_number"]
        return ok(
            render_order(order, shape), resource={"type": "order", "id": order["id"]}
        )

    return idempotency.run(
        app, req, cancel, required=True, render_current=_current(app, req.account)
    )


# Engine refusals -> (status, code) of the QR refund-errors page, or of the
# SDK-Python MPOrderErrors constants where the page is silent.
_REFUND_REFUSALS = {
    "partial_not_allowed": (400, "unsupported_partially_refunds"),
    "exceeds": (400, "refund_amount_exceeds"),
    "too_old": (400, "in_store_payment_refund_order"),
    "already_refunded": (409, "order_already_refunded"),
    "not_refundable": (409, "cannot_refund_order"),
}


@route("POST", "/v1/orders/{order_id}/refund", "orders")
def orders_refund(app, req):
    def refund():
        order = own_order(app, req, check_id=True, refund=True, readable=False)
        status = order["status"]
        if status == "refunded" or order["status_detail"] == "refunded":
            raise ApiError(409, "order_already_refunded", "Order already refunded")
        if status != "processed":
            raise ApiError(
                409,
                "cannot_refund_order",
                f"Order in status {status} cannot be refunded",
            )
        txn = order["transactions"]["payments"][0]
        body = req.json(required=False)
        amount = None
        if body not in (None, {}):
            amount = _refund_amount(app, req, body, txn)
        payment = app.state.data["payments"][txn["reference_id"]]
        try:
            made = app.engine.refund(payment, amount)
        except RefundRefused as exc:
            if exc.reason in _REFUND_REFUSALS:
                code_status, code = _REFUND_REFUSALS[exc.reason]
                raise ApiError(code_status, code, exc.message) from None
            raise value_error("transactions[0].amount", exc.message) from None
        resource = {
            "type": "order_refund",
            "id": order["id"],
            "refund_id": made["ref_id"],
        }
        return ok(render_refund_answer(order, made["ref_id"]), 201, resource=resource)

    return idempotency.run(
        app, req, refund, required=True, render_current=_current(app, req.account)
    )


def _refund_amount(app, req, body, txn) -> Decimal:
    if not isinstance(body, dict) or set(body) - {"transactions"}:
        raise _err(400, "unsupported_properties", "only {transactions} is accepted")
    txns = body.get("transactions")
    if not isinstance(txns, list) or not txns:
        raise value_error("transactions", "a list with one {id, amount}")
    if len(txns) > 1:
        raise _err(
            400, "exceeded_number_of_transactions", "refund one transaction at a time"
        )
    entry = txns[0]
    if not isinstance(entry, dict) or entry.get("id") is None:
        raise _err(400, "required_properties", "transactions[0].id is required")
    if entry["id"] != txn["id"]:
        raise ApiError(404, "transaction_not_found", f"No transaction {entry['id']}")
    if entry.get("amount") is None:
        return None
    site = SITES[req.account["site_id"]]
    return _Amounts(site, app.state.config)(entry["amount"], "transactions[0].amount")
