"""The client survives each fault without a duplicate order or refund.

The fake server answers creates the way Mercado Pago treats X-Idempotency-Key
(the first request with a key creates, later ones get the same resource back), and
each fault is injected on the first attempt: before the resource exists (429, 503)
or after it was created remotely with the answer lost (dropped connection, read
timeout, 500 after the write).
"""

from decimal import Decimal as D

import pytest
from client_fixtures import USER_ID, IdempotentCreates, Reply

from mercado_pago.catalog import CatalogClient, pos_payload
from mercado_pago.errors import UnavailableError
from mercado_pago.instore_v2 import InstoreV2Client
from mercado_pago.money import ItemLine
from mercado_pago.order_types import QrOrderRequest
from mercado_pago.orders_api import OrdersApiClient

REF = "ODOO-POS1-000042-a1b2"
LOST = 0.6  # longer than the sessions' read timeout below

FAULTS = {
    "429-retry-after": {"status": 429, "headers": {"Retry-After": "1"}, "json": {}},
    "503-before-write": {"status": 503, "json": {"message": "unavailable"}},
    "500-after-write": "created",
    "connection-dropped-after-write": "close",
    "read-timeout-after-write": "delay",
}


def request():
    return QrOrderRequest(
        external_reference=REF,
        external_pos_id="SUC001POS001",
        external_store_id="SUC001",
        total=D("50.00"),
        currency="ARS",
        description="Venta",
        items=[ItemLine("Pasta", D(2), D("25.00"))],
        expires_in_seconds=600,
    )


def new_order(received, number):
    return {
        "id": f"ORD{number:04d}",
        "status": "created",
        "currency": "ARS",
        "external_reference": received.json["external_reference"],
        "transactions": {"payments": [{"id": f"PAY{number:04d}", "amount": "50.00"}]},
    }


def first_attempt(store, fault):
    """The reply for the first attempt: a fault, applied before or after the write."""
    kind = FAULTS[fault]
    if kind == "created":
        return store.answer(status=500, json={"message": "internal"})
    if kind == "close":
        return store.answer(close=True)
    if kind == "delay":
        return store.answer(delay=LOST)
    return Reply(**kind)


@pytest.mark.parametrize("fault", FAULTS)
def test_orders_api_create_is_never_duplicated(mp_server, fault):
    orders = IdempotentCreates(new_order)
    mp_server.script(
        "POST", "/v1/orders", first_attempt(orders, fault), orders.answer()
    )
    client = OrdersApiClient(mp_server.session(read_timeout=0.25), USER_ID)
    state = client.create(request(), "create-key-1")
    assert len(orders.created) == 1
    assert state.order_id == orders.created[0]["id"]
    keys = [c.header("x-idempotency-key") for c in mp_server.calls("POST")]
    assert keys == ["create-key-1", "create-key-1"]


def test_unknown_create_then_caller_retry_returns_the_same_order(mp_server):
    """The session gives up; the caller retries later with the key it stored."""
    orders = IdempotentCreates(new_order)
    mp_server.script("POST", "/v1/orders", orders.answer(delay=LOST), orders.answer())
    session = mp_server.session(read_timeout=0.25, max_attempts=1)
    client = OrdersApiClient(session, USER_ID)
    with pytest.raises(UnavailableError) as info:
        client.create(request(), "stored-key")
    assert info.value.unknown_outcome is True  # not "failed": it may exist
    again = OrdersApiClient(mp_server.session(), USER_ID).create(
        request(), "stored-key"
    )
    assert again.order_id == "ORD0001"
    assert len(orders.created) == 1


def test_exhausted_retries_create_at_most_one_order(mp_server):
    orders = IdempotentCreates(new_order)
    mp_server.script(
        "POST",
        "/v1/orders",
        orders.answer(close=True),
        orders.answer(status=502),
        orders.answer(delay=LOST),
    )
    client = OrdersApiClient(
        mp_server.session(read_timeout=0.25, max_attempts=3), USER_ID
    )
    with pytest.raises(UnavailableError) as info:
        client.create(request(), "k-exhaust")
    assert info.value.attempts == 3 and info.value.unknown_outcome
    assert len(orders.created) == 1


def new_refund(received, number):
    return {
        "id": "ORD0001",
        "status": "refunded",
        "currency": "ARS",
        "total_paid_amount": "50.00",
        "transactions": {
            "payments": [{"id": "PAY0001", "amount": "50.00", "status": "refunded"}],
            "refunds": [
                {"id": f"REF{number:04d}", "amount": "50.00", "status": "processed"}
            ],
        },
    }


@pytest.mark.parametrize("fault", FAULTS)
def test_orders_api_refund_is_never_duplicated(mp_server, fault):
    refunds = IdempotentCreates(new_refund)
    mp_server.script(
        "POST",
        "/v1/orders/ORD0001/refund",
        first_attempt(refunds, fault),
        refunds.answer(),
    )
    client = OrdersApiClient(mp_server.session(read_timeout=0.25), USER_ID)
    result = client.refund("ORD0001", None, "refund-key-1")
    assert len(refunds.created) == 1
    assert result.refund_ids == ["REF0001"] and result.status == "approved"


def test_orders_api_cancel_retries_with_one_key(mp_server):
    cancels = IdempotentCreates(
        lambda received, n: {"id": "ORD0001", "status": "canceled"}, status=200
    )
    mp_server.script(
        "POST",
        "/v1/orders/ORD0001/cancel",
        cancels.answer(close=True),
        cancels.answer(),
    )
    client = OrdersApiClient(mp_server.session(), USER_ID)
    assert client.cancel("ORD0001", "cancel-key").status == "canceled"
    assert len(cancels.created) == 1


def new_payment_refund(received, number):
    return {
        "id": 9000 + number,
        "payment_id": 222,
        "amount": 100.0,
        "status": "approved",
    }


@pytest.mark.parametrize("fault", FAULTS)
def test_v2_payment_refund_is_never_duplicated(mp_server, fault):
    mo = {
        "id": 2,
        "external_reference": REF,
        "status": "closed",
        "order_status": "paid",
        "payments": [{"id": 222, "status": "approved"}],
    }
    detail = {
        "id": 222,
        "status": "approved",
        "transaction_amount": 100.0,
        "currency_id": "ARS",
    }
    mp_server.script("GET", "/merchant_orders", Reply(200, {"elements": [mo]}))
    mp_server.script("GET", "/v1/payments/222", Reply(200, detail))
    refunds = IdempotentCreates(new_payment_refund)
    mp_server.script(
        "POST",
        "/v1/payments/222/refunds",
        first_attempt(refunds, fault),
        refunds.answer(),
    )
    client = InstoreV2Client(mp_server.session(read_timeout=0.25), USER_ID)
    result = client.refund(REF, None, "refund-key-v2")
    assert len(refunds.created) == 1
    assert result.refund_ids == ["9001"]


@pytest.mark.parametrize("fault", FAULTS)
def test_v2_put_leaves_exactly_one_order_on_the_cashbox(mp_server, fault):
    cashbox = {}

    def put(**fault_options):
        def reply(request):
            cashbox["order"] = request.json  # PUT replaces the cashbox's order
            return Reply(**dict({"status": 204}, **fault_options))

        return reply

    kind = FAULTS[fault]
    if kind == "created":
        first = put(status=500)
    elif kind == "close":
        first = put(close=True)
    elif kind == "delay":
        first = put(delay=LOST)
    else:
        first = Reply(**kind)
    path = (
        f"/instore/qr/seller/collectors/{USER_ID}/stores/SUC001/pos/SUC001POS001/orders"
    )
    mp_server.script("PUT", path, first, put())
    client = InstoreV2Client(mp_server.session(read_timeout=0.25), USER_ID)
    assert client.create(request(), "v2-key").status == "pending"
    assert cashbox["order"]["external_reference"] == REF
    assert len(mp_server.calls("PUT")) == 2


@pytest.mark.parametrize("fault", ["close", "delay", "created"])
def test_cashbox_created_remotely_is_found_not_duplicated(mp_server, fault):
    created = IdempotentCreates(
        lambda received, n: dict(received.json, id=2711380 + n), status=200
    )
    options = {
        "close": {"close": True},
        "delay": {"delay": LOST},
        "created": {"status": 500, "json": {"message": "internal"}},
    }[fault]

    def search(received):
        return Reply(
            200, {"paging": {"total": len(created.created)}, "results": created.created}
        )

    mp_server.script("GET", "/pos", search, search)
    mp_server.script("POST", "/pos", created.answer(**options))
    catalog = CatalogClient(mp_server.session(read_timeout=0.25))
    payload = pos_payload("Caja 1", "SUC001POS001", 1234567, "SUC001")
    pos = catalog.create_pos_or_find(payload)
    assert pos["id"] == 2711381
    assert len(created.created) == 1
    assert len(mp_server.calls("POST", "/pos")) == 1  # never re-posted blindly
    # A later run (e.g. after Odoo crashed before saving the id) finds it too.
    mp_server.script("GET", "/pos", search)
    assert catalog.create_pos_or_find(payload)["id"] == 2711381
    assert len(created.created) == 1
