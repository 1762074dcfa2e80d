"""Small helpers shared by the conformance tests (no Mercado Pago facts here)."""

import copy
import datetime
import uuid
from decimal import Decimal

SITE_OF_CURRENCY = {"ARS": "MLA", "BRL": "MLB", "CLP": "MLC", "UYU": "MLU"}


def ids(examples):
    return [example["id"] for example in examples]


def key():
    return str(uuid.uuid4())


def same_amount(left, right):
    """Amounts compared as numbers: "50" == "50.00" == 50 == Decimal("50.0")."""
    if left is None or right is None:
        return left is right
    return Decimal(str(left)) == Decimal(str(right))


def is_int_like(value):
    """A count published as a JSON number (PHP, Java) or a string (Node, Go)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def window():
    """begin_date / end_date around now, as the search requires both."""
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "begin_date": (now - datetime.timedelta(days=1)).strftime(fmt),
        "end_date": (now + datetime.timedelta(days=1)).strftime(fmt),
    }


def create_order(emu, account, body, *, idempotency_key=None):
    return emu.api(account).post(
        "/v1/orders",
        copy.deepcopy(body),
        headers={"X-Idempotency-Key": idempotency_key or key()},
    )


def paid_order(emu, account, total, *, pos="POS1", ref=None):
    """An Orders API order of `total` on cashbox `pos`, paid by the customer."""
    created = emu.order(account, pos=pos, amount=total, ref=ref)
    assert created.status == 201, created
    paid = emu.pay(pos=pos)
    assert paid.status == 200, paid
    return created.json


def v2_body(total=100, ref=None, **extra):
    body = {
        "external_reference": ref or f"v2-{uuid.uuid4().hex[:10]}",
        "title": "Compra",
        "description": "Compra en Mercado Pago",
        "total_amount": total,
        "items": [
            {
                "title": "Pasta",
                "unit_price": total,
                "quantity": 1,
                "unit_measure": "unit",
                "total_amount": total,
            }
        ],
    }
    body.update(extra)
    return body


def v2_paid(emu, account, total, *, pos="POS1", ref=None):
    """An in-store v2 order of `total` on `pos`, paid: (pay answer, reference)."""
    ref = ref or f"v2-{uuid.uuid4().hex[:10]}"
    put = emu.v2_put(account, pos=pos, body=v2_body(total, ref))
    assert put.status in (200, 201, 204), put
    paid = emu.pay(pos=pos)
    assert paid.status == 200, paid
    return paid.json, ref
