"""Admin API under /emulator/v1 for tests and scripts (no auth: loopback only)."""

from __future__ import annotations

import copy
import re

from . import config as config_mod
from .errors import ApiError
from .payflow import public
from .sites import SITES
from .state import iso, parse_iso
from .web import ok, route

A = "/emulator/v1"


def _body(req) -> dict:
    body = req.json(required=False)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "body must be a JSON object")
    return body


def _account_view(acc: dict) -> dict:
    return dict(acc)


@route("GET", A + "/health", "emulator", auth=False)
def health(app, req):
    return ok({"ok": True, "now": iso(app.state.now())})


# --- accounts ------------------------------------------------------------------------


@route("POST", A + "/accounts", "emulator", auth=False)
def accounts_create(app, req):
    body = _body(req)
    known = {
        "site_id",
        "webhook_url",
        "access_token",
        "user_id",
        "webhook_secret",
        "nickname",
        "test",
        "email",
    }
    unknown = set(body) - known
    if unknown:
        raise ApiError(400, "bad_request", f"unknown fields {sorted(unknown)}")
    try:
        acc = app.create_account(**body)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    except KeyError as exc:
        raise ApiError(409, "conflict", str(exc.args[0])) from None
    return ok(_account_view(acc), 201)


@route("GET", A + "/accounts", "emulator", auth=False)
def accounts_list(app, req):
    return ok([_account_view(a) for a in app.state.data["accounts"].values()])


def _account(app, req) -> dict:
    acc = app.state.account(req.params["user_id"])
    if not acc:
        raise ApiError(404, "not_found", "no such account")
    return acc


@route("GET", A + "/accounts/{user_id}", "emulator", auth=False)
def accounts_get(app, req):
    return ok(_account_view(_account(app, req)))


@route("PATCH", A + "/accounts/{user_id}", "emulator", auth=False)
def accounts_patch(app, req):
    acc = _account(app, req)
    body = _body(req)
    allowed = {
        "webhook_url",
        "webhook_secret",
        "nickname",
        "disabled",
        "access_token",
        "email",
        "test",
    }
    unknown = set(body) - allowed
    if unknown:
        raise ApiError(400, "bad_request", f"cannot change {sorted(unknown)}")
    if "access_token" in body:
        other = app.state.account_by_token(str(body["access_token"]))
        if other and other is not acc:
            raise ApiError(409, "conflict", "access_token already used")
    acc.update(body)
    if "test" in body:
        acc["live_mode"] = not body["test"]
    app.state.dirty = True
    return ok(_account_view(acc))


# --- the customer, as an API ----------------------------------------------------------


def find_pos(app, external_pos_id: str, user_id=None) -> dict:
    state = app.state
    if user_id is not None:
        if not str(user_id).isdigit():
            raise ApiError(400, "bad_request", "user_id must be numeric")
        pos = state.pos_by_external(int(user_id), external_pos_id)
        matches = [pos] if pos else []
    else:
        matches = [
            p
            for p in state.data["pos"].values()
            if state.pos_by_external(p["user_id"], external_pos_id) is p
        ]
    if not matches:
        raise ApiError(404, "pos_not_found", f"no cashbox {external_pos_id!r}")
    if len(matches) > 1:
        raise ApiError(409, "ambiguous_pos", "several accounts: give user_id")
    return matches[0]


@route("POST", A + "/pos/{external_pos_id}/pay", "emulator", auth=False)
def pos_pay(app, req):
    body = _body(req)
    pos = find_pos(app, req.params["external_pos_id"], body.get("user_id"))
    account = app.state.account(pos["user_id"])
    amount = body.get("amount")
    return ok(
        app.engine.pay(
            account,
            pos,
            body.get("outcome", "approved"),
            None if amount is None else str(amount),
        )
    )


@route("GET", A + "/pos/{external_pos_id}/pending", "emulator", auth=False)
def pos_pending(app, req):
    pos = find_pos(app, req.params["external_pos_id"], req.q("user_id"))
    pending = app.engine.pending_for_pos(pos)
    return ok({"pending": app.engine.describe_pending(pending)})


# --- logs -----------------------------------------------------------------------------


def _filtered(entries, req) -> list:
    out = list(entries)
    for key in ("kind", "method", "outcome", "event", "data_id"):
        wanted = req.q(key)
        if wanted is not None:
            out = [e for e in out if str(e.get(key)) == wanted]
    path = req.q("path")
    if path:
        out = [e for e in out if re.search(path, e.get("path", ""))]
    return out


@route("GET", A + "/notifications", "emulator", auth=False)
def notifications_list(app, req):
    with app.state.log_lock:
        entries = copy.deepcopy(list(app.state.notifications))
    return ok({"pending": app.notifier.pending(), "attempts": _filtered(entries, req)})


@route("DELETE", A + "/notifications", "emulator", auth=False)
def notifications_clear(app, req):
    with app.state.log_lock:
        app.state.notifications.clear()
    return ok({"cleared": True})


@route("POST", A + "/notifications", "emulator", auth=False)
def notifications_send(app, req):
    """Send one notification on demand, about any id (known or not)."""
    body = _body(req)
    acc = app.state.account(body.get("user_id"))
    if not acc:
        raise ApiError(400, "bad_request", "user_id of an emulator account required")
    kind = body.get("kind", "order")
    rid = str(body.get("id") or "")
    if not rid:
        raise ApiError(400, "bad_request", "id is required")
    url = body.get("url")
    if kind == "order":
        order = app.state.data["orders"].get(rid)
        view = (
            {**public(order), "_version": order["_version"]}
            if order
            else {
                "id": rid,
                "external_reference": body.get("external_reference", "unknown"),
                "status": body.get("status", "processed"),
                "status_detail": body.get("status_detail", "accredited"),
                "total_amount": body.get("total_amount", "0.00"),
                "transactions": {"payments": []},
                "_version": int(body.get("version", 1)),
            }
        )
        target = dict(acc, webhook_url=url or acc.get("webhook_url"))
        app.notifier.order_event(target, view, body.get("action", "order.processed"))
    elif kind in ("ipn", "webhook"):
        topic = body.get("topic", "payment")
        if topic not in ("payment", "merchant_order"):
            raise ApiError(400, "bad_request", "topic: payment or merchant_order")
        if not url:
            raise ApiError(400, "bad_request", "url is required for ipn/webhook")
        res = {
            "id": rid,
            "status": body.get("status", "closed"),
            "currency_id": SITES[acc["site_id"]].currency,
        }
        if kind == "webhook" and "source_news=webhook" not in url:
            url += ("&" if "?" in url else "?") + "source_news=webhooks"
        app.notifier.legacy_event(acc, url, topic, res)
    else:
        raise ApiError(400, "bad_request", "kind: order, ipn or webhook")
    return ok({"queued": True}, 202)


@route("GET", A + "/requests", "emulator", auth=False)
def requests_list(app, req):
    with app.state.log_lock:
        entries = list(app.state.requests)
    return ok({"requests": _filtered(entries, req)})


@route("DELETE", A + "/requests", "emulator", auth=False)
def requests_clear(app, req):
    with app.state.log_lock:
        app.state.requests.clear()
    return ok({"cleared": True})


# --- faults & config ------------------------------------------------------------------


@route("GET", A + "/faults", "emulator", auth=False)
def faults_get(app, req):
    return ok(app.faults.to_json())


@route("PUT", A + "/faults", "emulator", auth=False)
def faults_put(app, req):
    try:
        app.faults.load(_body(req))
    except (ValueError, TypeError, re.error) as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    return ok(app.faults.to_json())


@route("DELETE", A + "/faults", "emulator", auth=False)
def faults_clear(app, req):
    app.faults.clear(app.faults.seed)
    return ok(app.faults.to_json())


@route("GET", A + "/config", "emulator", auth=False)
def config_get(app, req):
    return ok(app.state.config)


def _set_config(app, base: dict, req):
    try:
        app.state.data["config"] = config_mod.merged(base, _body(req))
    except (ValueError, TypeError) as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    app.state.dirty = True
    return ok(app.state.config)


@route("PUT", A + "/config", "emulator", auth=False)
def config_put(app, req):
    return _set_config(app, config_mod.defaults(), req)


@route("PATCH", A + "/config", "emulator", auth=False)
def config_patch(app, req):
    return _set_config(app, app.state.config, req)


# --- ledger, clock, reset, state ------------------------------------------------------


@route("GET", A + "/ledger", "emulator", auth=False)
def ledger(app, req):
    uid = req.q("user_id")
    return ok(app.engine.ledger(int(uid) if uid else None))


@route("GET", A + "/clock", "emulator", auth=False)
def clock_get(app, req):
    return ok(
        {
            "now": iso(app.state.now()),
            "offset_seconds": app.state.data["clock_offset_seconds"],
        }
    )


@route("POST", A + "/clock", "emulator", auth=False)
def clock_set(app, req):
    body = _body(req)
    if "advance_seconds" in body:
        try:
            app.state.advance_clock(float(body["advance_seconds"]))
        except (TypeError, ValueError):
            raise ApiError(400, "bad_request", "advance_seconds: a number") from None
    elif "now" in body:
        try:
            app.state.set_clock(parse_iso(str(body["now"])))
        except ValueError as exc:
            raise ApiError(400, "bad_request", f"now: {exc}") from None
    else:
        raise ApiError(400, "bad_request", "give advance_seconds or now")
    app.engine.sweep(force=True)  # expire what the jump made stale, right now
    return clock_get(app, req)


@route("POST", A + "/reset", "emulator", auth=False)
def reset(app, req):
    body = _body(req)
    app.reset(keep_accounts=bool(body.get("keep_accounts", False)))
    return ok({"reset": True})


@route("GET", A + "/state", "emulator", auth=False)
def state_dump(app, req):
    return ok(copy.deepcopy(app.state.data))
