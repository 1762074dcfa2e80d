"""HTTP faults on API routes, payment faults, seeds and the request log."""

from __future__ import annotations

import http.client
import socket
import time
from decimal import Decimal

import pytest
from emulator_fixtures import http as raw_http


@pytest.fixture
def shop(emu):
    acc = emu.account()
    emu.cashbox(acc)
    return acc


def test_emulator_fault_5xx_before_write(emu, shop):
    emu.faults(
        {
            "rules": [
                {
                    "fault": "error",
                    "method": "POST",
                    "path": "^/v1/orders$",
                    "status": 503,
                    "times": 1,
                }
            ]
        }
    )
    failed = emu.order(shop, ref="F5XX", key="k5")
    assert failed.status == 503
    assert failed.json["errors"][0]["code"] == "internal_error"
    listing = emu.api(shop).get("/v1/orders?external_reference=F5XX").json
    assert listing["paging"]["total"] == 0  # nothing was written
    retry = emu.order(shop, ref="F5XX", key="k5")
    assert retry.status == 201  # `times: 1` is spent


def test_emulator_fault_5xx_after_write_unknown_outcome(emu, shop):
    emu.faults(
        {
            "rules": [
                {"fault": "error", "path": "^/v1/orders$", "when": "after", "times": 1}
            ]
        }
    )
    failed = emu.order(shop, ref="UNKNOWN1", key="k-unknown")
    assert failed.status == 500
    # The order exists although the client saw a 500 ...
    listing = emu.api(shop).get("/v1/orders?external_reference=UNKNOWN1").json
    assert listing["paging"]["total"] == 1
    # ... and retrying with the same key returns it instead of a second one.
    retry = emu.order(shop, ref="UNKNOWN1", key="k-unknown")
    assert retry.status == 201 and retry.json["id"] == listing["data"][0]["id"]
    log = emu.requests(path="^/v1/orders$", method="POST")
    assert [r["fault"] for r in log] == ["error", None]
    assert log[0]["applied"] is True and log[0]["status"] == 500


def test_emulator_fault_error_styles(emu, shop):
    emu.faults({"rules": [{"fault": "error"}]})
    assert emu.api(shop).get("/users/me").json["error"] == "internal_error"
    v2 = emu.api(shop).get(
        f"/instore/qr/seller/collectors/{shop['user_id']}/pos/P/orders"
    )
    assert v2.json["errorKey"] == "in_store_order_creation_error"
    # Admin routes are never faulted.
    assert emu.admin.get("/emulator/v1/health").status == 200


def test_emulator_fault_rate_limit(emu, shop):
    emu.faults(
        {
            "rules": [
                {
                    "fault": "rate_limit",
                    "path": "^/users/me$",
                    "retry_after": 7,
                    "times": 2,
                }
            ]
        }
    )
    api = emu.api(shop)
    first = api.get("/users/me")
    assert first.status == 429 and first.headers["retry-after"] == "7"
    assert first.json["error"] == "too_many_requests"
    assert api.get("/users/me").status == 429
    assert api.get("/users/me").status == 200


def test_emulator_fault_timeout(emu, shop):
    emu.faults(
        {"rules": [{"fault": "timeout", "path": "^/users/me$", "ms": 600, "times": 1}]}
    )
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout)):
        emu.api(shop).get("/users/me", timeout=0.2)
    assert time.monotonic() - started < 0.5
    assert emu.api(shop).get("/users/me").status == 200


def test_emulator_fault_timeout_after_write(emu, shop):
    emu.faults(
        {
            "rules": [
                {
                    "fault": "timeout",
                    "path": "^/v1/orders$",
                    "ms": 400,
                    "when": "after",
                    "times": 1,
                }
            ]
        }
    )
    body = {
        "type": "qr",
        "external_reference": "TIMEOUT1",
        "total_amount": "5.00",
        "config": {"qr": {"external_pos_id": "POS1"}},
        "transactions": {"payments": [{"amount": "5.00"}]},
    }
    with pytest.raises((TimeoutError, socket.timeout)):
        emu.api(shop).post(
            "/v1/orders", body, headers={"X-Idempotency-Key": "k-t"}, timeout=0.2
        )
    # The client gave up, yet the order exists: an "unknown outcome".
    listing = emu.api(shop).get("/v1/orders?external_reference=TIMEOUT1").json
    assert listing["paging"]["total"] == 1


def test_emulator_fault_dropped_connection(emu, shop):
    emu.faults({"rules": [{"fault": "drop", "method": "GET", "times": 1}]})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        emu.api(shop).get("/users/me")
    assert emu.api(shop).get("/users/me").status == 200
    assert emu.requests(path="^/users/me$")[0]["status"] == "dropped"


def test_emulator_fault_latency(emu, shop):
    emu.faults({"rules": [{"fault": "latency", "path": "^/users/me$", "ms": 250}]})
    started = time.monotonic()
    assert emu.api(shop).get("/users/me").status == 200
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    assert emu.api(shop).get(f"/users/{shop['user_id']}/stores/search").status == 200
    assert time.monotonic() - started < 0.2  # other routes are not delayed


def test_emulator_fault_probability_is_seeded(emu, shop):
    def run():
        emu.faults(
            {
                "seed": 7,
                "rules": [
                    {"fault": "error", "path": "^/users/me$", "probability": 0.5}
                ],
            }
        )
        return [emu.api(shop).get("/users/me").status for _ in range(12)]

    first = run()
    assert set(first) == {200, 500}
    assert run() == first  # same seed, same sequence


def test_emulator_fault_validation(emu):
    for doc in (
        {"rules": [{"fault": "explode"}]},
        {"rules": [{"fault": "error", "probability": 2}]},
        {"rules": [{"fault": "error", "status": 404}]},
        {"rules": [{"fault": "error", "path": "("}]},
        {"notifications": {"lose": "often"}},
        {"whatever": 1},
    ):
        assert emu.admin.put("/emulator/v1/faults", doc).status == 400, doc
    assert emu.admin.get("/emulator/v1/faults").json["rules"] == []


def test_emulator_pay_fault_reject_then_approve(emu, shop, sink):
    emu.faults({"pay": [{"pos": "POS1", "reject_first": True}]})
    order = emu.order(shop).json
    result = emu.pay().json
    assert [p["status"] for p in result["payments"]] == ["rejected", "approved"]
    assert result["order_status"] == "processed"
    actions = [h["body"]["action"] for h in sink.wait(2)]
    assert actions == ["order.action_required", "order.processed"]
    found = (
        emu.api(shop)
        .get(f"/v1/payments/search?external_reference={order['external_reference']}")
        .json
    )
    assert [p["status"] for p in found["results"]] == ["rejected", "approved"]
    emu.order(shop)  # the fault fired once: the next pay is plain
    assert len(emu.pay().json["payments"]) == 1


def test_emulator_pay_different_amount(emu, shop):
    order = emu.order(shop, amount="50.00").json
    result = emu.pay(amount="49.99").json
    assert result["requested_amount"] == "50.00"
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    txn = got["transactions"]["payments"][0]
    assert got["total_amount"] == "50.00"
    assert txn["amount"] == "49.99" and txn["paid_amount"] == "49.99"
    pay = emu.api(shop).get(f"/v1/payments/{txn['reference_id']}").json
    assert str(pay["transaction_amount"]) == "49.99"
    # Through a fault too, for paths that cannot pass an amount (customer page).
    emu.faults({"pay": [{"amount": "1.00"}]})
    emu.v2_put(shop, body=emu.v2_body(amount=100))
    mo_id = emu.pay().json["merchant_order_id"]
    mo = emu.api(shop).get(f"/merchant_orders/{mo_id}").json
    assert mo["status"] == "opened" and mo["order_status"] == "partially_paid"
    assert str(mo["paid_amount"]) == "1.00"


def test_emulator_request_log(emu, shop):
    emu.admin.delete("/emulator/v1/requests")
    order = emu.order(shop, key="logged-key").json
    for _ in range(3):
        emu.api(shop).get(f"/v1/orders/{order['id']}")
    reads = emu.requests(method="GET", path="^/v1/orders/ORD")
    assert len(reads) == 3 and all(r["status"] == 200 for r in reads)
    post = emu.requests(method="POST")[0]
    assert post["idempotency_key"] == "logged-key" and post["status"] == 201
    assert post["user_id"] == shop["user_id"] and post["time"]
    emu.api(shop).get("/pos?external_id=POS1")
    assert emu.requests(path="^/pos$")[0]["query"] == {"external_id": "POS1"}
    assert emu.admin.delete("/emulator/v1/requests").status == 200
    assert emu.requests() == []


def test_emulator_admin_errors(emu):
    assert emu.admin.post("/emulator/v1/accounts", {"site_id": "XXX"}).status == 400
    assert emu.admin.post("/emulator/v1/accounts", {"nope": 1}).status == 400
    acc = emu.account(user_id=555, access_token="APP_USR-fixed-555")
    assert acc["user_id"] == 555 and acc["access_token"] == "APP_USR-fixed-555"
    dup = emu.admin.post("/emulator/v1/accounts", {"site_id": "MLA", "user_id": 555})
    assert dup.status == 409
    assert emu.admin.get("/emulator/v1/accounts").json[0]["user_id"] == 555
    assert emu.admin.get("/emulator/v1/accounts/1").status == 404
    assert emu.admin.patch("/emulator/v1/config", {"nope": 1}).status == 400
    bad = emu.admin.patch("/emulator/v1/config", {"pending_order_policy": "maybe"})
    assert bad.status == 400
    assert emu.admin.post("/emulator/v1/clock", {}).status == 400
    assert emu.admin.post("/emulator/v1/pos/NOPE/pay", {}).status == 404
    put = emu.admin.put("/emulator/v1/config", {"legacy_webhooks": True})
    assert put.json["legacy_webhooks"] is True
    # PUT starts from the defaults (JSON read back with Decimal fractions).
    assert put.json["notify_retry_schedule"] == [Decimal("0.2"), 1, 5]
    now = emu.admin.post("/emulator/v1/clock", {"now": "2030-01-01T00:00:00Z"}).json
    assert now["now"].startswith("2030-01-01T00:00:0")
    assert raw_http("GET", emu.url + "/emulator/v1/state").json["accounts"]


def test_emulator_fault_resource_locked(emu, shop):
    """423 resource_locked as a fault: every official SDK types HTTP 423 as a
    retryable "idempotency key temporarily locked" (mercadopago/sdk-python
    mercadopago/errors/exceptions.py); no MP page lists it for the Orders API."""
    emu.faults({"rules": [{"fault": "locked", "path": "^/v1/orders$", "times": 1}]})
    locked = emu.order(shop, ref="LOCK1", key="k-lock")
    assert locked.status == 423
    assert locked.json["errors"][0]["code"] == "resource_locked"
    assert emu.order(shop, ref="LOCK1", key="k-lock").status == 201
    [first, _] = emu.requests(path="^/v1/orders$", method="POST")
    assert first["fault"] == "locked" and first["status"] == 423


def test_emulator_fault_api_error_any_code(emu, shop):
    """api_error: any published code on demand, e.g. 409 instore_order_locked_error
    "Cannot cancel an order while payment is in progress." (QR cancel reference
    https://www.mercadopago.com.br/developers/en/reference/in-person-payments/qr-code/orders/cancel-order/post)."""
    order = emu.order(shop).json
    emu.faults(
        {
            "rules": [
                {
                    "fault": "api_error",
                    "path": "/cancel$",
                    "status": 409,
                    "code": "instore_order_locked_error",
                    "message": "Cannot cancel an order while payment is in progress.",
                }
            ]
        }
    )
    resp = emu.api(shop).post(
        f"/v1/orders/{order['id']}/cancel", headers={"X-Idempotency-Key": "c"}
    )
    assert resp.status == 409
    assert resp.json["errors"][0]["code"] == "instore_order_locked_error"
    bad = emu.admin.put(
        "/emulator/v1/faults", {"rules": [{"fault": "api_error", "status": 409}]}
    )
    assert bad.status == 400  # a code is required
    bad = emu.admin.put(
        "/emulator/v1/faults",
        {"rules": [{"fault": "api_error", "status": 302, "code": "x"}]},
    )
    assert bad.status == 400
