"""Amount strings of the Orders API per currency (issue #14 item 1).

Sources disagree: the Create order reference (HTML, en/es/pt) says amounts "must
contain two decimal places, even if it is a whole number. For example, 50.00";
its Markdown version and the QR guide say "two decimal places or none"; MP's own
Point webhook writes "120". The client sends the form every source accepts
("NNN.00", also for CLP); the emulator accepts both forms."""

from decimal import Decimal

import pytest

from mercado_pago.money import format_orders_amount, parse_amount

from .examples_orders import GUIDE, REF_CREATE
from .helpers import create_order, same_amount

REF_MD = (
    "https://www.mercadopago.com.ar/developers/es/reference/in-person-payments/"
    "qr-code/orders/create-order/post.md"
)
AMOUNT_EXAMPLES = [
    {
        "id": "A1-clp-two-decimals",
        "source": REF_CREATE + " (two decimals mandatory)",
        "currency": "CLP",
        "sent": "1500.00",
    },
    {
        "id": "A2-clp-no-decimals",
        "source": REF_MD + "; " + GUIDE + " (two decimals or none)",
        "currency": "CLP",
        "sent": "1500",
    },
    {
        "id": "A3-ars-two-decimals",
        "source": GUIDE + ' (every published QR example: "50.00")',
        "currency": "ARS",
        "sent": "50.00",
    },
    {
        "id": "A4-ars-no-decimals",
        "source": REF_MD + "; https://www.mercadopago.com.mx/developers/es/docs/"
        'mp-point/notifications ("total_paid_amount": "120")',
        "currency": "ARS",
        "sent": "120",
    },
]


@pytest.mark.parametrize(
    "example", AMOUNT_EXAMPLES, ids=[e["id"] for e in AMOUNT_EXAMPLES]
)
def test_emulator_accepts_every_published_amount_form(emu, shop_for, example):
    """Both "two decimals" and "none" are published: the emulator accepts both."""
    account = shop_for(example["currency"])
    amount = example["sent"]
    body = {
        "type": "qr",
        "external_reference": "amount-form",
        "total_amount": amount,
        "config": {"qr": {"external_pos_id": "POS1", "mode": "static"}},
        "transactions": {"payments": [{"amount": amount}]},
        "items": [
            {
                "title": "Item",
                "unit_price": amount,
                "quantity": 1,
                "unit_measure": "unit",
            }
        ],
    }
    resp = create_order(emu, account, body)
    assert resp.status == 201, resp
    assert same_amount(resp.json["total_amount"], amount)
    assert resp.json["currency"] == example["currency"]


@pytest.mark.parametrize(
    "example", AMOUNT_EXAMPLES, ids=[e["id"] for e in AMOUNT_EXAMPLES]
)
def test_client_sends_the_form_every_source_accepts(example):
    """The client writes "NNN.00" (accepted by every rule) and reads both forms."""
    value = Decimal(example["sent"])
    assert format_orders_amount(value, example["currency"]) == f"{value:.2f}"
    assert parse_amount(example["sent"]) == value
