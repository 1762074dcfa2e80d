"""A payment attempt's states, the moves between them, and `decide`: the next
state, given the attempt's order as Mercado Pago now reports it. Plain Python,
tested without Odoo (tests_pure/test_transitions.py); the attempt model applies
the answer.
"""

from dataclasses import dataclass

# The cashier still waits on these.
OPEN = ("new", "waiting")
# Closed without money (or forced done): money may still reach their order, so
# a notification re-reads them and the cron reads them until the order is final.
FOLLOWED = ("cancelled", "expired", "rejected", "forced")
# A push whose outcome is unknown may have created an order that gets paid.
REREAD = (*OPEN, *FOLLOWED, "failed")
# The customer's money reached the seller.
MONEY = ("paid", "late", "review")
# What the POS takes as a paid line.
POS_PAID = ("paid", "forced")
STATES = (*OPEN, *FOLLOWED, "failed", *MONEY)

# (from, to): the door that makes the move. Every other pair is illegal.
TRANSITIONS = {
    ("new", "waiting"): "push: the order reached the cashbox",
    ("new", "failed"): "push: Mercado Pago refused or could not be reached",
    ("new", "expired"): "resend: the line expired before the order was sent",
    ("new", "cancelled"): "cancel: the order was never created",
    ("new", "forced"): "force done: the order was never created",
    ("new", "rejected"): "re-read: the payment was rejected; order closed",
    ("new", "paid"): "re-read: the order was created and paid",
    ("new", "review"): "re-read: paid another amount or currency",
    ("waiting", "paid"): "re-read: Mercado Pago reports the payment",
    ("waiting", "review"): "re-read: paid another amount or currency",
    ("waiting", "rejected"): "re-read: the payment was rejected; order closed",
    ("waiting", "expired"): "re-read or cron: the order expired",
    ("waiting", "cancelled"): "cancel: the cashier or a newer order closed it",
    ("waiting", "forced"): "force done: recorded without Mercado Pago",
    ("failed", "late"): "re-read: the unknown push's order was paid",
    ("failed", "review"): "re-read: the unknown push's order paid another amount",
    ("cancelled", "late"): "re-read: paid after the line was closed",
    ("cancelled", "review"): "re-read: paid another amount after closing",
    ("expired", "late"): "re-read: paid after the line was closed",
    ("expired", "review"): "re-read: paid another amount after closing",
    ("expired", "forced"): "force done: recorded without Mercado Pago",
    ("rejected", "late"): "re-read: paid after the line was closed",
    ("rejected", "review"): "re-read: paid another amount after closing",
    ("rejected", "forced"): "force done: recorded without Mercado Pago",
    ("forced", "paid"): "re-read: Mercado Pago confirms a forced line",
    ("forced", "review"): "re-read: a forced line was paid another amount",
}


class IllegalTransition(ValueError):
    pass


def check(old, new):
    """Refuse a move the table does not name; staying is always allowed."""
    if old != new and (old, new) not in TRANSITIONS:
        raise IllegalTransition(f"{old} -> {new}")


@dataclass(frozen=True)
class Decision:
    state: str  # the next state (the same one: nothing to record)
    reason: str  # which message the attempt records
    cancel_first: bool = False  # close the order at Mercado Pago first


def decide(state, order, *, amount, currency, past_expiry):
    """The next state of an attempt in `state` that asked for `amount`
    (Decimal) in `currency`, now that Mercado Pago reports `order` (a
    QrOrderState)."""
    if state in MONEY:
        return Decision(state, "")
    if order.money_received or (order.paid_amount or 0) > 0:
        # Money is checked, never ignored: on v2 an approved payment short
        # of the total leaves the merchant order open.
        if order.currency != currency or order.paid_amount != amount:
            return Decision("review", "amount_differs")
        if state in (*OPEN, "forced"):
            return Decision("paid", "paid")
        return Decision("late", "late")
    if state not in OPEN:
        return Decision(state, "")
    if order.status == "rejected" or order.raw_status == "action_required":
        # Closed first, so a later scan cannot pay a line the cashier was
        # told failed; if the customer paid meanwhile, that wins.
        return Decision("rejected", "rejected", cancel_first=True)
    if order.status == "expired" or (order.status == "unknown" and past_expiry):
        return Decision("expired", "expired")
    if order.status == "canceled":
        return Decision("cancelled", "cancelled")
    return Decision(state, "")
