"""Notifications (doc §8): shapes, x-signature, retries, and notification faults."""

from __future__ import annotations

import time

import pytest
from emulator_fixtures import check_signature


@pytest.fixture
def shop(emu):
    acc = emu.account()
    emu.cashbox(acc)
    return acc


def test_emulator_order_webhook_shape_and_signature(emu, shop, sink):
    """order.processed, key for key as W1 of Mercado Pago's QR notifications
    page (https://www.mercadopago.com.br/developers/pt/docs/qr-code/notifications,
    tab "Processada"); signed with data.id as received (mercadopago/sdk-python
    mercadopago/webhook/validator.py, "exactly as received")."""
    order = emu.order(shop, ref="SIG-1").json
    emu.pay()
    hook = sink.wait(1)[0]
    assert hook["query"] == {"data.id": order["id"], "type": "order"}
    body = hook["body"]
    assert list(body) == [
        "action",
        "api_version",
        "application_id",
        "data",
        "date_created",
        "live_mode",
        "type",
        "user_id",
    ]
    assert body["type"] == "order" and body["action"] == "order.processed"
    assert body["api_version"] == "v1" and body["live_mode"] is False
    assert body["user_id"] == str(shop["user_id"])
    assert body["application_id"] == str(shop["application_id"])
    data = body["data"]
    assert list(data) == [
        "external_reference",
        "id",
        "status",
        "status_detail",
        "total_amount",
        "total_paid_amount",
        "transactions",
        "type",
        "version",
    ]
    assert data["id"] == order["id"] and data["external_reference"] == "SIG-1"
    assert (data["status"], data["status_detail"]) == ("processed", "accredited")
    assert data["total_amount"] == data["total_paid_amount"] == "50.00"
    assert data["type"] == "qr" and data["version"] == 2
    [payment] = data["transactions"]["payments"]
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    operation = got["transactions"]["payments"][0]["reference_id"]
    assert payment == {
        "amount": "50.00",
        "id": order["transactions"]["payments"][0]["id"],
        "paid_amount": "50.00",
        "payment_method": {
            "id": "account_money",
            "installments": 1,
            "type": "account_money",
        },
        "reference": {"id": operation},
        "status": "processed",
        "status_detail": "accredited",
    }
    headers = hook["headers"]
    assert headers["x-socket-timeout"] == "22000" and headers["x-retry"] == "0"
    ts = dict(p.split("=", 1) for p in headers["x-signature"].split(","))["ts"]
    assert len(ts) == 13  # milliseconds by default
    assert abs(int(ts) / 1000 - time.time()) < 60
    assert check_signature(headers, hook["query"], shop["webhook_secret"])
    assert not check_signature(headers, hook["query"], shop["webhook_secret"], True)
    assert not check_signature(headers, hook["query"], "wrong-secret")


def test_emulator_signature_knobs(emu, shop, sink):
    """signature_lowercase_id=true: the docs' rule (data.id lowercased, MP QR
    notifications page pt: "será necessário enviá-lo em letra minúscula");
    signature_ts_unit=s: seconds, as the SDK validators read ts."""
    emu.config(signature_ts_unit="s", signature_lowercase_id=True)
    order = emu.order(shop).json
    emu.pay()
    hook = sink.wait(1)[0]
    parts = dict(p.split("=", 1) for p in hook["headers"]["x-signature"].split(","))
    assert len(parts["ts"]) == 10
    # Lowercased: the SDKs' rule no longer verifies, the docs' one does.
    secret = shop["webhook_secret"]
    assert check_signature(hook["headers"], hook["query"], secret, lower=True)
    assert not check_signature(hook["headers"], hook["query"], secret)
    import hashlib
    import hmac

    manifest = (
        f"id:{order['id'].lower()};request-id:{hook['headers']['x-request-id']};"
        f"ts:{parts['ts']};"
    )
    mac = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256)
    assert mac.hexdigest() == parts["v1"]


def test_emulator_signature_matches_sdk_vectors():
    """The emulator's signer against the SDKs' test vectors (mercadopago/sdk-python
    tests/test_webhook_signature_validator.py, same constants in sdk-go
    pkg/webhook/webhook_test.go): uppercase id kept, lowercase rule, absent pairs."""
    from emulator.notifier import sign

    secret, rid, ts = (
        "your_secret_key_here",
        "2066ca19-c6f1-498a-be75-1923005edd06",
        "1742505638683",
    )
    upper = "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3"
    assert sign(secret, upper, rid, ts, False) == (
        "fb15ae6472eb449173c556793205d77787d58f384d183bb5bc3b724c27bd103c"
    )
    assert sign(secret, upper, rid, ts, True) == (
        "633f91233312dd391ec75fa0bea539cfc2d6c4918873305b84a96cc1c58db71c"
    )
    assert sign(secret, None, rid, ts, False) == (
        "8a7b0cc777a8217c3bab41a50c95dc92debbc6f8448f1c967dfe10ac1cb8b894"
    )
    assert sign(secret, upper.lower(), "", ts, False) == (
        "a20c44820ab71562e89a7c9f64d5636efc8beba587b16c2f9bbbc3504892741a"
    )


def test_emulator_webhooks_expired_canceled_refunded_as_published(emu, shop, sink):
    """W2 (order.expired), W3 (order.canceled), W4 (order.refunded) of MP's QR
    notifications page (pt, tabs Expirada/Cancelada/Reembolsada): no
    transactions; total_paid_amount only on the refunded (paid) order."""
    common = ["external_reference", "id", "status", "status_detail", "total_amount"]
    expired = emu.order(shop, expiration_time="PT30S").json
    emu.clock(31)
    [w2] = [h["body"] for h in sink.wait(1, **{"data.id": expired["id"]})]
    assert w2["action"] == "order.expired"
    assert list(w2["data"]) == [*common, "type", "version"]
    assert w2["data"]["status"] == w2["data"]["status_detail"] == "expired"
    canceled = emu.order(shop).json
    key = {"X-Idempotency-Key": "cancel-w3"}
    emu.api(shop).post(f"/v1/orders/{canceled['id']}/cancel", headers=key)
    [w3] = [h["body"] for h in sink.wait(1, **{"data.id": canceled["id"]})]
    assert w3["action"] == "order.canceled"
    assert list(w3["data"]) == [*common, "type", "version"]
    assert w3["data"]["version"] == 2
    paid = emu.order(shop).json
    emu.pay()
    key = {"X-Idempotency-Key": "refund-w4"}
    emu.api(shop).post(f"/v1/orders/{paid['id']}/refund", headers=key)
    hooks = [h["body"] for h in sink.wait(2, **{"data.id": paid["id"]})]
    w4 = hooks[-1]
    assert w4["action"] == "order.refunded"
    assert list(w4["data"]) == [*common, "total_paid_amount", "type", "version"]
    assert (w4["data"]["status"], w4["data"]["total_paid_amount"]) == (
        "refunded",
        "50.00",
    )
    assert w4["data"]["version"] == 3


def test_emulator_unsigned_order_webhooks_switch(emu, shop, sink):
    """sign_order_webhooks=false: QR notifications "are not signed" (every SDK's
    validator docstring, e.g. mercadopago/sdk-python mercadopago/webhook/validator.py;
    MP webhooks page: signature "excepto en notificaciones ... Código QR")."""
    emu.config(sign_order_webhooks=False)
    emu.order(shop)
    emu.pay()
    hook = sink.wait(1)[0]
    assert "x-signature" not in hook["headers"]
    assert hook["headers"]["x-request-id"]
    assert hook["body"]["type"] == "order"


def test_emulator_custom_webhook_secret_and_patch(emu, sink):
    acc = emu.account(webhook_secret="s3cr3t", webhook=None)
    emu.cashbox(acc)
    emu.order(acc)
    assert emu.pay().status == 200
    time.sleep(0.1)
    assert emu.notifications() == []  # no webhook_url: nothing sent
    patched = emu.admin.patch(
        f"/emulator/v1/accounts/{acc['user_id']}", {"webhook_url": sink.url + "/new"}
    )
    assert patched.status == 200 and patched.json["webhook_url"].endswith("/new")
    emu.order(acc)
    emu.pay()
    hook = sink.wait(1)[0]
    assert hook["path"].endswith("/new")
    assert check_signature(hook["headers"], hook["query"], "s3cr3t")


def test_emulator_delivery_is_async_and_retried(emu, shop, sink):
    sink.plan(500, 503)  # fail twice, then 200
    order = emu.order(shop).json
    started = time.monotonic()
    assert emu.pay().status == 200
    assert time.monotonic() - started < 0.5  # the pay call did not wait
    hooks = sink.wait(3)
    assert [h["status"] for h in hooks] == [500, 503, 200]
    assert [h["headers"]["x-retry"] for h in hooks] == ["0", "1", "2"]
    for h in hooks:  # every attempt is signed with its own ts
        assert check_signature(h["headers"], h["query"], shop["webhook_secret"])
    log = emu.wait(
        lambda: [
            a
            for a in emu.notifications(data_id=order["id"])
            if a["outcome"] == "delivered"
        ]
    )
    assert log
    outcomes = [a["outcome"] for a in emu.notifications(data_id=order["id"])]
    assert outcomes == ["retry_scheduled", "retry_scheduled", "delivered"]
    attempt = emu.notifications(data_id=order["id"])[0]
    assert attempt["status"] == 500 and attempt["url"].startswith(sink.url)
    assert attempt["headers"]["x-signature"] and attempt["body"]["type"] == "order"


def test_emulator_delivery_gives_up_after_schedule(emu, shop, sink):
    sink.plan(500, 500, 500, 500, 500)
    order = emu.order(shop).json
    emu.pay()
    sink.wait(4)
    last = emu.wait(
        lambda: [
            a
            for a in emu.notifications(data_id=order["id"])
            if a["outcome"] == "failed"
        ]
    )
    assert len(last) == 1 and last[0]["attempt"] == 3


def test_emulator_delivery_connection_error_and_timeout(emu, sink):
    acc = emu.account(webhook="http://127.0.0.1:9/closed")
    emu.cashbox(acc)
    emu.config(notify_retry_schedule=[0.05])
    order = emu.order(acc).json
    emu.pay()
    failed = emu.wait(lambda: emu.notifications(data_id=order["id"], outcome="failed"))
    assert failed and failed[0]["error"] and failed[0]["status"] is None
    # A sink slower than the delivery timeout counts as a failure too.
    emu.config(notify_timeout_seconds=0.2, notify_retry_schedule=[])
    slow = emu.account()
    emu.cashbox(slow)
    sink.delay(0.5)
    order = emu.order(slow).json
    assert emu.pay(user_id=slow["user_id"]).status == 200
    failed = emu.wait(lambda: emu.notifications(data_id=order["id"], outcome="failed"))
    assert failed and "timed out" in failed[0]["error"]


def test_emulator_lost_notifications(emu, shop, sink):
    emu.faults({"notifications": {"lose": 1.0}})
    order = emu.order(shop).json
    emu.pay()
    time.sleep(0.2)
    assert sink.received() == []
    lost = emu.notifications(data_id=order["id"])
    assert [a["outcome"] for a in lost] == ["lost"]
    # The order is processed all the same: only polling would tell.
    got = emu.api(shop).get(f"/v1/orders/{order['id']}").json
    assert got["status"] == "processed"


def test_emulator_duplicated_notifications(emu, shop, sink):
    emu.faults({"notifications": {"duplicate": 1.0}})
    order = emu.order(shop).json
    emu.pay()
    hooks = sink.wait(2)
    assert len(hooks) == 2
    assert hooks[0]["body"] == hooks[1]["body"]
    assert hooks[0]["headers"]["x-request-id"] != hooks[1]["headers"]["x-request-id"]
    assert all(h["query"]["data.id"] == order["id"] for h in hooks)


def test_emulator_delayed_notifications(emu, shop, sink):
    emu.faults({"notifications": {"delay_ms": 300}})
    emu.order(shop)
    paid_at = time.monotonic()
    emu.pay()
    time.sleep(0.15)
    assert sink.received() == []
    hook = sink.wait(1)[0]
    assert hook["at"] - paid_at >= 0.3


def test_emulator_reordered_notifications(emu, shop, sink):
    emu.faults({"notifications": {"reorder": True, "reorder_batch": 2}})
    order = emu.order(shop, amount="10.00").json
    emu.pay()  # order.processed, version 2
    emu.api(shop).post(
        f"/v1/orders/{order['id']}/refund", headers={"X-Idempotency-Key": "r"}
    )
    hooks = sink.wait(2)
    versions = [h["body"]["data"]["version"] for h in hooks]
    actions = [h["body"]["action"] for h in hooks]
    assert versions == [3, 2] and actions == ["order.refunded", "order.processed"]


def test_emulator_unknown_id_notifications(emu, shop, sink):
    emu.faults({"notifications": {"unknown_ids": 1.0}})
    order = emu.order(shop).json
    emu.pay()
    hooks = sink.wait(2)
    ids = {h["query"]["data.id"] for h in hooks}
    assert order["id"] in ids and len(ids) == 2
    bogus = (ids - {order["id"]}).pop()
    assert bogus.startswith("ORD") and len(bogus) == 29
    assert emu.api(shop).get(f"/v1/orders/{bogus}").status == 404
    fake = next(h for h in hooks if h["query"]["data.id"] == bogus)
    assert fake["body"]["data"]["id"] == bogus
    assert check_signature(fake["headers"], fake["query"], shop["webhook_secret"])


def test_emulator_notification_on_demand(emu, shop, sink):
    resp = emu.admin.post(
        "/emulator/v1/notifications",
        {
            "user_id": shop["user_id"],
            "kind": "order",
            "id": "ORDUNKNOWN1",
            "action": "order.processed",
        },
    )
    assert resp.status == 202
    hook = sink.wait(1)[0]
    assert hook["query"]["data.id"] == "ORDUNKNOWN1"
    assert check_signature(hook["headers"], hook["query"], shop["webhook_secret"])
    emu.admin.post(
        "/emulator/v1/notifications",
        {
            "user_id": shop["user_id"],
            "kind": "ipn",
            "topic": "payment",
            "id": "42",
            "url": sink.url + "/ipn",
        },
    )
    ipn = sink.wait(2)[1]
    assert ipn["query"] == {"topic": "payment", "id": "42"}
    bad = emu.admin.post("/emulator/v1/notifications", {"user_id": 1, "id": "x"})
    assert bad.status == 400


def test_emulator_notification_log_clear(emu, shop, sink):
    emu.order(shop)
    emu.pay()
    sink.wait(1)
    emu.wait(lambda: emu.notifications())
    assert emu.admin.delete("/emulator/v1/notifications").status == 200
    assert emu.notifications() == []


def test_emulator_notification_fault_kinds_and_reorder_window(emu, shop, sink):
    # Faults restricted to IPN leave Orders API webhooks alone.
    emu.faults({"notifications": {"lose": 1.0, "kinds": ["ipn"]}})
    order = emu.order(shop).json
    emu.pay()
    assert sink.wait(1)[0]["query"]["data.id"] == order["id"]
    # A lone held notification is released once the window has passed.
    emu.faults(
        {
            "notifications": {
                "reorder": True,
                "reorder_batch": 5,
                "reorder_window_ms": 150,
            }
        }
    )
    second = emu.order(shop).json
    emu.pay()
    hooks = sink.wait(2, timeout=2)
    assert hooks[-1]["query"]["data.id"] == second["id"]
