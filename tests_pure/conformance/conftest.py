"""Fixtures of the conformance suite; `emu` and `mp_server` come from tests_pure."""

import pytest

from .helpers import SITE_OF_CURRENCY


@pytest.fixture
def shop(emu):
    """An MLA account with a webhook to the sink and one cashbox POS1."""
    account = emu.account("MLA")
    emu.cashbox(account)
    return account


@pytest.fixture
def shop_for(emu):
    """shop_for("BRL", pos="X"): an account of that currency's site with a cashbox."""

    def make(currency="ARS", pos="POS1", store="SUC1", **account_fields):
        account = emu.account(SITE_OF_CURRENCY[currency], **account_fields)
        emu.cashbox(account, pos=pos, store=store)
        return account

    return make
