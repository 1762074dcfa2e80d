"""The customer's phone page: what waits on the QR, Pay and Reject forms."""

from __future__ import annotations

import urllib.parse

import pytest
from emulator_fixtures import http


@pytest.fixture
def shop(emu):
    acc = emu.account()
    emu.cashbox(acc)
    return acc


def _form(emu, acc, outcome, amount=None, pos="POS1"):
    fields = {"user_id": acc["user_id"], "outcome": outcome}
    if amount is not None:
        fields["amount"] = amount
    return http(
        "POST",
        f"{emu.url}/emulator/customer/{pos}/pay",
        urllib.parse.urlencode(fields),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_emulator_customer_page_shows_order_and_pays(emu, shop, sink):
    items = [{"title": "Empanada & Co", "unit_price": "25.00", "quantity": 2}]
    order = emu.order(shop, amount="50.00", items=items, description="Mesa 4").json
    page = http("GET", f"{emu.url}/emulator/customer/POS1?user_id={shop['user_id']}")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "ARS 50.00" in text and "Mesa 4" in text
    assert "Empanada &amp; Co" in text  # escaped
    assert order["external_reference"] in text
    assert "value='approved'" in text and "value='rejected'" in text
    # No JavaScript and nothing loaded from elsewhere.
    assert "<script" not in text and "<link" not in text and "src=" not in text
    done = _form(emu, shop, "approved")
    assert done.status == 200 and "Paid" in done.text
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "processed"
    assert sink.wait(1)[0]["body"]["action"] == "order.processed"
    after = http("GET", f"{emu.url}/emulator/customer/POS1")
    assert "make an order first" in after.text


def test_emulator_customer_reject_and_nothing_to_pay(emu, shop):
    nothing = _form(emu, shop, "approved")
    assert nothing.status == 409 and "make an order first" in nothing.text
    emu.v2_put(shop, body=emu.v2_body(amount=75))
    page = http("GET", f"{emu.url}/emulator/customer")
    assert "ARS 75.00" in page.text and "instore_v2" in page.text
    rejected = _form(emu, shop, "rejected")
    assert rejected.status == 200 and "rejected" in rejected.text
    still = http("GET", f"{emu.url}/emulator/customer/POS1")
    assert "ARS 75.00" in still.text  # a rejection leaves the order on the QR


def test_emulator_customer_pays_another_amount(emu, shop):
    order = emu.order(shop, amount="50.00").json
    assert _form(emu, shop, "approved", amount="45.00").status == 200
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["transactions"]["payments"][0]["paid_amount"] == "45.00"


def test_emulator_customer_pending_admin_view(emu, shop):
    assert emu.admin.get("/emulator/v1/pos/POS1/pending").json == {"pending": None}
    emu.order(shop, amount="12.00")
    pending = emu.admin.get("/emulator/v1/pos/POS1/pending").json["pending"]
    assert pending["kind"] == "order" and pending["total_amount"] == "12.00"
    assert pending["currency"] == "ARS"


def test_emulator_customer_same_external_id_in_two_accounts(emu, shop):
    other = emu.account("MLU")
    emu.cashbox(other)
    emu.order(other, amount="10.00")
    assert emu.pay().status == 409  # ambiguous without user_id
    page = http("GET", f"{emu.url}/emulator/customer/POS1?user_id={other['user_id']}")
    assert "UYU 10.00" in page.text
    assert emu.pay(user_id=other["user_id"]).status == 200


def test_emulator_customer_bad_inputs(emu, shop):
    emu.order(shop, amount="10.00")
    bad_amount = _form(emu, shop, "approved", amount="ten")
    assert bad_amount.status == 400 and "decimal" in bad_amount.text
    assert emu.pay(amount="abc").status == 400
    assert emu.pay(outcome="maybe").status == 400
    assert emu.pay(user_id="x").status == 400
    assert emu.pay().status == 200  # the order was still waiting
