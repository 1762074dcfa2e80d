"""The attempt's transition table and decision (mercado_pago/transitions.py),
table-driven: every pair of states, and every kind of order Mercado Pago can
report against every state."""

from decimal import Decimal

import pytest

from mercado_pago.order_types import QrOrderState
from mercado_pago.transitions import (
    FOLLOWED,
    MONEY,
    OPEN,
    REREAD,
    STATES,
    TRANSITIONS,
    IllegalTransition,
    check,
    decide,
)

# Every move an attempt can make, read from the table's own words: nothing
# else is legal.
LEGAL = {
    ("new", "waiting"),
    ("new", "failed"),
    ("new", "expired"),
    ("new", "cancelled"),
    ("new", "forced"),
    ("new", "rejected"),
    ("new", "paid"),
    ("new", "review"),
    ("waiting", "paid"),
    ("waiting", "review"),
    ("waiting", "rejected"),
    ("waiting", "expired"),
    ("waiting", "cancelled"),
    ("waiting", "forced"),
    ("failed", "late"),
    ("failed", "review"),
    ("cancelled", "late"),
    ("cancelled", "review"),
    ("expired", "late"),
    ("expired", "review"),
    ("expired", "forced"),
    ("rejected", "late"),
    ("rejected", "review"),
    ("rejected", "forced"),
    ("forced", "paid"),
    ("forced", "review"),
}
PAIRS = [(old, new) for old in STATES for new in STATES]


def test_the_states_are_partitioned():
    groups = [OPEN, FOLLOWED, ("failed",), MONEY]
    assert sorted(s for g in groups for s in g) == sorted(STATES)
    assert len(set(STATES)) == len(STATES)
    assert set(REREAD) == set(STATES) - set(MONEY)


def test_the_table_is_the_legal_set():
    assert set(TRANSITIONS) == LEGAL


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_every_pair(old, new):
    if old == new or (old, new) in LEGAL:
        check(old, new)
    else:
        with pytest.raises(IllegalTransition):
            check(old, new)


def test_money_is_final():
    for old in MONEY:
        assert not [new for (o, new) in TRANSITIONS if o == old]


def order(status, paid=None, currency="ARS", raw=None):
    return QrOrderState(
        order_id="ORD01",
        status=status,
        raw_status=raw or status,
        paid_amount=None if paid is None else Decimal(paid),
        currency=currency if paid is not None else None,
    )


ASKED = {"amount": Decimal("100.00"), "currency": "ARS"}

# (state the attempt is in, order as Mercado Pago reports it, past its expiry)
#   -> (next state, message, close the order first)
CASES = [
    # The payment, as asked: open and forced lines are paid, others are late.
    *[(s, order("paid", "100.00"), False, ("paid", "paid", False)) for s in OPEN],
    ("forced", order("paid", "100.00"), False, ("paid", "paid", False)),
    *[
        (s, order("paid", "100.00"), False, ("late", "late", False))
        for s in ("cancelled", "expired", "rejected", "failed")
    ],
    # Another amount or currency: never accepted, reviewed.
    *[
        (s, order("paid", "99.99"), False, ("review", "amount_differs", False))
        for s in REREAD
    ],
    (
        "waiting",
        order("paid", "100.00", "BRL"),
        False,
        ("review", "amount_differs", False),
    ),
    # v2: an approved payment short of the total leaves the order open.
    ("waiting", order("pending", "60.00"), False, ("review", "amount_differs", False)),
    ("waiting", order("partially_refunded", "100.00"), False, ("paid", "paid", False)),
    # No money.
    ("waiting", order("pending"), False, ("waiting", "", False)),
    ("waiting", order("pending"), True, ("waiting", "", False)),
    ("waiting", order("unknown"), False, ("waiting", "", False)),
    ("waiting", order("unknown"), True, ("expired", "expired", False)),
    ("waiting", order("expired"), False, ("expired", "expired", False)),
    ("waiting", order("canceled"), False, ("cancelled", "cancelled", False)),
    ("waiting", order("rejected"), False, ("rejected", "rejected", True)),
    (
        "waiting",
        order("pending", raw="action_required"),
        False,
        ("rejected", "rejected", True),
    ),
    ("new", order("expired"), False, ("expired", "expired", False)),
    # Closed lines stay closed without money.
    *[
        (s, order(status), False, (s, "", False))
        for s in (*FOLLOWED, "failed")
        for status in ("pending", "expired", "canceled", "rejected")
    ],
    # Money states are final whatever is read.
    *[(s, order("paid", "1.00"), False, (s, "", False)) for s in MONEY],
]


@pytest.mark.parametrize(("state", "remote", "past", "expected"), CASES)
def test_decide(state, remote, past, expected):
    decision = decide(state, remote, past_expiry=past, **ASKED)
    assert (decision.state, decision.reason, decision.cancel_first) == expected
    check(state, decision.state)  # every decision is a legal move
