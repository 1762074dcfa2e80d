"""Orders API for QR (doc §5): create, validation, idempotency, states, refunds."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest

ORD_ID = re.compile(r"^ORD[0-9A-Z]{26}$")


@pytest.fixture
def shop(emu):
    acc = emu.account()
    emu.cashbox(acc)
    return acc


def test_emulator_order_create_shape(emu, shop):
    items = [
        {
            "title": "Pasta",
            "unit_price": "25.00",
            "quantity": 2,
            "unit_measure": "unit",
            "external_code": "KS955RUR",
        },
    ]
    resp = emu.order(
        shop,
        ref="ODOO-POS1-000042-a1b2",
        description="Venta Caja 1",
        expiration_time="PT10M",
        items=items,
    )
    assert resp.status == 201, resp
    order = resp.json
    assert ORD_ID.match(order["id"])
    assert order["type"] == "qr" and order["processing_mode"] == "automatic"
    assert order["status"] == "created" and order["status_detail"] == "created"
    assert order["currency"] == "ARS" and order["country_code"] == "ARG"
    assert order["user_id"] == str(shop["user_id"])
    assert order["total_amount"] == "50.00" and order["expiration_time"] == "PT10M"
    assert order["external_reference"] == "ODOO-POS1-000042-a1b2"
    assert order["config"] == {"qr": {"external_pos_id": "POS1", "mode": "static"}}
    assert order["items"] == items
    pay = order["transactions"]["payments"]
    assert len(pay) == 1 and re.match(r"^PAY[0-9A-Z]{26}$", pay[0]["id"])
    assert pay[0] == {
        **pay[0],
        "amount": "50.00",
        "status": "created",
        "status_detail": "ready_to_process",
    }
    assert "type_response" not in order  # static mode: no qr_data
    assert order["integration_data"]["application_id"] == shop["application_id"]
    got = emu.api(shop).get(f"/v1/orders/{order['id']}")
    assert got.status == 200 and got.json == order


@pytest.mark.parametrize("mode", ["dynamic", "hybrid"])
def test_emulator_order_dynamic_qr_data(emu, shop, mode):
    resp = emu.order(shop, config={"qr": {"external_pos_id": "POS1", "mode": mode}})
    assert resp.status == 201
    data = resp.json["type_response"]["qr_data"]
    assert data.startswith("000201") and "5303032" in data and "5802AR" in data
    assert resp.json["id"] in data
    # CRC16/CCITT-FALSE over everything up to and including "6304".
    crc = 0xFFFF
    for byte in data[:-4].encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = (
                ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
            )
    assert data[-4:] == f"{crc:04X}"


def _bad_order(emu, shop, **over):
    body = {
        "type": "qr",
        "external_reference": f"r-{uuid.uuid4().hex[:8]}",
        "total_amount": "50.00",
        "config": {"qr": {"external_pos_id": "POS1"}},
        "transactions": {"payments": [{"amount": "50.00"}]},
    }
    for key, value in over.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return emu.api(shop).post(
        "/v1/orders", body, headers={"X-Idempotency-Key": str(uuid.uuid4())}
    )


@pytest.mark.parametrize(
    "over, status, code",
    [
        ({"type": "point"}, 400, "property_value"),
        ({"type": None}, 400, "required_properties"),
        ({"external_reference": None}, 400, "required_properties"),
        ({"external_reference": "has space"}, 400, "property_value"),
        ({"external_reference": "a/b"}, 400, "property_value"),
        ({"external_reference": "x" * 65}, 400, "property_value"),
        ({"external_reference": 42}, 400, "property_type"),
        ({"total_amount": 50}, 400, "property_type"),
        ({"total_amount": "50.5"}, 400, "property_value"),
        ({"total_amount": "50.001"}, 400, "property_value"),
        ({"total_amount": "-5.00"}, 400, "property_value"),
        ({"total_amount": "0.00"}, 400, "property_value"),
        ({"description": "d" * 151}, 400, "property_value"),
        ({"expiration_time": "PT10S"}, 400, "property_value"),
        ({"expiration_time": "PT3601H"}, 400, "property_value"),
        ({"expiration_time": "10 minutes"}, 400, "property_value"),
        ({"config": {"qr": {"external_pos_id": "NOPE"}}}, 404, "pos_not_found"),
        ({"config": {"qr": {}}}, 400, "required_properties"),
        (
            {"config": {"qr": {"external_pos_id": "POS1", "mode": "x"}}},
            400,
            "property_value",
        ),
        ({"transactions": {"payments": []}}, 400, "order_builder_without_transactions"),
        (
            {"transactions": {"payments": [{"amount": "25.00"}, {"amount": "25.00"}]}},
            400,
            "exceeded_number_of_transactions",
        ),
        (
            {"items": [{"title": "x", "unit_price": "1.00", "quantity": 1}] * 11},
            400,
            "maximum_items",
        ),
        (
            {"items": [{"title": "x", "unit_price": 1, "quantity": 1}]},
            400,
            "property_type",
        ),
        (
            {"items": [{"title": "x", "unit_price": "1.00", "quantity": 1.5}]},
            400,
            "property_type",
        ),
        (
            {"items": [{"title": "x" * 151, "unit_price": "1.00", "quantity": 1}]},
            400,
            "property_value",
        ),
        (
            {
                "items": [
                    {
                        "title": "x",
                        "unit_price": "1.00",
                        "quantity": 1,
                        "external_code": "c" * 31,
                    }
                ]
            },
            400,
            "property_value",
        ),
        ({"surprise": True}, 400, "unsupported_properties"),
        ({"marketplace_fee": "1.00"}, 404, "marketplace_fee_not_allowed"),
        ({"integration_data": {"sponsor": {"id": "abc"}}}, 400, "sponsor_id_not_valid"),
    ],
)
def test_emulator_order_validation(emu, shop, over, status, code):
    resp = _bad_order(emu, shop, **over)
    assert resp.status == status, resp
    err = resp.json["errors"][0]
    assert err["code"] == code and err["message"] and isinstance(err["details"], list)


def test_emulator_order_body_not_json(emu, shop):
    resp = emu.api(shop).post(
        "/v1/orders", b"{nope", headers={"X-Idempotency-Key": "k-json"}
    )
    assert resp.status == 400 and resp.json["errors"][0]["code"] == "json_syntax_error"


def test_emulator_order_amount_knobs(emu, shop):
    assert (
        _bad_order(
            emu, shop, total_amount="50", transactions={"payments": [{"amount": "50"}]}
        ).status
        == 201
    )
    emu.config(amount_format="two_required", pending_order_policy="replace")
    resp = _bad_order(
        emu, shop, total_amount="50", transactions={"payments": [{"amount": "50"}]}
    )
    assert resp.status == 400


@pytest.mark.parametrize("site", ["MLC", "MCO"])
def test_emulator_order_zero_decimal_currencies(emu, site):
    acc = emu.account(site)
    emu.cashbox(acc)
    """CLP/COP accept "5000" and "5000.00": the QR reference (.md) and guide say
    "two decimals or none", the HTML reference (en/es/pt) "two decimals" always
    (https://www.mercadopago.com.ar/developers/es/reference/in-person-payments/qr-code/orders/create-order/post.md);
    a fraction the currency cannot hold is refused."""
    ok = emu.order(acc, amount="5000")
    assert ok.status == 201 and ok.json["currency"] in ("CLP", "COP")
    assert emu.order(acc, amount="5000.00").status == 201
    for bad in ("5000.50", "5000.5", "5000.001"):
        resp = emu.order(acc, amount=bad)
        assert resp.status == 400, bad
        assert resp.json["errors"][0]["code"] == "property_value"
    emu.config(zero_decimal_strict=True)  # switch: integers only
    assert emu.order(acc, amount="5000.00").status == 400
    assert emu.order(acc, amount="5000").status == 201


def test_emulator_order_unsupported_site_knob(emu):
    acc = emu.account("MLM")
    emu.cashbox(acc)
    assert emu.order(acc).status == 201
    emu.config(
        orders_api_sites=["MLA", "MLB", "MLC", "MLU"], pending_order_policy="replace"
    )
    resp = emu.order(acc)
    assert resp.status == 400 and resp.json["errors"][0]["code"] == "unsupported_site"


def test_emulator_order_external_reference_unique(emu, shop):
    first = emu.order(shop, ref="REF1")
    emu.api(shop).post(
        f"/v1/orders/{first.json['id']}/cancel", headers={"X-Idempotency-Key": "c"}
    )
    again = emu.order(shop, ref="REF1")
    assert again.status == 400 and again.json["errors"][0]["code"] == "property_value"


# --- idempotency ----------------------------------------------------------------------


def test_emulator_idempotency(emu, shop):
    api = emu.api(shop)
    missing = api.post("/v1/orders", {"type": "qr"})
    assert missing.status == 400
    assert missing.json["errors"][0]["code"] == "empty_required_header"
    first = emu.order(shop, ref="IDEM1", key="key-1")
    again = emu.order(shop, ref="IDEM1", key="key-1")
    assert first.status == 201 and again.status == 201
    assert again.json == first.json  # same order, not a second one
    assert again.headers.get("x-idempotent-replay") == "true"
    other = emu.order(shop, ref="IDEM2", key="key-1")
    assert other.status == 409
    assert other.json["errors"][0]["code"] == "idempotency_key_already_used"
    listing = api.get("/v1/orders?external_reference=IDEM1").json
    assert listing["paging"]["total"] == 1
    # A failed request is not remembered: fix the body, keep the key.
    bad = emu.order(shop, ref="bad ref", key="key-2")
    assert bad.status == 400
    emu.config(pending_order_policy="replace")
    assert emu.order(shop, ref="GOOD2", key="key-2").status == 201


def test_emulator_idempotency_current_mode_and_ttl(emu, shop):
    emu.config(idempotency_replay="current")
    first = emu.order(shop, ref="CUR1", key="k-cur")
    emu.pay()
    again = emu.order(shop, ref="CUR1", key="k-cur")
    assert again.status == 200 and again.json["id"] == first.json["id"]
    assert again.json["status"] == "processed"
    # After 24 h the key is forgotten (a new body is not a conflict any more).
    emu.clock(86401)
    assert emu.order(shop, ref="CUR2", key="k-cur").status == 201


def test_emulator_idempotency_keys_are_per_account(emu, shop):
    other = emu.account()
    emu.cashbox(other)
    assert emu.order(shop, ref="A1", key="shared").status == 201
    assert emu.order(other, ref="B1", key="shared").status == 201


# --- one pending order per cashbox ----------------------------------------------------


def test_emulator_one_pending_order_per_cashbox(emu, shop):
    """Switch pending_order_policy=reject: no public source backs this 409
    (issue #14), so it is off by default."""
    emu.config(pending_order_policy="reject")
    first = emu.order(shop)
    second = emu.order(shop)
    assert second.status == 409
    assert second.json["errors"][0]["code"] == "already_queued_order_for_pos"
    api = emu.api(shop)
    api.post(
        f"/v1/orders/{first.json['id']}/cancel", headers={"X-Idempotency-Key": "c"}
    )
    assert emu.order(shop).status == 201


def test_emulator_pending_order_replace_policy(emu, shop, sink):
    """Default: a second order replaces the first (nothing invented refuses it)."""
    first = emu.order(shop).json
    second = emu.order(shop)
    assert second.status == 201
    old = emu.api(shop).get(f"/v1/orders/{first['id']}").json
    assert old["status"] == "canceled"
    hooks = sink.wait(1, **{"data.id": first["id"]})
    assert hooks[0]["body"]["action"] == "order.canceled"


# --- state rules ----------------------------------------------------------------------


def test_emulator_cancel_rules(emu, shop):
    api = emu.api(shop)
    order = emu.order(shop).json
    path = f"/v1/orders/{order['id']}/cancel"
    assert api.post(path).json["errors"][0]["code"] == "empty_required_header"
    done = api.post(path, headers={"X-Idempotency-Key": "c1"})
    assert done.status == 200 and done.json["status"] == "canceled"
    assert done.json["transactions"]["payments"][0]["status"] == "canceled"
    replay = api.post(path, headers={"X-Idempotency-Key": "c1"})
    assert replay.status == 200 and replay.json == done.json
    again = api.post(path, headers={"X-Idempotency-Key": "c2"})
    assert again.status == 409
    assert again.json["errors"][0]["code"] == "order_already_canceled"
    paid = emu.order(shop).json
    emu.pay()
    late = api.post(
        f"/v1/orders/{paid['id']}/cancel", headers={"X-Idempotency-Key": "c3"}
    )
    assert late.status == 409
    assert late.json["errors"][0]["code"] == "order_already_canceled"
    assert api.get("/v1/orders/ORD00000000000000000000000000").status == 404


def test_emulator_cancel_errors_as_published(emu, shop):
    """QR "Cancel order" reference
    (https://www.mercadopago.com.br/developers/en/reference/in-person-payments/qr-code/orders/cancel-order/post):
    any status but created -> 409 order_already_canceled; an id that is not
    "ORD" + 26 characters -> 400 invalid_path_param; unknown -> 404."""
    api = emu.api(shop)
    key = {"X-Idempotency-Key": "k"}
    for bad in ("12345", "ORD123", "ORD" + "A" * 27, "01JDWHNG2GR2WHGBMRFX126YBC"):
        resp = api.post(f"/v1/orders/{bad}/cancel", headers=key)
        assert resp.status == 400, bad
        assert resp.json["errors"][0]["code"] == "invalid_path_param"
    unknown = api.post("/v1/orders/ORD" + "0" * 26 + "/cancel", headers=key)
    assert unknown.status == 404
    assert unknown.json["errors"][0]["code"] == "order_not_found"
    order = emu.order(shop, expiration_time="PT30S").json
    emu.clock(31)
    expired = api.post(f"/v1/orders/{order['id']}/cancel", headers=key)
    assert expired.status == 409
    assert expired.json["errors"][0]["code"] == "order_already_canceled"


def test_emulator_expiry_via_clock(emu, shop, sink):
    order = emu.order(shop, expiration_time="PT1M").json
    emu.clock(59)
    assert emu.api(shop).get(f"/v1/orders/{order['id']}").json["status"] == "created"
    emu.clock(2)
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "expired" and got["status_detail"] == "expired"
    hooks = sink.wait(1, **{"data.id": order["id"]})
    assert hooks[0]["body"]["action"] == "order.expired"
    assert emu.pay().status == 409  # nothing waits on the QR any more
    assert emu.order(shop).status == 201  # and the cashbox is free


def test_emulator_default_expiry_is_15_minutes(emu, shop):
    order = emu.order(shop).json
    assert order["expiration_time"] == "PT15M"
    emu.clock(15 * 60 + 1)
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "expired"


def test_emulator_pay_order_processed(emu, shop, sink):
    order = emu.order(shop, amount="120.50").json
    paid = emu.pay()
    assert paid.status == 200
    assert paid.json["order_id"] == order["id"] and paid.json["status"] == "approved"
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "processed" and got["status_detail"] == "accredited"
    txn = got["transactions"]["payments"][0]
    assert txn["status"] == "processed" and txn["amount"] == "120.50"
    assert txn["reference_id"] == str(paid.json["payment_id"])
    payment = emu.api(shop).get(f"/v1/payments/{txn['reference_id']}").json
    assert payment["status"] == "approved"
    assert payment["order"] == {"id": order["id"], "type": "order"}
    assert payment["transaction_amount"] == Decimal("120.50")
    hook = sink.wait(1, **{"data.id": order["id"]})[0]
    assert hook["body"]["action"] == "order.processed"
    assert hook["body"]["data"]["status"] == "processed"
    assert hook["body"]["data"]["version"] == 2


def test_emulator_processed_status_detail_knob(emu, shop):
    emu.config(processed_status_detail="processed")
    order = emu.order(shop).json
    emu.pay()
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "processed" and got["status_detail"] == "processed"


def test_emulator_rejected_payment_action_required(emu, shop, sink):
    order = emu.order(shop).json
    rejected = emu.pay(outcome="rejected")
    assert rejected.json["status"] == "rejected"
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "action_required"
    assert got["status_detail"] == "waiting_payment"
    hook = sink.wait(1, **{"data.id": order["id"]})[0]
    assert hook["body"]["action"] == "order.action_required"
    # The customer may retry: the order is still payable, then processed.
    assert emu.pay().json["order_status"] == "processed"
    emu.config(rejected_order_status="created")
    second = emu.order(shop).json
    emu.pay(outcome="rejected")
    assert emu.api(shop).get(f"/v1/orders/{second['id']}").json["status"] == "created"


def _refund(emu, acc, order_id, key, body=None):
    return emu.api(acc).post(
        f"/v1/orders/{order_id}/refund", body, headers={"X-Idempotency-Key": key}
    )


def test_emulator_refund_rules(emu, shop, sink):
    order = emu.order(shop, amount="100.00").json
    pay_id = order["transactions"]["payments"][0]["id"]
    early = _refund(emu, shop, order["id"], "r0")
    assert early.status == 409
    assert early.json["errors"][0]["code"] == "cannot_refund_order"
    emu.pay()
    no_key = emu.api(shop).post(f"/v1/orders/{order['id']}/refund")
    assert no_key.json["errors"][0]["code"] == "empty_required_header"
    part = {"transactions": [{"id": pay_id, "amount": "30.00"}]}
    first = _refund(emu, shop, order["id"], "r1", part)
    assert first.status == 201
    assert first.json["status"] == "processed"
    assert first.json["status_detail"] == "partially_refunded"
    refunds = first.json["transactions"]["refunds"]
    assert len(refunds) == 1 and refunds[0]["id"].startswith("REF")
    assert refunds[0]["amount"] == "30.00" and refunds[0]["transaction_id"] == pay_id
    replay = _refund(emu, shop, order["id"], "r1", part)
    assert replay.json == first.json  # same key: no second refund
    too_much = _refund(
        emu,
        shop,
        order["id"],
        "r2",
        {"transactions": [{"id": pay_id, "amount": "70.01"}]},
    )
    assert too_much.status == 400
    assert too_much.json["errors"][0]["code"] == "refund_amount_exceeds"
    wrong_txn = _refund(
        emu,
        shop,
        order["id"],
        "r3",
        {"transactions": [{"id": "PAYX", "amount": "1.00"}]},
    )
    assert wrong_txn.status == 404
    assert wrong_txn.json["errors"][0]["code"] == "transaction_not_found"
    rest = _refund(emu, shop, order["id"], "r4")  # no body: the rest
    assert rest.status == 201
    assert (
        rest.json["status"] == "refunded" and rest.json["status_detail"] == "refunded"
    )
    # The answer names only the refund just made (R1-R7).
    assert [r["amount"] for r in rest.json["transactions"]["refunds"]] == ["70.00"]
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert [r["amount"] for r in got["transactions"]["refunds"]] == ["30.00", "70.00"]
    after = _refund(emu, shop, order["id"], "r5")
    assert after.status == 409
    assert after.json["errors"][0]["code"] == "order_already_refunded"
    payment_id = got["transactions"]["payments"][0]["reference_id"]
    payment = emu.api(shop).get(f"/v1/payments/{payment_id}").json
    assert payment["status"] == "refunded"
    assert payment["transaction_amount_refunded"] == Decimal("100.00")
    actions = [h["body"]["action"] for h in sink.wait(3, **{"data.id": order["id"]})]
    assert actions == ["order.processed", "order.refunded", "order.refunded"]


def test_emulator_refund_knobs(emu, shop):
    emu.config(
        full_refund_status="processed",
        refund_settle_seconds=5,
        no_partial_refund_sites=["MLA"],
    )
    order = emu.order(shop, amount="10.00").json
    emu.pay()
    pay_id = order["transactions"]["payments"][0]["id"]
    part = _refund(
        emu,
        shop,
        order["id"],
        "p1",
        {"transactions": [{"id": pay_id, "amount": "1.00"}]},
    )
    # QR refund-errors page: 400 unsupported_partially_refunds.
    assert part.status == 400
    assert part.json["errors"][0]["code"] == "unsupported_partially_refunds"
    full = _refund(emu, shop, order["id"], "p2").json
    assert full["status"] == "processed" and full["status_detail"] == "refunded"
    assert full["transactions"]["refunds"][0]["status"] == "processing"
    emu.clock(6)
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["transactions"]["refunds"][0]["status"] == "processed"
    assert _refund(emu, shop, order["id"], "p3").status == 409


def test_emulator_refund_via_payments_api_updates_order(emu, shop):
    order = emu.order(shop, amount="20.00").json
    pid = emu.pay().json["payment_id"]
    resp = emu.api(shop).post(f"/v1/payments/{pid}/refunds", {"amount": 5})
    assert resp.status == 201
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status_detail"] == "partially_refunded"
    assert got["transactions"]["refunds"][0]["reference_id"] == str(resp.json["id"])


def test_emulator_orders_search_shape_knob(emu, shop):
    emu.order(shop, ref="FIND-ME")
    found = emu.api(shop).get("/v1/orders?external_reference=FIND-ME").json
    assert found["paging"]["total"] == 1
    assert found["data"][0]["external_reference"] == "FIND-ME"
    emu.config(orders_search_shape="results")
    found = emu.api(shop).get("/v1/orders?external_reference=FIND-ME").json
    assert found["results"][0]["external_reference"] == "FIND-ME"
    none = emu.api(shop).get("/v1/orders?external_reference=NOPE").json
    assert none["results"] == [] and none["paging"]["total"] == 0


def test_emulator_orders_are_private_to_the_account(emu, shop):
    order = emu.order(shop).json
    other = emu.account()
    assert emu.api(other).get(f"/v1/orders/{order['id']}").status == 404


def test_emulator_time_limits_on_reads_and_refunds(emu, shop):
    """GET: "available only for orders created less than 3 months ago" (QR
    guide); refunds: "The limit is 360 days from the payment date." (QR
    refund-errors page https://www.mercadopago.com.br/developers/en/docs/qr-code/resources/refund-errors,
    400 in_store_payment_refund_order); the guide's 180 days is the knob's
    other value."""
    order = emu.order(shop, amount="10.00").json
    pid = emu.pay().json["payment_id"]
    pay_id = order["transactions"]["payments"][0]["id"]
    emu.clock(181 * 86400)
    assert emu.api(shop).get(f"/v1/orders/{order['id']}").status == 404
    part = {"transactions": [{"id": pay_id, "amount": "1.00"}]}
    assert _refund(emu, shop, order["id"], "mid", part).status == 201
    emu.clock(180 * 86400)
    late = _refund(emu, shop, order["id"], "late")
    assert late.status == 400
    assert late.json["errors"][0]["code"] == "in_store_payment_refund_order"
    old = emu.api(shop).post(f"/v1/payments/{pid}/refunds")
    assert old.status == 400 and old.json["error"] == "payment_not_refundable"
    assert emu.api(shop).get(f"/v1/payments/{pid}").status == 200
    emu.config(refund_window_days=180)
    other = emu.order(shop, amount="10.00").json
    emu.pay()
    emu.clock(181 * 86400)
    late = _refund(emu, shop, other["id"], "late-180")
    assert late.json["errors"][0]["code"] == "in_store_payment_refund_order"


def test_emulator_refund_window_via_orders_api(emu, shop):
    order = emu.order(shop, amount="10.00").json
    emu.pay()
    # Within the 90-day read window a refund still works.
    emu.clock(89 * 86400)
    assert _refund(emu, shop, order["id"], "in-time").status == 201


# --- issue #14: answers as Mercado Pago publishes them ---------------------------


def _paid(emu, shop, amount="100.00"):
    order = emu.order(shop, amount=amount).json
    emu.pay()
    return order, order["transactions"]["payments"][0]["id"]


def test_emulator_refund_answer_is_a_partial_order(emu, shop):
    """POST /v1/orders/{id}/refund answers 201 with {id, status, status_detail,
    transactions: {refunds: [the new refund]}}: QR guide "Reembolso total/parcial"
    (R1, R2) and mercadopago/sdk-php tests/MercadoPago/Resources/Mocks/Response/Order/
    order_refund_partial.json served with 201 (R4)."""
    order, pay_id = _paid(emu, shop)
    part = {"transactions": [{"id": pay_id, "amount": "24.90"}]}
    first = _refund(emu, shop, order["id"], "p1", part)
    assert first.status == 201
    assert list(first.json) == ["id", "status", "status_detail", "transactions"]
    assert first.json["id"] == order["id"]
    assert (first.json["status"], first.json["status_detail"]) == (
        "processed",
        "partially_refunded",
    )
    assert list(first.json["transactions"]) == ["refunds"]
    [refund] = first.json["transactions"]["refunds"]
    assert list(refund) == ["id", "transaction_id", "reference_id", "amount", "status"]
    assert refund["transaction_id"] == pay_id and refund["amount"] == "24.90"
    assert refund["status"] == "processed" and refund["reference_id"].isdigit()
    rest = _refund(emu, shop, order["id"], "p2")
    assert (rest.status, rest.json["status"], rest.json["status_detail"]) == (
        201,
        "refunded",
        "refunded",
    )
    [last] = rest.json["transactions"]["refunds"]
    assert last["amount"] == "75.10" and last["id"] != refund["id"]
    # Replays keep the partial shape, in both replay modes.
    assert _refund(emu, shop, order["id"], "p1", part).json == first.json
    emu.config(idempotency_replay="current")
    current = _refund(emu, shop, order["id"], "p1", part)
    assert current.status == 200 and current.json["id"] == order["id"]
    assert [r["id"] for r in current.json["transactions"]["refunds"]] == [refund["id"]]


def test_emulator_refund_of_another_sellers_order(emu, shop):
    """QR refund-errors page
    (https://www.mercadopago.com.br/developers/en/docs/qr-code/resources/refund-errors):
    400 invalid_order_owner; 400 invalid_path_param for a malformed id."""
    order, _ = _paid(emu, shop)
    other = emu.account()
    resp = emu.api(other).post(
        f"/v1/orders/{order['id']}/refund", headers={"X-Idempotency-Key": "x"}
    )
    assert resp.status == 400
    assert resp.json["errors"][0]["code"] == "invalid_order_owner"
    bad = _refund(emu, shop, "ORD123", "x2")
    assert bad.status == 400
    assert bad.json["errors"][0]["code"] == "invalid_path_param"


def test_emulator_total_amount_check_is_a_switch(emu, shop):
    """invalid_total_amount is documented for online orders only
    (https://mercadopago.com.br/developers/en/reference/order/online-payments/create/post);
    the QR reference example itself sends total 50.00 with a 24.50 payment, so
    QR create accepts it unless orders_total_must_match is on."""
    mismatch = {"payments": [{"amount": "24.50"}]}
    assert _bad_order(emu, shop, transactions=mismatch).status == 201
    emu.config(orders_total_must_match=True)
    resp = _bad_order(emu, shop, transactions=mismatch)
    assert resp.status == 400
    assert resp.json["errors"][0]["code"] == "invalid_total_amount"


def test_emulator_amounts_two_decimals_or_none(emu, shop):
    """ "50" and "50.00" both create an order: "The field can contain two decimal
    places or none." (QR create reference .md); W6 publishes "120" amounts."""
    for total in ("50", "50.00"):
        resp = _bad_order(
            emu,
            shop,
            total_amount=total,
            transactions={"payments": [{"amount": total}]},
        )
        assert resp.status == 201 and resp.json["total_amount"] == total


def test_emulator_operation_number_shapes(emu, shop):
    """REST bodies carry transactions.payments[].reference_id as the SDK fixtures
    (mercadopago/sdk-go resources/mocks/order/create_full_order_response.json,
    sdk-php get_order_response.json); knob order_operation_number shows the
    webhooks' reference: {id} (W1) instead, or both."""
    order, _ = _paid(emu, shop)
    api = emu.api(shop)
    txn = api.get(f"/v1/orders/{order['id']}").json["transactions"]["payments"][0]
    operation = txn["reference_id"]
    assert "reference" not in txn and operation.isdigit()
    emu.config(order_operation_number="reference")
    txn = api.get(f"/v1/orders/{order['id']}").json["transactions"]["payments"][0]
    assert txn["reference"] == {"id": operation} and "reference_id" not in txn
    emu.config(order_operation_number="both")
    txn = api.get(f"/v1/orders/{order['id']}").json["transactions"]["payments"][0]
    assert txn["reference"] == {"id": operation} and txn["reference_id"] == operation


def test_emulator_orders_search_as_the_sdks(emu, shop):
    """GET /v1/orders with begin_date/end_date, page (1-based)/page_size, answer
    {data, paging: {total, total_pages, offset, limit}}: mercadopago/sdk-nodejs
    src/clients/order/search/types.ts and search.spec.ts; integer paging as
    sdk-php order_search.json, strings as sdk-go search_response.json (knob)."""
    refs = [f"S{n}" for n in range(5)]
    for ref in refs:
        emu.order(shop, ref=ref)
        emu.clock(60)
    api = emu.api(shop)
    everything = api.get("/v1/orders?page=1&page_size=2").json
    assert everything["paging"] == {
        "total": 5,
        "total_pages": 3,
        "offset": 0,
        "limit": 2,
    }
    assert [o["external_reference"] for o in everything["data"]] == refs[:2]
    last = api.get("/v1/orders?page=3&page_size=2").json
    assert [o["external_reference"] for o in last["data"]] == refs[4:]
    assert last["paging"]["offset"] == 4
    orders = everything["data"] + api.get("/v1/orders?page=2&page_size=2").json["data"]
    begin = orders[1]["created_date"]
    end = orders[3]["created_date"]
    window = api.get(f"/v1/orders?begin_date={begin}&end_date={end}&type=qr").json
    assert [o["external_reference"] for o in window["data"]] == refs[1:4]
    assert api.get("/v1/orders?status=processed").json["paging"]["total"] == 0
    assert api.get("/v1/orders?begin_date=yesterday").status == 400
    emu.config(orders_search_paging_type="string")
    paging = api.get("/v1/orders?page=1&page_size=2").json["paging"]
    assert paging == {"total": "5", "total_pages": "3", "offset": "0", "limit": "2"}


def test_emulator_discounts_with_item_categories_is_a_switch(emu, shop):
    """The QR create reference says external_categories "cannot be set together
    with the discounts field", yet the QR guide's own request example (O1) sends
    both: accepted by default, refused with discounts_exclusive_with_categories."""
    extra = {
        "items": [
            {
                "title": "Smartphone",
                "unit_price": "50.00",
                "quantity": 1,
                "external_categories": [{"id": "device"}],
            }
        ],
        "discounts": {
            "payment_methods": [{"new_total_amount": "47.28", "type": "account_money"}]
        },
    }
    assert _bad_order(emu, shop, **extra).status == 201
    emu.config(discounts_exclusive_with_categories=True)
    resp = _bad_order(emu, shop, **extra)
    assert resp.status == 400
    assert resp.json["errors"][0]["code"] == "property_value"
