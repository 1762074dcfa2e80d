"""QR orders on the Orders API: body, states, cancel, refund, errors."""

from decimal import Decimal as D

import pytest
from client_fixtures import USER_ID, Reply
from conformance.examples_notifications import W1

from mercado_pago.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    UnavailableError,
    ValidationError,
)
from mercado_pago.money import ItemLine
from mercado_pago.order_types import (
    QrOrderRequest,
    QrOrderState,
    iso_duration,
    refund_status,
)
from mercado_pago.orders_api import OrdersApiClient, state_from_order

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
    return OrdersApiClient(mp_server.session(), USER_ID)


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
    """CLP amounts are sent as "1500.00": the Create order – QR Code reference
    (HTML) requires two decimals "even if it is a whole number", its Markdown
    variant allows "two decimal places or none" (developers/en/reference/
    in-person-payments/qr-code/orders/create-order/post)."""
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
    assert body["total_amount"] == "1500.00"
    assert body["transactions"]["payments"][0]["amount"] == "1500.00"
    assert body["items"][0]["unit_price"] == "500.00"
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
    assert mp_server.calls("POST")[0].json["transactions"][0]["amount"] == "10.00"
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


# -- published bodies (issue #14) ----------------------------------------------------

# The data of the QR order.processed webhook, as the conformance suite keeps it.
W1_ORDER = W1["data"]


def test_operation_number_from_reference_object():
    """The QR order.processed webhook carries ``reference: {"id": "92937960454"}``
    (https://www.mercadopago.com.br/developers/pt/docs/qr-code/notifications);
    the receipt's operation number is that id."""
    state = state_from_order(W1_ORDER)
    assert state.status == "paid" and state.paid_amount == D("30.00")
    assert state.operation_number == "92937960454"
    assert state.payment_ids == ["PAY01JV3AW3NFSTSTB669F4JSAA6C"]
    assert state.currency is None


def test_operation_number_from_reference_id():
    """The SDKs' order models read ``reference_id`` (sdk-nodejs src/clients/order/
    commonTypes.ts, sdk-go pkg/order/response.go; sdk-php tests/MercadoPago/
    Resources/Mocks/Response/Order/get_order_response.json: "0001ozsb5o"); it
    wins when both are there."""
    payment = dict(W1_ORDER["transactions"]["payments"][0], reference_id="0001ozsb5o")
    body = dict(W1_ORDER, transactions={"payments": [payment]})
    assert state_from_order(body).operation_number == "0001ozsb5o"
    del payment["reference"]
    assert state_from_order(body).operation_number == "0001ozsb5o"
    # neither: the payment method's reference, then the payment id
    payment.pop("reference_id")
    assert state_from_order(body).operation_number == "PAY01JV3AW3NFSTSTB669F4JSAA6C"
    payment["reference"] = {"id": None}
    payment["payment_method"] = {"id": "visa", "reference_id": "777"}
    assert state_from_order(body).operation_number == "777"


def test_point_order_amounts_without_decimals():
    """Point's order.processed webhook publishes ``"total_paid_amount": "120"``
    and no total_amount (https://www.mercadopago.com.mx/developers/es/docs/
    mp-point/notifications)."""
    payment = dict(
        W1_ORDER["transactions"]["payments"][0],
        amount="120",
        paid_amount="120",
        reference={"id": "123456789980"},
    )
    body = dict(W1_ORDER, total_paid_amount="120", transactions={"payments": [payment]})
    del body["total_amount"]
    state = state_from_order(body)
    assert state.paid_amount == D(120) and state.operation_number == "123456789980"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("expired", "expired"), ("canceled", "canceled")],
)
def test_final_orders_without_transactions(status, expected):
    """Expired and canceled QR orders carry no ``transactions`` (tabs Expirada and
    Cancelada of docs/qr-code/notifications, pt)."""
    body = {
        "external_reference": "ER_123456",
        "id": "ORD01JV391F8YM8EDEAG8CWZ0GM0N",
        "status": status,
        "status_detail": status,
        "total_amount": "30.00",
        "type": "qr",
        "version": 2,
    }
    state = state_from_order(body)
    assert state.status == expected and state.payment_ids == []
    assert state.operation_number is None and state.paid_amount is None


def test_refunded_webhook_data_without_transactions():
    """order.refunded carries total_paid_amount but no transactions (tab
    Reembolsada of docs/qr-code/notifications, pt)."""
    body = {
        "id": "ORD01JV3AW7R6WME2XT0KZRX7HVS6",
        "status": "refunded",
        "status_detail": "refunded",
        "total_amount": "30.00",
        "total_paid_amount": "30.00",
        "version": 3,
    }
    state = state_from_order(body)
    assert state.status == "refunded" and state.paid_amount == D("30.00")


@pytest.mark.parametrize(
    "code",
    ["order_already_canceled", "instore_order_locked_error"],
)
@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("paid", "paid"),
        ("created", "pending"),
        ("expired", "expired"),
        ("canceled", "canceled"),
    ],
)
def test_cancel_conflicts_reread_the_order(mp_server, client, code, remote, expected):
    """The QR "Cancel order" reference: 409 ``order_already_canceled`` (the order
    is not "created" any more) and 409 ``instore_order_locked_error`` ("Cannot
    cancel an order while payment is in progress.")
    (developers/en/reference/in-person-payments/qr-code/orders/cancel-order/post).
    The cancel does not fail: it reports the order's real state, paid first."""
    mp_server.script(
        "POST",
        f"/v1/orders/{ORDER_ID}/cancel",
        Reply(409, {"errors": [{"code": code, "message": "conflict"}]}),
    )
    body = PAID if remote == "paid" else order(remote)
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, body))
    state = client.cancel(ORDER_ID, "cancel-key")
    assert state.status == expected
    assert len(mp_server.calls("POST")) == 1  # a conflict is not retried


# Refund answers: a partial order (id, status, status_detail, transactions.refunds).
_R1 = {
    "id": "ORD0000ABCD222233334444555566",
    "status": "refunded",
    "status_detail": "refunded",
    "transactions": {
        "refunds": [
            {
                "id": "REF01J67CQQH5904WDBVZEM1234D",
                "transaction_id": "PAY01J67CQQH5904WDBVZEM4JMEP3",
                "reference_id": "12345678",
                "amount": "38.00",
                "status": "processed",
            }
        ]
    },
}
_R2 = {
    "id": "ORD01J49MMW3SSBK5PSV3DFR32959",
    "status": "processed",
    "status_detail": "partially_refunded",
    "transactions": {
        "refunds": [
            {
                "id": "REF01J49MMW3SSBK5PSV3DFR32959",
                "transaction_id": "PAY01JEVQM06WDW16MAQ8B5SC0MSC",
                "reference_id": "12345678",
                "amount": "24.90",
                "status": "processed",
            }
        ]
    },
}


def _sdk_refund(order_id, status, detail, refund_id, pay_id, reference, amount):
    return {
        "id": order_id,
        "status": status,
        "status_detail": detail,
        "transactions": {
            "refunds": [
                {
                    "id": refund_id,
                    "transaction_id": pay_id,
                    "reference_id": reference,
                    "amount": amount,
                    "status": "processed",
                }
            ]
        },
    }


_FULL, _PART = ("refunded", "refunded"), ("processed", "partially_refunded")
_R3 = _sdk_refund(
    "01JDWHNG2GR2WHGBMRFX126YBC",
    *_FULL,
    "ref_01JDWHPXYC42ESJ40V4D3SMHW1",
    "pay_01JDWHNG2GR2WHGBMRFY7HP5ZB",
    "01JDWHPX7WMAVAQG5546553QDW",
    "100.00",
)
_R4 = _sdk_refund(
    "01JDWMFW1WQK1YJR6SJFW7KND5",
    *_PART,
    "ref_01JDWMHTXPBT4117BVGAWV29HG",
    "pay_01JDWMFW1WQK1YJR6SJHYTY0MY",
    "01JDWMHS78C51NMZ1J7V2MF8HM",
    "25.00",
)
_R5 = _sdk_refund(
    "01JCK2RRKV10XVTEBJR598QH9Z",
    *_FULL,
    "ref_01JCK2SDVFSJGY54AMJCDR9X7R",
    "pay_01JCK2RRKV10XVTEBJR6W4CC18",
    "01JCK2SD3HC5GVDXSZK4926SAW",
    "200.00",
)
_R6 = _sdk_refund(
    "01JCK7NYARQB4J3RN0SX6SSB2C",
    *_PART,
    "ref_01JCK7R5R73JCYXRCKFH7MJR9K",
    "pay_01JCK7NYARQB4J3RN0SX81MCPM",
    "01JCK7R50JP8NRMKC51R6B460C",
    "100.00",
)
_R7 = _sdk_refund(
    "01JE6EZVK4FGMM4AYVQF23K17B",
    *_FULL,
    "ref_01JE6F05C365ADF8JSJ3W92FJ5",
    "pay_01JE6EZVK4FGMM4AYVQGSGDG9W",
    "01JE6F04N2RE5KEAK4HYYPJ4AK",
    "100.00",
)
_R7_PARTIAL = _sdk_refund(
    "01JE6T2CWF7FDDD08HJNXBKM37",
    *_PART,
    "ref_01JE6T3H34FJBXF8K70RAMFYA1",
    "pay_01JE6T2CWF7FDDD08HJS8DTAXR",
    "01JE6T3GB9RHDXXXAQX41864R6",
    "25.00",
)


@pytest.mark.parametrize("http_status", [201, 200])
@pytest.mark.parametrize(
    ("answer", "state"),
    [
        pytest.param(_R1, "refunded", id="R1-qr-guide-total"),
        pytest.param(_R2, "partially_refunded", id="R2-qr-guide-partial"),
        pytest.param(_R3, "refunded", id="R3-sdk-php-order_refund_total"),
        pytest.param(_R4, "partially_refunded", id="R4-sdk-php-order_refund_partial"),
        pytest.param(_R5, "refunded", id="R5-sdk-java-create_refund_total"),
        pytest.param(_R6, "partially_refunded", id="R6-sdk-java-create_refund_partial"),
        pytest.param(_R7, "refunded", id="R7-sdk-node-refund.spec-total"),
        pytest.param(_R7_PARTIAL, "partially_refunded", id="R7-sdk-node-partial"),
    ],
)
def test_published_refund_answers(mp_server, client, http_status, answer, state):
    """POST /v1/orders/{id}/refund answers a partial order: id, status,
    status_detail, transactions.refunds[{id, transaction_id, reference_id,
    amount, status}], with no currency nor payments. Sources: QR guide
    "Reembolso total"/"Reembolso parcial" (developers/es/docs/qr-code/
    payment-processing); sdk-php tests/MercadoPago/Resources/Mocks/Response/
    Order/order_refund_total.json and order_refund_partial.json (served with
    201); sdk-java src/test/java/com/mercadopago/resources/mocks/response/order/
    create_refund_total_response.json and create_refund_partial_response.json;
    sdk-nodejs src/clients/order/refund/refund.spec.ts (201). Point's refund
    reference answers 200 (developers/en/reference/in-person-payments/point/
    orders/refund-order/post): both are success."""
    [refund] = answer["transactions"]["refunds"]
    path = f"/v1/orders/{answer['id']}/refund"
    mp_server.script("POST", path, Reply(http_status, answer))
    amount = None if state == "refunded" else D(refund["amount"])
    result = client.refund(
        answer["id"],
        amount,
        "refund-key",
        payment_id=refund["transaction_id"],
        currency="BRL",
    )
    assert result.refund_ids == [refund["id"]]
    assert result.amount == D(refund["amount"])
    assert result.status == "approved"  # "processed"
    assert result.state.status == state
    assert mp_server.calls("GET") == []  # nothing else was needed


def test_refund_processing_is_pending_and_read_later(mp_server, client):
    """Point's refund reference lists ``processing`` ("The total refund was
    successfully requested and is being processed.") besides the guides'
    ``processed``: pending until a later read says processed."""
    answer = dict(_R1)
    answer["transactions"] = {
        "refunds": [dict(_R1["transactions"]["refunds"][0], status="processing")]
    }
    mp_server.script("POST", f"/v1/orders/{ORDER_ID}/refund", Reply(201, answer))
    result = client.refund(ORDER_ID, None, "refund-key")
    assert result.status == "pending"
    assert result.refund_ids == ["REF01J67CQQH5904WDBVZEM1234D"]
    mp_server.script("GET", f"/v1/orders/{ORDER_ID}", Reply(200, _R1))
    assert client.refund_status(ORDER_ID, result.refund_ids) == "approved"


def test_refund_answer_without_refunds_or_as_a_refund(mp_server, client):
    """A bare partial order (status only) and sdk-python's synthetic answer
    (tests/resources/mocks/order_refund.json: the refund itself) are read too."""
    path = f"/v1/orders/{ORDER_ID}/refund"
    mp_server.script(
        "POST",
        path,
        Reply(201, {"id": ORDER_ID, "status": "refunded", "status_detail": "refunded"}),
        Reply(
            201,
            {
                "id": "refund-01JKXTQ2-001",
                "status": "approved",
                "amount": "1000.00",
                "date_created": "2025-01-01T00:00:00Z",
            },
        ),
        Reply(201, body=b""),
    )
    result = client.refund(ORDER_ID, None, "k1")
    assert (result.status, result.refund_ids, result.amount) == ("approved", [], None)
    result = client.refund(ORDER_ID, None, "k2")
    assert result.status == "approved" and result.refund_ids == ["refund-01JKXTQ2-001"]
    assert result.amount == D("1000.00")
    result = client.refund(ORDER_ID, None, "k3")
    assert result.status == "pending" and result.refund_ids == []


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("refund_amount_exceeds", ValidationError),
        ("invalid_path_param", ValidationError),
        ("in_store_payment_refund_order", ValidationError),
        # the order forbids a partial refund: a conflict with its state
        ("unsupported_partially_refunds", ConflictError),
    ],
)
def test_refund_refusals_are_typed(mp_server, client, code, cls):
    """400 codes of the QR "Refund errors" page (developers/en/docs/qr-code/
    resources/refund-errors), code kept on the error, never retried."""
    mp_server.script(
        "POST",
        f"/v1/orders/{ORDER_ID}/refund",
        Reply(400, {"errors": [{"code": code, "message": "refused"}]}),
    )
    with pytest.raises(cls) as info:
        client.refund(ORDER_ID, D(5), "k", payment_id=PAY_ID, currency="ARS")
    assert info.value.code == code and info.value.status == 400
    assert len(mp_server.calls("POST")) == 1


# -- search --------------------------------------------------------------------------
