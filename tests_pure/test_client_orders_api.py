"""QR orders on the Orders API: body, states, cancel, refund, find, errors."""

from decimal import Decimal as D

import pytest
from client_fixtures import USER_ID, Reply

from mercado_pago import (
    AuthenticationError,
    ConflictError,
    InstoreV2Client,
    ItemLine,
    NotFoundError,
    OrdersApiClient,
    QrOrderRequest,
    QrOrdersApi,
    QrOrderState,
    UnavailableError,
    ValidationError,
    qr_orders_client,
)
from mercado_pago.order_types import iso_duration, refund_status

ORDER_ID = "ORD01K371WBFDS4MD9JG0K8ZMECBE"
PAY_ID = "PAY01K371WBFDS4MD9JG0KCV6PRKQ"


def request(**changes):
    values = {
        "external_reference": "ODOO-POS1-000042-a1b2",
        "external_pos_id": "SUC001POS001",
        "external_store_id": "SUC001",
        "total": D("50.00"),
        "currency": "ARS",
        "description": "Venta Caja 1",
        "items": [ItemLine("Pasta", D(2), D("25.00"), code="KS955RUR")],
        "expires_in_seconds": 600,
    }
    values.update(changes)
    return QrOrderRequest(**values)


def order(status="created", detail=None, **extra):
    body = {
        "id": ORDER_ID,
        "type": "qr",
        "external_reference": "ODOO-POS1-000042-a1b2",
        "total_amount": "50.00",
        "status": status,
        "status_detail": detail or status,
        "currency": "ARS",
        "transactions": {
            "payments": [
                {
                    "id": PAY_ID,
                    "amount": "50.00",
                    "status": "processed" if status == "processed" else "created",
                    "status_detail": "accredited",
                }
            ]
        },
        "config": {"qr": {"external_pos_id": "SUC001POS001", "mode": "static"}},
    }
    body.update(extra)
    return body


@pytest.fixture
def client(mp_server):
    return OrdersApiClient(mp_server.session(), USER_ID, clock=lambda: 1_750_000_000)


def test_create_sends_the_documented_body(mp_server, client):
    mp_server.script("POST", "/v1/orders", Reply(201, order()))
    state = client.create(request(), "3f0e2c9a-key")
    [call] = mp_server.calls("POST", "/v1/orders")
    assert call.header("x-idempotency-key") == "3f0e2c9a-key"
    assert call.json == {
        "type": "qr",
        "external_reference": "ODOO-POS1-000042-a1b2",
        "total_amount": "50.00",
        "expiration_time": "PT10M",
        "config": {"qr": {"external_pos_id": "SUC001POS001", "mode": "static"}},
        "transactions": {"payments": [{"amount": "50.00"}]},
        "items": [
            {
                "title": "Pasta",
                "unit_price": "25.00",
                "quantity": 2,
                "unit_measure": "unit",
                "external_code": "KS955RUR",
            }
        ],
        "description": "Venta Caja 1",
    }
    assert state == QrOrderState(
        api="orders",
        order_id=ORDER_ID,
        status="pending",
        raw_status="created",
        status_detail="created",
        currency="ARS",
        payment_ids=[PAY_ID],
        operation_number=PAY_ID,
        external_reference="ODOO-POS1-000042-a1b2",
    )
    assert not state.money_received and not state.is_final


def test_create_clp_amounts_and_platform_id(mp_server):
    client = OrdersApiClient(mp_server.session(platform_id="dev_odoo"), USER_ID)
    mp_server.script("POST", "/v1/orders", Reply(201, order(currency="CLP")))
    req = request(
        total=D(1500),
        currency="CLP",
        items=[ItemLine("Empanada", D(3), D(500))],
        expires_in_seconds=90,
    )
    client.create(req, "key-clp")
    body = mp_server.calls("POST")[0].json
    assert body["total_amount"] == "1500"
    assert body["transactions"]["payments"][0]["amount"] == "1500"
    assert body["items"][0]["unit_price"] == "500"
    assert body["expiration_time"] == "PT1M30S"
    assert body["integration_data"] == {"platform_id": "dev_odoo"}


def test_create_folds_to_ten_items(mp_server, client):
    mp_server.script("POST", "/v1/orders", Reply(201, order()))
    lines = [
        ItemLine(f"P{n}", D(1), D("5.00"), unit_measure="Kilogrammes")
        for n in range(14)
    ]
    client.create(request(total=D("70.00"), items=lines), "key-fold")
    items = mp_server.calls("POST")[0].json["items"]
    assert len(items) == 10
    assert items[-1]["title"] == "Other items" and items[-1]["unit_price"] == "25.00"
    assert items[0]["unit_measure"] == "kilogramme"  # lowercased, max 10 chars
    total = sum(D(i["unit_price"]) * i["quantity"] for i in items)
    assert total == D("70.00")


def test_create_hybrid_returns_qr_data(mp_server, client):
    answer = order(type_response={"qr_data": "00020101021243650016COM.MERCADOLIBRE"})
    answer["config"]["qr"]["mode"] = "hybrid"
    mp_server.script("POST", "/v1/orders", Reply(201, answer))
    state = client.create(request(mode="hybrid"), "key-hybrid")
    assert mp_server.calls("POST")[0].json["config"]["qr"]["mode"] == "hybrid"
    assert state.qr_data.startswith("000201")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_reference": "bad ref/1"}, "external_reference"),
        ({"external_pos_id": "SUC-001"}, "external_pos_id"),
        ({"external_store_id": "SUC 001"}, "external_store_id"),
        ({"total": D(0)}, "total_amount"),
        ({"total": D("50.005")}, "total_amount"),
        ({"currency": "USD"}, "currency"),
        ({"mode": "dynamicish"}, "mode"),
        ({"expires_in_seconds": 29}, "expiration_time"),
        ({"expires_in_seconds": 3600 * 3600 + 1}, "expiration_time"),
        ({"expires_in_seconds": 60.0}, "expiration_time"),
    ],
)
def test_create_refuses_before_sending(mp_server, client, changes, field):
    with pytest.raises(ValidationError) as info:
        client.create(request(**changes), "key")
    assert info.value.field == field
    assert mp_server.received == []


def test_create_needs_an_idempotency_key(mp_server, client):
    with pytest.raises(ValidationError):
        client.create(request(), None)
    with pytest.raises(TypeError):
        client.create(request(items=[("x", 1, 1)]), "key")
    assert mp_server.received == []


@pytest.mark.parametrize(
    ("status", "body", "cls", "code", "field"),
    [
        (
            404,
            {
                "errors": [
                    {"code": "pos_not_found", "message": "Point of sale not found"}
                ]
            },
            NotFoundError,
            "pos_not_found",
            "config.qr.external_pos_id",
        ),
        (
            400,
            {
                "errors": [
                    {
                        "code": "property_value",
                        "message": "invalid value",
                        "details": ["property 'expiration_time' is invalid"],
                    }
                ]
            },
            ValidationError,
            "property_value",
            "expiration_time",
        ),
        (
            400,
            {"errors": [{"code": "unsupported_site", "message": "site not supported"}]},
            ValidationError,
            "unsupported_site",
            None,
        ),
        (
            409,
            {"errors": [{"code": "idempotency_key_already_used", "message": "used"}]},
            ConflictError,
            "idempotency_key_already_used",
            None,
        ),
        (
            401,
            {"errors": [{"code": "unauthorized", "message": "no"}]},
            AuthenticationError,
            "unauthorized",
            None,
        ),
    ],
)
def test_create_errors(mp_server, client, status, body, cls, code, field):
    mp_server.script("POST", "/v1/orders", Reply(status, body))
    with pytest.raises(cls) as info:
        client.create(request(), "key-err")
    assert (info.value.code, info.value.field) == (code, field)
    assert len(mp_server.received) == 1


def test_create_server_errors_retry_with_the_same_key(mp_server, client):
    mp_server.script("POST", "/v1/orders", Reply(500), Reply(502), Reply(201, order()))
    assert client.create(request(), "key-5xx").order_id == ORDER_ID
    keys = {c.header("x-idempotency-key") for c in mp_server.calls("POST")}
    assert keys == {"key-5xx"}


# -- reading -----------------------------------------------------------------


PAID = order(
    "processed",
    "accredited",
    total_paid_amount="50.00",
    version=3,
    transactions={
        "payments": [
            {
                "id": PAY_ID,
                "amount": "50.00",
                "paid_amount": "50.00",
                "reference_id": "98765432101",
                "status": "processed",
                "status_detail": "accredited",
            }
        ]
    },
)


@pytest.mark.parametrize(
    ("body", "status", "paid", "refunded"),
    [
        (order("created"), "pending", None, D(0)),
        (order("in_process", "in_process"), "pending", None, D(0)),  # interoperable QR
        (order("processing"), "pending", None, D(0)),
        (order("action_required"), "pending", None, D(0)),
        (PAID, "paid", D("50.00"), D(0)),
        (
            order("processed", "processed", total_paid_amount="50.00"),
            "paid",
            D("50.00"),
            D(0),
        ),
        (
            dict(
                PAID,
                status_detail="partially_refunded",
                transactions=dict(
                    PAID["transactions"],
                    refunds=[
                        {"id": "REF1", "amount": "20.00", "status": "processed"},
                        {"id": "REF0", "amount": "5.00", "status": "failed"},
                    ],
                ),
            ),
            "partially_refunded",
            D("50.00"),
            D("20.00"),
        ),
        (
            dict(
                PAID,
                status="refunded",
                status_detail="refunded",
                transactions=dict(
                    PAID["transactions"],
                    refunds=[{"id": "REF1", "amount": "50.00", "status": "processed"}],
                ),
            ),
            "refunded",
            D("50.00"),
            D("50.00"),
        ),
        (order("expired"), "expired", None, D(0)),
        (order("canceled"), "canceled", None, D(0)),
        (order("failed"), "rejected", None, D(0)),
        (order("something_new"), "unknown", None, D(0)),
    ],
)
def test_get_maps_statuses(mp_server, client, body, status, paid, refunded):
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, body))
    state = client.get(ORDER_ID)
    assert state.status == status
    assert state.paid_amount == paid
    assert state.refunded_amount == refunded
    assert state.raw_status == body["status"]


def test_get_paid_reports_amount_currency_operation_and_version(mp_server, client):
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, PAID))
    state = client.get(ORDER_ID)
    assert state.money_received and state.is_final
    assert (state.paid_amount, state.currency) == (D("50.00"), "ARS")
    assert state.operation_number == "98765432101"
    assert state.payment_ids == [PAY_ID]
    assert state.version == 3
    assert state.fee_amount is None


def test_get_paid_without_total_paid_amount_sums_payments(mp_server, client):
    body = order("processed", "accredited")
    body["transactions"]["payments"][0]["payment_method"] = {"reference_id": "555"}
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, body))
    state = client.get(ORDER_ID)
    assert state.paid_amount == D("50.00")
    assert state.operation_number == "555"


def test_get_errors(mp_server, client):
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(404, {"message": "nf"}))
    with pytest.raises(NotFoundError):
        client.get(ORDER_ID)
    with pytest.raises(ValidationError):
        client.get("ORD/../../users/me")


def test_find_by_external_reference(mp_server, client):
    mp_server.script(
        "GET",
        "/v1/orders",
        Reply(200, {"data": [dict(order(), external_reference="other"), PAID]}),
        Reply(200, {"data": []}),
        Reply(404, {"message": "not found"}),
    )
    state = client.find("ODOO-POS1-000042-a1b2")
    assert state.status == "paid" and state.order_id == ORDER_ID
    query = mp_server.calls("GET", "/v1/orders")[0].query
    assert query["external_reference"] == "ODOO-POS1-000042-a1b2"
    assert query["begin_date"] < query["end_date"]
    assert query["end_date"].endswith("Z")
    assert client.find("ODOO-POS1-000042-a1b2") is None
    assert client.find("ODOO-POS1-000042-a1b2") is None
    with pytest.raises(ValidationError):
        client.find("bad ref")


# -- cancel ------------------------------------------------------------------


def test_cancel(mp_server, client):
    path = f"/v1/orders/{ORDER_ID}/cancel"
    mp_server.script("POST", path, Reply(500), Reply(200, order("canceled")))
    state = client.cancel(ORDER_ID, "cancel-key")
    assert state.status == "canceled"
    calls = mp_server.calls("POST", path)
    assert [c.header("x-idempotency-key") for c in calls] == ["cancel-key"] * 2
    assert calls[0].body == b""


def test_cancel_conflict_rereads_and_reports_paid(mp_server, client):
    mp_server.script(
        "POST",
        f"/v1/orders/{ORDER_ID}/cancel",
        Reply(409, {"errors": [{"code": "order_status_conflict", "message": "x"}]}),
    )
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, PAID))
    state = client.cancel(ORDER_ID, "cancel-key")
    assert state.status == "paid"  # the customer was faster: nothing is lost
    assert state.paid_amount == D("50.00")


def test_cancel_with_odd_answer_rereads(mp_server, client):
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/cancel", Reply(200, body=b""))
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, order("canceled")))
    assert client.cancel(ORDER_ID, "cancel-key").status == "canceled"


def test_cancel_errors_propagate(mp_server, client):
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/cancel", Reply(404))
    with pytest.raises(NotFoundError):
        client.cancel(ORDER_ID, "cancel-key")
    with pytest.raises(ValidationError):
        client.cancel(ORDER_ID, "")


# -- refund ------------------------------------------------------------------


REFUNDED = dict(
    PAID,
    status="refunded",
    status_detail="refunded",
    transactions=dict(
        PAID["transactions"],
        refunds=[{"id": "REF01", "amount": "50.00", "status": "processed"}],
    ),
)


def test_full_refund_has_no_body(mp_server, client):
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/refund", Reply(201, REFUNDED))
    result = client.refund(ORDER_ID, None, "refund-key")
    [call] = mp_server.calls("POST")
    assert call.body == b"" and call.header("x-idempotency-key") == "refund-key"
    assert result.refund_ids == ["REF01"]
    assert result.amount == D("50.00")
    assert result.status == "approved"
    assert result.state.status == "refunded"


def test_refund_reports_only_its_own_refund(mp_server, client):
    """Regression: the answer lists every refund of the order, not just ours."""
    answer = dict(
        REFUNDED,
        transactions=dict(
            PAID["transactions"],
            refunds=[
                {"id": "REF01", "amount": "20.00", "status": "processed"},
                {"id": "REF02", "amount": "30.00", "status": "processed"},
            ],
        ),
    )
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/refund", Reply(201, answer))
    result = client.refund(ORDER_ID, None, "refund-key-4")
    assert result.refund_ids == ["REF02"]
    assert result.amount == D("30.00")
    assert result.status == "approved"
    assert result.state.refunded_amount == D("50.00")


def test_partial_refund_names_the_payment(mp_server, client):
    partial = dict(
        PAID,
        status_detail="partially_refunded",
        transactions=dict(
            PAID["transactions"],
            refunds=[{"id": "REF02", "amount": "24.90", "status": "processing"}],
        ),
    )
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, PAID))
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/refund", Reply(201, partial))
    result = client.refund(ORDER_ID, D("24.90"), "refund-key-2")
    body = mp_server.calls("POST")[0].json
    assert body == {"transactions": [{"id": PAY_ID, "amount": "24.90"}]}
    assert result.amount == D("24.90")
    assert result.status == "pending"
    assert result.state.status == "partially_refunded"


def test_partial_refund_with_known_payment_skips_the_read(mp_server, client):
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/refund", Reply(201, PAID))
    result = client.refund(
        ORDER_ID, "10", "refund-key-3", payment_id=PAY_ID, currency="CLP"
    )
    assert mp_server.calls("GET") == []
    assert mp_server.calls("POST")[0].json["transactions"][0]["amount"] == "10"
    assert result.status == "pending" and result.refund_ids == []


def test_refund_refusals_and_errors(mp_server, client):
    with pytest.raises(ValidationError):
        client.refund(ORDER_ID, D(0), "k")
    mp_server.script(
        "GET", f"/v1/orders/{ORDER_ID}", Reply(200, order(transactions={}))
    )
    with pytest.raises(ValidationError):
        client.refund(ORDER_ID, D(5), "k")
    mp_server.script(
        "POST",
        f"/v1/orders/{ORDER_ID}/refund",
        Reply(409, {"errors": [{"code": "order_not_refundable", "message": "no"}]}),
    )
    with pytest.raises(ConflictError):
        client.refund(ORDER_ID, None, "k")


def test_refund_outage_is_unknown_outcome(mp_server):
    client = OrdersApiClient(mp_server.session(max_attempts=2), USER_ID)
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/refund", Reply(503), Reply(503))
    with pytest.raises(UnavailableError) as info:
        client.refund(ORDER_ID, None, "refund-key")
    assert info.value.unknown_outcome is True


# -- interface ---------------------------------------------------------------


def test_factory_and_protocol(mp_server):
    session = mp_server.session()
    orders = qr_orders_client("orders", session, USER_ID)
    legacy = qr_orders_client("v2", session, USER_ID)
    assert isinstance(orders, OrdersApiClient) and orders.api == "orders"
    assert isinstance(legacy, InstoreV2Client) and legacy.api == "v2"
    assert isinstance(orders, QrOrdersApi) and isinstance(legacy, QrOrdersApi)
    with pytest.raises(ValueError):
        qr_orders_client("v3", session, USER_ID)


def test_helpers():
    assert iso_duration(600) == "PT10M"
    assert iso_duration(3690) == "PT1H1M30S"
    assert iso_duration(30) == "PT30S"
    assert iso_duration(0) == "PT0S"
    assert refund_status([]) == "pending"
    assert refund_status(["approved", "processed"]) == "approved"
    assert refund_status(["rejected", "failed"]) == "rejected"
    assert refund_status(["approved", "rejected"]) == "pending"
    assert refund_status(["approved", "in_process"]) == "pending"
