"""In-store orders v2, merchant orders, payments and refunds ("doc §N" cites
`docs/mercado-pago-api.md`: §4, §6.1, §6.2, §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def shop(emu):
    acc = emu.account()
    emu.cashbox(acc)
    return acc


def _v2(acc, pos="POS1"):
    return f"/instore/qr/seller/collectors/{acc['user_id']}/pos/{pos}/orders"


def test_emulator_v2_put_get_delete(emu, shop):
    body = emu.v2_body(
        amount=100,
        ref="POS-0001-00042",
        expiration_date="2099-05-01T12:30:00.000-03:00",
        sponsor={"id": 446566691},
    )
    put = emu.v2_put(shop, body=body, store="SUC1")  # the /stores/{...} path
    assert put.status == 204 and put.body == b""
    got = emu.api(shop).get(_v2(shop))
    assert got.status == 200 and isinstance(got.json, list) and len(got.json) == 1
    order = got.json[0]
    assert order["external_reference"] == "POS-0001-00042"
    assert order["total_amount"] == 100 and order["external_pos_id"] == "POS1"
    assert order["user_id"] == str(shop["user_id"])
    assert order["items"][0]["unit_measure"] == "unit"
    assert order["expiration_date"] == "2099-05-01T12:30:00.000-03:00"
    assert order["sponsor"] == {"id": 446566691}
    # PUT on the short path replaces the pending order.
    assert emu.v2_put(shop, body=emu.v2_body(amount=7, ref="NEWER")).status == 204
    assert emu.api(shop).get(_v2(shop)).json[0]["external_reference"] == "NEWER"
    assert emu.api(shop).delete(_v2(shop)).status == 204
    gone = emu.api(shop).get(_v2(shop))
    assert gone.status == 404
    assert gone.json["errorKey"] == "point_of_sale_in_store_order_not_found"
    assert emu.api(shop).delete(_v2(shop)).status == 204  # idempotent
    assert emu.pay().status == 409  # "make an order first"


@pytest.mark.parametrize(
    "over, key",
    [
        ({"external_reference": "a b"}, "invalid_external_reference"),
        ({"external_reference": "x" * 65}, "invalid_external_reference"),
        ({"external_reference": "a(1)"}, "invalid_external_reference"),
        ({"title": None}, "invalid_title"),
        ({"total_amount": "100"}, "invalid_total_amount"),
        ({"total_amount": 10.123}, "invalid_total_amount"),
        ({"total_amount": 0}, "invalid_total_amount"),
        (
            {"expiration_date": "2001-01-01T00:00:00.000-03:00"},
            "invalid_expiration_date",
        ),
        ({"expiration_date": "tomorrow"}, "invalid_expiration_date"),
        ({"expiration_date": "2099-01-01T00:00:00"}, "invalid_expiration_date"),
        ({"items": None}, "error_creating_seller_qr_order"),
        (
            {
                "items": [
                    {
                        "title": "x",
                        "unit_price": 1,
                        "quantity": 1,
                        "unit_measure": "kg",
                        "total_amount": 1,
                    }
                ]
            },
            "invalid_unit_measure",
        ),
        (
            {
                "items": [
                    {
                        "title": "x",
                        "unit_price": 1.234,
                        "quantity": 1,
                        "unit_measure": "unit",
                        "total_amount": 1,
                    }
                ]
            },
            "invalid_unit_price",
        ),
        (
            {
                "items": [
                    {
                        "title": "x",
                        "unit_price": 1,
                        "quantity": -1,
                        "unit_measure": "unit",
                        "total_amount": 1,
                    }
                ]
            },
            "invalid_quantity",
        ),
        (
            {
                "items": [
                    {
                        "title": "x",
                        "unit_price": 1,
                        "quantity": 1,
                        "unit_measure": "unit",
                        "total_amount": "1",
                    }
                ]
            },
            "invalid_items.total_amount",
        ),
        (
            {
                "items": [
                    {
                        "unit_price": 1,
                        "quantity": 1,
                        "unit_measure": "unit",
                        "total_amount": 1,
                    }
                ]
            },
            "invalid_title",
        ),
        (
            {
                "items": [
                    {
                        "title": "x",
                        "sku_number": 5,
                        "unit_price": 1,
                        "quantity": 1,
                        "unit_measure": "unit",
                        "total_amount": 1,
                    }
                ]
            },
            "invalid_items.sku_number",
        ),
        ({"sponsor": {"id": "abc"}}, "invalid_sponsor.id"),
        ({"notification_url": "ftp://x"}, "invalid_notification_url"),
    ],
)
def test_emulator_v2_validation(emu, shop, over, key):
    body = emu.v2_body()
    body.update(over)
    if over.get("items", 0) is None:
        del body["items"]
    if over.get("title", 0) is None:
        del body["title"]
    resp = emu.v2_put(shop, body=body)
    assert resp.status == 400, resp
    assert resp.json["errorKey"] == key and resp.json["status"] == 400


def test_emulator_v2_path_rules(emu, shop):
    api = emu.api(shop)
    bad = api.put("/instore/qr/seller/collectors/abc/pos/POS1/orders", emu.v2_body())
    assert bad.status == 400 and bad.json["errorKey"] == "invalid_collectorId"
    other = emu.account()
    foreign = emu.api(other).put(_v2(shop), emu.v2_body())
    assert foreign.status == 400
    assert foreign.json["errorKey"] == "invalid_access_token"
    assert api.put(_v2(shop, "NOPE"), emu.v2_body()).status == 404
    wrong_store = emu.v2_put(shop, store="OTHERSTORE")
    assert wrong_store.status == 404
    # cash_out alone is a valid order without items.
    body = emu.v2_body(cash_out={"amount": 50})
    del body["items"]
    assert emu.v2_put(shop, body=body).status == 204


def test_emulator_v2_knobs(emu, shop):
    emu.config(v2_description_required=True, strict_item_sums=True)
    body = emu.v2_body()
    del body["description"]
    assert emu.v2_put(shop, body=body).json["errorKey"] == "invalid_description"
    body = emu.v2_body(amount=100)
    body["items"][0]["total_amount"] = 99
    assert emu.v2_put(shop, body=body).json["errorKey"] == "invalid_total_amount"


def test_emulator_v2_expiry_default_and_configurable(emu, shop):
    assert emu.v2_put(shop).status == 204
    emu.clock(599)
    assert emu.api(shop).get(_v2(shop)).status == 200
    emu.clock(2)
    assert emu.api(shop).get(_v2(shop)).status == 404
    emu.config(v2_default_expiration_seconds=60)
    emu.v2_put(shop)
    emu.clock(61)
    assert emu.api(shop).get(_v2(shop)).status == 404


def test_emulator_v2_delete_with_another_sellers_token(emu, shop):
    """devsite-docs reference/api-json/instore_orders_v2.json, DELETE
    .../pos/{external_pos_id}/orders: 400 errorKey invalid_access_token
    "Access denied."."""
    other = emu.account()
    resp = emu.api(other).delete(_v2(shop))
    assert resp.status == 400
    assert resp.json["errorKey"] == "invalid_access_token"
    assert resp.json["message"] == "Access denied."


def test_emulator_v2_and_orders_api_share_the_cashbox(emu, shop):
    """Switch pending_order_policy=reject (off by default: unbacked 409)."""
    emu.config(pending_order_policy="reject")
    order = emu.order(shop).json
    clash = emu.v2_put(shop)
    assert clash.status == 409 and clash.json["errorKey"] == "pos_has_pending_order"
    emu.config(pending_order_policy="replace")
    assert emu.v2_put(shop).status == 204
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "canceled"
    assert emu.order(shop).status == 201  # replaces the v2 order in turn
    assert emu.api(shop).get(_v2(shop)).status == 404


def test_emulator_v2_pay_merchant_order_and_ipn(emu, shop, sink):
    body = emu.v2_body(amount=Decimal("100.50"), ref="V2REF1")
    assert emu.v2_put(shop, body=body).status == 204
    # No merchant order exists before the customer pays (doc §6.1, 2024-08-27).
    api = emu.api(shop)
    empty = api.get("/merchant_orders?external_reference=V2REF1").json
    assert empty == {"elements": None, "next_offset": 0, "total": 0}
    paid = emu.pay()
    assert paid.status == 200 and paid.json["merchant_order_status"] == "closed"
    mo_id, pid = paid.json["merchant_order_id"], paid.json["payment_id"]
    mo = api.get(f"/merchant_orders/{mo_id}").json
    assert mo["status"] == "closed" and mo["order_status"] == "paid"
    assert mo["external_reference"] == "V2REF1" and mo["site_id"] == "MLA"
    assert mo["total_amount"] == Decimal("100.50")
    assert mo["paid_amount"] == Decimal("100.50") and mo["refunded_amount"] == 0
    assert mo["notification_url"] == sink.url + "/ipn"
    assert mo["items"][0]["title"] == "Pasta"
    payment = mo["payments"][0]
    assert payment["id"] == pid and payment["status"] == "approved"
    assert payment["operation_type"] == "pos_payment"
    assert payment["currency_id"] == "ARS" and payment["date_approved"]
    for path in ("/merchant_orders/search", "/merchant_orders"):
        found = api.get(f"{path}?external_reference=V2REF1").json
        assert found["total"] == 1 and found["elements"][0]["id"] == mo_id
    # The QR is free again.
    assert api.get(_v2(shop)).status == 404
    # IPN: payment then merchant_order, unsigned, ids in the query string.
    hooks = sink.wait(2)
    assert [h["query"]["topic"] for h in hooks] == ["payment", "merchant_order"]
    assert hooks[0]["query"]["id"] == str(pid)
    assert hooks[1]["query"]["id"] == str(mo_id)
    assert "x-signature" not in hooks[0]["headers"]
    assert hooks[1]["body"]["resource"].endswith(f"/merchant_orders/{mo_id}")


def test_emulator_v2_rejected_then_paid_one_merchant_order(emu, shop):
    emu.v2_put(shop, body=emu.v2_body(ref="V2REJ"))
    first = emu.pay(outcome="rejected").json
    assert first["merchant_order_status"] == "opened"
    # A rejection keeps the order on the QR so the customer can retry.
    assert emu.api(shop).get(_v2(shop)).status == 200
    second = emu.pay().json
    assert second["merchant_order_id"] == first["merchant_order_id"]
    mo = emu.api(shop).get(f"/merchant_orders/{second['merchant_order_id']}").json
    assert [p["status"] for p in mo["payments"]] == ["rejected", "approved"]
    assert mo["status"] == "closed"


def test_emulator_v2_delete_after_rejection_expires_mo(emu, shop, sink):
    emu.v2_put(shop, body=emu.v2_body(ref="V2DEL"))
    mo_id = emu.pay(outcome="rejected").json["merchant_order_id"]
    emu.api(shop).delete(_v2(shop))
    mo = emu.api(shop).get(f"/merchant_orders/{mo_id}").json
    assert mo["status"] == "expired" and mo["order_status"] == "expired"
    assert mo["cancelled"] is True
    topics = [h["query"]["topic"] for h in sink.wait(3)]
    assert topics == ["payment", "merchant_order", "merchant_order"]


def test_emulator_payments_api_and_refunds(emu, shop, sink):
    emu.v2_put(shop, body=emu.v2_body(amount=200, ref="PAYREF"))
    pid = emu.pay().json["payment_id"]
    api = emu.api(shop)
    p = api.get(f"/v1/payments/{pid}").json
    assert p["id"] == pid and isinstance(p["id"], int)
    assert p["status"] == "approved" and p["status_detail"] == "accredited"
    assert p["transaction_amount"] == 200 and p["currency_id"] == "ARS"
    assert p["external_reference"] == "PAYREF" and p["date_approved"]
    assert p["order"]["type"] == "mercadopago"
    assert p["fee_details"] == [
        {"type": "mercadopago_fee", "amount": Decimal("1.98"), "fee_payer": "collector"}
    ]
    assert p["transaction_details"]["net_received_amount"] == Decimal("198.02")
    assert p["pos_id"] and p["store_id"]
    found = api.get("/v1/payments/search?external_reference=PAYREF").json
    assert found["paging"]["total"] == 1 and found["results"][0]["id"] == pid
    none = api.get("/v1/payments/search?external_reference=NOPE").json
    assert none == {"paging": {"total": 0, "limit": 30, "offset": 0}, "results": []}
    # Partial refund with a key: the same key gives the same refund.
    key = {"X-Idempotency-Key": "refund-1"}
    r1 = api.post(f"/v1/payments/{pid}/refunds", {"amount": 50}, headers=key)
    r1b = api.post(f"/v1/payments/{pid}/refunds", {"amount": 50}, headers=key)
    assert r1.status == 201 and r1b.json["id"] == r1.json["id"]
    assert r1.json["amount"] == 50 and r1.json["payment_id"] == pid
    conflict = api.post(f"/v1/payments/{pid}/refunds", {"amount": 51}, headers=key)
    assert conflict.status == 409
    too_much = api.post(f"/v1/payments/{pid}/refunds", {"amount": "150.01"})
    assert too_much.status == 400
    assert too_much.json["error"] == "amount_exceeds_refundable"
    half = api.get(f"/v1/payments/{pid}").json
    assert half["status"] == "approved"
    assert half["status_detail"] == "partially_refunded"
    assert half["transaction_amount_refunded"] == 50
    rest = api.post(f"/v1/payments/{pid}/refunds")  # no body: the rest
    assert rest.status == 201 and rest.json["amount"] == 150
    listing = api.get(f"/v1/payments/{pid}/refunds").json
    assert [r["amount"] for r in listing] == [50, 150]
    one = api.get(f"/v1/payments/{pid}/refunds/{rest.json['id']}")
    assert one.status == 200 and one.json["id"] == rest.json["id"]
    done = api.get(f"/v1/payments/{pid}").json
    assert done["status"] == "refunded"
    again = api.post(f"/v1/payments/{pid}/refunds")
    assert again.status == 400 and again.json["error"] == "payment_already_refunded"
    mo = api.get(f"/merchant_orders/{done['order']['id']}").json
    assert mo["refunded_amount"] == 200 and mo["order_status"] == "reverted"
    assert api.get("/v1/payments/123").status == 404
    assert emu.api(emu.account()).get(f"/v1/payments/{pid}").status == 404


def test_emulator_rejected_payment_is_not_refundable(emu, shop):
    emu.v2_put(shop)
    pid = emu.pay(outcome="rejected").json["payment_id"]
    resp = emu.api(shop).post(f"/v1/payments/{pid}/refunds")
    assert resp.status == 400 and resp.json["error"] == "payment_not_refundable"
    p = emu.api(shop).get(f"/v1/payments/{pid}").json
    assert p["status"] == "rejected" and p["fee_details"] == []


def test_emulator_legacy_webhooks_via_source_news(emu, shop, sink):
    body = emu.v2_body(notification_url=sink.url + "/wh?source_news=webhooks")
    emu.v2_put(shop, body=body)
    pid = emu.pay().json["payment_id"]
    hooks = sink.wait(2)
    assert [h["query"]["type"] for h in hooks] == ["payment", "topic_merchant_order_wh"]
    pay_hook = hooks[0]
    assert pay_hook["body"]["action"] == "payment.created"
    assert pay_hook["body"]["data"]["id"] == str(pid)
    assert pay_hook["query"]["data.id"] == str(pid)
    assert "x-signature" in pay_hook["headers"]
    mo_hook = hooks[1]["body"]
    assert (
        mo_hook["type"] == "topic_merchant_order_wh" and mo_hook["status"] == "closed"
    )


def test_emulator_legacy_webhooks_knob_uses_account_url(emu, sink):
    acc = emu.account(webhook=sink.url + "/panel")
    emu.cashbox(acc)
    emu.config(legacy_webhooks=True)
    emu.v2_put(acc)
    emu.pay()
    hooks = sink.wait(2)
    assert {h["path"] for h in hooks} == {sink.prefix + "/panel"}
    assert hooks[0]["query"]["type"] == "payment"


def test_emulator_instore_order_after_deleting_pos(emu, shop):
    emu.v2_put(shop)
    pos = emu.api(shop).get("/pos?external_id=POS1").json["results"][0]
    assert emu.api(shop).delete(f"/pos/{pos['id']}").status == 200
    assert emu.pay().status == 404
