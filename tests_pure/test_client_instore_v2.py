"""QR orders on legacy in-store v2, merchant orders and payments, over real HTTP."""

import datetime
import json
from decimal import Decimal as D

import pytest
from client_fixtures import USER_ID, Reply

from mercado_pago.errors import NotFoundError, UnavailableError, ValidationError
from mercado_pago.instore_v2 import InstoreV2Client
from mercado_pago.money import ItemLine
from mercado_pago.order_types import QrOrderRequest
from mercado_pago.payments import PaymentsClient

REF = "ODOO-POS1-000042-a1b2"
POS_ID = "SUC001POS001"
BASE = f"/instore/qr/seller/collectors/{USER_ID}"
PUT_PATH = f"{BASE}/stores/SUC001/pos/{POS_ID}/orders"
POS_PATH = f"{BASE}/pos/{POS_ID}/orders"
NOW = 1_750_000_000


def request(**changes):
    values = {
        "external_reference": REF,
        "external_pos_id": POS_ID,
        "external_store_id": "SUC001",
        "total": D("100.00"),
        "currency": "ARS",
        "description": "Ticket 42",
        "items": [ItemLine("Pasta", D(5), D(20), code="KS955RUR")],
        "expires_in_seconds": 600,
        "notification_url": "https://odoo.example.com/mp/ipn?db=prod",
        "title": "Venta Caja 1",
    }
    values.update(changes)
    return QrOrderRequest(**values)


def payment(pid, status="approved", amount=100.0, **extra):
    body = {
        "id": pid,
        "status": status,
        "status_detail": "accredited" if status == "approved" else status,
        "transaction_amount": amount,
        "currency_id": "ARS",
        "external_reference": REF,
    }
    body.update(extra)
    return body


def merchant_order(mid, status, payments, order_status=None):
    return {
        "id": mid,
        "external_reference": REF,
        "status": status,
        "order_status": order_status
        or ("paid" if status == "closed" else "payment_required"),
        "site_id": "MLA",
        "total_amount": 100.0,
        "payments": payments,
    }


def mo_search(*orders):
    return {"elements": list(orders), "total": len(orders), "next_offset": len(orders)}


EMPTY_SEARCH = {"elements": None, "next_offset": 0, "total": 0}


@pytest.fixture
def client(mp_server):
    return InstoreV2Client(mp_server.session(), USER_ID, clock=lambda: NOW)


# -- create ------------------------------------------------------------------


def test_create_puts_the_documented_body_and_returns_pending(mp_server, client):
    mp_server.script("PUT", PUT_PATH, Reply(204))
    state = client.create(request(), "v2-key-1")
    [call] = mp_server.calls("PUT", PUT_PATH)
    assert call.header("x-idempotency-key") is None  # v2 documents no such header
    expires = datetime.datetime.fromtimestamp(NOW + 600, datetime.timezone.utc)
    assert call.json == {
        "external_reference": REF,
        "title": "Venta Caja 1",
        "description": "Ticket 42",
        "expiration_date": expires.isoformat(timespec="milliseconds"),
        "total_amount": 100,
        "items": [
            {
                "title": "Pasta",
                "unit_price": 20,
                "quantity": 5,
                "unit_measure": "unit",
                "total_amount": 100,
                "sku_number": "KS955RUR",
            }
        ],
        "notification_url": "https://odoo.example.com/mp/ipn?db=prod",
    }
    assert call.json["expiration_date"].endswith("+00:00")
    assert (state.status, state.order_id) == ("pending", None)
    assert state.external_reference == REF and state.currency == "ARS"


def test_create_amounts_are_json_numbers_with_two_decimals(mp_server, client):
    mp_server.script("PUT", PUT_PATH, Reply(204))
    lines = [
        ItemLine("Cheese", D("0.5"), D("39.98"), unit_measure="kg"),
        ItemLine("Bread", D(2), D("0.15"), unit_measure="pack"),
    ]
    client.create(request(total=D("20.29"), items=lines), "v2-key-2")
    raw = mp_server.calls("PUT")[0].body.decode()
    assert '"total_amount":20.29' in raw
    body = json.loads(raw)
    assert body["items"][0]["unit_measure"] == "unit"  # kg is not a v2 unit
    assert body["items"][1]["unit_measure"] == "pack"
    assert sum(D(str(i["total_amount"])) for i in body["items"]) == D("20.29")


def test_create_without_store_uses_the_short_path(mp_server, client):
    mp_server.script("PUT", POS_PATH, Reply(204))
    client.create(request(external_store_id=None, notification_url=None), "k")
    assert "notification_url" not in mp_server.calls("PUT")[0].json


def test_create_put_is_retried_because_it_replaces(mp_server, client):
    mp_server.script("PUT", PUT_PATH, Reply(500), Reply(close=True), Reply(204))
    assert client.create(request(), "v2-key-3").status == "pending"
    assert len(mp_server.calls("PUT")) == 3


def test_create_refusals(mp_server, client):
    with pytest.raises(ValidationError) as info:
        client.create(request(mode="dynamic"), "k")
    assert info.value.field == "mode"
    with pytest.raises(ValidationError):
        client.create(request(), "")
    with pytest.raises(ValidationError):
        InstoreV2Client(None, "APP_USR-1")
    assert mp_server.received == []


def test_create_errors(mp_server, client):
    mp_server.script(
        "PUT",
        PUT_PATH,
        Reply(400, {"errorKey": "invalid_total_amount", "message": "bad total"}),
        Reply(404, {"error": "point_of_sale_not_found", "message": "pos not found"}),
    )
    with pytest.raises(ValidationError) as info:
        client.create(request(), "k")
    assert info.value.field == "total_amount"
    with pytest.raises(NotFoundError):
        client.create(request(), "k")


# -- get / find --------------------------------------------------------------


def test_get_closed_merchant_order_is_paid(mp_server, client):
    mo = merchant_order(
        11111, "closed", [payment(221, "rejected"), payment(222, "approved")]
    )
    detail = payment(
        222,
        transaction_amount_refunded=0,
        fee_details=[{"type": "mercadopago_fee", "amount": 3.5}],
    )
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(mo)))
    mp_server.script("GET", "/v1/payments/222", Reply(200, detail))
    state = client.get(REF)
    assert state.status == "paid" and state.money_received
    assert state.paid_amount == D(100)
    assert state.currency == "ARS"
    assert state.operation_number == "222"
    assert state.payment_ids == ["221", "222"]
    assert state.order_id == "11111"
    assert (state.raw_status, state.status_detail) == ("closed", "paid")
    query = mp_server.calls("GET", "/merchant_orders")[0].query
    assert query["external_reference"] == REF


def test_several_merchant_orders_sum_approved_payments_once(mp_server, client):
    opened = merchant_order(1, "opened", [payment(221, "rejected")])
    closed = merchant_order(2, "closed", [payment(222), payment(222)])
    foreign = dict(merchant_order(3, "closed", [payment(999)]), external_reference="X")
    mp_server.script(
        "GET", "/merchant_orders", Reply(200, mo_search(opened, closed, foreign))
    )
    mp_server.script("GET", "/v1/payments/222", Reply(200, payment(222)))
    state = client.get(REF)
    assert state.status == "paid"
    assert state.paid_amount == D(100)
    assert state.order_id == "2"
    assert len(mp_server.calls("GET", "/v1/payments/222")) == 1


@pytest.mark.parametrize(
    ("orders", "status"),
    [
        ([merchant_order(1, "opened", [payment(5, "in_process")])], "pending"),
        ([merchant_order(1, "opened", [payment(5, "pending")])], "pending"),
        ([merchant_order(1, "opened", [payment(4, "rejected")])], "rejected"),
        (
            [
                merchant_order(
                    1, "opened", [payment(4, "rejected"), payment(5, "in_process")]
                )
            ],
            "pending",
        ),
        ([merchant_order(1, "expired", [], order_status="expired")], "expired"),
        # Regression: an expired merchant order keeps its rejected attempts.
        (
            [
                merchant_order(
                    1, "expired", [payment(4, "rejected")], order_status="expired"
                )
            ],
            "expired",
        ),
        ([merchant_order(1, "opened", [])], "pending"),
    ],
)
def test_get_unpaid_states(mp_server, client, orders, status):
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(*orders)))
    state = client.get(REF)
    assert state.status == status
    assert state.paid_amount is None


def test_approved_money_without_closed_order_is_not_paid(mp_server, client):
    mo = merchant_order(1, "opened", [payment(7, amount=60.0)])
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(mo)))
    mp_server.script("GET", "/v1/payments/7", Reply(200, payment(7, amount=60.0)))
    state = client.get(REF)
    assert state.status == "pending"
    assert state.paid_amount == D(60)  # reported so the caller can see it


@pytest.mark.parametrize(
    ("detail", "status", "refunded"),
    [
        (payment(222, transaction_amount_refunded=30.0), "partially_refunded", D(30)),
        (
            payment(222, "refunded", transaction_amount_refunded=100.0),
            "refunded",
            D(100),
        ),
    ],
)
def test_refunded_states(mp_server, client, detail, status, refunded):
    mo = merchant_order(2, "closed", [payment(222, detail["status"])])
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(mo)))
    mp_server.script("GET", "/v1/payments/222", Reply(200, detail))
    state = client.get(REF)
    assert state.status == status
    assert state.refunded_amount == refunded


def test_reverted_order_with_refunded_payment_is_refunded(mp_server, client):
    mo = merchant_order(
        2, "opened", [payment(222, "refunded")], order_status="reverted"
    )
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(mo)))
    mp_server.script(
        "GET",
        "/v1/payments/222",
        Reply(200, payment(222, "refunded", transaction_amount_refunded=100.0)),
    )
    assert client.get(REF).status == "refunded"


def test_no_merchant_order_falls_back_to_payment_search(mp_server, client):
    mp_server.script("GET", "/merchant_orders", Reply(200, EMPTY_SEARCH))
    mp_server.script(
        "GET",
        "/v1/payments/search",
        Reply(200, {"paging": {"total": 1}, "results": [payment(77, "in_process")]}),
    )
    state = client.get(REF)
    assert state.status == "pending" and state.payment_ids == ["77"]
    query = mp_server.calls("GET", "/v1/payments/search")[0].query
    assert query["external_reference"] == REF


def _nothing_yet(mp_server):
    mp_server.script("GET", "/merchant_orders", Reply(200, EMPTY_SEARCH))
    mp_server.script("GET", "/v1/payments/search", Reply(200, {"results": []}))


def test_nothing_yet_and_still_on_the_cashbox_is_pending(mp_server, client):
    _nothing_yet(mp_server)
    mp_server.script(
        "GET", POS_PATH, Reply(200, [{"external_reference": REF, "total_amount": 100}])
    )
    state = client.get(REF, external_pos_id=POS_ID)
    assert state.status == "pending"


def test_nothing_yet_and_gone_from_the_cashbox_is_unknown(mp_server, client):
    _nothing_yet(mp_server)
    mp_server.script(
        "GET",
        POS_PATH,
        Reply(404, {"error": "point_of_sale_in_store_order_not_found"}),
    )
    state = client.get(REF, external_pos_id=POS_ID)
    assert (state.status, state.raw_status) == ("unknown", "not_on_cashbox")


def test_nothing_yet_without_cashbox_is_pending(mp_server, client):
    _nothing_yet(mp_server)
    assert client.get(REF).status == "pending"


def test_merchant_order_search_falls_back_to_search_route(mp_server, client):
    mo = merchant_order(1, "opened", [])
    mp_server.script("GET", "/merchant_orders", Reply(404, {"message": "no route"}))
    mp_server.script("GET", "/merchant_orders/search", Reply(200, mo_search(mo)))
    assert client.get(REF).order_id == "1"


def test_read_errors_propagate(mp_server, client):
    mp_server.script("GET", "/merchant_orders", *[Reply(503)] * 4)
    with pytest.raises(UnavailableError) as info:
        client.get(REF)
    assert info.value.unknown_outcome is False


# -- cancel ------------------------------------------------------------------


def test_cancel_deletes_our_pending_order(mp_server, client):
    mp_server.script("GET", POS_PATH, Reply(200, [{"external_reference": REF}]))
    mp_server.script("DELETE", POS_PATH, Reply(204))
    _nothing_yet(mp_server)
    state = client.cancel(REF, "cancel-key", external_pos_id=POS_ID)
    assert state.status == "canceled"
    assert len(mp_server.calls("DELETE", POS_PATH)) == 1


def test_cancel_after_a_rejected_attempt_is_canceled(mp_server, client):
    """Regression: the DELETE expires the merchant order of the rejected try."""
    mp_server.script("GET", POS_PATH, Reply(200, [{"external_reference": REF}]))
    mp_server.script("DELETE", POS_PATH, Reply(204))
    mo = merchant_order(1, "expired", [payment(4, "rejected")], order_status="expired")
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(mo)))
    state = client.cancel(REF, "cancel-key", external_pos_id=POS_ID)
    assert state.status == "canceled" and state.paid_amount is None
    assert state.order_id == "1"


def test_cancel_leaves_someone_elses_order_alone(mp_server, client):
    mp_server.script("GET", POS_PATH, Reply(200, [{"external_reference": "OTHER"}]))
    mp_server.script(
        "GET",
        "/merchant_orders",
        Reply(200, mo_search(merchant_order(1, "opened", []))),
    )
    state = client.cancel(REF, "cancel-key", external_pos_id=POS_ID)
    assert mp_server.calls("DELETE") == []
    assert state.status == "canceled" and state.order_id == "1"


def test_cancel_after_the_customer_paid_reports_paid(mp_server, client):
    mp_server.script("GET", POS_PATH, Reply(404))
    mo = merchant_order(2, "closed", [payment(222)])
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(mo)))
    mp_server.script("GET", "/v1/payments/222", Reply(200, payment(222)))
    state = client.cancel(REF, "cancel-key", external_pos_id=POS_ID)
    assert mp_server.calls("DELETE") == []
    assert state.status == "paid" and state.paid_amount == D(100)


def test_cancel_delete_404_is_tolerated(mp_server, client):
    mp_server.script("GET", POS_PATH, Reply(200, {"external_reference": REF}))
    mp_server.script("DELETE", POS_PATH, Reply(404))
    _nothing_yet(mp_server)
    assert client.cancel(REF, "k", external_pos_id=POS_ID).status == "canceled"


def test_cancel_needs_the_cashbox(mp_server, client):
    with pytest.raises(ValidationError) as info:
        client.cancel(REF, "k")
    assert info.value.field == "external_pos_id"
    assert mp_server.received == []


# -- refund ------------------------------------------------------------------


def _paid(mp_server, *details):
    mo = merchant_order(2, "closed", [payment(d["id"], d["status"]) for d in details])
    mp_server.script("GET", "/merchant_orders", Reply(200, mo_search(mo)))
    for detail in details:
        mp_server.script("GET", f"/v1/payments/{detail['id']}", Reply(200, detail))


def test_full_refund(mp_server, client):
    _paid(mp_server, payment(222))
    mp_server.script(
        "POST",
        "/v1/payments/222/refunds",
        Reply(
            201, {"id": 9001, "payment_id": 222, "amount": 100.0, "status": "approved"}
        ),
    )
    result = client.refund(REF, None, "refund-key")
    [call] = mp_server.calls("POST")
    assert call.body == b"" and call.header("x-idempotency-key") == "refund-key"
    assert result.refund_ids == ["9001"]
    assert result.amount == D(100)
    assert result.status == "approved"


def test_partial_refund_sends_a_number(mp_server, client):
    _paid(mp_server, payment(222))
    mp_server.script(
        "POST",
        "/v1/payments/222/refunds",
        Reply(201, {"id": 9002, "amount": 24.9, "status": "in_process"}),
    )
    result = client.refund(REF, D("24.90"), "refund-key")
    call = mp_server.calls("POST")[0]
    assert call.body == b'{"amount":24.9}'
    assert result.amount == D("24.9") and result.status == "pending"


def test_refund_of_a_double_payment_uses_one_key_per_payment(mp_server, client):
    _paid(mp_server, payment(222), payment(223))
    mp_server.script(
        "POST",
        "/v1/payments/222/refunds",
        Reply(201, {"id": 1, "amount": 100.0, "status": "approved"}),
    )
    mp_server.script(
        "POST",
        "/v1/payments/223/refunds",
        Reply(201, {"id": 2, "amount": 100.0, "status": "approved"}),
    )
    result = client.refund(REF, None, "refund-key")
    keys = [c.header("x-idempotency-key") for c in mp_server.calls("POST")]
    assert keys[0] == "refund-key"
    assert keys[1] != "refund-key" and 1 <= len(keys[1]) <= 64
    assert result.refund_ids == ["1", "2"] and result.amount == D(200)


def test_full_refund_retry_after_success_refunds_nothing_twice(mp_server, client):
    refunds = [{"id": 9001, "amount": 100.0, "status": "approved"}]
    _paid(
        mp_server,
        payment(222, "refunded", transaction_amount_refunded=100.0, refunds=refunds),
    )
    result = client.refund(REF, None, "refund-key")
    assert mp_server.calls("POST") == []
    assert result.refund_ids == ["9001"] and result.status == "approved"


def test_refund_without_an_approved_payment(mp_server, client):
    _nothing_yet(mp_server)
    with pytest.raises(ValidationError):
        client.refund(REF, None, "refund-key")


# -- payments client ---------------------------------------------------------


def test_payments_client_calls(mp_server):
    payments = PaymentsClient(mp_server.session())
    mp_server.script("GET", "/v1/payments/222", Reply(200, payment(222)))
    mp_server.script(
        "GET",
        "/v1/payments/search",
        Reply(200, {"paging": {"total": 1}, "results": [payment(222)]}),
    )
    mp_server.script(
        "GET", "/v1/payments/222/refunds", Reply(200, [{"id": 1}]), Reply(200, {})
    )
    mp_server.script("GET", "/merchant_orders/11111", Reply(200, {"id": 11111}))
    assert payments.get_payment(222)["id"] == 222
    assert payments.search_payments(REF)[0]["id"] == 222
    query = mp_server.calls("GET", "/v1/payments/search")[0].query
    assert query["external_reference"] == REF
    assert payments.list_refunds("222") == [{"id": 1}]
    assert payments.list_refunds("222") == []
    assert payments.get_merchant_order(11111) == {"id": 11111}


def test_payments_client_refusals(mp_server):
    payments = PaymentsClient(mp_server.session())
    with pytest.raises(ValueError):
        payments.refund_payment(222, D(5), idempotency_key="k")
    with pytest.raises(ValidationError):
        payments.refund_payment(222, D(0), currency="ARS", idempotency_key="k")
    with pytest.raises(ValidationError):
        payments.get_payment("PAY01")
    with pytest.raises(ValidationError):
        payments.refund_payment(222, None, idempotency_key="")
    mp_server.script("GET", "/v1/payments/1", Reply(404, {"message": "not found"}))
    with pytest.raises(NotFoundError):
        payments.get_payment(1)
    assert len(mp_server.received) == 1


def test_payment_refund_partial_in_cop_is_an_integer(mp_server):
    payments = PaymentsClient(mp_server.session())
    mp_server.script("POST", "/v1/payments/5/refunds", Reply(201, {"id": 3}))
    payments.refund_payment(5, D("1500.5"), currency="COP", idempotency_key="k")
    assert mp_server.calls("POST")[0].body == b'{"amount":1501}'
