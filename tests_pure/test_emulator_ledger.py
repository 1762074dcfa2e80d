"""Fees and the ledger in all seven currencies, computed with Decimal."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

# site: (currency, decimals, default fee %, amount to charge, partial refund)
CASES = {
    "MLA": ("ARS", 2, "0.99", "1234.55", "234.55"),
    "MLB": ("BRL", 2, "0.99", "87.35", "10.10"),
    "MLM": ("MXN", 2, "3.49", "999.99", "0.01"),
    "MLC": ("CLP", 0, "1.49", "12345", "345"),
    "MCO": ("COP", 0, "2.99", "98765", "8765"),
    "MPE": ("PEN", 2, "3.99", "45.67", "5.67"),
    "MLU": ("UYU", 2, "2.90", "1500.05", "500.05"),
}


def q(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("site", sorted(CASES))
def test_emulator_ledger_per_currency(emu, site):
    currency, dec, pct, amount, part = CASES[site]
    acc = emu.account(site)
    emu.cashbox(acc)
    order = emu.order(acc, amount=amount).json
    assert order["currency"] == currency
    pid = emu.pay().json["payment_id"]
    gross = Decimal(amount)
    fee = q(gross * Decimal(pct) / 100, dec)
    payment = emu.api(acc).get(f"/v1/payments/{pid}").json
    assert payment["currency_id"] == currency
    assert payment["fee_details"][0]["amount"] == fee
    assert payment["transaction_details"]["net_received_amount"] == gross - fee
    # Partial refund through the order, then the rest.
    pay_txn = order["transactions"]["payments"][0]["id"]
    emu.api(acc).post(
        f"/v1/orders/{order['id']}/refund",
        {"transactions": [{"id": pay_txn, "amount": part}]},
        headers={"X-Idempotency-Key": "r1"},
    )
    emu.api(acc).post(
        f"/v1/orders/{order['id']}/refund", headers={"X-Idempotency-Key": "r2"}
    )
    ledger = emu.admin.get(f"/emulator/v1/ledger?user_id={acc['user_id']}").json
    entries = ledger["entries"]
    assert [e["kind"] for e in entries] == ["payment", "refund", "refund"]
    fee_back_1 = q(fee * Decimal(part) / gross, dec)
    expected = [
        (gross, fee),
        (-Decimal(part), -fee_back_1),
        (-(gross - Decimal(part)), -(fee - fee_back_1)),
    ]
    for entry, (g, f) in zip(entries, expected, strict=True):
        assert entry["currency"] == currency and entry["site_id"] == site
        assert Decimal(entry["gross"]) == g and Decimal(entry["fee"]) == f
        assert Decimal(entry["net"]) == g - f
        for field in ("gross", "fee", "net"):  # decimal strings in the currency
            text = entry[field].lstrip("-")
            assert ("." in text) == (dec > 0)
            assert dec == 0 or len(text.split(".")[1]) == dec
    (total,) = ledger["totals"]
    assert total["currency"] == currency
    assert Decimal(total["gross"]) == 0 and Decimal(total["fee"]) == 0
    assert Decimal(total["net"]) == 0
    assert total["payments"] == 1 and total["refunds"] == 2


def test_emulator_ledger_totals_and_fee_knob(emu):
    emu.config(fee_percent={"MLA": "2.5"})
    acc = emu.account("MLA")
    emu.cashbox(acc, pos="A1")
    emu.cashbox(acc, pos="A2")
    emu.order(acc, pos="A1", amount="10.10")
    emu.order(acc, pos="A2", amount="0.30")
    emu.pay(pos="A1")
    emu.pay(pos="A2")
    other = emu.account("MLB")
    emu.cashbox(other, pos="B1")
    emu.order(other, pos="B1", amount="100.00")
    emu.pay(pos="B1")
    ledger = emu.admin.get("/emulator/v1/ledger").json
    totals = {t["currency"]: t for t in ledger["totals"]}
    # 2.5 % of 10.10 = 0.2525 -> 0.25; of 0.30 = 0.0075 -> 0.01 (half-up).
    assert totals["ARS"]["fee"] == "0.26" and totals["ARS"]["gross"] == "10.40"
    assert totals["ARS"]["net"] == "10.14" and totals["ARS"]["payments"] == 2
    assert totals["BRL"]["fee"] == "0.99" and totals["BRL"]["net"] == "99.01"
    assert sum(Decimal(e["net"]) for e in ledger["entries"]) == Decimal("109.15")


def test_emulator_rejected_payments_move_no_money(emu):
    acc = emu.account()
    emu.cashbox(acc)
    emu.order(acc)
    emu.pay(outcome="rejected")
    assert emu.admin.get("/emulator/v1/ledger").json == {"entries": [], "totals": []}
