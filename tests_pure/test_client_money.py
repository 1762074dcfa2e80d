"""Money per currency (all seven sites) and item lines that sum exactly."""

from decimal import Decimal as D

import pytest

from mercado_pago.errors import ValidationError
from mercado_pago.money import (
    SITES,
    Item,
    ItemLine,
    build_items,
    currency_decimals,
    format_orders_amount,
    format_v2_amount,
    from_minor_units,
    parse_amount,
    quantize,
    to_minor_units,
)

TWO_DECIMALS = ["ARS", "BRL", "MXN", "PEN", "UYU"]
NO_DECIMALS = ["CLP", "COP"]
ALL = TWO_DECIMALS + NO_DECIMALS


def test_sites_table():
    assert set(SITES) == {"MLA", "MLB", "MLM", "MLC", "MCO", "MPE", "MLU"}
    assert SITES["MLA"].gastronomy_mcc == 621102
    assert SITES["MLB"].gas_station_mcc == 4731300
    assert SITES["MLC"].currency == "CLP" and SITES["MLC"].decimals == 0
    assert SITES["MCO"].decimals == 0
    supported = {s.currency for s in SITES.values() if s.orders_api_supported}
    assert supported == {"ARS", "BRL", "CLP", "UYU"}
    with pytest.raises(AttributeError):
        SITES["MLA"].decimals = 3  # frozen


@pytest.mark.parametrize("currency", ALL)
def test_currency_decimals(currency):
    assert currency_decimals(currency) == (0 if currency in NO_DECIMALS else 2)


def test_unknown_currency_is_refused():
    with pytest.raises(ValidationError) as info:
        currency_decimals("USD")
    assert info.value.field == "currency"
    with pytest.raises(ValidationError):
        to_minor_units(D(1), "EUR")


@pytest.mark.parametrize("currency", TWO_DECIMALS)
@pytest.mark.parametrize(
    ("amount", "minor"),
    [
        (D("1.005"), 101),  # half-up, where a float would give 100
        (D("1.15"), 115),  # parseInt(1.15*100) is 114
        (D("19.99"), 1999),  # parseInt(19.99*100) is 1998
        (D("0.125"), 13),
        (D("0.124"), 12),
        (D("-1.005"), -101),  # half-up is away from zero
        ("2.345", 235),
        (7, 700),
        (D("1500.5"), 150050),
    ],
)
def test_minor_units_two_decimals(currency, amount, minor):
    assert to_minor_units(amount, currency) == minor


@pytest.mark.parametrize("currency", NO_DECIMALS)
@pytest.mark.parametrize(
    ("amount", "minor"),
    [
        (D("1500.5"), 1501),
        (D("1500.49"), 1500),
        (D("19.99"), 20),
        (D("1.005"), 1),
        ("999999.5", 1000000),
        (1500, 1500),
    ],
)
def test_minor_units_no_decimals(currency, amount, minor):
    assert to_minor_units(amount, currency) == minor


@pytest.mark.parametrize("currency", ALL)
def test_round_trip_and_formats(currency):
    units = to_minor_units(D("1234.565"), currency)
    back = from_minor_units(units, currency)
    if currency in NO_DECIMALS:
        assert units == 1235 and back == D(1235)
        assert format_orders_amount(D("1500.5"), currency) == "1501.00"
        assert format_orders_amount(D(50), currency) == "50.00"
        assert format_v2_amount(D("1500.5"), currency) == 1501
        assert isinstance(format_v2_amount(D("1500.5"), currency), int)
    else:
        assert units == 123457 and back == D("1234.57")
        assert str(back) == "1234.57"
        assert format_orders_amount(D(50), currency) == "50.00"
        assert format_orders_amount(D("1.005"), currency) == "1.01"
        assert format_v2_amount(D("19.99"), currency) == 19.99
        assert format_v2_amount(D("100.00"), currency) == 100
        assert isinstance(format_v2_amount(D("100.00"), currency), int)
    assert quantize(D("0.5"), currency) == (
        D(1) if currency in NO_DECIMALS else D("0.50")
    )


def test_v2_float_serialises_exactly():
    import json

    for text in ("19.99", "0.10", "1234567.89", "0.30", "99999999999.99"):
        number = format_v2_amount(D(text), "ARS")
        assert D(json.dumps(number)) == D(text)


@pytest.mark.parametrize("bad", [1.15, True, None, [1]])
def test_floats_and_other_types_are_refused(bad):
    with pytest.raises(TypeError):
        to_minor_units(bad, "ARS")


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", D("NaN")])
def test_not_a_number_is_refused(bad):
    with pytest.raises(ValueError):
        to_minor_units(bad, "ARS")


def test_from_minor_units_refuses_non_int():
    with pytest.raises(TypeError):
        from_minor_units(D(1), "ARS")
    with pytest.raises(TypeError):
        from_minor_units(True, "ARS")
    assert from_minor_units(-5, "BRL") == D("-0.05")


def test_parse_amount():
    assert parse_amount("24.90") == D("24.90")
    assert parse_amount(19.99) == D("19.99")
    assert parse_amount(100) == D(100)
    assert parse_amount(None) is None and parse_amount("") is None
    assert quantize(parse_amount("1500.4"), "CLP") == D(1500)


@pytest.mark.parametrize("currency", sorted(NO_DECIMALS))
def test_zero_decimal_orders_amounts_carry_two_decimals(currency):
    """CLP/COP on the Orders API: "1500.00", the one form every source accepts.

    Create order – QR Code reference, HTML (en/es/pt), total_amount: "The field
    must contain two decimal places, even if it is a whole number. For example,
    50.00." The same page's Markdown variant and the QR guide (docs/qr-code/
    payment-processing): "The field can contain two decimal places or none."
    (https://www.mercadopago.com.br/developers/en/reference/in-person-payments/
    qr-code/orders/create-order/post). The value is still rounded to whole pesos.
    """
    assert format_orders_amount(D(1500), currency) == "1500.00"
    assert format_orders_amount(D("1499.5"), currency) == "1500.00"
    assert format_orders_amount(D("1500.4"), currency) == "1500.00"
    assert format_orders_amount("990", currency) == "990.00"


def test_answers_are_read_with_or_without_decimals():
    """The Point notifications page (docs/mp-point/notifications) publishes
    ``"total_paid_amount": "120"`` and ``"amount": "120"``; the QR pages publish
    ``"30.00"``: both are amounts.
    """
    assert parse_amount("120") == parse_amount("120.00") == D(120)
    for currency, answers, amount in (
        ("CLP", ("120", "120.00"), D(120)),
        ("COP", ("1500.00",), D(1500)),
        ("ARS", ("30.00", "30"), D("30.00")),
    ):
        for answer in answers:
            assert quantize(parse_amount(answer), currency) == amount


# -- build_items -------------------------------------------------------------


def _sum(items):
    return sum((i.unit_price * i.quantity for i in items), D(0))


def test_simple_lines_stay_as_they_are():
    lines = [
        ItemLine("Pasta", D(2), D("25.00"), code="SKU1"),
        ItemLine("Water", D(1), D("3.5")),
    ]
    items = build_items(lines, D("53.50"), "ARS")
    assert items == [
        Item("Pasta", 2, D("25.00"), "SKU1", "unit"),
        Item("Water", 1, D("3.50"), None, "unit"),
    ]


def test_fractional_quantity_becomes_one_unit_at_line_total():
    lines = [ItemLine("Cheese", D("0.750"), D("13.33"), unit_measure="kg")]
    items = build_items(lines, D("10.00"), "BRL")
    assert items == [Item("0.75 kg x Cheese", 1, D("10.00"), None, "unit")]


def test_unit_price_with_too_many_decimals_is_folded_to_quantity_one():
    lines = [ItemLine("Screws", D(3), D("0.333"))]
    items = build_items(lines, D("1.00"), "MXN")
    assert items == [Item("3 x Screws", 1, D("1.00"), None, "unit")]


def test_discount_line_is_folded_into_a_quantity_one_line():
    lines = [
        ItemLine("Pasta", D(2), D("25.00")),
        ItemLine("Wine", D(1), D("30.00")),
        ItemLine("Promo", D(1), D("-10.00")),
    ]
    items = build_items(lines, D("70.00"), "ARS")
    assert _sum(items) == D("70.00")
    assert Item("Pasta", 2, D("25.00")) in items
    assert Item("Wine", 1, D("20.00")) in items
    assert all(i.unit_price > 0 and isinstance(i.quantity, int) for i in items)


def test_discount_without_single_lines_converts_the_largest():
    lines = [ItemLine("Pasta", D(4), D("10.00")), ItemLine("Off", D(1), D(-5))]
    items = build_items(lines, D("35.00"), "UYU")
    assert items == [Item("4 x Pasta", 1, D("35.00"), None, "unit")]


def test_discount_bigger_than_any_line_merges_lines():
    lines = [ItemLine(f"Item {n}", D(1), D("10.00")) for n in range(5)]
    lines.append(ItemLine("Happy hour", D(1), D("-25.00")))
    items = build_items(lines, D("25.00"), "PEN")
    assert _sum(items) == D("25.00")
    assert len(items) < 5
    assert all(i.unit_price > 0 for i in items)


def test_discount_eating_everything_collapses_to_sale():
    lines = [ItemLine("A", D(2), D("1.00")), ItemLine("B", D(2), D("1.00"))]
    lines.append(ItemLine("Coupon", D(1), D("-3.99")))
    items = build_items(lines, D("0.01"), "ARS")
    assert items == [Item("Sale", 1, D("0.01"), None, "unit")]


def test_rounding_difference_is_absorbed_exactly():
    # 3 lines of 1/3 each: each rounds to 0.33, the total is 1.00
    lines = [ItemLine(f"Third {n}", D(1), D("0.333333")) for n in range(3)]
    items = build_items(lines, D("1.00"), "ARS")
    assert _sum(items) == D("1.00")
    assert len(items) == 3


def test_surcharge_positive_difference_goes_into_one_line():
    lines = [ItemLine("Coffee", D(2), D(100))]
    items = build_items(lines, D(250), "CLP")
    assert items == [Item("2 x Coffee", 1, D(250), None, "unit")]


@pytest.mark.parametrize("currency", ALL)
def test_items_sum_exactly_in_every_currency(currency):
    lines = [
        ItemLine("Bread", D("1.5"), D("1999.99")),
        ItemLine("Milk", D(3), D("1500.5")),
        ItemLine("Tip", D(1), D("0.49")),
        ItemLine("Discount", D(1), D("-100.10")),
        ItemLine("Free bag", D(1), D(0)),
    ]
    total = quantize(D("7887.87"), currency)
    items = build_items(lines, total, currency)
    assert _sum(items) == total
    for item in items:
        assert isinstance(item.quantity, int) and item.quantity >= 1
        assert item.unit_price > 0
        assert quantize(item.unit_price, currency) == item.unit_price


def test_more_than_ten_lines_fold_into_other_items():
    lines = [ItemLine(f"Product {n}", D(1), D(n + 1)) for n in range(14)]
    total = sum((D(n + 1) for n in range(14)), D(0))
    items = build_items(lines, total, "ARS", max_items=10)
    assert len(items) == 10
    assert [i.title for i in items[:9]] == [f"Product {n}" for n in range(9)]
    assert items[9] == Item("Other items", 1, D(10 + 11 + 12 + 13 + 14), None, "unit")
    assert _sum(items) == total


def test_fold_with_discount_and_custom_titles():
    lines = [ItemLine(f"P{n}", D(2), D("5.00")) for n in range(12)]
    lines.append(ItemLine("Promo", D(1), D("-7.00")))
    items = build_items(
        lines, D("113.00"), "BRL", max_items=10, fold_title="Outros itens"
    )
    assert len(items) <= 10
    assert _sum(items) == D("113.00")
    assert any(i.title == "Outros itens" for i in items)


def test_max_items_one_collapses_to_sale():
    lines = [ItemLine("A", D(1), D(1)), ItemLine("B", D(1), D(2))]
    assert build_items(lines, D(3), "CLP", max_items=1) == [
        Item("Sale", 1, D(3), None, "unit")
    ]


def test_no_positive_lines_gives_one_sale_item():
    assert build_items([], D("10.00"), "ARS") == [Item("Sale", 1, D("10.00"))]


def test_titles_are_truncated():
    items = build_items([ItemLine("x" * 300, D(1), D(5))], D(5), "ARS")
    assert len(items[0].title) == 150
    items = build_items([ItemLine("y" * 300, D(1), D(5))], D(5), "ARS", title_max=256)
    assert len(items[0].title) == 256


def test_build_items_refuses_bad_input():
    with pytest.raises(ValidationError):
        build_items([ItemLine("A", D(1), D(1))], D(0), "ARS")
    with pytest.raises(TypeError):
        build_items([("A", 1, 1)], D(1), "ARS")
    with pytest.raises(TypeError):
        build_items([ItemLine("A", 1.5, D(1))], D(1), "ARS")
    with pytest.raises(ValueError):
        build_items([ItemLine("A", D(1), D(1))], D(1), "ARS", max_items=0)
