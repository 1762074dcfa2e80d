"""users/me, stores and cashboxes over real HTTP, success and error paths."""

import pytest
from client_fixtures import USER_ID, Reply

from mercado_pago.catalog import CatalogClient, pos_payload, store_payload
from mercado_pago.errors import (
    AuthenticationError,
    ConflictError,
    UnavailableError,
    ValidationError,
)

LOCATION = {
    "street_number": "3039",
    "street_name": "Caseros",
    "city_name": "Belgrano",
    "state_name": "Capital Federal",
    "latitude": -34.63,
    "longitude": -58.41,
    "reference": "3er piso",
}
STORE = {"id": 1234567, "name": "Sucursal Centro", "external_id": "SUC001"}
POS = {
    "id": 2711382,
    "name": "Caja 1",
    "fixed_amount": True,
    "store_id": 1234567,
    "external_store_id": "SUC001",
    "external_id": "SUC001POS001",
    "qr": {"image": "https://example.invalid/qr.png"},
}
STORES_PATH = f"/users/{USER_ID}/stores"
SEARCH_PATH = f"/users/{USER_ID}/stores/search"


@pytest.fixture
def catalog(mp_server):
    return CatalogClient(mp_server.session())


def paged(results, total=None):
    total = len(results) if total is None else total
    return {"paging": {"total": total, "offset": 0, "limit": 50}, "results": results}


# -- payload builders --------------------------------------------------------


def test_store_payload_is_checked_and_normalised():
    payload = store_payload(
        " Sucursal Centro ",
        "SUC001",
        dict(LOCATION, street_number=3039, latitude="-34.63", zip_code="1425"),
        business_hours={"monday": [{"open": "08:00", "close": "12:00"}]},
    )
    assert payload["name"] == "Sucursal Centro"
    assert payload["location"]["street_number"] == "3039"
    assert payload["location"]["latitude"] == -34.63
    assert payload["location"]["zip_code"] == "1425"
    assert payload["business_hours"] == {
        "monday": [{"open": "08:00", "close": "12:00"}]
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"external_id": "SUC-001"}, "external_id"),
        ({"location": None}, "location"),
        ({"location": dict(LOCATION, city_name="")}, "location.city_name"),
        ({"location": dict(LOCATION, latitude=None)}, "location.latitude"),
        ({"location": dict(LOCATION, longitude="east")}, "location.longitude"),
        ({"location": dict(LOCATION, latitude=123)}, "location.latitude"),
        ({"business_hours": {"funday": []}}, "business_hours.funday"),
        (
            {"business_hours": {"monday": [{"open": "8", "close": "9"}]}},
            "business_hours.monday",
        ),
        (
            {"business_hours": {"friday": [{"open": "08:00", "close": "09:00"}] * 5}},
            "business_hours.friday",
        ),
        ({"business_hours": ["monday"]}, "business_hours"),
    ],
)
def test_store_payload_refuses(kwargs, field):
    args = {"name": "Centro", "external_id": "SUC001", "location": LOCATION}
    args.update(kwargs)
    with pytest.raises(ValidationError) as info:
        store_payload(**args)
    assert info.value.field == field


def test_pos_payload_is_attended_and_checked():
    payload = pos_payload(
        "Caja 1", "SUC001POS001", "1234567", "SUC001", category=621102
    )
    assert payload == {
        "name": "Caja 1",
        "fixed_amount": True,
        "store_id": 1234567,
        "external_store_id": "SUC001",
        "external_id": "SUC001POS001",
        "category": 621102,
    }
    assert "category" not in pos_payload("Caja 1", "P1", 1, "S1")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("x" * 45, "P1", 1, "S1"), "name"),
        (("Caja", "P-1", 1, "S1"), "external_id"),
        (("Caja", "P" * 40, 1, "S1"), "external_id"),
        (("Caja", "P1", "abc", "S1"), "store_id"),
        (("Caja", "P1", 1, "S 1"), "external_store_id"),
        (("Caja", "P1", 1, "S1", 1234), "category"),
        (("Caja", "P1", 1, "S1", "621102"), "category"),
    ],
)
def test_pos_payload_refuses(args, field):
    with pytest.raises(ValidationError) as info:
        pos_payload(*args)
    assert info.value.field == field


# -- users/me ----------------------------------------------------------------


def test_users_me(mp_server, catalog):
    mp_server.script(
        "GET", "/users/me", Reply(200, {"id": 987654321, "site_id": "MLA"})
    )
    assert catalog.users_me()["id"] == 987654321


def test_users_me_bad_token(mp_server, catalog):
    mp_server.script("GET", "/users/me", Reply(401, {"message": "invalid_token"}))
    with pytest.raises(AuthenticationError):
        catalog.users_me()


# -- stores ------------------------------------------------------------------


def test_store_crud(mp_server, catalog):
    payload = store_payload("Sucursal Centro", "SUC001", LOCATION)
    mp_server.script("POST", STORES_PATH, Reply(200, STORE))
    mp_server.script("PUT", f"{STORES_PATH}/1234567", Reply(500), Reply(200, STORE))
    assert catalog.create_store(USER_ID, payload)["id"] == 1234567
    assert mp_server.calls("POST")[0].json == payload
    assert catalog.update_store(USER_ID, 1234567, payload) == STORE
    assert len(mp_server.calls("PUT")) == 2  # PUT replaces: safe to retry


def test_store_errors(mp_server, catalog):
    body = {
        "message": "invalid city",
        "error": "bad_request",
        "status": 400,
        "cause": [{"code": "INVALID_CITY_NAME", "description": "invalid city"}],
    }
    mp_server.script("POST", STORES_PATH, Reply(400, body))
    with pytest.raises(ValidationError) as info:
        catalog.create_store(USER_ID, store_payload("C", "SUC001", LOCATION))
    assert info.value.field == "location.city_name"


def test_user_id_must_be_numeric(catalog):
    token_like = "APP_USR-123-abc"
    with pytest.raises(ValidationError) as info:
        catalog.create_store(token_like, {})
    assert info.value.field == "user_id"
    with pytest.raises(ValidationError):
        catalog.search_stores("12/../34")


def test_store_search_paginates(mp_server, catalog):
    first = [{"id": n, "external_id": f"S{n}"} for n in range(50)]
    mp_server.script(
        "GET",
        SEARCH_PATH,
        Reply(200, paged(first, total=52)),
        Reply(200, paged([{"id": 50}, {"id": 51}], total=52)),
    )
    stores = catalog.search_stores(USER_ID)
    assert [s["id"] for s in stores] == list(range(52))
    offsets = [c.query["offset"] for c in mp_server.calls("GET", SEARCH_PATH)]
    assert offsets == ["0", "50"]


def test_find_store_by_external_id(mp_server, catalog):
    mp_server.script(
        "GET",
        SEARCH_PATH,
        Reply(200, paged([{"id": 1, "external_id": "SUC0011"}, STORE])),
        Reply(200, paged([])),
    )
    assert catalog.find_store_by_external_id(USER_ID, "SUC001") == STORE
    assert mp_server.calls("GET")[0].query["external_id"] == "SUC001"
    assert catalog.find_store_by_external_id(USER_ID, "SUC001") is None


def test_create_store_or_find_returns_existing_without_creating(mp_server, catalog):
    mp_server.script("GET", SEARCH_PATH, Reply(200, paged([STORE])))
    payload = store_payload("Sucursal Centro", "SUC001", LOCATION)
    assert catalog.create_store_or_find(USER_ID, payload) == STORE
    assert mp_server.calls("POST") == []


def test_create_store_or_find_after_lost_answer_finds_it(mp_server):
    catalog = CatalogClient(mp_server.session(read_timeout=0.2))
    mp_server.script(
        "GET", SEARCH_PATH, Reply(200, paged([])), Reply(200, paged([STORE]))
    )
    # Created remotely, answer lost: not retried blindly, found by external_id.
    mp_server.script("POST", STORES_PATH, Reply(200, STORE, delay=0.6))
    payload = store_payload("Sucursal Centro", "SUC001", LOCATION)
    assert catalog.create_store_or_find(USER_ID, payload) == STORE
    assert len(mp_server.calls("POST")) == 1


def test_create_store_or_find_reraises_when_nothing_found(mp_server, catalog):
    mp_server.script("GET", SEARCH_PATH, Reply(200, paged([])), Reply(200, paged([])))
    mp_server.script("POST", STORES_PATH, Reply(503, {"message": "down"}))
    payload = store_payload("Sucursal Centro", "SUC001", LOCATION)
    with pytest.raises(UnavailableError) as info:
        catalog.create_store_or_find(USER_ID, payload)
    assert info.value.unknown_outcome is True


def test_create_store_or_find_on_duplicate_validation(mp_server, catalog):
    mp_server.script(
        "GET", SEARCH_PATH, Reply(200, paged([])), Reply(200, paged([STORE]))
    )
    mp_server.script(
        "POST",
        STORES_PATH,
        Reply(
            400, {"error": "VALIDATION_ERROR", "message": "External_id-already-used"}
        ),
    )
    payload = store_payload("Sucursal Centro", "SUC001", LOCATION)
    assert catalog.create_store_or_find(USER_ID, payload) == STORE


def test_create_store_or_find_does_not_hide_plain_validation_errors(mp_server, catalog):
    mp_server.script("GET", SEARCH_PATH, Reply(200, paged([])))
    mp_server.script("POST", STORES_PATH, Reply(400, {"error": "INVALID_STATE_NAME"}))
    payload = store_payload("Sucursal Centro", "SUC001", LOCATION)
    with pytest.raises(ValidationError) as info:
        catalog.create_store_or_find(USER_ID, payload)
    assert info.value.field == "location.state_name"
    assert len(mp_server.calls("GET")) == 1


# -- cashboxes ---------------------------------------------------------------


def test_pos_crud(mp_server, catalog):
    payload = pos_payload("Caja 1", "SUC001POS001", 1234567, "SUC001")
    mp_server.script("POST", "/pos", Reply(200, POS))
    mp_server.script("PUT", "/pos/2711382", Reply(200, dict(POS, name="Caja 2")))
    assert catalog.create_pos(payload)["qr"]["image"].endswith("qr.png")
    assert mp_server.calls("POST")[0].json["fixed_amount"] is True
    assert catalog.update_pos("2711382", {"name": "Caja 2"})["name"] == "Caja 2"


def test_pos_errors(mp_server, catalog):
    mp_server.script(
        "POST",
        "/pos",
        Reply(409, {"message": "duplicated external_id", "error": "conflict"}),
        Reply(400, {"error": "EXTERNAL_ID_TOO_LONG", "message": "too long"}),
    )
    with pytest.raises(ConflictError):
        catalog.create_pos({"external_id": "X"})
    with pytest.raises(ValidationError) as info:
        catalog.create_pos({"external_id": "X"})
    assert info.value.field == "external_id"
    with pytest.raises(ValidationError):
        catalog.update_pos("abc", {})  # INVALID_POS_ID: must be numeric


def test_search_pos_by_external_id(mp_server, catalog):
    mp_server.script("GET", "/pos", Reply(200, paged([POS])))
    assert catalog.search_pos(external_id="SUC001POS001") == [POS]
    assert mp_server.calls("GET", "/pos")[0].query["external_id"] == "SUC001POS001"
    with pytest.raises(ValidationError):
        catalog.search_pos(external_id="bad-id")


def test_find_pos_by_external_id_is_case_insensitive(mp_server, catalog):
    mp_server.script(
        "GET",
        "/pos",
        Reply(200, paged([dict(POS, external_id="suc001pos001")])),
        Reply(200, {"paging": {"total": 0}, "results": []}),
    )
    assert catalog.find_pos_by_external_id("SUC001POS001")["id"] == 2711382
    assert catalog.find_pos_by_external_id("SUC001POS002") is None


def test_create_pos_or_find_on_conflict(mp_server, catalog):
    mp_server.script("GET", "/pos", Reply(200, paged([])), Reply(200, paged([POS])))
    mp_server.script("POST", "/pos", Reply(409, {"message": "external_id in use"}))
    payload = pos_payload("Caja 1", "SUC001POS001", 1234567, "SUC001")
    assert catalog.create_pos_or_find(payload) == POS
    assert len(mp_server.calls("POST")) == 1


def test_create_pos_or_find_after_dropped_connection(mp_server, catalog):
    mp_server.script("GET", "/pos", Reply(200, paged([])), Reply(200, paged([POS])))
    mp_server.script("POST", "/pos", Reply(close=True))
    payload = pos_payload("Caja 1", "SUC001POS001", 1234567, "SUC001")
    assert catalog.create_pos_or_find(payload) == POS
    assert len(mp_server.calls("POST")) == 1


def test_create_pos_or_find_creates_when_absent(mp_server, catalog):
    mp_server.script("GET", "/pos", Reply(200, paged([])))
    mp_server.script("POST", "/pos", Reply(200, POS))
    payload = pos_payload("Caja 1", "SUC001POS001", 1234567, "SUC001")
    assert catalog.create_pos_or_find(payload) == POS


def test_create_pos_or_find_conflict_not_found_reraises(mp_server, catalog):
    mp_server.script("GET", "/pos", Reply(200, paged([])), Reply(200, paged([])))
    mp_server.script("POST", "/pos", Reply(409, {"message": "conflict"}))
    payload = pos_payload("Caja 1", "SUC001POS001", 1234567, "SUC001")
    with pytest.raises(ConflictError):
        catalog.create_pos_or_find(payload)
