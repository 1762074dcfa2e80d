"""Notifications (IPN, legacy webhooks, Orders API webhooks) and x-signature."""

import json

import pytest

from mercado_pago import (
    InvalidSignature,
    MalformedNotification,
    NotificationEvent,
    UnsupportedNotification,
    build_manifest,
    parse_notification,
    signature_data_id,
    verify_notification,
    verify_signature,
)
from mercado_pago import notifications as notifications_module
from mercado_pago.notifications import verify_event

ORD = "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3"

# Mercado Pago's docs give the manifest rule and a 13-digit ts (1742505638683) but no
# secret with its expected hash, so these vectors were built by hand from the rule
# and their HMACs computed outside Python with:
#   printf '%s' '<manifest>' | openssl dgst -sha256 -hmac 'mp-test-secret-1b3c'
SECRET = "mp-test-secret-1b3c"
REQUEST_ID = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
TS_MS = "1742505638683"
MANIFEST_ORD = f"id:ord01jq4s4ky8hwq6na5pxb65b3d3;request-id:{REQUEST_ID};ts:{TS_MS};"
V1_ORD = "0be9e3f3fb5159abdb63f046ca6cbff5e54d23d6a79afdd0d63a0a0939956cc4"
REQUEST_ID_2 = "7c2a1b1e-0f3d-4d57-9a43-5b1e1f2f3a4b"
TS_S = "1742505638"
V1_NUMERIC = "45dc104fec00f878b6d31eea3abd6fbaf5c5177fa65087a5d2ace9eec0b9a457"
V1_NO_ID = "f9cce140a4469458617ed8dd9694f21602ced701e07f7a2d8189cf17b1ee975f"
NOW = 1742505640.0  # two seconds after both timestamps


def orders_webhook_body(**changes):
    body = {
        "action": "order.processed",
        "api_version": "v1",
        "application_id": "123",
        "data": {
            "id": ORD,
            "external_reference": "ODOO-POS1-000042-a1b2",
            "status": "processed",
            "status_detail": "accredited",
            "total_amount": "100.00",
            "type": "qr",
            "version": 2,
        },
        "date_created": "2025-03-20T21:20:38.683Z",
        "live_mode": False,
        "type": "order",
        "user_id": "987654321",
    }
    body.update(changes)
    return json.dumps(body).encode()


# -- parse_notification ---------------------------------------------------------


def test_ipn_query_merchant_order():
    event = parse_notification({"topic": "merchant_order", "id": "123"}, {}, b"")
    assert event == NotificationEvent(
        kind="merchant_order",
        resource_id="123",
        action=None,
        version=None,
        signed=False,
        source="ipn",
    )


def test_ipn_query_payment_ignores_a_garbage_body():
    event = parse_notification({"topic": ["payment"], "id": ["456"]}, None, b"\xff{")
    assert (event.kind, event.resource_id, event.source) == ("payment", "456", "ipn")
    assert event.raw == {}


def test_ipn_body_with_resource_url():
    body = json.dumps(
        {
            "resource": "https://api.mercadolibre.com/merchant_orders/31415",
            "topic": "merchant_order",
        }
    ).encode()
    event = parse_notification({}, {}, body)
    assert (event.kind, event.resource_id, event.source) == (
        "merchant_order",
        "31415",
        "ipn",
    )
    event = parse_notification({"topic": "payment"}, {}, b'{"resource": "271828"}')
    assert (event.kind, event.resource_id) == ("payment", "271828")


def test_legacy_payment_webhook():
    body = json.dumps(
        {
            "id": 12345,
            "live_mode": True,
            "type": "payment",
            "date_created": "2024-01-01T00:00:00Z",
            "user_id": 987654321,
            "api_version": "v1",
            "action": "payment.updated",
            "data": {"id": "789"},
        }
    ).encode()
    event = parse_notification(
        {"type": "payment", "data.id": "789"}, {"X-Signature": "ts=1,v1=ab"}, body
    )
    assert (event.kind, event.resource_id, event.action) == (
        "payment",
        "789",
        "payment.updated",
    )
    assert event.source == "webhook" and event.signed is True
    assert event.user_id == "987654321" and event.live_mode is True
    assert event.version is None


def test_legacy_merchant_order_webhook():
    body = json.dumps(
        {
            "id": 24680,
            "type": "topic_merchant_order_wh",
            "action": "update",
            "status": "closed",
            "data": {"currency_id": "ARS", "marketplace": "NONE", "status": "closed"},
        }
    ).encode()
    event = parse_notification({}, {}, body)
    assert (event.kind, event.resource_id, event.action) == (
        "merchant_order",
        "24680",
        "update",
    )


def test_orders_api_webhook():
    headers = {"x-signature": f"ts={TS_MS},v1={V1_ORD}", "x-request-id": REQUEST_ID}
    event = parse_notification(
        {"data.id": ORD, "type": "order"}, headers, orders_webhook_body()
    )
    assert event.kind == "order" and event.resource_id == ORD
    assert event.action == "order.processed" and event.version == 2
    assert event.signed and event.source == "webhook"
    assert event.raw["data"]["external_reference"] == "ODOO-POS1-000042-a1b2"
    assert event.dedupe_key == ("order", ORD, 2)


def test_orders_api_webhook_variants():
    # topic spelled in the plural, id only in the body, version as a string
    body = orders_webhook_body(type="orders", data={"id": ORD, "version": "7"})
    event = parse_notification({}, {}, body)
    assert (event.kind, event.resource_id, event.version) == ("order", ORD, 7)
    # id only in the query, lowercase query id vs uppercase body id is the same id
    event = parse_notification({"data.id": ORD.lower(), "type": "order"}, {}, body)
    assert event.resource_id == ORD.lower()
    event = parse_notification({"type": "order", "data.id": ORD}, {}, b"")
    assert event.version is None and event.action is None
    assert event.dedupe_key == ("order", ORD, None)


@pytest.mark.parametrize(
    ("query", "body", "reason"),
    [
        ({}, b"", "no topic or type"),
        ({}, b"not json", "body is not JSON"),
        ({}, b"[1, 2]", "body is not a JSON object"),
        ({}, b'{"type": "payment", "data": {}}', "missing resource id"),
        ({"topic": "payment", "id": "12ab"}, b"", "bad resource id"),
        ({"topic": "payment", "id": "1;DROP"}, b"", "bad resource id"),
        ({"topic": "merchant_order", "id": "9" * 65}, b"", "bad resource id"),
        ({"type": "order", "data.id": "ORD/../x"}, b"", "bad resource id"),
        (
            {"type": "order", "data.id": "ORD1"},
            orders_webhook_body(),
            "query and body ids differ",
        ),
        (
            {"type": "payment", "data.id": ORD},
            orders_webhook_body(),
            "query and body types differ",
        ),
        ({}, orders_webhook_body(data={"id": ORD, "version": "two"}), "bad version"),
        ({}, orders_webhook_body(data={"id": ORD, "version": True}), "bad version"),
        ({}, b'{"type": "payment", "data": {"id": true}}', "missing resource id"),
        ({}, b"{" + b" " * 300_000 + b"}", "body too large"),
    ],
)
def test_malformed(query, body, reason):
    with pytest.raises(MalformedNotification) as info:
        parse_notification(query, {}, body)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ({"topic": "chargebacks", "id": "1"}, b""),
        ({"type": "point_integration_wh", "data.id": "1"}, b""),
        ({}, b'{"type": "subscription_preapproval", "data": {"id": "1"}}'),
    ],
)
def test_unsupported_kinds_are_not_malformed(query, body):
    with pytest.raises(UnsupportedNotification) as info:
        parse_notification(query, {}, body)
    assert not isinstance(info.value, MalformedNotification)
    assert "unsupported topic" in info.value.reason


def test_body_may_be_str():
    event = parse_notification({"type": "order"}, {}, orders_webhook_body().decode())
    assert event.resource_id == ORD


# -- manifest --------------------------------------------------------------------


def test_build_manifest():
    assert build_manifest(ORD, REQUEST_ID, TS_MS) == MANIFEST_ORD
    assert build_manifest("123", None, "5") == "id:123;ts:5;"
    assert build_manifest(None, "r", "5") == "request-id:r;ts:5;"
    assert build_manifest("", "", "5") == "ts:5;"
    # only alphanumeric ids are lowercased
    assert build_manifest("AB-12", None, "5") == "id:AB-12;ts:5;"


def test_signature_data_id():
    assert signature_data_id({"data.id": ORD, "id": "1"}) == ORD
    assert signature_data_id({"id": ["42"]}) == "42"
    assert signature_data_id({}) is None
    assert signature_data_id(None) is None


# -- verify_signature --------------------------------------------------------


def test_valid_signature_ms_ts_and_uppercase_order_id():
    header = f"ts={TS_MS},v1={V1_ORD}"
    verify_signature(header, REQUEST_ID, ORD, SECRET, now=NOW)
    verify_signature(header, REQUEST_ID, ORD.lower(), SECRET, now=NOW)


def test_valid_signature_seconds_ts_numeric_id_and_spacing():
    header = f" ts={TS_S} , v1={V1_NUMERIC.upper()} "
    verify_signature(header, REQUEST_ID_2, "123456789", SECRET, now=NOW)


def test_valid_signature_without_data_id():
    verify_signature(f"ts={TS_S},v1={V1_NO_ID}", REQUEST_ID_2, None, SECRET, now=NOW)


def test_verify_notification_reads_the_request():
    headers = {"X-Signature": f"ts={TS_MS},v1={V1_ORD}", "X-Request-Id": REQUEST_ID}
    query = {"data.id": [ORD], "type": ["order"]}
    verify_notification(query, headers, SECRET, now=NOW)
    verify_notification(query, list(headers.items()), SECRET, now=NOW)
    with pytest.raises(InvalidSignature) as info:
        verify_notification(query, {}, SECRET, now=NOW)
    assert info.value.reason == "missing"


@pytest.mark.parametrize(
    ("header", "request_id", "data_id", "secret"),
    [
        (f"ts={TS_MS},v1={V1_ORD[:-1]}5", REQUEST_ID, ORD, SECRET),  # one hex digit
        (f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID, ORD, "another-secret"),
        (f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID, "ORD01OTHER", SECRET),
        (f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID_2, ORD, SECRET),
        (f"ts={TS_MS},v1={V1_ORD}", None, ORD, SECRET),
        (f"ts={int(TS_MS) + 1},v1={V1_ORD}", REQUEST_ID, ORD, SECRET),
        (f"ts={TS_S},v1={V1_NUMERIC}", REQUEST_ID_2, "123456780", SECRET),
    ],
)
def test_forged_signatures_mismatch(header, request_id, data_id, secret):
    with pytest.raises(InvalidSignature) as info:
        verify_signature(header, request_id, data_id, secret, now=NOW)
    assert info.value.reason == "mismatch"


@pytest.mark.parametrize(
    ("header", "request_id", "data_id"),
    [
        (f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID, ORD),
        (f"ts={TS_S},v1={V1_NUMERIC}", REQUEST_ID_2, "123456789"),
    ],
)
def test_stale_signatures(header, request_id, data_id):
    with pytest.raises(InvalidSignature) as info:
        verify_signature(header, request_id, data_id, SECRET, now=NOW + 301)
    assert info.value.reason == "stale"
    with pytest.raises(InvalidSignature):
        verify_signature(header, request_id, data_id, SECRET, now=NOW - 400)
    # inside a custom window, or with the age check off, it is accepted
    verify_signature(
        header, request_id, data_id, SECRET, now=NOW + 301, tolerance_seconds=600
    )
    verify_signature(
        header, request_id, data_id, SECRET, now=NOW + 10**6, tolerance_seconds=None
    )


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "ts=,v1=" + "a" * 64,
        "ts=abc,v1=" + "a" * 64,
        f"ts={TS_S}",
        "v1=" + "a" * 64,
        f"ts={TS_S},v1=zz",
        f"ts={TS_S},v1=" + "g" * 64,
        f"ts={TS_S},v1=" + "a" * 63,
        f"ts={TS_S};v1=" + "a" * 64,
        f"ts={TS_S},v1=" + "a" * 64 + ",junk",
        "ts=-5,v1=" + "a" * 64,
    ],
)
def test_malformed_signatures(header):
    with pytest.raises(InvalidSignature) as info:
        verify_signature(header, REQUEST_ID, ORD, SECRET, now=NOW)
    assert info.value.reason == "malformed"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_signature(header):
    with pytest.raises(InvalidSignature) as info:
        verify_signature(header, REQUEST_ID, ORD, SECRET, now=NOW)
    assert info.value.reason == "missing"


def test_unknown_extra_parts_are_ignored():
    header = f"ts={TS_MS},v1={V1_ORD},v2=future"
    verify_signature(header, REQUEST_ID, ORD, SECRET, now=NOW)


def test_secret_is_required():
    with pytest.raises(ValueError):
        verify_signature(f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID, ORD, "", now=NOW)


def test_comparison_is_constant_time(monkeypatch):
    calls = []
    real = notifications_module.hmac.compare_digest

    def spy(left, right):
        calls.append((left, right))
        return real(left, right)

    monkeypatch.setattr(notifications_module.hmac, "compare_digest", spy)
    verify_signature(f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID, ORD, SECRET, now=NOW)
    assert calls == [(V1_ORD, V1_ORD)]


def test_default_now_is_the_clock():
    # A correctly signed but ancient notification is stale against the real clock.
    with pytest.raises(InvalidSignature) as info:
        verify_signature(f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID, ORD, SECRET)
    assert info.value.reason == "stale"


# -- what a signature covers (issue #13, item 15) ------------------------------------

OTHER = "ORD01JQ4S4KY8HWQ6NA5PXB65ZZZZ"
SIGNED_ORD = {"x-signature": f"ts={TS_MS},v1={V1_ORD}", "x-request-id": REQUEST_ID}


def test_verify_event_accepts_the_signed_id():
    body = orders_webhook_body()
    for query in ({"data.id": ORD, "type": "order"}, {"data.id": ORD.lower()}):
        event = parse_notification(query, SIGNED_ORD, body)
        verify_event(event, query, SIGNED_ORD, SECRET, now=NOW)
    query = {"data.id": "123456789", "type": "payment"}
    headers = {
        "x-signature": f"ts={TS_S},v1={V1_NUMERIC}",
        "x-request-id": REQUEST_ID_2,
    }
    body = json.dumps({"type": "payment", "data": {"id": "123456789"}}).encode()
    verify_event(
        parse_notification(query, headers, body), query, headers, SECRET, now=NOW
    )


@pytest.mark.parametrize(
    ("query", "headers", "body"),
    [
        # the signed id in the query's `id`, another order in the body
        (
            {"id": ORD, "type": "order"},
            SIGNED_ORD,
            orders_webhook_body(data={"id": OTHER}),
        ),
        # the signed data.id, another order named by an IPN-shaped body
        (
            {"data.id": ORD},
            SIGNED_ORD,
            json.dumps({"resource": f"/v1/orders/{OTHER}", "topic": "order"}).encode(),
        ),
        # a signature over no id at all, an order in the body
        (
            {"type": "order"},
            {"x-signature": f"ts={TS_S},v1={V1_NO_ID}", "x-request-id": REQUEST_ID_2},
            orders_webhook_body(),
        ),
    ],
)
def test_verify_event_refuses_an_id_the_signature_does_not_cover(query, headers, body):
    """Only the query's data.id is signed: Mercado Pago's manifest template is
    ``id:[data.id_url];request-id:[x-request-id_header];ts:[ts_header];``, on its
    Webhooks page, where the origin of a notification is validated
    (https://www.mercadopago.com.br/developers/en/docs/your-integrations/notifications/webhooks).
    A valid signature for one id must not make another id named elsewhere trusted.
    """
    verify_notification(query, headers, SECRET, now=NOW)  # the HMAC itself is valid
    event = parse_notification(query, headers, body)
    with pytest.raises(InvalidSignature) as info:
        verify_event(event, query, headers, SECRET, now=NOW)
    assert info.value.reason == "other id"


@pytest.mark.parametrize(
    ("query", "body", "signed"),
    [
        ({"topic": "payment", "id": "456"}, b"", False),
        (
            {},
            b'{"resource": "/merchant_orders/31415", "topic": "merchant_order"}',
            False,
        ),
        ({"type": "payment", "data.id": "789"}, b"", True),
        ({}, b'{"type": "topic_merchant_order_wh", "id": 24680}', True),
        ({"type": "order", "data.id": ORD}, b"", True),
        # Mercado Pago sends no IPN about an Orders API order: one must be signed
        ({"topic": "order", "id": ORD}, b"", True),
    ],
)
def test_every_webhook_must_be_signed_ipn_never_is(query, body, signed):
    """Once the application has a secret signature, Mercado Pago sends it with every
    Webhooks notification (news of 2024-01-11, "Webhooks Notifications Simulator and
    Secret Signature", https://www.mercadopago.com.mx/developers/en/news/2024/01/11/Webhooks-Notifications-Simulator-and-Secret-Signature);
    IPN has no x-signature (its IPN page, docs/qr-code/additional-content/
    your-integrations/notifications/ipn). Legacy payment and merchant order
    webhooks are webhooks too.
    """
    assert parse_notification(query, {}, body).must_be_signed is signed
