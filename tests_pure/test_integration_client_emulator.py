"""Our client (`mercado_pago/`) against the emulator (`emulator/`) over real HTTP.

The two packages were written apart and tested apart (the client against a
scripted fake, the emulator with raw HTTP). Here they meet: every call goes
through `MercadoPagoSession` to a running emulator, and what the client reads
back is compared with what the emulator's admin API says really happened
(request log, ledger, pending orders). Whenever they disagree, the side that
departs from what Mercado Pago publishes was fixed, and a regression test was added
to that side's own test file. "doc §N" cites `docs/mercado-pago-api.md`.
"""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal as D

import pytest
from client_fixtures import verify_request
from emulator_fixtures import PLACES

from mercado_pago.catalog import CatalogClient, pos_payload, store_payload
from mercado_pago.errors import (
    ConflictError,
    NotFoundError,
    UnavailableError,
    ValidationError,
)
from mercado_pago.http import MercadoPagoSession
from mercado_pago.instore_v2 import InstoreV2Client
from mercado_pago.money import SITES, ItemLine, build_items, quantize
from mercado_pago.notifications import (
    InvalidSignature,
    parse_notification,
    verify_signature,
)
from mercado_pago.order_types import QrOrderRequest
from mercado_pago.orders_api import OrdersApiClient
from mercado_pago.payments import PaymentsClient
from mercado_pago.references import (
    make_external_reference,
    make_pos_external_id,
    make_store_external_id,
)

SITE_IDS = ("MLA", "MLB", "MLM", "MLC", "MCO", "MPE", "MLU")
ZERO_DECIMALS = ("MLC", "MCO")

# Per site: a total with cents (or without, for CLP/COP) and a partial refund.
AMOUNTS = {
    "MLA": (D("1234.50"), D("200.25")),
    "MLB": (D("99.90"), D("10.10")),
    "MLM": (D("350.75"), D("50.50")),
    "MLC": (D(15990), D(2990)),
    "MCO": (D(45000), D(5000)),
    "MPE": (D("59.90"), D("9.95")),
    "MLU": (D("870.40"), D("70.20")),
}

# Odoo-side totals with more decimals than Mercado Pago accepts, and what
# money.quantize (half-up) must make of them.
UNROUNDED = {
    "MLA": (D("1500.505"), D("1500.51")),
    "MLB": (D("19.994"), D("19.99")),
    "MLM": (D("250.125"), D("250.13")),
    "MLC": (D("1500.50"), D(1501)),
    "MCO": (D("1500.50"), D(1501)),
    "MPE": (D("10.005"), D("10.01")),
    "MLU": (D("99.999"), D("100.00")),
}


# --- helpers -------------------------------------------------------------------------


def session(emu, account, **options):
    """A client session on the emulator: short timeouts, no real sleeping."""
    values = {
        "base_url": emu.url,
        "connect_timeout": 1,
        "read_timeout": 3,
        "max_attempts": 3,
        "backoff_base": 0.01,
        "backoff_max": 0.02,
        "sleep": lambda _seconds: None,
    }
    values.update(options)
    return MercadoPagoSession(account["access_token"], **values)


def location(site):
    state, lat, lon, _mcc = PLACES[site]
    return {
        "street_number": "3039",
        "street_name": "Caseros",
        "city_name": "Centro",
        "state_name": state,
        "latitude": lat,
        "longitude": lon,
        "reference": "Piso 1",
    }


class Shop:
    """One emulator account with a store and a cashbox made by our client."""

    def __init__(self, emu, site="MLA", webhook="default", **session_options):
        self.emu = emu
        self.site = site
        self.account = emu.account(site, webhook=webhook)
        self.user_id = str(self.account["user_id"])
        self.session = session(emu, self.account, **session_options)
        self.catalog = CatalogClient(self.session)
        seed = uuid.uuid4().hex
        self.store_ext = make_store_external_id(seed, 1)
        self.pos_ext = make_pos_external_id(seed, 1)
        self.store = self.catalog.create_store_or_find(
            self.user_id,
            store_payload("Sucursal Centro", self.store_ext, location(site)),
        )
        self.pos = self.catalog.create_pos_or_find(
            pos_payload(
                "Caja 1",
                self.pos_ext,
                self.store["id"],
                self.store_ext,
                category=SITES[site].gastronomy_mcc,
            )
        )
        self.orders = OrdersApiClient(self.session, self.user_id)
        self.v2 = InstoreV2Client(self.session, self.user_id)
        self.payments = PaymentsClient(self.session)

    @property
    def currency(self):
        return SITES[self.site].currency

    def request(self, total, *, items=None, expires=600, ref=None, **extra):
        return QrOrderRequest(
            external_reference=ref or make_external_reference("POS1", uuid.uuid4().hex),
            external_pos_id=self.pos_ext,
            external_store_id=self.store_ext,
            total=total,
            currency=self.currency,
            description="Venta Caja 1",
            items=items if items is not None else [ItemLine("Pasta", D(1), total)],
            expires_in_seconds=expires,
            **extra,
        )

    def pay(self, outcome="approved", amount=None):
        resp = self.emu.pay(
            self.pos_ext,
            outcome=outcome,
            amount=amount,
            user_id=self.account["user_id"],
        )
        assert resp.status == 200, resp
        return resp.json

    def pending(self):
        resp = self.emu.admin.get(
            f"/emulator/v1/pos/{self.pos_ext}/pending?user_id={self.user_id}"
        )
        assert resp.status == 200, resp
        return resp.json["pending"]

    def ledger(self):
        resp = self.emu.admin.get(f"/emulator/v1/ledger?user_id={self.user_id}")
        assert resp.status == 200, resp
        return resp.json

    def raw(self, method, path, **kwargs):
        return self.emu.api(self.account).call(method, path, **kwargs)


def key():
    return str(uuid.uuid4())


def fault(emu, *rules, **sections):
    emu.faults({"rules": list(rules), **sections})


def amount_text(value, site):
    return str(quantize(value, SITES[site].currency))


# --- 1. catalog ----------------------------------------------------------------------


@pytest.mark.parametrize("site", SITE_IDS)
def test_catalog_store_and_cashbox_life_cycle(emu, site):
    account = emu.account(site)
    catalog = CatalogClient(session(emu, account))
    user_id = str(account["user_id"])

    me = catalog.users_me()
    assert str(me["id"]) == user_id
    assert me["site_id"] == site

    payload = store_payload(
        "Sucursal Centro",
        "SUC001",
        location(site),
        business_hours={"monday": [{"open": "08:00", "close": "12:00"}]},
    )
    store = catalog.create_store(user_id, payload)
    assert store["external_id"] == "SUC001"
    api = catalog.session
    assert api.request("GET", f"/stores/{store['id']}")["name"] == "Sucursal Centro"
    [found] = catalog.search_stores(user_id, external_id="SUC001")
    assert found["id"] == store["id"]
    assert catalog.find_store_by_external_id(user_id, "SUC001")["id"] == store["id"]
    assert catalog.find_store_by_external_id(user_id, "NOPE1") is None
    payload["name"] = "Sucursal Norte"
    assert catalog.update_store(user_id, store["id"], payload)["name"] == (
        "Sucursal Norte"
    )
    assert api.request("GET", f"/stores/{store['id']}")["name"] == "Sucursal Norte"
    # Asking again finds the store instead of creating a second one.
    assert catalog.create_store_or_find(user_id, payload)["id"] == store["id"]

    mcc = SITES[site].gastronomy_mcc
    pos = catalog.create_pos(
        pos_payload("Caja 1", "SUC001POS001", store["id"], "SUC001", category=mcc)
    )
    assert pos["external_id"] == "SUC001POS001"
    assert pos["fixed_amount"] is True
    assert pos["category"] == mcc
    assert api.request("GET", f"/pos/{pos['id']}")["store_id"] == store["id"]
    [by_ext] = catalog.search_pos(external_id="SUC001POS001")
    [by_store] = api.request("GET", "/pos", params={"store_id": store["id"]})["results"]
    assert by_ext["id"] == by_store["id"] == pos["id"]
    assert catalog.find_pos_by_external_id("SUC001POS001")["id"] == pos["id"]
    updated = catalog.update_pos(pos["id"], {"name": "Caja Principal"})
    assert updated["name"] == "Caja Principal"
    again = pos_payload("Caja 1", "SUC001POS001", store["id"], "SUC001")
    assert catalog.create_pos_or_find(again)["id"] == pos["id"]

    # The QR assets the cashbox answer links to can be downloaded.
    image = catalog.session.download(pos["qr"]["image"])
    template = catalog.session.download(pos["qr"]["template_image"])
    document = catalog.session.download(pos["qr"]["template_document"])
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert template.startswith(b"\x89PNG\r\n\x1a\n")
    assert document.startswith(b"%PDF")
    with pytest.raises(NotFoundError):
        catalog.session.download(emu.url + "/emulator/qr/999999999.png")

    api.request("DELETE", f"/pos/{pos['id']}")
    with pytest.raises(NotFoundError):
        api.request("GET", f"/pos/{pos['id']}")
    with pytest.raises(NotFoundError):  # doc §3: the delete also deletes its QR
        catalog.session.download(pos["qr"]["image"])
    assert catalog.search_pos(external_id="SUC001POS001") == []

    deleted = api.request("DELETE", f"/users/{user_id}/stores/{store['id']}")
    assert str(deleted["store"]) == str(store["id"])
    assert str(deleted["user"]) == user_id
    with pytest.raises(NotFoundError):
        api.request("GET", f"/stores/{store['id']}")
    assert catalog.search_stores(user_id) == []


def test_catalog_string_store_ids_work_too(emu):
    """⚠ doc §2: the store id is a number in examples, a string in the schema."""
    emu.config(store_id_type="string")
    shop = Shop(emu, "MLA")
    assert isinstance(shop.store["id"], str)
    got = shop.catalog.session.request("GET", f"/stores/{shop.store['id']}")
    assert got["id"] == shop.store["id"]
    assert str(shop.pos["store_id"]) == shop.store["id"]


@pytest.mark.parametrize("site", SITE_IDS)
def test_create_store_or_find_after_a_lost_answer(emu, site):
    account = emu.account(site)
    catalog = CatalogClient(session(emu, account))
    user_id = str(account["user_id"])
    fault(
        emu,
        {
            "fault": "error",
            "method": "POST",
            "path": "^/users/.*/stores$",
            "status": 500,
            "when": "after",
        },
    )
    store = catalog.create_store_or_find(
        user_id, store_payload("Sucursal", "SUC9", location(site))
    )
    assert store["external_id"] == "SUC9"
    [post] = emu.requests(method="POST", path="/stores$")
    assert post["status"] == 500 and post["applied"] is True
    stores = shop_stores(emu, account)
    assert [s["id"] for s in stores] == [store["id"]]
    # Later calls (the fault keeps firing on POST) find it again, never duplicate.
    again = catalog.create_store_or_find(
        user_id, store_payload("Sucursal", "SUC9", location(site))
    )
    assert again["id"] == store["id"]
    assert len(shop_stores(emu, account)) == 1


def shop_stores(emu, account):
    resp = emu.api(account).get(f"/users/{account['user_id']}/stores/search")
    assert resp.status == 200, resp
    return resp.json["results"]


@pytest.mark.parametrize("site", SITE_IDS)
def test_create_pos_or_find_after_a_lost_answer(emu, site):
    account = emu.account(site)
    catalog = CatalogClient(session(emu, account))
    user_id = str(account["user_id"])
    store = catalog.create_store(
        user_id, store_payload("Sucursal", "SUC9", location(site))
    )
    fault(
        emu,
        {"fault": "error", "method": "POST", "path": "^/pos$", "when": "after"},
    )
    payload = pos_payload("Caja 9", "SUC9POS9", store["id"], "SUC9")
    pos = catalog.create_pos_or_find(payload)
    assert pos["external_id"] == "SUC9POS9"
    [post] = emu.requests(method="POST", path="^/pos$")
    assert post["status"] == 500 and post["applied"] is True
    assert [p["id"] for p in catalog.search_pos()] == [pos["id"]]
    # A timeout that loses the answer is handled the same way.
    fault(
        emu,
        {"fault": "timeout", "method": "POST", "path": "^/pos$", "when": "after"},
    )
    slow = CatalogClient(session(emu, account, read_timeout=0.3))
    other = slow.create_pos_or_find(
        pos_payload("Caja 10", "SUC9POS10", store["id"], "SUC9")
    )
    assert other["external_id"] == "SUC9POS10"
    assert sorted(p["external_id"] for p in catalog.search_pos()) == [
        "SUC9POS10",
        "SUC9POS9",
    ]


# --- 2. Orders API -------------------------------------------------------------------


@pytest.mark.parametrize("site", SITE_IDS)
def test_orders_api_paid(emu, site):
    emu.config(strict_item_sums=True)  # ⚠ doc §5.1: items adding up to the total
    shop = Shop(emu, site)
    total, _ = AMOUNTS[site]
    client = OrdersApiClient(shop.session, shop.user_id)
    half = quantize(total / 2, shop.currency)
    lines = [
        ItemLine("Pasta", D(2), half / 2, code="KS955RUR"),
        ItemLine("Queso", D("0.75"), D("10.00"), unit_measure="kg"),
        ItemLine("Descuento", D(1), D(-1)),
    ]
    items = build_items(lines, total, shop.currency, max_items=10)
    assert sum(i.total for i in items) == total
    req = shop.request(total, items=lines)
    idem = key()

    created = client.create(req, idem)
    assert created.status == "pending"
    assert created.order_id.startswith("ORD")
    assert created.currency == shop.currency
    assert created.external_reference == req.external_reference
    sent = emu.requests(method="POST", path="^/v1/orders$")[-1]
    assert sent["idempotency_key"] == idem and sent["status"] == 201
    # The emulator kept the item lines exactly as build_items made them.
    pending = shop.pending()
    assert pending["id"] == created.order_id
    assert D(pending["total_amount"]) == total
    assert [
        (i["title"], i["quantity"], D(i["unit_price"])) for i in pending["items"]
    ] == [(i.title, i.quantity, i.unit_price) for i in items]

    state = client.get(created.order_id)
    assert state.status == "pending"
    assert state.paid_amount is None

    paid = shop.pay()
    state = client.get(created.order_id)
    assert state.status == "paid" and state.money_received
    assert state.paid_amount == total
    assert state.currency == shop.currency
    assert state.payment_ids == [paid["order_transaction_id"]]
    assert state.operation_number == str(paid["payment_id"])
    assert state.refunded_amount == 0
    # The payment the operation number names carries the fee of the ledger.
    payment = shop.payments.get_payment(state.operation_number)
    [entry] = shop.ledger()["entries"]
    assert D(str(payment["transaction_amount"])) == D(entry["gross"]) == total
    fee = sum(D(str(f["amount"])) for f in payment["fee_details"])
    assert fee == D(entry["fee"])
    assert D(entry["net"]) == total - fee


@pytest.mark.parametrize("site", SITE_IDS)
def test_orders_api_other_amount_is_reported(emu, site):
    shop = Shop(emu, site)
    total, part = AMOUNTS[site]
    state = shop.orders.create(shop.request(total), key())
    shop.pay(amount=amount_text(total - part, site))
    state = shop.orders.get(state.order_id)
    # Mercado Pago says "processed"; the caller sees the amount and refuses it.
    assert state.status == "paid"
    assert state.paid_amount == total - part != total
    assert state.currency == shop.currency


def test_orders_api_rejected_then_paid(emu):
    shop = Shop(emu, "MLA")
    state = shop.orders.create(shop.request(D("50.00")), key())
    shop.pay("rejected")
    rejected = shop.orders.get(state.order_id)
    # action_required: the customer may try again, the order still waits.
    assert rejected.raw_status == "action_required"
    assert rejected.status == "pending"
    assert rejected.paid_amount is None
    assert shop.ledger()["entries"] == []
    shop.pay()
    paid = shop.orders.get(state.order_id)
    assert paid.status == "paid" and paid.paid_amount == D("50.00")
    assert len(shop.ledger()["entries"]) == 1


def test_orders_api_rejection_that_leaves_the_order_created(emu):
    emu.config(rejected_order_status="created")
    shop = Shop(emu, "MLB")
    state = shop.orders.create(shop.request(D("10.00")), key())
    shop.pay("rejected")
    assert shop.orders.get(state.order_id).status == "pending"


@pytest.mark.parametrize(("site", "mode"), [("MLA", "hybrid"), ("MLB", "dynamic")])
def test_orders_api_dynamic_and_hybrid_qr_data(emu, site, mode):
    shop = Shop(emu, site)
    state = shop.orders.create(shop.request(D("10.00"), mode=mode), key())
    assert state.qr_data.startswith("000201")
    assert state.order_id in state.qr_data
    assert ("br.gov.bcb.pix" in state.qr_data) == (site == "MLB")
    image = shop.session.download(f"{emu.url}/emulator/qr/order/{state.order_id}.png")
    assert image.startswith(b"\x89PNG")
    assert shop.orders.get(state.order_id).qr_data == state.qr_data
    with pytest.raises(ValidationError):
        shop.v2.create(shop.request(D("10.00"), mode=mode), key())


def test_orders_api_uncertain_amount_and_detail_knobs(emu):
    """⚠ doc §9/§5.2: "two decimals" and "processed" status_detail forms."""
    emu.config(amount_format="two_required", processed_status_detail="processed")
    shop = Shop(emu, "MLU")
    state = shop.orders.create(shop.request(D(50)), key())
    assert state.raw["total_amount"] == "50.00"
    shop.pay()
    paid = shop.orders.get(state.order_id)
    assert (paid.status, paid.status_detail) == ("paid", "processed")


def test_orders_api_settling_refund_is_pending_then_approved(emu):
    emu.config(refund_settle_seconds=5)
    shop = Shop(emu, "MLB")
    state = shop.orders.create(shop.request(D("50.00")), key())
    shop.pay()
    part = shop.orders.refund(state.order_id, D("10.00"), key())
    assert (part.status, part.amount) == ("pending", D("10.00"))
    rest = shop.orders.refund(state.order_id, None, key())
    assert (rest.status, rest.amount) == ("pending", D("40.00"))
    assert rest.state.status == "refunded"
    # Followed up by the refunds' ids, until Mercado Pago says how it ended.
    assert shop.orders.refund_status(state.order_id, part.refund_ids) == "pending"
    emu.clock(6)
    final = shop.orders.get(state.order_id)
    statuses = [r["status"] for r in final.raw["transactions"]["refunds"]]
    assert statuses == ["processed", "processed"]
    assert final.refunded_amount == D("50.00")
    assert shop.orders.refund_status(state.order_id, part.refund_ids) == "approved"
    assert shop.orders.refund_status(state.order_id, ["REF-unknown"]) == "pending"


def test_orders_api_cashbox_busy_and_old_orders(emu):
    shop = Shop(emu, "MLA")
    first = shop.orders.create(shop.request(D("10.00")), key())
    # A new order replaces the one waiting on the cashbox (no public source
    # documents a refusal; doc §5.1).
    state = shop.orders.create(shop.request(D("10.00")), key())
    assert shop.orders.get(first.order_id).status == "canceled"
    assert shop.pending()["id"] == state.order_id
    # The stricter cashbox stays available as a switch, for a client that
    # must survive it.
    emu.config(pending_order_policy="reject")
    with pytest.raises(ConflictError) as caught:
        shop.orders.create(shop.request(D("10.00")), key())
    assert caught.value.code == "already_queued_order_for_pos"
    with pytest.raises(ConflictError):
        shop.v2.create(shop.request(D("10.00")), key())
    with pytest.raises(NotFoundError):
        shop.orders.create(
            QrOrderRequest("ref-1", "NOPOS1", None, D(10), "ARS", "x", [], 600), key()
        )
    emu.clock(91 * 86400)  # doc §5.2: orders are readable for 3 months
    with pytest.raises(NotFoundError):
        shop.orders.get(state.order_id)


@pytest.mark.parametrize("site", ("MLA", "MLC"))
def test_orders_api_expiry(emu, site):
    shop = Shop(emu, site)
    total, _ = AMOUNTS[site]
    state = shop.orders.create(shop.request(total, expires=60), key())
    emu.clock(30)
    assert shop.orders.get(state.order_id).status == "pending"
    emu.clock(31)
    expired = shop.orders.get(state.order_id)
    assert expired.status == "expired" and expired.is_final
    assert expired.paid_amount is None
    assert shop.pending() is None


@pytest.mark.parametrize("site", SITE_IDS)
def test_orders_api_cancel(emu, site):
    shop = Shop(emu, site)
    total, _ = AMOUNTS[site]
    state = shop.orders.create(shop.request(total), key())
    canceled = shop.orders.cancel(state.order_id, key())
    assert canceled.status == "canceled"
    assert shop.pending() is None
    # Canceling again: MP answers 409 order_already_cancelled; the re-read says so.
    assert shop.orders.cancel(state.order_id, key()).status == "canceled"
    # The cashbox is free for the next order.
    assert shop.orders.create(shop.request(total), key()).status == "pending"


def test_orders_api_cancel_after_paid_returns_the_real_state(emu):
    shop = Shop(emu, "MLU")
    state = shop.orders.create(shop.request(D("870.40")), key())
    shop.pay()
    after = shop.orders.cancel(state.order_id, key())
    assert after.status == "paid"
    assert after.paid_amount == D("870.40")
    [cancel] = emu.requests(method="POST", path="/cancel$")
    assert cancel["status"] == 409


@pytest.mark.parametrize("site", SITE_IDS)
def test_orders_api_refunds(emu, site):
    shop = Shop(emu, site)
    total, part = AMOUNTS[site]
    state = shop.orders.create(shop.request(total), key())
    shop.pay()

    first = shop.orders.refund(state.order_id, part, key())
    assert first.status == "approved"
    assert first.amount == part
    assert len(first.refund_ids) == 1
    assert shop.orders.get(state.order_id).refunded_amount == part
    second = shop.orders.refund(state.order_id, part, key())
    # The answer is a partial order with this call's refund only (published
    # refund answers; doc §5.4).
    assert len(second.raw["transactions"]["refunds"]) == 1
    assert second.refund_ids != first.refund_ids and len(second.refund_ids) == 1
    assert shop.orders.get(state.order_id).refunded_amount == 2 * part
    state = shop.orders.get(state.order_id)
    assert state.status == "partially_refunded"
    assert state.paid_amount == total

    # More than what is left: refused with a typed error, nothing moves.
    with pytest.raises(ValidationError):
        shop.orders.refund(state.order_id, total, key())
    assert shop.orders.get(state.order_id).refunded_amount == 2 * part

    rest = shop.orders.refund(state.order_id, None, key())
    assert rest.status == "approved"
    assert rest.amount == total - 2 * part
    assert rest.raw["status"] == "refunded"
    final = shop.orders.get(state.order_id)
    assert final.status == "refunded" and final.refunded_amount == total
    # Nothing left to refund: a typed conflict, not a crash.
    with pytest.raises(ConflictError):
        shop.orders.refund(state.order_id, None, key())

    ledger = shop.ledger()
    kinds = [e["kind"] for e in ledger["entries"]]
    assert kinds == ["payment", "refund", "refund", "refund"]
    [totals] = ledger["totals"]
    assert D(totals["gross"]) == D(totals["fee"]) == D(totals["net"]) == 0


def test_orders_api_full_refund_at_once(emu):
    shop = Shop(emu, "MCO")
    state = shop.orders.create(shop.request(D(45000)), key())
    shop.pay()
    result = shop.orders.refund(state.order_id, None, key())
    assert result.status == "approved"
    assert result.amount == D(45000)
    assert result.state.status == "refunded"
    assert shop.orders.get(state.order_id).status == "refunded"


def test_orders_api_full_refund_with_processed_status(emu):
    """Knob full_refund_status=processed: processed/refunded is still refunded."""
    emu.config(full_refund_status="processed")
    shop = Shop(emu, "MLA")
    state = shop.orders.create(shop.request(D("50.00")), key())
    shop.pay()
    shop.orders.refund(state.order_id, None, key())
    final = shop.orders.get(state.order_id)
    assert final.raw_status == "processed" and final.status_detail == "refunded"
    assert final.status == "refunded"


def test_orders_api_partial_refund_refused_in_full_refund_only_site(emu):
    emu.config(no_partial_refund_sites=["MPE"])
    shop = Shop(emu, "MPE")
    state = shop.orders.create(shop.request(D("59.90")), key())
    shop.pay()
    with pytest.raises(ConflictError):
        shop.orders.refund(state.order_id, D("9.95"), key())
    assert shop.orders.refund(state.order_id, None, key()).state.status == "refunded"


def orders_at_emulator(shop):
    resp = shop.raw("GET", "/v1/orders")
    assert resp.status == 200, resp
    return resp.json["data"]


@pytest.mark.parametrize(
    "rule",
    [
        {"fault": "error", "status": 500, "when": "after"},
        {"fault": "error", "status": 503, "when": "after"},
        {"fault": "timeout", "ms": 1500, "when": "after"},
        {"fault": "drop", "when": "after"},
    ],
    ids=["500", "503", "timeout", "drop"],
)
def test_orders_api_create_retried_after_a_lost_answer(emu, rule):
    shop = Shop(emu, "MLA", read_timeout=0.5)
    fault(emu, {**rule, "method": "POST", "path": "^/v1/orders$", "times": 1})
    req = shop.request(D("75.00"))
    idem = key()
    state = shop.orders.create(req, idem)
    assert state.status == "pending"
    posts = emu.requests(method="POST", path="^/v1/orders$")
    assert [p["idempotency_key"] for p in posts] == [idem, idem]
    assert posts[0]["applied"] is True and posts[1]["status"] == 201
    [order] = orders_at_emulator(shop)
    assert order["id"] == state.order_id
    # The caller that lost the answer asks again with the stored key: same order.
    assert shop.orders.create(req, idem).order_id == state.order_id
    shop.pay()
    assert len(shop.ledger()["entries"]) == 1
    assert shop.orders.get(state.order_id).status == "paid"


def test_orders_api_create_gives_up_with_unknown_outcome(emu):
    """Every attempt fails after the write: the error says "look again"."""
    shop = Shop(emu, "MLB")
    fault(
        emu,
        {"fault": "error", "method": "POST", "path": "^/v1/orders$", "when": "after"},
    )
    req = shop.request(D("10.00"))
    idem = key()
    with pytest.raises(UnavailableError) as caught:
        shop.orders.create(req, idem)
    assert caught.value.unknown_outcome is True
    emu.admin.delete("/emulator/v1/faults")
    assert len(orders_at_emulator(shop)) == 1
    assert shop.orders.create(req, idem).order_id == orders_at_emulator(shop)[0]["id"]


@pytest.mark.parametrize("partial", [False, True], ids=["full", "partial"])
def test_orders_api_refund_retried_after_a_lost_answer(emu, partial):
    shop = Shop(emu, "MLM", read_timeout=0.5)
    state = shop.orders.create(shop.request(D("350.75")), key())
    shop.pay()
    fault(
        emu,
        {
            "fault": "error",
            "method": "POST",
            "path": "/refund$",
            "when": "after",
            "times": 1,
        },
    )
    amount = D("50.50") if partial else None
    idem = key()
    result = shop.orders.refund(state.order_id, amount, idem)
    assert result.status == "approved"
    refunds = [e for e in shop.ledger()["entries"] if e["kind"] == "refund"]
    assert len(refunds) == 1
    assert D(refunds[0]["gross"]) == -(amount or D("350.75"))
    # Asking again with the same key is a replay, never a second refund.
    assert shop.orders.refund(state.order_id, amount, idem).refund_ids == (
        result.refund_ids
    )
    assert len([e for e in shop.ledger()["entries"] if e["kind"] == "refund"]) == 1


# --- 3. legacy in-store v2 -----------------------------------------------------------


@pytest.mark.parametrize("site", SITE_IDS)
def test_v2_paid(emu, site):
    emu.config(strict_item_sums=True)
    shop = Shop(emu, site)
    total, _ = AMOUNTS[site]
    client = InstoreV2Client(shop.session, shop.user_id)
    req = shop.request(
        total,
        items=[ItemLine("Pasta", D(3), total / 3), ItemLine("Promo", D(1), D(-1))],
        notification_url=shop.emu.sink.url + "/ipn",
    )
    created = client.create(req, key())
    assert created.status == "pending"
    put = emu.requests(method="PUT")[-1]
    assert put["status"] == 204
    assert f"/stores/{shop.store_ext}/pos/{shop.pos_ext}/orders" in put["path"]
    on_box = shop.v2.cashbox_order(shop.pos_ext)
    assert on_box["external_reference"] == req.external_reference
    assert D(str(on_box["total_amount"])) == total
    pending = client.get(req.external_reference, external_pos_id=shop.pos_ext)
    assert pending.status == "pending"

    paid = shop.pay()
    assert paid["merchant_order_status"] == "closed"
    state = client.get(req.external_reference, external_pos_id=shop.pos_ext)
    assert state.status == "paid"
    assert state.paid_amount == total
    assert state.currency == shop.currency
    assert state.order_id == str(paid["merchant_order_id"])
    assert state.payment_ids == [str(paid["payment_id"])]
    assert state.operation_number == str(paid["payment_id"])
    assert shop.v2.cashbox_order(shop.pos_ext) is None
    # The fee the client reads is the one the ledger charged.
    [entry] = shop.ledger()["entries"]
    assert D(entry["gross"]) == state.paid_amount
    assert client.get(req.external_reference).status == "paid"


@pytest.mark.parametrize("site", ("MLA", "MCO"))
def test_v2_reject_then_approve(emu, site):
    shop = Shop(emu, site)
    total, _ = AMOUNTS[site]
    req = shop.request(total)
    shop.v2.create(req, key())
    fault(emu, pay=[{"pos": shop.pos_ext, "reject_first": True}])
    paid = shop.pay()
    assert [p["status"] for p in paid["payments"]] == ["rejected", "approved"]
    state = shop.v2.get(req.external_reference, external_pos_id=shop.pos_ext)
    assert state.status == "paid"
    assert state.paid_amount == total  # the approved payment only
    assert len(state.payment_ids) == 2
    assert state.operation_number == str(paid["payment_id"])
    [entry] = shop.ledger()["entries"]
    assert D(entry["gross"]) == total
    # A full refund returns the approved payment only.
    result = shop.v2.refund(req.external_reference, None, key())
    assert result.amount == total and len(result.refund_ids) == 1
    assert shop.v2.get(req.external_reference).status == "refunded"
    [totals] = shop.ledger()["totals"]
    assert (totals["payments"], totals["refunds"]) == (1, 1)
    assert D(totals["net"]) == 0


def test_v2_short_path_and_find_before_payment(emu):
    shop = Shop(emu, "MLC")
    req = QrOrderRequest(
        external_reference=make_external_reference("v2", uuid.uuid4().hex),
        external_pos_id=shop.pos_ext,
        external_store_id=None,
        total=D(1500),
        currency="CLP",
        description="Venta",
        items=[ItemLine("Empanada", D(3), D(500))],
        expires_in_seconds=300,
    )
    shop.v2.create(req, key())
    put = emu.requests(method="PUT")[-1]
    assert "/stores/" not in put["path"] and put["status"] == 204
    assert shop.v2.get(req.external_reference).status == "pending"
    on_box = shop.v2.cashbox_order(shop.pos_ext)
    assert [(i["title"], i["quantity"]) for i in on_box["items"]] == [("Empanada", 3)]
    # A second PUT replaces the order on the cashbox (doc §4).
    newer = dict(req.__dict__, external_reference=req.external_reference + "b")
    shop.v2.create(QrOrderRequest(**newer), key())
    assert shop.pending()["external_reference"] == newer["external_reference"]
    gone = shop.v2.get(req.external_reference, external_pos_id=shop.pos_ext)
    assert gone.status == "unknown"


def test_v2_rejected_payment_keeps_the_order_payable(emu):
    shop = Shop(emu, "MLB")
    req = shop.request(D("99.90"))
    shop.v2.create(req, key())
    shop.pay("rejected")
    state = shop.v2.get(req.external_reference, external_pos_id=shop.pos_ext)
    assert state.status == "rejected"
    assert state.paid_amount is None
    assert shop.v2.cashbox_order(shop.pos_ext) is not None
    shop.pay()
    assert shop.v2.get(req.external_reference).status == "paid"


def test_v2_other_amount_is_not_paid(emu):
    shop = Shop(emu, "MLA")
    req = shop.request(D("100.00"))
    shop.v2.create(req, key())
    shop.pay(amount="60.00")
    state = shop.v2.get(req.external_reference, external_pos_id=shop.pos_ext)
    # Approved money that does not cover the total: the merchant order stays
    # open and the client does not say "paid"; the amount is visible.
    assert state.status == "pending"
    assert state.paid_amount == D("60.00")


@pytest.mark.parametrize("site", ("MLA", "MLC"))
def test_v2_expiry(emu, site):
    shop = Shop(emu, site)
    total, _ = AMOUNTS[site]
    req = shop.request(total, expires=60)
    shop.v2.create(req, key())
    emu.clock(30)
    state = shop.v2.get(req.external_reference, external_pos_id=shop.pos_ext)
    assert state.status == "pending"
    emu.clock(31)
    assert shop.pending() is None
    gone = shop.v2.get(req.external_reference, external_pos_id=shop.pos_ext)
    # No merchant order exists before a payment (doc §6.1): the client says
    # the order left the cashbox and lets the caller judge by its expiry time.
    assert gone.status == "unknown" and gone.raw_status == "not_on_cashbox"


def test_v2_expiry_after_a_rejected_payment(emu):
    shop = Shop(emu, "MLM")
    req = shop.request(D("350.75"), expires=60)
    shop.v2.create(req, key())
    shop.pay("rejected")
    emu.clock(61)
    assert shop.pending() is None
    state = shop.v2.get(req.external_reference, external_pos_id=shop.pos_ext)
    assert state.status == "expired"
    assert state.paid_amount is None


@pytest.mark.parametrize("site", ("MLA", "MPE"))
def test_v2_cancel(emu, site):
    shop = Shop(emu, site)
    total, _ = AMOUNTS[site]
    req = shop.request(total)
    shop.v2.create(req, key())
    state = shop.v2.cancel(req.external_reference, key(), external_pos_id=shop.pos_ext)
    assert state.status == "canceled"
    assert shop.pending() is None
    assert [r["status"] for r in emu.requests(method="DELETE")] == [204]
    # Canceling again sends no DELETE and still says canceled.
    again = shop.v2.cancel(req.external_reference, key(), external_pos_id=shop.pos_ext)
    assert again.status == "canceled"
    assert len(emu.requests(method="DELETE")) == 1


def test_v2_cancel_after_a_rejected_attempt(emu):
    """The DELETE expires the merchant order that holds the rejected attempt."""
    shop = Shop(emu, "MLA")
    req = shop.request(D("100.00"))
    shop.v2.create(req, key())
    shop.pay("rejected")
    state = shop.v2.cancel(req.external_reference, key(), external_pos_id=shop.pos_ext)
    assert state.status == "canceled" and state.paid_amount is None
    merchant_order = shop.payments.get_merchant_order(state.order_id)
    assert (merchant_order["status"], merchant_order["cancelled"]) == ("expired", True)


def test_v2_cancel_after_paid_returns_paid(emu):
    shop = Shop(emu, "MLU")
    req = shop.request(D("870.40"))
    shop.v2.create(req, key())
    shop.pay()
    state = shop.v2.cancel(req.external_reference, key(), external_pos_id=shop.pos_ext)
    assert state.status == "paid"
    assert emu.requests(method="DELETE") == []


def test_v2_create_replaces_and_retries(emu):
    """The PUT is idempotent: a lost answer is retried, one order stays."""
    shop = Shop(emu, "MLA", read_timeout=0.5)
    fault(
        emu,
        {"fault": "error", "method": "PUT", "when": "after", "times": 1},
    )
    req = shop.request(D("10.00"))
    shop.v2.create(req, key())
    puts = emu.requests(method="PUT")
    assert [p["status"] for p in puts] == [500, 204]
    assert shop.pending()["external_reference"] == req.external_reference


@pytest.mark.parametrize("site", SITE_IDS)
def test_v2_refunds(emu, site):
    shop = Shop(emu, site)
    total, part = AMOUNTS[site]
    req = shop.request(total)
    shop.v2.create(req, key())
    shop.pay()
    ref = req.external_reference

    first = shop.v2.refund(ref, part, key())
    assert first.status == "approved"
    assert first.amount == part
    assert shop.v2.refund_status(ref, first.refund_ids) == "approved"
    state = shop.v2.get(ref)
    assert state.status == "partially_refunded"
    assert state.refunded_amount == part
    with pytest.raises(ValidationError):
        shop.v2.refund(ref, total, key())
    rest = shop.v2.refund(ref, None, key())
    assert rest.status == "approved"
    assert rest.amount == total - part
    state = shop.v2.get(ref)
    assert state.status == "refunded"
    assert state.refunded_amount == total
    assert state.paid_amount == total

    ledger = shop.ledger()
    assert [e["kind"] for e in ledger["entries"]] == ["payment", "refund", "refund"]
    [totals] = ledger["totals"]
    assert D(totals["gross"]) == D(totals["fee"]) == D(totals["net"]) == 0
    # What the client reads per refund matches the ledger.
    payment = shop.payments.get_payment(state.operation_number)
    refunds = shop.payments.list_refunds(state.operation_number)
    assert [D(str(r["amount"])) for r in refunds] == [part, total - part]
    assert D(str(payment["transaction_amount_refunded"])) == total


def test_v2_refund_retried_after_a_lost_answer(emu):
    shop = Shop(emu, "MLB", read_timeout=0.5)
    req = shop.request(D("99.90"))
    shop.v2.create(req, key())
    shop.pay()
    fault(
        emu,
        {
            "fault": "timeout",
            "ms": 1500,
            "method": "POST",
            "path": "/refunds$",
            "when": "after",
            "times": 1,
        },
    )
    idem = key()
    result = shop.v2.refund(req.external_reference, D("10.10"), idem)
    assert result.status == "approved"
    assert len([e for e in shop.ledger()["entries"] if e["kind"] == "refund"]) == 1
    again = shop.v2.refund(req.external_reference, D("10.10"), idem)
    assert again.refund_ids == result.refund_ids
    assert len([e for e in shop.ledger()["entries"] if e["kind"] == "refund"]) == 1


# --- 4. notifications ----------------------------------------------------------------


def delivered(received):
    """(query, headers, raw body) as a controller would see them."""
    body = json.dumps(received["body"]).encode() if received["body"] else b""
    return received["query"], received["headers"], body


def tamper(text):
    """Change one character of a hex string."""
    return text[:-1] + ("0" if text[-1] != "0" else "1")


@pytest.mark.parametrize("ts_unit", ["ms", "s"])
def test_orders_api_webhook_parses_and_verifies(emu, ts_unit):
    emu.config(signature_ts_unit=ts_unit)
    shop = Shop(emu, "MLA", webhook=emu.sink.url + "/orders")
    secret = shop.account["webhook_secret"]
    state = shop.orders.create(shop.request(D("50.00")), key())
    shop.pay()
    [note] = emu.sink.wait(1, type="order")
    query, headers, body = delivered(note)

    event = parse_notification(query, body)
    assert event.kind == "order" and event.source == "webhook"
    assert event.resource_id == state.order_id
    assert event.version == 2
    assert note["body"]["action"] == "order.processed"
    assert str(note["body"]["user_id"]) == shop.user_id
    verify_request(query, headers, secret)
    ts = headers["x-signature"].split(",")[0].split("=")[1]
    assert len(ts) == (13 if ts_unit == "ms" else 10)

    # One byte changed anywhere in what is signed: refused.
    sig = headers["x-signature"]
    for bad_headers, bad_query in (
        ({**headers, "x-signature": tamper(sig)}, query),
        ({**headers, "x-request-id": tamper(headers["x-request-id"])}, query),
        (headers, {**query, "data.id": tamper(query["data.id"])}),
    ):
        with pytest.raises(InvalidSignature) as caught:
            verify_request(bad_query, bad_headers, secret)
        assert caught.value.reason == "mismatch"
    with pytest.raises(InvalidSignature):
        verify_request(query, headers, "another-secret")

    # The event leads back to the order, which the client re-reads.
    assert shop.orders.get(event.resource_id).status == "paid"


def test_orders_api_webhooks_for_each_event(emu):
    shop = Shop(emu, "MLC", webhook=emu.sink.url + "/orders")
    secret = shop.account["webhook_secret"]
    first = shop.orders.create(shop.request(D(15990), expires=60), key())
    emu.clock(61)  # order.expired, sent by the background sweep
    second = shop.orders.create(shop.request(D(2990)), key())
    shop.orders.cancel(second.order_id, key())
    third = shop.orders.create(shop.request(D(5000)), key())
    shop.pay()
    shop.orders.refund(third.order_id, D(1000), key())
    notes = emu.sink.wait(4, type="order")
    events = []
    for note in notes:
        query, headers, body = delivered(note)
        verify_request(query, headers, secret)
        event = parse_notification(query, body)
        events.append((event.resource_id, note["body"]["action"]))
    assert events == [
        (first.order_id, "order.expired"),
        (second.order_id, "order.canceled"),
        (third.order_id, "order.processed"),
        (third.order_id, "order.refunded"),
    ]


def test_orders_api_rejection_webhook(emu):
    shop = Shop(emu, "MLA", webhook=emu.sink.url + "/orders")
    state = shop.orders.create(shop.request(D("10.00")), key())
    shop.pay("rejected")
    [note] = emu.sink.wait(1, type="order")
    query, headers, body = delivered(note)
    verify_request(query, headers, shop.account["webhook_secret"])
    event = parse_notification(query, body)
    assert (event.resource_id, note["body"]["action"]) == (
        state.order_id,
        "order.action_required",
    )
    assert shop.orders.get(event.resource_id).status == "pending"


def test_duplicate_and_bogus_notifications(emu):
    """Duplicates share a dedupe key; a bogus id verifies but does not re-read."""
    emu.faults({"notifications": {"duplicate": 1.0, "unknown_ids": 1.0}})
    shop = Shop(emu, "MLB", webhook=emu.sink.url + "/orders")
    state = shop.orders.create(shop.request(D("10.00")), key())
    shop.pay()
    notes = emu.sink.wait(3, type="order")
    events = []
    for note in notes:
        query, headers, body = delivered(note)
        verify_request(query, headers, shop.account["webhook_secret"])
        events.append(parse_notification(query, body))
    real = [e for e in events if e.resource_id == state.order_id]
    bogus = [e for e in events if e.resource_id != state.order_id]
    assert len(real) == 2 and len({(e.kind, e.version) for e in real}) == 1
    assert bogus
    with pytest.raises(NotFoundError):
        shop.orders.get(bogus[0].resource_id)


def test_v2_ipn_parses_and_is_unsigned(emu):
    shop = Shop(emu, "MLA")
    secret = shop.account["webhook_secret"]
    req = shop.request(D("100.00"), notification_url=emu.sink.url + "/ipn?db=prod")
    shop.v2.create(req, key())
    paid = shop.pay()
    notes = emu.sink.wait(2)
    by_topic = {n["query"]["topic"]: n for n in notes}
    assert set(by_topic) == {"payment", "merchant_order"}

    query, headers, body = delivered(by_topic["payment"])
    event = parse_notification(query, body)
    assert (event.kind, event.source) == ("payment", "ipn")
    assert "x-signature" not in {h.lower() for h in headers}
    assert event.resource_id == str(paid["payment_id"])
    # IPN carries no x-signature (doc §8.2): verifying it can only fail.
    with pytest.raises(InvalidSignature) as caught:
        verify_request(query, headers, secret)
    assert caught.value.reason == "missing"

    query, headers, body = delivered(by_topic["merchant_order"])
    event = parse_notification(query, body)
    assert event.kind == "merchant_order"
    assert event.resource_id == str(paid["merchant_order_id"])
    # Without the query, the body's resource URL names the same object.
    event = parse_notification({}, body)
    assert event.resource_id == str(paid["merchant_order_id"])
    # Re-read with our token: the merchant order is closed.
    merchant_order = shop.payments.get_merchant_order(event.resource_id)
    assert merchant_order["status"] == "closed"


@pytest.mark.parametrize(("ts_unit", "route"), [("ms", "source_news"), ("s", "knob")])
def test_v2_legacy_webhooks_parse_and_verify(emu, ts_unit, route):
    emu.config(signature_ts_unit=ts_unit)
    if route == "knob":
        emu.config(legacy_webhooks=True)
        shop = Shop(emu, "MLU", webhook=emu.sink.url + "/wh")
        url = emu.sink.url + "/ipn-not-used"
    else:
        shop = Shop(emu, "MLU")
        url = emu.sink.url + "/wh?source_news=webhooks"
    secret = shop.account["webhook_secret"]
    req = shop.request(D("870.40"), notification_url=url)
    shop.v2.create(req, key())
    paid = shop.pay()
    notes = emu.sink.wait(2)
    by_type = {n["query"]["type"]: n for n in notes}
    assert set(by_type) == {"payment", "topic_merchant_order_wh"}

    query, headers, body = delivered(by_type["payment"])
    event = parse_notification(query, body)
    assert (event.kind, event.source) == ("payment", "webhook")
    assert event.resource_id == str(paid["payment_id"])
    assert by_type["payment"]["body"]["action"] == "payment.created"
    verify_request(query, headers, secret)
    ts, v1 = (p.split("=")[1] for p in headers["x-signature"].split(","))
    verify_signature(
        f"ts={ts},v1={v1}", headers["x-request-id"], query["data.id"], secret
    )
    with pytest.raises(InvalidSignature):
        verify_signature(
            f"ts={ts},v1={tamper(v1)}",
            headers["x-request-id"],
            query["data.id"],
            secret,
        )

    query, headers, body = delivered(by_type["topic_merchant_order_wh"])
    event = parse_notification(query, body)
    assert event.kind == "merchant_order"
    assert event.resource_id == str(paid["merchant_order_id"])
    verify_request(query, headers, secret)


def test_webhook_retries_are_signed_afresh(emu):
    shop = Shop(emu, "MPE", webhook=emu.sink.url + "/orders")
    emu.sink.plan(500, 503)
    state = shop.orders.create(shop.request(D("59.90")), key())
    shop.pay()
    notes = emu.sink.wait(3, type="order")
    assert [n["headers"]["x-retry"] for n in notes] == ["0", "1", "2"]
    assert len({n["headers"]["x-request-id"] for n in notes}) == 1
    events = set()
    for note in notes:
        query, headers, body = delivered(note)
        verify_request(query, headers, shop.account["webhook_secret"])
        event = parse_notification(query, body)
        events.add((event.kind, event.resource_id, event.version))
    assert events == {("order", state.order_id, 2)}


def test_admin_sent_notification_for_a_real_order_verifies(emu):
    shop = Shop(emu, "MLB", webhook=emu.sink.url + "/orders")
    state = shop.orders.create(shop.request(D("10.00")), key())
    resp = emu.admin.post(
        "/emulator/v1/notifications",
        {"user_id": shop.account["user_id"], "kind": "order", "id": state.order_id},
    )
    assert resp.status == 202, resp
    [note] = emu.sink.wait(1, type="order")
    query, headers, body = delivered(note)
    verify_request(query, headers, shop.account["webhook_secret"])
    assert parse_notification(query, body).resource_id == state.order_id


# --- 5. money ------------------------------------------------------------------------


@pytest.mark.parametrize("site", SITE_IDS)
def test_money_orders_api_quantized_total(emu, site):
    emu.config(strict_item_sums=True)
    shop = Shop(emu, site)
    odoo_total, expected = UNROUNDED[site]
    lines = [ItemLine("Pasta", D(1), odoo_total)]
    # Unrounded, the request is refused before anything is sent.
    with pytest.raises(ValidationError):
        shop.orders.create(shop.request(odoo_total, items=lines), key())
    total = quantize(odoo_total, shop.currency)
    assert total == expected
    state = shop.orders.create(shop.request(total, items=lines), key())
    sent = emu.requests(method="POST", path="^/v1/orders$")
    assert [r["status"] for r in sent] == [201]
    order = shop.raw("GET", f"/v1/orders/{state.order_id}").json
    # Sent with two decimals, whole units included: the form every published
    # rule accepts (doc §9).
    assert D(order["total_amount"]) == expected
    assert order["total_amount"] == f"{expected:.2f}"
    shop.pay()
    state = shop.orders.get(state.order_id)
    assert state.paid_amount == expected
    payment = shop.payments.get_payment(state.operation_number)
    fee = sum(D(str(f["amount"])) for f in payment["fee_details"])
    net = D(str(payment["transaction_details"]["net_received_amount"]))
    [entry] = shop.ledger()["entries"]
    assert (D(entry["gross"]), D(entry["fee"]), D(entry["net"])) == (
        state.paid_amount,
        fee,
        net,
    )
    assert net == state.paid_amount - fee
    assert fee == quantize(expected * D(emu_fee(emu, site)) / 100, shop.currency)


@pytest.mark.parametrize("site", SITE_IDS)
def test_money_v2_quantized_total(emu, site):
    emu.config(strict_item_sums=True)
    shop = Shop(emu, site)
    odoo_total, expected = UNROUNDED[site]
    total = quantize(odoo_total, shop.currency)
    req = shop.request(total, items=[ItemLine("Cafe", D(3), odoo_total / 3)])
    shop.v2.create(req, key())
    assert D(shop.pending()["total_amount"]) == expected
    shop.pay()
    state = shop.v2.get(req.external_reference)
    assert state.status == "paid" and state.paid_amount == expected
    [entry] = shop.ledger()["entries"]
    assert D(entry["gross"]) == state.paid_amount
    # The fee the addon reads (the payment's fee_details) is the ledger's.
    fee = sum(
        D(str(f["amount"]))
        for p in state.raw["payments"]
        for f in p.get("fee_details") or []
    )
    assert D(entry["fee"]) == fee
    assert D(entry["net"]) == state.paid_amount - fee
    # The partial refund of a third returns the fee in proportion.
    third = quantize(expected / 3, shop.currency)
    shop.v2.refund(req.external_reference, third, key())
    refund = shop.ledger()["entries"][-1]
    assert D(refund["gross"]) == -third
    assert D(refund["net"]) == D(refund["gross"]) - D(refund["fee"])
    assert shop.v2.get(req.external_reference).refunded_amount == third


def emu_fee(emu, site):
    return emu.admin.get("/emulator/v1/config").json["fee_percent"][site]


def test_whole_flow_stays_fast(emu):
    """A guard on the fixtures: one full Orders API cycle in well under a second."""
    started = time.monotonic()
    shop = Shop(emu, "MLA")
    state = shop.orders.create(shop.request(D("1.00")), key())
    shop.pay()
    shop.orders.refund(state.order_id, None, key())
    assert time.monotonic() - started < 2
