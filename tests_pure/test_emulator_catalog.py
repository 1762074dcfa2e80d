"""Auth, /users/me, stores (doc §2), cashboxes (doc §3), QR images: raw HTTP."""

from __future__ import annotations

import statistics
import struct
import time
import urllib.parse
import zlib
from http.client import HTTPConnection

import pytest
from emulator_fixtures import PLACES, http

LOCATION = {
    "street_number": "3039",
    "street_name": "Caseros",
    "city_name": "Belgrano",
    "state_name": "Capital Federal",
    "latitude": -34.63,
    "longitude": -58.41,
    "reference": "3er piso",
}


def store_body(**over):
    body = {"name": "Sucursal Centro", "external_id": "SUC001", "location": LOCATION}
    body.update(over)
    return body


# --- auth -----------------------------------------------------------------------------


def test_emulator_auth_missing_and_unknown_token(emu):
    api = emu.api()
    resp = api.get("/users/me")
    assert resp.status == 401
    assert resp.json["error"] == "unauthorized" and resp.json["status"] == 401
    assert resp.json["cause"] == []
    resp = api.get("/users/me", token="APP_USR-nope")
    assert resp.status == 401
    assert resp.json["message"] == "invalid access token"


def test_emulator_auth_error_styles_per_api(emu):
    api = emu.api("APP_USR-bad")
    orders = api.post("/v1/orders", {}, headers={"X-Idempotency-Key": "k"})
    assert orders.status == 401
    assert orders.json["errors"][0]["code"] == "unauthorized"
    v2 = api.get("/instore/qr/seller/collectors/1/pos/X/orders")
    assert v2.status == 401 and v2.json["errorKey"] == "invalid_access_token"


def test_emulator_auth_disabled_account_and_query_token(emu):
    acc = emu.account()
    assert emu.api(acc).get("/users/me").status == 200
    # Old docs passed ?access_token=; refused unless the knob allows it.
    assert emu.api().get(f"/users/me?access_token={acc['access_token']}").status == 401
    emu.config(accept_query_token=True)
    assert emu.api().get(f"/users/me?access_token={acc['access_token']}").status == 200
    emu.admin.patch(f"/emulator/v1/accounts/{acc['user_id']}", {"disabled": True})
    assert emu.api(acc).get("/users/me").status == 401


def test_emulator_users_me(emu):
    acc = emu.account("MLB")
    me = emu.api(acc).get("/users/me").json
    assert me["id"] == acc["user_id"] and isinstance(me["id"], int)
    assert me["site_id"] == "MLB" and me["country_id"] == "BR"
    assert acc["access_token"].startswith("APP_USR-")
    assert acc["access_token"].endswith(f"-{acc['user_id']}")


def test_emulator_keep_alive_answers_without_nagle_delay(emu):
    """Regression: headers and body leave in two writes; with Nagle on, every
    answer on a kept-alive connection waited ~40 ms for the client's ACK."""
    acc = emu.account("MLA")
    parts = urllib.parse.urlsplit(emu.url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=5)
    headers = {"Authorization": f"Bearer {acc['access_token']}"}
    took = []
    try:
        for _ in range(9):
            started = time.monotonic()
            conn.request("GET", "/users/me", headers=headers)
            resp = conn.getresponse()
            assert resp.status == 200 and resp.read()
            took.append(time.monotonic() - started)
    finally:
        conn.close()
    assert statistics.median(took[1:]) < 0.025, took


def test_emulator_unknown_route_and_method(emu):
    acc = emu.account()
    assert emu.api(acc).get("/nope").status == 404
    assert emu.api(acc).call("PATCH", "/users/me").status == 405


# --- stores ---------------------------------------------------------------------------


def test_emulator_store_crud(emu):
    acc = emu.account()
    api, uid = emu.api(acc), acc["user_id"]
    hours = {"monday": [{"open": "08:00", "close": "12:00"}]}
    resp = api.post(f"/users/{uid}/stores", store_body(business_hours=hours))
    assert resp.status == 200
    store = resp.json
    assert isinstance(store["id"], int)
    loc = store["location"]
    assert loc["address_line"] == "Caseros, 3039, Belgrano, Capital Federal."
    assert str(loc["latitude"]) == "-34.63"
    assert store["business_hours"] == hours
    assert api.get(f"/stores/{store['id']}").json["name"] == "Sucursal Centro"
    found = api.get(f"/users/{uid}/stores/search?external_id=SUC001").json
    assert found["paging"]["total"] == 1 and found["results"][0]["id"] == store["id"]
    empty = api.get(f"/users/{uid}/stores/search?external_id=NOPE").json
    assert empty["paging"]["total"] == 0 and empty["results"] == []
    upd = api.put(f"/users/{uid}/stores/{store['id']}", {"name": "Renamed"})
    assert upd.status == 200 and upd.json["name"] == "Renamed"
    gone = api.delete(f"/users/{uid}/stores/{store['id']}")
    assert gone.status == 200
    assert gone.json == {"store": store["id"], "user": uid}
    assert api.get(f"/stores/{store['id']}").status == 404


@pytest.mark.parametrize(
    "change, code",
    [
        ({"name": ""}, "INVALID_NAME"),
        ({"bogus": 1}, "UNKNOWN_FIELD"),
        ({"external_id": "X" * 61}, "VALIDATION_ERROR"),
        ({"external_id": "SUC-001"}, "VALIDATION_ERROR"),
        ({"location": None}, "INVALID_LOCATION"),
        ({"location": {**LOCATION, "street_number": None}}, "INVALID_STREET_NUMBER"),
        ({"location": {**LOCATION, "street_name": ""}}, "INVALID_STREET_NAME"),
        ({"location": {**LOCATION, "city_name": 5}}, "INVALID_CITY_NAME"),
        ({"location": {**LOCATION, "state_name": "Narnia"}}, "INVALID_STATE_NAME"),
        ({"location": {**LOCATION, "reference": 3}}, "INVALID_REFERENCE"),
        ({"location": {**LOCATION, "latitude": "x"}}, "INVALID_LOCATION"),
        (
            {"location": {**LOCATION, "latitude": 48.85, "longitude": 2.35}},
            "BAD_REQUEST",
        ),
        ({"business_hours": {"funday": []}}, "INVALID_DAY"),
        (
            {"business_hours": {"monday": [{"open": "08:00", "close": "09:00"}] * 5}},
            "INVALID_BUSINESS_HOURS",
        ),
        (
            {"business_hours": {"monday": [{"open": "25:00", "close": "26:00"}]}},
            "INVALID_BUSINESS_HOURS",
        ),
    ],
)
def test_emulator_store_validation(emu, change, code):
    acc = emu.account()
    body = store_body(**change)
    if change.get("location") is None and "location" in change:
        del body["location"]
    resp = emu.api(acc).post(f"/users/{acc['user_id']}/stores", body)
    assert resp.status == 400, resp
    assert resp.json["error"] == code
    assert resp.json["cause"][0]["code"] == code


def test_emulator_store_and_pos_errors_carry_error_key(emu):
    """Stores and POS error bodies carry errorKey: devsite-docs
    reference/api-json/stores.json, GET /stores/{id} 400 schema
    {"errorKey": "INVALID_STORE_ID"}; the legacy "error" stays alongside."""
    acc = emu.account()
    api = emu.api(acc)
    resp = api.post(f"/users/{acc['user_id']}/stores", {"name": ""})
    assert resp.status == 400
    assert resp.json["errorKey"] == resp.json["error"]
    pos = api.get("/pos/abc")
    assert pos.json["errorKey"] == pos.json["error"] == "INVALID_POS_ID"
    payments = api.get("/v1/payments/123")  # payments keep the legacy body
    assert "errorKey" not in payments.json


def test_emulator_store_accents_duplicates_and_forbidden(emu):
    acc, other = emu.account(), emu.account()
    api, uid = emu.api(acc), acc["user_id"]
    ok = api.post(
        f"/users/{uid}/stores",
        store_body(
            location={
                **LOCATION,
                "state_name": "cordoba",
                "latitude": -31.4,
                "longitude": -64.18,
            },
        ),
    )
    assert ok.status == 200
    dup = api.post(f"/users/{uid}/stores", store_body())
    assert dup.status == 400 and "External_id-already-used" in dup.json["message"]
    assert api.post(f"/users/{other['user_id']}/stores", store_body()).status == 403
    assert api.get(f"/users/{other['user_id']}/stores/search").status == 403
    # Another account's store is invisible.
    assert emu.api(other).get(f"/stores/{ok.json['id']}").status == 404


@pytest.mark.parametrize("site", sorted(PLACES))
def test_emulator_store_every_site(emu, site):
    acc = emu.account(site)
    state, lat, lon, _mcc = PLACES[site]
    body = store_body(
        location={**LOCATION, "state_name": state, "latitude": lat, "longitude": lon}
    )
    resp = emu.api(acc).post(f"/users/{acc['user_id']}/stores", body)
    assert resp.status == 200, resp
    # Mexico City is outside every other site, Buenos Aires outside Mexico.
    far = PLACES["MLM"] if site != "MLM" else PLACES["MLA"]
    body["location"].update(latitude=far[1], longitude=far[2], state_name=state)
    body["external_id"] = "OTHER1"
    resp = emu.api(acc).post(f"/users/{acc['user_id']}/stores", body)
    assert resp.status == 400 and resp.json["error"] == "BAD_REQUEST"


def test_emulator_store_knobs(emu):
    acc = emu.account()
    api, uid = emu.api(acc), acc["user_id"]
    emu.config(store_id_type="string", store_external_id_charset="any")
    resp = api.post(f"/users/{uid}/stores", store_body(external_id="SUC-1"))
    assert resp.status == 200 and isinstance(resp.json["id"], str)
    emu.config(store_external_id_required=True)
    body = store_body()
    del body["external_id"]
    assert api.post(f"/users/{uid}/stores", body).status == 400


# --- cashboxes ------------------------------------------------------------------------


def test_emulator_pos_crud_and_qr_urls(emu):
    acc = emu.account()
    store, pos = emu.cashbox(acc, pos="SUC1POS1", category=621102)
    api = emu.api(acc)
    assert pos["external_id"] == "SUC1POS1" and pos["fixed_amount"] is True
    assert pos["store_id"] == store["id"] and pos["external_store_id"] == "SUC1"
    assert pos["status"] == "active" and pos["user_id"] == acc["user_id"]
    assert pos["qr"]["image"] == f"{emu.url}/emulator/qr/{pos['id']}.png"
    assert pos["qr"]["template_document"].endswith(f"/{pos['id']}/template.pdf")
    assert pos["qr"]["template_image"].endswith(f"/{pos['id']}/template.png")
    assert api.get(f"/pos/{pos['id']}").json["name"] == pos["name"]
    listing = api.get("/pos?external_id=SUC1POS1").json
    assert listing["paging"]["total"] == 1 and listing["results"][0]["id"] == pos["id"]
    assert api.get(f"/pos?store_id={store['id']}").json["paging"]["total"] == 1
    assert api.get("/pos?category=621102").json["paging"]["total"] == 1
    assert api.get("/pos?external_store_id=NOPE").json["paging"]["total"] == 0
    upd = api.put(f"/pos/{pos['id']}", {"name": "Caja renamed"})
    assert upd.status == 200 and upd.json["name"] == "Caja renamed"
    assert api.delete(f"/pos/{pos['id']}").status == 200
    assert api.get(f"/pos/{pos['id']}").status == 404
    assert api.delete("/pos/abc").json["error"] == "INVALID_POS_ID"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"name": "N" * 45}, "NAME_TOO_LONG"),
        ({"name": None}, "INVALID_NAME"),
        ({"fixed_amount": "yes"}, "INVALID_FIXED_AMOUNT"),
        ({"external_id": "POS-1"}, "INVALID_EXTERNAL_ID"),
        ({"external_id": "POS 1"}, "INVALID_EXTERNAL_ID"),
        ({"external_id": "P" * 40}, "EXTERNAL_ID_TOO_LONG"),
        ({"category": 1234}, "UNKNOWN_MCC"),
        ({"category": "food"}, "INVALID_CATEGORY"),
        ({"external_store_id": "NOPE"}, "INEXISTENT_EXTERNAL_STORE_ID"),
        ({"store_id": "abc"}, "INVALID_STORE_ID"),
        ({"store_id": 1}, "INVALID_STORE_ID"),
        ({"external_store_id": "SUC2"}, "EXTERNAL_STORE_ID_NOT_MATCH"),
        ({"url": "notaurl"}, "INVALID_URL"),
        ({"url": "https://x.test/" + "a" * 300}, "URL_TOO_LONG"),
        ({"url": "https://x.test/cb", "fixed_amount": False}, "FIXED_AMOUNT_FALSE"),
        ({"surprise": 1}, "UNKNOWN_FIELD_EXCEPTION"),
    ],
)
def test_emulator_pos_validation(emu, change, code):
    acc = emu.account()
    store, _ = emu.cashbox(acc, pos="BASE1")
    emu.cashbox(acc, pos="BASE2", store="SUC2")
    body = {
        "name": "Caja",
        "fixed_amount": True,
        "store_id": store["id"],
        "external_store_id": "SUC1",
        "external_id": "NEWPOS1",
        **change,
    }
    resp = emu.api(acc).post("/pos", body)
    assert resp.status == 400, resp
    assert resp.json["error"] == code


def test_emulator_pos_rules(emu):
    acc = emu.account()
    store, pos = emu.cashbox(acc)
    api = emu.api(acc)
    assert api.post("/pos", b"").json["error"] == "MISSING_BODY"
    dup = api.post(
        "/pos",
        {
            "name": "x",
            "fixed_amount": True,
            "store_id": store["id"],
            "external_store_id": "SUC1",
            "external_id": "POS1",
        },
    )
    assert dup.status == 409
    frozen = api.put(f"/pos/{pos['id']}", {"external_id": "OTHER"})
    assert frozen.status == 400 and frozen.json["error"] == "INVALID_EXTERNAL_ID"
    # Both store references are required by default; "either" resolves the other.
    half = {
        "name": "x",
        "fixed_amount": True,
        "store_id": store["id"],
        "external_id": "POS2",
    }
    assert api.post("/pos", half).json["error"] == "INVALID_EXTERNAL_STORE_ID"
    emu.config(pos_store_fields="either")
    made = api.post("/pos", half)
    assert made.status == 200 and made.json["external_store_id"] == "SUC1"
    # Another account cannot see it; the external id is per account.
    other = emu.account()
    assert emu.api(other).get(f"/pos/{pos['id']}").status == 404
    emu.cashbox(other, pos="POS1")


def test_emulator_pos_external_id_case_knob(emu):
    acc = emu.account()
    emu.cashbox(acc, pos="Pos1")
    assert emu.order(acc, pos="POS1").status == 404
    emu.config(pos_external_id_case_insensitive=True)
    assert emu.order(acc, pos="POS1").status == 201


# --- QR images and templates ----------------------------------------------------------


def _png_pixels(data: bytes):
    """Decode our 8-bit grayscale PNG (no filters) into rows of bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert zlib.crc32(kind + chunk) & 0xFFFFFFFF == crc
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = len(raw) // height
    return (
        width,
        height,
        [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)],
    )


def test_emulator_qr_png_encodes_customer_page(emu):
    qrcode = pytest.importorskip("qrcode")
    acc = emu.account()
    _, pos = emu.cashbox(acc)
    resp = http("GET", pos["qr"]["image"])
    assert resp.status == 200 and resp.headers["content-type"] == "image/png"
    width, height, rows = _png_pixels(resp.body)
    # Rebuild the expected matrix independently and compare module by module.
    url = f"{emu.url}/emulator/customer/POS1?user_id={acc['user_id']}"
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    box = width // len(matrix)
    assert width == height == box * len(matrix)
    for r, line in enumerate(matrix):
        for c, dark in enumerate(line):
            assert rows[r * box][c * box] == (0 if dark else 255)
    # And the URL it encodes is the customer page of that cashbox.
    page = http("GET", url)
    assert page.status == 200 and "Cashbox POS1" in page.text


def test_emulator_qr_templates(emu):
    pytest.importorskip("qrcode")
    acc = emu.account()
    _, pos = emu.cashbox(acc)
    pdf = http("GET", pos["qr"]["template_document"])
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-1.4") and pdf.body.rstrip().endswith(b"%%EOF")
    xref = int(pdf.body.rsplit(b"startxref\n", 1)[1].split()[0])
    assert pdf.body[xref : xref + 4] == b"xref"
    png = http("GET", pos["qr"]["template_image"])
    assert png.status == 200 and png.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert http("GET", f"{emu.url}/emulator/qr/999.png").status == 404


def test_emulator_customer_page_lists_and_escapes(emu):
    acc = emu.account()
    emu.cashbox(acc, pos="POS1", name="<b>Caja</b>")
    page = http("GET", f"{emu.url}/emulator/customer")
    assert page.status == 200 and "&lt;b&gt;Caja&lt;/b&gt;" in page.text
    assert "make an order first" in page.text
    one = http("GET", f"{emu.url}/emulator/customer/POS1")
    assert one.status == 200 and "make an order first" in one.text
    missing = http("GET", f"{emu.url}/emulator/customer/NOPE")
    assert missing.status == 404
    quoted = urllib.parse.quote("POS1")
    assert http("GET", f"{emu.url}/emulator/customer/{quoted}").status == 200


def test_emulator_dynamic_order_qr_and_public_url(emu):
    pytest.importorskip("qrcode")
    acc = emu.account()
    emu.cashbox(acc)
    emu.config(public_url="https://emu.example.test/")
    pos = emu.api(acc).get("/pos?external_id=POS1").json["results"][0]
    assert pos["qr"]["image"].startswith("https://emu.example.test/emulator/qr/")
    order = emu.order(
        acc, config={"qr": {"external_pos_id": "POS1", "mode": "dynamic"}}
    )
    png = http("GET", f"{emu.url}/emulator/qr/order/{order.json['id']}.png")
    assert png.status == 200 and png.body[:8] == b"\x89PNG\r\n\x1a\n"
    emu.config(pending_order_policy="reject")
    static = emu.order(acc, pos="POS1")  # the cashbox is busy: 409, no QR
    assert static.status == 409
    assert http("GET", f"{emu.url}/emulator/qr/order/ORDX.png").status == 404
