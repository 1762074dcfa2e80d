"""The customer's phone: HTML pages to pay or reject, and the cashbox QR images.

Plain HTML forms, inline CSS, no JavaScript: it must work in any browser and in
tests that only speak HTTP.
"""

from __future__ import annotations

import html
import urllib.parse

from . import qr
from .admin import find_pos
from .errors import ApiError
from .web import ok, route

_CSS = """
body{font-family:sans-serif;margin:0;background:#eee}
header{background:#009ee3;color:#fff;padding:12px 16px}
header a{color:#fff}
main{max-width:520px;margin:auto;padding:8px}
.box{background:#fff;border-radius:8px;padding:12px 16px;margin:10px 0}
.amount{font-size:2em;font-weight:bold}
.muted{color:#666;font-size:.9em}
.msg{background:#fff3cd;border:1px solid #e0c060;padding:8px;border-radius:6px}
button{font-size:1.1em;padding:8px 18px;margin:4px;border-radius:6px;border:0}
.pay{background:#00a650;color:#fff}.reject{background:#f23d4f;color:#fff}
table{border-collapse:collapse;width:100%}td{padding:2px 4px}
"""

NOTHING_TO_PAY = "Nothing to pay here yet: make an order first."


def _page(title: str, body: str, status: int = 200):
    doc = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        "<header><b>Mercado Pago</b> · emulator · "
        "<a href='/emulator/customer'>all cashboxes</a></header>"
        f"<main>{body}</main></body></html>"
    )
    return ok(doc, status, content_type="text/html; charset=utf-8")


def _cashbox_html(app, pos: dict) -> str:
    e = html.escape
    account = app.state.account(pos["user_id"])
    pending = app.engine.describe_pending(app.engine.pending_for_pos(pos))
    ext = pos["external_id"]
    query = urllib.parse.urlencode({"user_id": pos["user_id"]})
    link = f"/emulator/customer/{urllib.parse.quote(ext)}?{query}"
    out = [
        "<section class='box'>",
        f"<h2><a href='{e(link)}'>{e(pos['name'])}</a></h2>",
        (
            f"<div class='muted'>cashbox <code>{e(ext)}</code> · store "
            f"<code>{e(str(pos['external_store_id']))}</code> · "
            f"{e(account['nickname'])} ({e(account['site_id'])})</div>"
        ),
    ]
    if not pending:
        out.append(f"<p class='msg'>{e(NOTHING_TO_PAY)}</p></section>")
        return "".join(out)
    rows = "".join(
        f"<tr><td>{e(str(i['quantity']))} ×</td><td>{e(str(i['title']))}</td>"
        f"<td>{e(str(i['unit_price']))}</td></tr>"
        for i in pending["items"]
    )
    action = f"/emulator/customer/{urllib.parse.quote(ext)}/pay"
    hidden = f"<input type='hidden' name='user_id' value='{pos['user_id']}'>"
    out += [
        f"<p class='amount'>{e(pending['currency'])} {e(pending['total_amount'])}</p>",
        f"<p>{e(pending['description'] or '')}</p>",
        f"<table>{rows}</table>",
        (
            f"<p class='muted'>reference <code>{e(pending['external_reference'])}"
            f"</code> · {e(pending['kind'])} · expires {e(pending['expires_at'])}</p>"
        ),
        f"<form method='post' action='{e(action)}'>{hidden}",
        (
            "<label class='muted'>amount to pay "
            f"<input name='amount' value='{e(pending['total_amount'])}' size='10'>"
            "</label><br>"
        ),
        "<button class='pay' name='outcome' value='approved'>Pay</button>",
        "<button class='reject' name='outcome' value='rejected'>Reject</button>",
        "</form></section>",
    ]
    return "".join(out)


@route("GET", "/emulator/customer", "page", auth=False)
def customer_all(app, req):
    boxes = sorted(app.state.data["pos"].values(), key=lambda p: p["id"])
    if not boxes:
        body = "<p class='msg'>No cashbox yet: create one with POST /pos.</p>"
    else:
        body = "".join(_cashbox_html(app, p) for p in boxes)
    return _page("Customer phone", body)


@route("GET", "/emulator/customer/{external_pos_id}", "page", auth=False)
def customer_one(app, req):
    ext = urllib.parse.unquote(req.params["external_pos_id"])
    try:
        pos = find_pos(app, ext, req.q("user_id"))
    except ApiError as exc:
        return _page("Cashbox", f"<p class='msg'>{html.escape(exc.message)}</p>", 404)
    return _page(f"Pay at {pos['name']}", _cashbox_html(app, pos))


@route("POST", "/emulator/customer/{external_pos_id}/pay", "page", auth=False)
def customer_pay(app, req):
    form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"))
    ext = urllib.parse.unquote(req.params["external_pos_id"])
    user_id = (form.get("user_id") or [None])[0]
    outcome = (form.get("outcome") or ["approved"])[0]
    amount = (form.get("amount") or [None])[0] or None
    e = html.escape
    try:
        pos = find_pos(app, ext, user_id)
        account = app.state.account(pos["user_id"])
        result = app.engine.pay(account, pos, outcome, amount)
    except ApiError as exc:
        msg = NOTHING_TO_PAY if exc.code == "nothing_to_pay" else exc.message
        return _page("Payment", f"<p class='msg'>{e(msg)}</p>", exc.status)
    lines = "".join(
        f"<li>payment <code>{p['id']}</code>: <b>{e(p['status'])}</b> "
        f"({e(p['status_detail'])}) {e(p['currency_id'])} "
        f"{e(format(p['transaction_amount'], 'f'))}</li>"
        for p in result["payments"]
    )
    back = f"/emulator/customer/{urllib.parse.quote(ext)}?user_id={pos['user_id']}"
    verdict = "Paid" if result["status"] == "approved" else "Payment rejected"
    body = (
        f"<section class='box'><h2>{e(verdict)}</h2><ul>{lines}</ul>"
        f"<p><a href='{e(back)}'>back to the cashbox</a></p></section>"
    )
    return _page(verdict, body)


# --- QR images ------------------------------------------------------------------------


def _qr_pos(app, req) -> tuple[dict, str]:
    if not qr.available():
        raise ApiError(501, "qrcode_missing", "pip install qrcode to render QR codes")
    pos = app.state.data["pos"].get(req.params["pos_id"])
    if not pos:
        raise ApiError(404, "not_found", "no such cashbox")
    base = app.state.config["public_url"] or req.base_url
    ext = urllib.parse.quote(pos["external_id"])
    return pos, f"{base}/emulator/customer/{ext}?user_id={pos['user_id']}"


@route("GET", "/emulator/qr/{pos_id}.png", "emulator", auth=False)
def qr_image(app, req):
    _, url = _qr_pos(app, req)
    return ok(qr.qr_png(url), content_type="image/png")


@route("GET", "/emulator/qr/{pos_id}/template.png", "emulator", auth=False)
def qr_template_png(app, req):
    _, url = _qr_pos(app, req)
    return ok(qr.template_png(url), content_type="image/png")


@route("GET", "/emulator/qr/{pos_id}/template.pdf", "emulator", auth=False)
def qr_template_pdf(app, req):
    pos, url = _qr_pos(app, req)
    pdf = qr.template_pdf(url, pos["name"], f"Scan to pay - {pos['external_id']}")
    return ok(pdf, content_type="application/pdf")


@route("GET", "/emulator/qr/order/{order_id}.png", "emulator", auth=False)
def qr_order(app, req):
    if not qr.available():
        raise ApiError(501, "qrcode_missing", "pip install qrcode to render QR codes")
    order = app.state.data["orders"].get(req.params["order_id"])
    if not order or "type_response" not in order:
        raise ApiError(404, "not_found", "no dynamic order with that id")
    return ok(qr.qr_png(order["type_response"]["qr_data"]), content_type="image/png")
