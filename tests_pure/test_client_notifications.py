"""Notifications (IPN, legacy webhooks, Orders API webhooks) and x-signature."""

import json

import pytest
from client_fixtures import verify_request
from conformance.examples_notifications import W1, W8

from mercado_pago import notifications as notifications_module
from mercado_pago.notifications import (
    InvalidSignature,
    MalformedNotification,
    NotificationEvent,
    UnsupportedNotification,
    build_manifest,
    manifests,
    parse_notification,
    signature_data_id,
    verify_event,
    verify_signature,
)

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
# the same manifest with data.id as received (ORD01JQ...)
V1_ORD_AS_RECEIVED = "e082d42312451bab239f4c0e1679cc488db667215c87121f848b69ad37c54907"
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
    event = parse_notification({"topic": "merchant_order", "id": "123"}, b"")
    assert event == NotificationEvent(
        kind="merchant_order",
        resource_id="123",
        version=None,
        source="ipn",
    )


def test_ipn_query_payment_ignores_a_garbage_body():
    event = parse_notification({"topic": ["payment"], "id": ["456"]}, b"\xff{")
    assert (event.kind, event.resource_id, event.source) == ("payment", "456", "ipn")


def test_ipn_body_with_resource_url():
    body = json.dumps(
        {
            "resource": "https://api.mercadolibre.com/merchant_orders/31415",
            "topic": "merchant_order",
        }
    ).encode()
    event = parse_notification({}, body)
    assert (event.kind, event.resource_id, event.source) == (
        "merchant_order",
        "31415",
        "ipn",
    )
    event = parse_notification({"topic": "payment"}, b'{"resource": "271828"}')
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
    event = parse_notification({"type": "payment", "data.id": "789"}, body)
    assert (event.kind, event.resource_id) == ("payment", "789")
    assert event.source == "webhook"
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
    event = parse_notification({}, body)
    assert (event.kind, event.resource_id) == ("merchant_order", "24680")


def test_orders_api_webhook():
    event = parse_notification({"data.id": ORD, "type": "order"}, orders_webhook_body())
    assert event.kind == "order" and event.resource_id == ORD
    assert event.version == 2
    assert event.source == "webhook"


def test_orders_api_webhook_variants():
    # topic spelled in the plural, id only in the body, version as a string
    body = orders_webhook_body(type="orders", data={"id": ORD, "version": "7"})
    event = parse_notification({}, body)
    assert (event.kind, event.resource_id, event.version) == ("order", ORD, 7)
    # id only in the query, lowercase query id vs uppercase body id is the same id
    event = parse_notification({"data.id": ORD.lower(), "type": "order"}, body)
    assert event.resource_id == ORD.lower()
    event = parse_notification({"type": "order", "data.id": ORD}, b"")
    assert event.version is None


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
        parse_notification(query, body)
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
        parse_notification(query, body)
    assert not isinstance(info.value, MalformedNotification)
    assert "unsupported topic" in info.value.reason


def test_body_may_be_str():
    event = parse_notification({"type": "order"}, orders_webhook_body().decode())
    assert event.resource_id == ORD


# -- manifest --------------------------------------------------------------------


def test_build_manifest():
    """data.id as received by default (the official SDK validators, e.g.
    sdk-python mercadopago/webhook/validator.py), lowercased on request (the
    Webhooks page's rule); blank pairs are dropped and values trimmed, as the
    SDKs do."""
    assert build_manifest(ORD, REQUEST_ID, TS_MS) == MANIFEST_ORD.replace(
        ORD.lower(), ORD
    )
    assert build_manifest(ORD, REQUEST_ID, TS_MS, lowercase_id=True) == MANIFEST_ORD
    assert build_manifest("123", None, "5") == "id:123;ts:5;"
    assert build_manifest(None, "r", "5") == "request-id:r;ts:5;"
    assert build_manifest("", "", "5") == "ts:5;"
    assert build_manifest("  ", " ", "5") == "ts:5;"
    assert build_manifest(" AB-12 ", " r ", "5") == "id:AB-12;request-id:r;ts:5;"
    assert manifests(ORD, None, "5") == [f"id:{ORD};ts:5;", f"id:{ORD.lower()};ts:5;"]
    assert manifests("123", None, "5") == ["id:123;ts:5;"]


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
    verify_request(query, headers, SECRET, now=NOW)
    verify_request(query, list(headers.items()), SECRET, now=NOW)
    with pytest.raises(InvalidSignature) as info:
        verify_request(query, {}, SECRET, now=NOW)
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
        f"ts={TS_S};v1=" + "a" * 64,
        "ts=-5,v1=" + "a" * 64,
        "ts=١٢٣,v1=" + "a" * 64,  # digits, but not ASCII ones
        f"ts={TS_S},v2=" + "a" * 64,
    ],
)
def test_malformed_signatures(header):
    with pytest.raises(InvalidSignature) as info:
        verify_signature(header, REQUEST_ID, ORD, SECRET, now=NOW)
    assert info.value.reason == "malformed"


@pytest.mark.parametrize(
    "header",
    [
        f"ts={TS_S},v1=zz",
        f"ts={TS_S},v1=" + "g" * 64,
        f"ts={TS_S},v1=" + "a" * 63,
        f"ts={TS_S},v1=" + "é" * 64,
        # a part without "=" is skipped, as the SDKs do; the hash is still wrong
        f"ts={TS_S},v1=" + "a" * 64 + ",junk",
    ],
)
def test_well_formed_headers_with_a_wrong_hash(header):
    """The SDK parsers (sdk-python mercadopago/webhook/validator.py) check no hex
    format: a v1 that is not the HMAC is a mismatch."""
    with pytest.raises(InvalidSignature) as info:
        verify_signature(header, REQUEST_ID, ORD, SECRET, now=NOW)
    assert info.value.reason == "mismatch"


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
    # both manifests (data.id as received, then lowercased) are always compared
    assert calls == [(V1_ORD_AS_RECEIVED, V1_ORD), (V1_ORD, V1_ORD)]
    calls.clear()
    verify_signature(
        f"ts={TS_MS},v1={V1_ORD}", REQUEST_ID, ORD.lower(), SECRET, now=NOW
    )
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
        event = parse_notification(query, body)
        verify_event(event, query, SIGNED_ORD, SECRET, now=NOW)
    query = {"data.id": "123456789", "type": "payment"}
    headers = {
        "x-signature": f"ts={TS_S},v1={V1_NUMERIC}",
        "x-request-id": REQUEST_ID_2,
    }
    body = json.dumps({"type": "payment", "data": {"id": "123456789"}}).encode()
    verify_event(parse_notification(query, body), query, headers, SECRET, now=NOW)


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
    # The HMAC itself is valid.
    verify_signature(
        headers["x-signature"],
        headers["x-request-id"],
        signature_data_id(query),
        SECRET,
        now=NOW,
    )
    event = parse_notification(query, body)
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
    assert parse_notification(query, body).must_be_signed is signed


# -- the official SDKs' signature vectors (issue #14, item 2) ------------------------
#
# Constants shared by the SDK test suites: sdk-python
# tests/test_webhook_signature_validator.py, sdk-go pkg/webhook/webhook_test.go,
# sdk-php tests/MercadoPago/Webhook/Unit/WebhookSignatureValidatorUnitTest.php,
# sdk-java src/test/java/com/mercadopago/webhook/WebhookSignatureValidatorTest.java.
# The SDK tests compute the HMACs at run time; these are the same HMAC-SHA256
# digests of the listed manifests, written down.

SDK_SECRET = "your_secret_key_here"
SDK_REQUEST_ID = "2066ca19-c6f1-498a-be75-1923005edd06"
SDK_ORD = "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3"
SDK_TS = "1742505638683"
SDK_NOW = 1742505640.0


@pytest.mark.parametrize(
    ("data_id", "request_id", "manifest", "v1"),
    [
        pytest.param(
            SDK_ORD.lower(),
            SDK_REQUEST_ID,
            f"id:{SDK_ORD.lower()};request-id:{SDK_REQUEST_ID};ts:{SDK_TS};",
            "633f91233312dd391ec75fa0bea539cfc2d6c4918873305b84a96cc1c58db71c",
            id="happy_path_lowercase",
        ),
        pytest.param(
            SDK_ORD,
            SDK_REQUEST_ID,
            f"id:{SDK_ORD};request-id:{SDK_REQUEST_ID};ts:{SDK_TS};",
            "fb15ae6472eb449173c556793205d77787d58f384d183bb5bc3b724c27bd103c",
            id="uppercase_dataid_is_preserved",
        ),
        pytest.param(
            None,
            SDK_REQUEST_ID,
            f"request-id:{SDK_REQUEST_ID};ts:{SDK_TS};",
            "8a7b0cc777a8217c3bab41a50c95dc92debbc6f8448f1c967dfe10ac1cb8b894",
            id="dataid_absent_excludes_id_pair",
        ),
        pytest.param(
            SDK_ORD.lower(),
            None,
            f"id:{SDK_ORD.lower()};ts:{SDK_TS};",
            "a20c44820ab71562e89a7c9f64d5636efc8beba587b16c2f9bbbc3504892741a",
            id="request_id_absent_excludes_request_id_pair",
        ),
        pytest.param(
            "  ",
            "",
            f"ts:{SDK_TS};",
            "3f075add3ddb923bebf0bc0648457b8244cf4420b98d5b445167d379bec0ca54",
            id="both_absent_yields_ts_only",
        ),
        pytest.param(
            "ord01abc123",
            SDK_REQUEST_ID,
            f"id:ord01abc123;request-id:{SDK_REQUEST_ID};ts:{SDK_TS};",
            "f37a2a610d68238b58b97b4107b9d0f0ebba14a6fe31bbed9fbd7a6ffc540e4d",
            id="non_payment_topic_uses_same_algorithm",
        ),
    ],
)
def test_sdk_signature_vectors(data_id, request_id, manifest, v1):
    """The six positive cases of the official SDKs' validator tests: sdk-python
    tests/test_webhook_signature_validator.py (same constants in sdk-go
    pkg/webhook/webhook_test.go, sdk-php tests/MercadoPago/Webhook/Unit/
    WebhookSignatureValidatorUnitTest.php and sdk-java src/test/java/com/
    mercadopago/webhook/WebhookSignatureValidatorTest.java)."""
    assert build_manifest(data_id, request_id, SDK_TS) == manifest
    header = f"ts={SDK_TS},v1={v1}"
    verify_signature(header, request_id, data_id, SDK_SECRET, now=SDK_NOW)
    verify_signature(header, request_id, data_id, SDK_SECRET, tolerance_seconds=None)


def test_uppercase_data_id_passes_with_either_manifest():
    """data.id arrives as ORD01JQ4S4KY8HWQ6NA5PXB65B3D3 in the query: the SDKs
    sign it as received (sdk-python tests/test_webhook_signature_validator.py,
    "uppercase_dataid_is_preserved"), Mercado Pago's Webhooks page signs it in
    lowercase ("happy_path_lowercase" of the same file, and the page's example
    manifest ``id:ord01jq4s4ky8hwq6na5pxb65b3d3;request-id:...;ts:...;``).
    Both v1 values are accepted for the same request."""
    query = {"data.id": SDK_ORD, "type": "order"}
    body = orders_webhook_body(data={"id": SDK_ORD, "version": 2})
    for v1 in (
        "633f91233312dd391ec75fa0bea539cfc2d6c4918873305b84a96cc1c58db71c",
        "fb15ae6472eb449173c556793205d77787d58f384d183bb5bc3b724c27bd103c",
    ):
        headers = {
            "x-signature": f"ts={SDK_TS},v1={v1}",
            "x-request-id": SDK_REQUEST_ID,
        }
        verify_request(query, headers, SDK_SECRET, now=SDK_NOW)
        event = parse_notification(query, body)
        verify_event(event, query, headers, SDK_SECRET, now=SDK_NOW)


def test_an_id_received_in_lowercase_is_not_uppercased():
    """Only the id as received and its lowercase form are signed forms: a v1 over
    the uppercase id does not cover a lowercase data.id (sdk-python
    tests/test_webhook_signature_validator.py signs what it receives)."""
    upper_v1 = "fb15ae6472eb449173c556793205d77787d58f384d183bb5bc3b724c27bd103c"
    with pytest.raises(InvalidSignature) as info:
        verify_signature(
            f"ts={SDK_TS},v1={upper_v1}",
            SDK_REQUEST_ID,
            SDK_ORD.lower(),
            SDK_SECRET,
            now=SDK_NOW,
        )
    assert info.value.reason == "mismatch"


_SDK_V1 = "633f91233312dd391ec75fa0bea539cfc2d6c4918873305b84a96cc1c58db71c"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        pytest.param("this-is-garbage", "malformed", id="malformed_header"),
        pytest.param(None, "missing", id="missing_header"),
        pytest.param(f"v1={_SDK_V1}", "malformed", id="missing_timestamp"),
        pytest.param(f"ts={SDK_TS}", "malformed", id="missing_hash"),
        pytest.param(
            f"ts={SDK_TS},v1={_SDK_V1[:-2]}{'00' if _SDK_V1[-2:] != '00' else '11'}",
            "mismatch",
            id="tampered_hash",
        ),
        pytest.param(f"ts={SDK_TS},v2=somehash", "malformed", id="only_v2_present"),
        pytest.param(f"ts={SDK_TS},v1={_SDK_V1[::-1]}", "mismatch", id="other_hash"),
    ],
)
def test_sdk_negative_cases(header, reason):
    """The SDKs' negative cases (sdk-python tests/test_webhook_signature_validator.py;
    same in sdk-go pkg/webhook/webhook_test.go, sdk-php tests/MercadoPago/Webhook/
    Unit/WebhookSignatureValidatorUnitTest.php, sdk-java src/test/java/com/
    mercadopago/webhook/WebhookSignatureValidatorTest.java): MissingSignatureHeader
    is "missing" here; MalformedSignatureHeader, MissingTimestamp and MissingHash
    are "malformed"; SignatureMismatch is "mismatch"."""
    with pytest.raises(InvalidSignature) as info:
        verify_signature(
            header, SDK_REQUEST_ID, SDK_ORD.lower(), SDK_SECRET, now=SDK_NOW
        )
    assert info.value.reason == reason


def test_sdk_extra_versions_are_ignored():
    """``ts=...,v1=<valid>,v2=aaaa`` passes: only v1 is a supported version
    (sdk-python tests/test_webhook_signature_validator.py; the validator's
    default ``supported_versions`` is ("v1",), keys matched by ``^v\\d+$``)."""
    header = f"ts={SDK_TS},v1={_SDK_V1},v2=aaaa, x = y ,V1 "
    verify_signature(header, SDK_REQUEST_ID, SDK_ORD.lower(), SDK_SECRET, now=SDK_NOW)


def test_published_delivery_example_is_only_a_format():
    """Mercado Pago's notification pages (docs/qr-code/notifications, pt;
    docs/mp-point/notifications, es) show ``x-signature: ts=1742505638683,
    v1=ced36ab6...`` for ``data.id=ORD01JQ4S4KY8HWQ6NA5PXB65B3D3``, without the
    secret: it parses, and with the SDKs' test secret it is refused."""
    header = (
        "ts=1742505638683,"
        "v1=ced36ab6d33566bb1e16c125819b8d840d6b8ef136b0b9127c76064466f5229b"
    )
    with pytest.raises(InvalidSignature) as info:
        verify_signature(header, SDK_REQUEST_ID, SDK_ORD, SDK_SECRET, now=SDK_NOW)
    assert info.value.reason == "mismatch"


# -- webhook bodies as Mercado Pago publishes them (issue #14, item 6) ----------------


def _qr_webhook(action, order_id, status, version, date, **data):
    return {
        "action": action,
        "api_version": "v1",
        "application_id": "7364289770550796",
        "data": dict(
            external_reference="ER_123456",
            id=order_id,
            status=status,
            status_detail=status,
            total_amount="30.00",
            type="qr",
            version=version,
            **data,
        ),
        "date_created": date,
        "live_mode": False,
        "type": "order",
        "user_id": "1403498245",
    }


W2_EXPIRED = _qr_webhook(
    "order.expired",
    "ORD01JV391F8YM8EDEAG8CWZ0GM0N",
    "expired",
    2,
    "2025-05-12T22:29:56.694526977Z",
)
W3_CANCELED = _qr_webhook(
    "order.canceled",
    "ORD01JV3AW2C31TE7FY2C4VHTJKB2",
    "canceled",
    2,
    "2025-05-12T22:46:57.697535027Z",
)
W4_REFUNDED = _qr_webhook(
    "order.refunded",
    "ORD01JV3AW7R6WME2XT0KZRX7HVS6",
    "refunded",
    3,
    "2025-05-12T22:47:05.813331521Z",
    total_paid_amount="30.00",
)


@pytest.mark.parametrize(
    ("body", "version"),
    [
        pytest.param(W1, 2, id="W1-processed"),
        pytest.param(W2_EXPIRED, 2, id="W2-expired"),
        pytest.param(W3_CANCELED, 2, id="W3-canceled"),
        pytest.param(W4_REFUNDED, 3, id="W4-refunded"),
    ],
)
def test_published_qr_order_webhooks(body, version):
    """The four bodies of Mercado Pago's QR notifications page, tabs Processada,
    Expirada, Cancelada, Reembolsada (https://www.mercadopago.com.br/developers/
    pt/docs/qr-code/notifications): user_id and application_id are strings,
    expired/canceled/refunded carry no ``transactions``, processed and refunded
    carry ``data.total_paid_amount``. Each parses with or without the query."""
    raw = json.dumps(body).encode()
    order_id = body["data"]["id"]
    for query in ({}, {"data.id": order_id, "type": "order"}):
        event = parse_notification(query, raw)
        assert (event.kind, event.resource_id, event.source) == (
            "order",
            order_id,
            "webhook",
        )
        assert event.version == version


def test_published_signed_delivery_has_a_numeric_user_id():
    """The signed delivery example of the QR and Point notification pages
    (docs/qr-code/notifications, pt; docs/mp-point/notifications, es): query
    ``data.id=ORD01JQ4S4KY8HWQ6NA5PXB65B3D3&type=order``, ``user_id`` a number,
    a top-level ``id``, data with only the id."""
    body = (
        b'{"action":"order.action_required","api_version":"v1",'
        b'"application_id":"76506430185983","date_created":"2021-11-01T02:02:02Z",'
        b'"id":"123456","live_mode":false,"type":"order","user_id":2025701502,'
        b'"data":{"id":"ORD01JQ4S4KY8HWQ6NA5PXB65B3D3"}}'
    )
    query = {"data.id": SDK_ORD, "type": "order"}
    event = parse_notification(query, body)
    assert (event.kind, event.resource_id) == ("order", SDK_ORD)
    assert event.version is None


def test_published_payment_webhook():
    """The payment webhook of Mercado Pago's Webhooks page (pt, devsite-docs):
    ``{"action":"payment.updated",...,"data":{"id":"123456"},"user_id":724484980}``
    with query ``data.id=123456&type=payment``."""
    body = (
        b'{"action":"payment.updated","api_version":"v1","data":{"id":"123456"},'
        b'"date_created":"2021-11-01T02:02:02Z","id":"123456","live_mode":false,'
        b'"type":"payment","user_id":724484980}'
    )
    event = parse_notification({"data.id": "123456", "type": "payment"}, body)
    assert (event.kind, event.resource_id) == ("payment", "123456")


def test_merchant_order_webhook_with_string_id():
    """A merchant_order webhook as delivered (not published by Mercado Pago; an
    observed payload quoted in a public C# controller, see issue #14's research):
    ``id`` and ``application_id`` strings, ``user_id`` a number, ``version`` 1,
    data without an id."""
    body = W8
    event = parse_notification({}, json.dumps(body).encode())
    assert (event.kind, event.resource_id, event.source) == (
        "merchant_order",
        "23603350837",
        "webhook",
    )
    assert event.must_be_signed
