"""In-store orders v2, merchant orders, payments and payment refunds, stores and
POS, as published. Each case: the emulator answers as the example shows; the
client reads the example into the same outcome. Sources: each ``source``
(devsite-docs reference/api-json/*.json, official SDK fixtures)."""

import copy
from decimal import Decimal

import pytest
from client_fixtures import Reply

from mercado_pago.catalog import CatalogClient, pos_payload
from mercado_pago.instore_v2 import InstoreV2Client
from mercado_pago.order_types import PENDING, refund_status
from mercado_pago.paging import results_of
from mercado_pago.payments import PaymentsClient

from .examples_legacy import (
    CARD_ONLY_KEYS,
    MERCHANT_ORDER_EXAMPLES,
    PAYMENT_EXAMPLES,
    PAYMENT_REFUND_EXAMPLES,
    POS_CREATE_REQUEST,
    POS_CREATED,
    POS_SOURCE,
    STORE_GET,
    STORE_SOURCE,
    V2_EXAMPLES,
    V2_ORDER,
    V2_POS,
    V2_STORE,
    V2_USER_ID,
)
from .helpers import ids, key, same_amount, v2_paid

_V2_BASE = f"/instore/qr/seller/collectors/{V2_USER_ID}"
_V2_SHORT = f"{_V2_BASE}/pos/{V2_POS}/orders"
_V2_STORES = f"{_V2_BASE}/stores/{V2_STORE}/pos/{V2_POS}/orders"
# Response-only fields, and a date the emulator would refuse as past.
_V2_PUT_BODY = {
    k: v
    for k, v in V2_ORDER.items()
    if k not in ("user_id", "external_pos_id", "expiration_date")
}


def _same_value(got, published):
    if isinstance(published, (int, float)) and not isinstance(published, bool):
        return same_amount(got, published)
    return got == published


# --- in-store v2 --------------------------------------------------------------


@pytest.mark.parametrize("example", V2_EXAMPLES, ids=ids(V2_EXAMPLES))
def test_emulator_answers_v2_as_published(emu, example):
    """PUT 204 (stores path), GET 200 array, DELETE 204 (source: ``source``)."""
    account = emu.account("MLA", user_id=V2_USER_ID)
    emu.cashbox(account, pos=V2_POS, store=V2_STORE)
    api = emu.api(account)
    put = api.put(_V2_STORES, copy.deepcopy(_V2_PUT_BODY))
    if example["step"] == "put":
        assert put.status in example["status"], put
        assert put.body == b""
        return
    assert put.status in (201, 204), put
    if example["step"] == "get":
        resp = api.get(_V2_SHORT)
        assert resp.status == 200, resp
        (order,) = resp.json
        for field, value in V2_ORDER.items():
            if field in ("items", "expiration_date"):
                continue
            assert _same_value(
                order[field] if field != "user_id" else int(order[field]), value
            ), field
        assert isinstance(order["expiration_date"], str)
        (item,) = order["items"]
        for field, value in V2_ORDER["items"][0].items():
            assert _same_value(item[field], value), field
        return
    resp = api.delete(_V2_SHORT)
    assert resp.status in example["status"], resp
    assert resp.body == b""
    assert api.get(_V2_SHORT).status == 404


@pytest.mark.parametrize("example", V2_EXAMPLES, ids=ids(V2_EXAMPLES))
def test_client_reads_v2_as_published(mp_server, example):
    """The client takes every published success answer (204, empty 201, array)."""
    session = mp_server.session()
    client = InstoreV2Client(session, V2_USER_ID)
    if example["step"] == "put":
        for status in example["status"]:
            mp_server.script("PUT", _V2_STORES, Reply(status, body=b""))
            answer = session.request(
                "PUT", _V2_STORES, json=copy.deepcopy(_V2_PUT_BODY), idempotent=True
            )
            assert answer is None
    elif example["step"] == "get":
        mp_server.script("GET", _V2_SHORT, Reply(200, json=[copy.deepcopy(V2_ORDER)]))
        assert client.cashbox_order(V2_POS) == V2_ORDER
    else:
        mp_server.script("DELETE", _V2_SHORT, Reply(204, body=b""))
        assert session.request("DELETE", _V2_SHORT) is None


# --- merchant orders ----------------------------------------------------------


def _check_merchant_order(got, published):
    assert set(published) <= set(got)
    assert isinstance(got["id"], int)
    assert got["status"] in ("opened", "closed", "expired")
    assert same_amount(got["total_amount"], got["total_amount"])
    if "collector" in published:
        assert set(published["collector"]) <= set(got["collector"])
        assert isinstance(got["collector"]["id"], int)
    for field in ("payments", "shipments", "payouts", "items"):
        if field in published:
            assert isinstance(got[field], list)
    for item in published.get("items") or []:
        wanted = {"currency_id", "title", "quantity", "unit_price"} & set(item)
        assert all(wanted <= set(i) for i in got["items"])
    for field in ("cancelled", "is_test"):
        if field in published:
            assert isinstance(got[field], bool)


@pytest.mark.parametrize(
    "example", MERCHANT_ORDER_EXAMPLES, ids=ids(MERCHANT_ORDER_EXAMPLES)
)
def test_emulator_answers_merchant_order_as_published(emu, example):
    """GET /merchant_orders/{id} and /merchant_orders/search carry the example's
    fields and types (source: ``source``); values differ (the QR order is paid)."""
    account = emu.account("MLB")
    emu.cashbox(account)
    paid, ref = v2_paid(emu, account, 10)
    api = emu.api(account)
    published = example["answer"]
    if example["search"]:
        resp = api.get(f"/merchant_orders/search?external_reference={ref}")
        assert resp.status == 200, resp
        assert set(published) <= set(resp.json)
        assert isinstance(resp.json["total"], int)
        assert isinstance(resp.json["next_offset"], int)
        (got,) = resp.json["elements"]
        _check_merchant_order(got, published["elements"][0])
    else:
        resp = api.get(f"/merchant_orders/{paid['merchant_order_id']}")
        assert resp.status == 200, resp
        _check_merchant_order(resp.json, published)


@pytest.mark.parametrize(
    "example", MERCHANT_ORDER_EXAMPLES, ids=ids(MERCHANT_ORDER_EXAMPLES)
)
def test_client_reads_merchant_order_as_published(example):
    """An opened merchant order without payments is a pending order to the client."""
    answer = copy.deepcopy(example["answer"])
    orders = results_of(answer) if example["search"] else [answer]
    ref = orders[0].get("external_reference") or "ref"
    client = InstoreV2Client(None, V2_USER_ID)
    state = client._state(ref, orders, [])
    assert state.status == PENDING
    assert state.order_id == str(orders[0]["id"])
    assert state.raw_status == "opened"
    assert state.paid_amount is None
    assert state.currency == ("BRL" if orders[0].get("site_id") == "MLB" else None)


# --- payments -----------------------------------------------------------------


@pytest.mark.parametrize("example", PAYMENT_EXAMPLES, ids=ids(PAYMENT_EXAMPLES))
def test_emulator_answers_payment_as_published(emu, example):
    """GET /v1/payments/{id} carries the example's fields (card-only ones aside)."""
    account = emu.account("MLB")
    emu.cashbox(account)
    paid, _ref = v2_paid(emu, account, 58.8)
    api = emu.api(account)
    payment_id = paid["payment_id"]
    if example["refund_first"]:
        refund = api.post(
            f"/v1/payments/{payment_id}/refunds", headers={"X-Idempotency-Key": key()}
        )
        assert refund.status == 201, refund
    resp = api.get(f"/v1/payments/{payment_id}")
    assert resp.status == 200, resp
    got = resp.json
    published = example["answer"]
    assert set(published) - set(CARD_ONLY_KEYS) <= set(got)
    assert isinstance(got["id"], int) and got["id"] == payment_id
    if example["refund_first"]:
        assert (got["status"], got["status_detail"]) == ("refunded", "refunded")
    else:
        assert (got["status"], got["status_detail"]) == ("approved", "accredited")
        assert same_amount(got["transaction_amount"], published["transaction_amount"])
        assert set(published["transaction_details"]) <= set(got["transaction_details"])
        for field in ("captured", "binary_mode"):
            assert isinstance(got[field], bool)
        assert isinstance(got["installments"], int)


@pytest.mark.parametrize("example", PAYMENT_EXAMPLES, ids=ids(PAYMENT_EXAMPLES))
def test_client_reads_payment_as_published(example):
    """The payment's id is the operation number; an approved payment without a
    closed merchant order is not yet a paid v2 order."""
    payment = copy.deepcopy(example["answer"])
    client = InstoreV2Client(None, V2_USER_ID)
    state = client._state(payment.get("external_reference") or "ref", [], [payment])
    assert state.operation_number == str(payment["id"])
    assert state.payment_ids == [str(payment["id"])]
    assert state.status == PENDING
    if "transaction_amount" in payment:
        assert state.paid_amount == Decimal("58.8")
        assert state.currency == "BRL"


# --- payment refunds ----------------------------------------------------------


@pytest.mark.parametrize(
    "example", PAYMENT_REFUND_EXAMPLES, ids=ids(PAYMENT_REFUND_EXAMPLES)
)
def test_emulator_refunds_payment_as_published(emu, example):
    """POST/GET /v1/payments/{id}/refunds answer the example's fields and types."""
    account = emu.account("MLB")
    emu.cashbox(account)
    paid, _ref = v2_paid(emu, account, example["paid"])
    api = emu.api(account)
    payment_id = paid["payment_id"]
    body = None if example["amount"] is None else {"amount": example["amount"]}
    created = api.post(
        f"/v1/payments/{payment_id}/refunds",
        body,
        headers={"X-Idempotency-Key": key()},
    )
    assert created.status == 201, created
    resp = created
    if example["step"] == "get":
        resp = api.get(f"/v1/payments/{payment_id}/refunds/{created.json['id']}")
    elif example["step"] == "list":
        resp = api.get(f"/v1/payments/{payment_id}/refunds")
    assert resp.status in (200, 201), resp
    published = example["answer"]
    if example["step"] == "list":
        assert isinstance(resp.json, list) and len(resp.json) == 1
        got, published = resp.json[0], published[0]
    else:
        got = resp.json
    assert set(published) <= set(got)
    assert isinstance(got["id"], int)
    assert got["payment_id"] == payment_id
    assert same_amount(got["amount"], example["amount"] or example["paid"])
    assert (got["status"], got["refund_mode"]) == ("approved", "standard")
    assert set(published["source"]) <= set(got["source"])


@pytest.mark.parametrize(
    "example", PAYMENT_REFUND_EXAMPLES, ids=ids(PAYMENT_REFUND_EXAMPLES)
)
def test_client_reads_payment_refund_as_published(mp_server, example):
    """The client sends no body (total) or a JSON number (partial) and takes the
    published refund(s) as approved."""
    published = copy.deepcopy(example["answer"])
    first = published[0] if isinstance(published, list) else published
    payment_id = first["payment_id"]
    base = f"/v1/payments/{payment_id}/refunds"
    payments = PaymentsClient(mp_server.session())
    if example["step"] == "create":
        mp_server.script("POST", base, Reply(201, json=published))
        amount = example["amount"]
        answer = payments.refund_payment(
            payment_id,
            None if amount is None else Decimal(str(amount)),
            currency="BRL",
            idempotency_key=key(),
        )
        sent = mp_server.calls("POST", base)[-1]
        if example["amount"] is None:
            assert sent.json is None
        else:
            assert set(sent.json) == {"amount"}
            assert isinstance(sent.json["amount"], (int, float))
            assert same_amount(sent.json["amount"], example["amount"])
    elif example["step"] == "get":
        mp_server.script("GET", f"{base}/{first['id']}", Reply(200, json=published))
        answer = payments.session.request("GET", f"{base}/{first['id']}")
    else:
        mp_server.script("GET", base, Reply(200, json=published))
        answer = payments.list_refunds(payment_id)
    assert answer == example["answer"]
    refunds = answer if isinstance(answer, list) else [answer]
    assert refund_status(r["status"] for r in refunds) == "approved"


# --- stores and POS -----------------------------------------------------------


def test_emulator_answers_store_as_published(emu):
    """ST1: GET /stores/{id} (source: STORE_SOURCE, stores.json). The example's
    key is ``date_creation``; the earlier reading had ``date_created``: either."""
    account = emu.account("MLB")
    created = emu.api(account).post(
        f"/users/{account['user_id']}/stores",
        {
            "name": STORE_GET["name"],
            "external_id": STORE_GET["external_id"],
            "business_hours": STORE_GET["business_hours"],
            "location": {
                "street_number": "100",
                "street_name": "Rua Ângelo Piva",
                "city_name": "Osasco",
                "state_name": "São Paulo",
                "latitude": STORE_GET["location"]["latitude"],
                "longitude": STORE_GET["location"]["longitude"],
                "reference": STORE_GET["location"]["reference"],
            },
        },
    )
    assert created.status == 200, created
    resp = emu.api(account).get(f"/stores/{created.json['id']}")
    assert resp.status == 200, resp
    got = resp.json
    assert set(STORE_GET) - {"date_creation"} <= set(got)
    assert {"date_creation", "date_created"} & set(got)
    assert str(got["id"]).isdigit()
    assert got["business_hours"] == STORE_GET["business_hours"]
    assert set(STORE_GET["location"]) <= set(got["location"])
    assert got["external_id"] == STORE_GET["external_id"]


def test_client_reads_store_as_published(mp_server):
    """ST1: the client finds the published store by external_id."""
    session = mp_server.session()
    catalog = CatalogClient(session)
    search = {"paging": {"total": 1, "offset": 0, "limit": 50}, "results": [STORE_GET]}
    mp_server.script("GET", "/users/446566691/stores/search", Reply(200, json=search))
    assert catalog.find_store_by_external_id(446566691, "SUC001") == STORE_GET


def test_emulator_creates_pos_as_published(emu):
    """POS1: POST /pos answers 200 with the example's fields (source: POS_SOURCE)."""
    account = emu.account("MLA")
    store, _other = emu.cashbox(account, pos="OTHERPOS", store="SUC001")
    body = dict(POS_CREATE_REQUEST, store_id=store["id"])
    resp = emu.api(account).post("/pos", body)
    assert resp.status == 200, resp
    got = resp.json
    assert set(POS_CREATED) <= set(got)
    assert set(POS_CREATED["qr"]) <= set(got["qr"])
    assert isinstance(got["id"], int) and isinstance(got["user_id"], int)
    assert got["status"] == "active"
    for field in (
        "name",
        "fixed_amount",
        "category",
        "external_store_id",
        "external_id",
    ):
        assert got[field] == POS_CREATE_REQUEST[field], field
    assert str(got["store_id"]) == str(store["id"])


def test_client_reads_pos_as_published(mp_server):
    """POS1: the client's body has the published keys (fixed_amount true: the
    attended model, a project choice) and it returns the published answer."""
    payload = pos_payload("First POS", "SUC001POS001", 1234567, "SUC001", 621102)
    assert set(payload) == set(POS_CREATE_REQUEST)
    assert payload["fixed_amount"] is True
    mp_server.script("POST", "/pos", Reply(200, json=POS_CREATED))
    assert CatalogClient(mp_server.session()).create_pos(payload) == POS_CREATED
    assert POS_SOURCE and STORE_SOURCE
