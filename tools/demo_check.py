"""`make demo-check`: start the demo from scratch and sell with it, in a real
headless Chromium, the way a person does; optionally take the README's
screenshots.

For each site (SITE=MLA, ..., or SITE=all, the default): `make demo RESET=1`
on free ports, log in as admin, open "Caja 1", ring up a product, pay with
Mercado Pago QR and press Send; the customer then pays on the emulator's
customer page (the Mercado Pago app's stand-in); the check waits for the
receipt with Mercado Pago's operation number and asks the server that the
order is paid and the attempt recorded. SCREENSHOTS=1 (for the first site)
writes readme/screenshots/*.png.
"""

import os
import shutil
import sys
import time

import demo
import live
from cdp import Browser
from demo import DEMO_PRODUCT
from devenv import REPO, VAR, log

SHOTS = REPO / "readme" / "screenshots"
DESCRIPTION = REPO / "static" / "description"


def login(page, odoo_url):
    page.goto(f"{odoo_url}/web/login")
    page.type("input[name=login]", "admin")
    page.type("input[name=password]", "admin")
    page.click("button[type=submit]")
    page.wait_for(".o_main_navbar")


def open_register(pos):
    """The POS's first screen: start it, and open the register if asked."""
    pos.wait(
        f"{pos._find('.screen-login .btn.open-register-btn', None)} || "
        f"{pos._find('article.product .product-name', None)}",
        timeout=120,
        what="the POS",
    )
    if pos.evaluate(f"!!{pos._find('.screen-login .btn.open-register-btn', None)}"):
        pos.click(".screen-login .btn.open-register-btn")
    opening = pos._find(".modal-footer .btn-primary", "Open Register")
    products = pos._find("article.product .product-name", None)
    pos.wait(f"{opening} || {products}", what="the register")
    if pos.evaluate(f"!!{opening}"):
        pos.click(".modal-footer .btn-primary", "Open Register")


def send(pos, site, retries):
    """Send, and when Mercado Pago could not be reached, acknowledge the
    message and send again, as a cashier does."""
    waiting = pos._find(".o_mp_qr_waiting img.o_mp_qr_image", None)
    alert = pos._find(".modal-footer .btn-primary", None)
    for _try in range(retries):
        pos.click(".paymentline .send_payment_request")
        pos.wait(f"{waiting} || {alert}", what="the waiting screen or a message")
        if pos.evaluate(f"!!{waiting}"):
            return
        pos.click(".modal-footer .btn-primary")
    pos.screenshot(VAR / "demo" / f"failed-{site}.png")
    raise TimeoutError("the QR order could not be sent")


def sell(browser, urls, site, shots, retries=1):
    pos = browser.page()
    try:
        _sell(browser, pos, urls, site, shots, retries)
    except Exception:
        (VAR / "demo").mkdir(parents=True, exist_ok=True)
        pos.screenshot(VAR / "demo" / f"failed-{site}-{int(time.time())}.png")
        raise
    finally:
        pos.close()


def _sell(browser, pos, urls, site, shots, retries):
    pos.goto(urls["pos"])
    open_register(pos)
    # An earlier sale of this browser that never ended comes back waiting
    # (the POS recovers it from the server): the cashier cancels it.
    time.sleep(2)
    if pos.evaluate("!!document.querySelector('.o_mp_qr_waiting')"):
        log("an earlier QR sale came back waiting: cancelling it")
        pos.click(".modal .o_mp_qr_cancel")
        pos.wait("!document.querySelector('.o_mp_qr_waiting')", what="the cancel")
    pos.click("article.product .product-name", DEMO_PRODUCT[site])
    pos.click(".product-screen .pay-order-button")
    method = (".paymentmethods .button.paymentmethod .payment-name", "Mercado Pago")
    pos.click(*method)
    for _try in range(5):
        # A busy POS can swallow the click: the line must show its Send. Only
        # a click that made no line is repeated (a second line is refused
        # with a message while the first waits).
        try:
            pos.wait_for(".paymentline .send_payment_request", timeout=15)
            break
        except TimeoutError:
            if not pos.evaluate("!!document.querySelector('.paymentline')"):
                pos.click(*method)
    display = None
    if shots:
        # The customer display, as a second screen of the same browser.
        display = browser.page()
        display.goto(urls["customer_display"])
    send(pos, site, retries)
    pos.wait_for(".o_mp_qr_waiting .o_mp_qr_countdown")
    if shots:
        time.sleep(1)
        pos.screenshot(SHOTS / "pos_waiting.png")
        display.wait_for(".pos-customer_payment_qr_code", timeout=30)
        display.screenshot(SHOTS / "customer_display.png")
    # The customer scans the sticker and pays in the app.
    customer = browser.page()
    customer.goto(urls["customer_page"])
    customer.wait_for("button.pay")
    if shots:
        customer.screenshot(SHOTS / "customer_page.png")
    customer.click("button.pay")
    try:
        pos.wait_for(".pos-receipt .o_mp_qr_operation", timeout=90)
    except TimeoutError:
        pos.screenshot(VAR / "demo" / f"failed-{site}.png")
        customer.screenshot(VAR / "demo" / f"failed-{site}-customer.png")
        raise
    if shots:
        pos.screenshot(SHOTS / "pos_receipt.png")
    for page in (customer, display):
        if page:
            page.close()


def backend_shots(browser, odoo_url, info):
    page = browser.page()
    forms = [
        ("account_form.png", "mercado.pago.qr.account", info["account"]),
        ("payment_method_form.png", "pos.payment.method", info["method"]),
    ]
    for name, model, res_id in forms:
        page.goto(f"{odoo_url}/odoo/{model}/{res_id}")
        page.wait_for(".o_form_view")
        time.sleep(1)
        page.screenshot(SHOTS / name)
    page.goto(
        f"{odoo_url}/odoo/action-pos_mercado_pago_qr.action_mercado_pago_qr_cashbox"
    )
    page.click(".o_data_row .o_data_cell", "Caja 1")
    page.wait_for(".o_form_view")
    time.sleep(1)
    page.screenshot(SHOTS / "cashbox_form.png")
    page.goto(
        f"{odoo_url}/odoo/action-pos_mercado_pago_qr.action_mercado_pago_qr_attempt"
    )
    page.wait_for(".o_list_view .o_data_row")
    time.sleep(1)
    page.screenshot(SHOTS / "transactions.png")
    page.goto(f"{odoo_url}/odoo/mercado.pago.qr.release.report/{release_report(info)}")
    page.wait_for(".o_form_view .o_data_row")
    time.sleep(1)
    page.screenshot(SHOTS / "release_report.png")
    page.close()


def release_report(info):
    """The accountant's import of the day: the sale, and a payout of half of
    it to the bank."""
    import requests

    odoo, emulator = info["odoo"], info["emulator"]
    requests.post(
        f"{emulator}/emulator/v1/accounts/{info['user_id']}/payouts",
        json={"amount": "100"},
        timeout=10,
    ).raise_for_status()
    today = time.strftime("%Y-%m-%d")
    report = odoo.call(
        "mercado.pago.qr.release.report",
        "create",
        {"account_id": info["account"], "date_from": today, "date_to": today},
    )
    odoo.call("mercado.pago.qr.release.report", "action_import", [report])
    return report


def check_server(odoo, info):
    attempts = odoo.call(
        "mercado.pago.qr.attempt",
        "search_read",
        [["config_id", "=", info["config"]]],
        ["state", "pos_order_id", "operation_number"],
    )
    paid = [a for a in attempts if a["state"] == "paid"]
    assert len(paid) == 1, attempts
    assert paid[0]["pos_order_id"], attempts
    order = odoo.call(
        "pos.order", "read", [paid[0]["pos_order_id"][0]], ["state", "payment_ids"]
    )[0]
    assert order["state"] in ("paid", "done"), order
    return paid[0]["operation_number"]


def check_site(site, shots):
    cfg = {
        "site": site,
        "http_port": live.free_port(),
        "emulator_port": live.free_port(),
        "reset": True,
        "db": f"{demo.MODULE}_demo_check_{site.lower()}",
    }
    procs, info, urls = demo.start(cfg, "demo-check", ("postgresql", "chromium"))
    browser = Browser()
    try:
        odoo_url = urls["backend"].rsplit("/odoo", 1)[0]
        page = browser.page()
        login(page, odoo_url)
        page.close()
        sell(browser, urls, site, shots)
        odoo = live.Odoo(odoo_url, cfg["db"])
        odoo.login()
        operation = check_server(odoo, info)
        if shots:
            backend_shots(
                browser,
                odoo_url,
                dict(
                    info,
                    odoo=odoo,
                    emulator=urls["customer_page"].split("/emulator/")[0],
                ),
            )
            # The app page (static/description) shows two of them.
            for name in ("pos_waiting.png", "account_form.png"):
                shutil.copy(SHOTS / name, DESCRIPTION / name)
        return operation
    finally:
        browser.close()
        live.stop(*procs)


def main():
    wanted = os.environ.get("SITE", "all").upper()
    sites = list(live.SAMPLE_STORES) if wanted == "ALL" else [wanted]
    shots = os.environ.get("SCREENSHOTS", "") not in ("", "0")
    if shots:
        SHOTS.mkdir(parents=True, exist_ok=True)
    failed = []
    for n, site in enumerate(sites):
        started = time.monotonic()
        try:
            operation = check_site(site, shots and n == 0)
        except Exception as error:  # noqa: BLE001 - reported per site
            failed.append(site)
            log(f"{site}: FAILED: {error!r}"[:2000])
            continue
        log(
            f"{site}: a QR sale was paid through the customer page "
            f"(operation {operation}) in {time.monotonic() - started:.0f} s"
        )
    print(
        f"demo check: {len(sites) - len(failed)}/{len(sites)} sites passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
