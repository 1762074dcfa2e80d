"""Every client call turns Mercado Pago's refusals into typed errors, unretried."""

from decimal import Decimal as D

import pytest
from client_fixtures import USER_ID, Reply

from mercado_pago.catalog import CatalogClient
from mercado_pago.errors import AuthenticationError, ValidationError
from mercado_pago.instore_v2 import InstoreV2Client
from mercado_pago.money import ItemLine
from mercado_pago.order_types import QrOrderRequest
from mercado_pago.orders_api import OrdersApiClient
from mercado_pago.payments import PaymentsClient

REF = "ODOO-POS1-000042-a1b2"
ORD = "ORD01K371WBFDS4MD9JG0K8ZMECBE"
REQ = QrOrderRequest(
    external_reference=REF,
    external_pos_id="SUC001POS001",
    external_store_id="SUC001",
    total=D("10.00"),
    currency="BRL",
    description="Venda",
    items=[ItemLine("Cafe", D(2), D("5.00"))],
    expires_in_seconds=300,
)
V2 = f"/instore/qr/seller/collectors/{USER_ID}"

# (name, HTTP method, path, call)
CALLS = [
    ("users_me", "GET", "/users/me", lambda c: c["catalog"].users_me()),
    (
        "create_store",
        "POST",
        f"/users/{USER_ID}/stores",
        lambda c: c["catalog"].create_store(USER_ID, {"name": "x"}),
    ),
    (
        "search_stores",
        "GET",
        f"/users/{USER_ID}/stores/search",
        lambda c: c["catalog"].search_stores(USER_ID, external_id="SUC001"),
    ),
    (
        "find_store_by_external_id",
        "GET",
        f"/users/{USER_ID}/stores/search",
        lambda c: c["catalog"].find_store_by_external_id(USER_ID, "SUC001"),
    ),
    (
        "update_store",
        "PUT",
        f"/users/{USER_ID}/stores/55",
        lambda c: c["catalog"].update_store(USER_ID, 55, {"name": "y"}),
    ),
    ("create_pos", "POST", "/pos", lambda c: c["catalog"].create_pos({"name": "x"})),
    ("search_pos", "GET", "/pos", lambda c: c["catalog"].search_pos()),
    (
        "find_pos_by_external_id",
        "GET",
        "/pos",
        lambda c: c["catalog"].find_pos_by_external_id("SUC001POS001"),
    ),
    ("update_pos", "PUT", "/pos/66", lambda c: c["catalog"].update_pos(66, {})),
    (
        "create_store_or_find",
        "GET",
        f"/users/{USER_ID}/stores/search",
        lambda c: c["catalog"].create_store_or_find(USER_ID, {"external_id": "S1"}),
    ),
    (
        "create_pos_or_find",
        "GET",
        "/pos",
        lambda c: c["catalog"].create_pos_or_find({"external_id": "P1"}),
    ),
    (
        "orders.create",
        "POST",
        "/v1/orders",
        lambda c: c["orders"].create(REQ, "k-1"),
    ),
    ("orders.get", "GET", f"/v1/orders/{ORD}", lambda c: c["orders"].get(ORD)),
    (
        "orders.cancel",
        "POST",
        f"/v1/orders/{ORD}/cancel",
        lambda c: c["orders"].cancel(ORD, "k-2"),
    ),
    (
        "orders.refund",
        "POST",
        f"/v1/orders/{ORD}/refund",
        lambda c: c["orders"].refund(ORD, None, "k-3"),
    ),
    (
        "orders.refund partial (read first)",
        "GET",
        f"/v1/orders/{ORD}",
        lambda c: c["orders"].refund(ORD, D("1.00"), "k-4"),
    ),
    (
        "v2.create",
        "PUT",
        f"{V2}/stores/SUC001/pos/SUC001POS001/orders",
        lambda c: c["v2"].create(REQ, "k-5"),
    ),
    ("v2.get", "GET", "/merchant_orders", lambda c: c["v2"].get(REF)),
    (
        "v2.cashbox_order",
        "GET",
        f"{V2}/pos/SUC001POS001/orders",
        lambda c: c["v2"].cashbox_order("SUC001POS001"),
    ),
    (
        "v2.cancel",
        "GET",
        f"{V2}/pos/SUC001POS001/orders",
        lambda c: c["v2"].cancel(REF, "k-6", external_pos_id="SUC001POS001"),
    ),
    ("v2.refund", "GET", "/merchant_orders", lambda c: c["v2"].refund(REF, None, "k")),
    ("get_payment", "GET", "/v1/payments/7", lambda c: c["payments"].get_payment(7)),
    (
        "search_payments",
        "GET",
        "/v1/payments/search",
        lambda c: c["payments"].search_payments(REF),
    ),
    (
        "refund_payment",
        "POST",
        "/v1/payments/7/refunds",
        lambda c: c["payments"].refund_payment(7, idempotency_key="k-7"),
    ),
    (
        "list_refunds",
        "GET",
        "/v1/payments/7/refunds",
        lambda c: c["payments"].list_refunds(7),
    ),
    (
        "get_merchant_order",
        "GET",
        "/merchant_orders/9",
        lambda c: c["payments"].get_merchant_order(9),
    ),
    (
        "search_merchant_orders",
        "GET",
        "/merchant_orders",
        lambda c: c["payments"].search_merchant_orders(REF),
    ),
]


@pytest.fixture
def clients(mp_server):
    session = mp_server.session()
    return {
        "catalog": CatalogClient(session),
        "orders": OrdersApiClient(session, USER_ID),
        "v2": InstoreV2Client(session, USER_ID),
        "payments": PaymentsClient(session),
    }


@pytest.mark.parametrize(
    ("name", "method", "path", "call"), CALLS, ids=[c[0] for c in CALLS]
)
def test_forbidden_is_an_authentication_error(
    mp_server, clients, name, method, path, call
):
    mp_server.script(method, path, Reply(403, {"message": "forbidden", "status": 403}))
    with pytest.raises(AuthenticationError) as info:
        call(clients)
    assert info.value.status == 403
    assert info.value.attempts == 1
    assert len(mp_server.received) == 1


@pytest.mark.parametrize(
    ("name", "method", "path", "call"), CALLS, ids=[c[0] for c in CALLS]
)
def test_bad_request_is_a_validation_error(
    mp_server, clients, name, method, path, call
):
    body = {
        "message": "bad",
        "error": "bad_request",
        "cause": [{"code": "INVALID_NAME"}],
    }
    mp_server.script(method, path, Reply(400, body))
    with pytest.raises(ValidationError) as info:
        call(clients)
    assert (info.value.code, info.value.field) == ("INVALID_NAME", "name")
    assert len(mp_server.received) == 1
