"""external_reference and external ids: Mercado Pago's charset and length rules."""

import re

import pytest

from mercado_pago.errors import ValidationError
from mercado_pago.references import (
    check_external_reference,
    check_pos_external_id,
    check_pos_name,
    check_resource_id,
    check_store_external_id,
    check_store_name,
    make_external_reference,
    make_pos_external_id,
    make_store_external_id,
)

REF_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def test_make_external_reference_sanitises_and_is_deterministic():
    ref = make_external_reference("Shop/Main 1", "Order 00042-001-0007", 3)
    assert ref == "Shop_Main_1-Order_00042-001-0007-3"
    assert ref == make_external_reference("Shop/Main 1", "Order 00042-001-0007", 3)
    assert make_external_reference("Café", None, "", "ñandú (1)") == "Cafe-nandu_1"
    check_external_reference(ref)


def test_make_external_reference_keeps_uniqueness_when_too_long():
    base = "x" * 70
    first = make_external_reference(base, "attempt", 1)
    second = make_external_reference(base, "attempt", 2)
    assert len(first) == len(second) == 64
    assert first != second
    assert REF_RE.fullmatch(first) and REF_RE.fullmatch(second)
    assert first == make_external_reference(base, "attempt", 1)


def test_make_external_reference_needs_content():
    with pytest.raises(ValueError):
        make_external_reference("///", None)


@pytest.mark.parametrize(
    "bad", ["", "a" * 65, "has space", "a/b", "a[1]", "(x)", "'q'", "a@b", None, 12]
)
def test_check_external_reference_refuses(bad):
    with pytest.raises(ValidationError) as info:
        check_external_reference(bad)
    assert info.value.field == "external_reference"


def test_check_external_reference_accepts_the_limits():
    assert check_external_reference("a" * 64) == "a" * 64
    assert check_external_reference("POS-0001_00042") == "POS-0001_00042"


def test_pos_and_store_external_ids():
    pos = make_pos_external_id("db-uuid-1/company-1", 7)
    store = make_store_external_id("db-uuid-1/company-1", 7)
    assert pos != store
    assert pos == make_pos_external_id("db-uuid-1/company-1", 7)
    assert pos != make_pos_external_id("db-uuid-2/company-1", 7)
    assert pos.isalnum() and pos.isupper() and len(pos) < 40
    assert check_pos_external_id(pos) == pos
    assert check_store_external_id(store) == store
    with pytest.raises(ValueError):
        make_pos_external_id("seed", -1)
    with pytest.raises(ValueError):
        make_pos_external_id("", 1)
    with pytest.raises(ValueError):
        make_pos_external_id("seed", 10**30)


@pytest.mark.parametrize("bad", ["", "SUC-001", "SUC 001", "SUC_001", "a" * 40, None])
def test_check_pos_external_id_refuses(bad):
    with pytest.raises(ValidationError) as info:
        check_pos_external_id(bad)
    assert info.value.field == "external_id"
    assert info.value.code == "INVALID_EXTERNAL_ID"


def test_check_pos_external_id_limit_is_39():
    assert check_pos_external_id("a" * 39)


def test_check_store_external_id():
    assert check_store_external_id("S" * 60)
    for bad in ("S" * 61, "SUC-1", ""):
        with pytest.raises(ValidationError):
            check_store_external_id(bad)
    # Stores created outside Odoo may use "_" and "-": accepted when referenced.
    assert check_store_external_id("SUC-1_a", strict=False) == "SUC-1_a"
    for bad in ("S" * 61, "SUC 1", "", None):
        with pytest.raises(ValidationError) as info:
            check_store_external_id(bad, field="external_store_id", strict=False)
        assert info.value.field == "external_store_id"


def test_names():
    assert check_pos_name("Caja 1") == "Caja 1"
    assert check_pos_name("n" * 44)
    with pytest.raises(ValidationError) as info:
        check_pos_name("n" * 45)
    assert info.value.code == "NAME_TOO_LONG"
    with pytest.raises(ValidationError):
        check_pos_name("  ")
    assert check_store_name("Sucursal Centro")
    for bad in ("", "n" * 256, None):
        with pytest.raises(ValidationError):
            check_store_name(bad)


def test_check_resource_id():
    assert check_resource_id(123, "store_id", numeric=True) == "123"
    assert check_resource_id("ORD01ABC", "order_id") == "ORD01ABC"
    for bad in ("12a", "", "../x", True):
        with pytest.raises(ValidationError):
            check_resource_id(bad, "pos_id", numeric=True)
    with pytest.raises(ValidationError):
        check_resource_id("ORD/../../x", "order_id")
