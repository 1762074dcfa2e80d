"""The released money report: the published file read by the client, and the
emulator's report made from its ledger through the published calls.

Sources (docs/mercado-pago-api.md §11):
- the sample file and the calls: mercadopago/devsite-docs
  guides/additional-content/reports/released-money/api.en.md ("Generate
  report via API": config, POST /v1/account/release_report answering 202,
  list, download);
- the task statuses and 404 task_not_found_for_user:
  https://www.mercadopago.com.co/developers/es/reference/releases-report/search-task/get.md
- the create errors (invalid_begin_date, end_date_before_begin_date):
  https://www.mercadopago.com.br/developers/en/reference/releases-report/create-report/post
- the labelled headers ("Release date (DATE)"): devsite-docs
  guides/additional-content/reports/released-money/glossary.en.md
"""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from test_integration_client_emulator import session

from mercado_pago.errors import ConflictError, NotFoundError, ValidationError
from mercado_pago.release_report import (
    ReleaseReportClient,
    ReportError,
    parse_release_report,
)

# The published sample file, as api.en.md shows it ("Download report").
SAMPLE = """\
DATE,SOURCE_ID,EXTERNAL_REFERENCE,RECORD_TYPE,DESCRIPTION,NET_CREDIT_AMOUNT,NET_DEBIT_AMOUNT,GROSS_AMOUNT,MP_FEE_AMOUNT,FINANCING_FEE_AMOUNT,SHIPPING_FEE_AMOUNT,TAXES_AMOUNT,COUPON_AMOUNT,INSTALLMENTS,PAYMENT_METHOD
2018-04-17T15:07:53.000-04:00,,,initial_available_balance,,813439.19,0.00,813439.19,0.00,0.00,0.00,0.00,0.00,1,
2018-04-17T15:07:53.000-04:00,,,release,withdrawal,0.00,813363.45,-813360.45,-3.00,0.00,0.00,0.00,0.00,1,
2018-04-17T15:11:12.000-04:00,,,release,payment,225.96,0.00,269.00,-43.04,0.00,0.00,0.00,0.00,1,account_money
2018-04-17T15:18:16.000-04:00,,,release,payment,124.32,0.00,148.00,-23.68,0.00,0.00,0.00,0.00,1,visa
2018-04-17T15:38:40.000-04:00,,,release,payment,820.14,0.00,1099.00,-278.86,0.00,0.00,0.00,0.00,6,visa
2018-04-17T15:38:40.000-04:00,,,release,payment,850.00,0.00,850.00,0.00,0.00,0.00,0.00,0.00,1,account_money
"""


def test_published_sample_is_read_row_by_row():
    rows = parse_release_report(SAMPLE.encode())
    assert [r.record_type for r in rows] == ["initial_available_balance"] + [
        "release"
    ] * 5
    opening, withdrawal, payment = rows[0], rows[1], rows[2]
    assert opening.is_balance and opening.net == Decimal("813439.19")
    assert withdrawal.description == "withdrawal"
    assert withdrawal.debit == Decimal("813363.45")
    # Net is gross plus the (negative) fees, as every sample row shows.
    assert withdrawal.gross + withdrawal.fee == -withdrawal.debit
    assert payment.gross + payment.fee == payment.credit == Decimal("225.96")
    assert payment.date == datetime(2018, 4, 17, 19, 11, 12, tzinfo=UTC)


def test_semicolon_separator_and_labelled_headers():
    # The `separator` setting (";" in the GET /config example) and the
    # glossary's labels, which carry the key in brackets.
    text = (
        "\ufeffRelease date (DATE);Transaction ID in Mercado Pago (SOURCE_ID);"
        "Registry type (RECORD_TYPE);Description (DESCRIPTION);"
        "Net credit amount (NET_CREDIT_AMOUNT);Net debit amount (NET_DEBIT_AMOUNT)\n"
        "2024-05-02T10:00:00.000-03:00;123;release;refund;0;10.50\n"
    )
    (row,) = parse_release_report(text.encode())
    assert (row.source_id, row.description, row.net) == (
        "123",
        "refund",
        Decimal("-10.50"),
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name,amount\nx,1\n", "columns DATE, RECORD_TYPE"),
        (SAMPLE.replace("225.96", "2x5.96"), "Line 4: NET_CREDIT_AMOUNT"),
        (SAMPLE.replace("2018-04-17T15:18:16.000-04:00", "17/04/2018"), "Line 5"),
        (
            SAMPLE.replace("2018-04-17T15:18:16.000-04:00", "2018-04-17T15:18:16"),
            "offset",
        ),
        (SAMPLE.replace(",visa\n", ",visa,extra\n", 1), "Line 5: 16 fields"),
        (SAMPLE.splitlines()[0] + "\n", "no rows"),
    ],
)
def test_a_foreign_or_broken_file_is_refused_with_its_line(text, words):
    with pytest.raises(ReportError, match=words):
        parse_release_report(text.encode())


def test_a_file_that_is_not_text_is_refused():
    with pytest.raises(ReportError, match="UTF-8"):
        parse_release_report(b"PK\x03\x04\xff\xfe binary")


def _paid(emu, account, amount):
    resp = emu.order(account, amount=amount)
    assert resp.status == 201, resp
    assert emu.pay(user_id=account["user_id"]).status == 200
    return emu.api(account).get(f"/v1/orders/{resp.json['id']}").json


def test_emulator_report_through_the_published_calls(emu):
    account = emu.account("MLA")
    emu.cashbox(account)
    client = ReleaseReportClient(session(emu, account))
    config = client.ensure_config("odoo-release")
    assert config["file_name_prefix"] == "odoo-release"
    assert client.ensure_config("other")["file_name_prefix"] == "odoo-release"
    with pytest.raises(ConflictError):  # POST /config twice: 409 "Duplicated id"
        client.session.request(
            "POST",
            "/v1/account/release_report/config",
            json={"columns": [{"key": "DATE"}], "file_name_prefix": "x"},
        )
    begin = datetime.now(UTC) - timedelta(minutes=1)
    first = _paid(emu, account, "100.00")
    second = _paid(emu, account, "50.00")
    api = emu.api(account)
    refund = api.post(
        f"/v1/orders/{second['id']}/refund",
        {
            "transactions": [
                {"id": second["transactions"]["payments"][0]["id"], "amount": "20.00"}
            ]
        },
        headers={"X-Idempotency-Key": str(uuid.uuid4())},
    )
    assert refund.status in (200, 201), refund
    payment_id = first["transactions"]["payments"][0]["reference_id"]
    assert (
        emu.admin.post(f"/emulator/v1/payments/{payment_id}/chargeback").status == 201
    )
    payout = emu.admin.post(
        f"/emulator/v1/accounts/{account['user_id']}/payouts", {"amount": "10.00"}
    )
    assert payout.status == 201, payout
    end = datetime.now(UTC) + timedelta(minutes=1)

    task = client.create(begin, end)
    assert task["status"] == "pending" and task["report_id"] is None
    assert client.task(task["id"])["status"] == "processed"
    rows = parse_release_report(client.download(client.file_name(task["id"])))
    kinds = [(r.record_type, r.description) for r in rows]
    assert kinds == [
        ("initial_available_balance", ""),
        ("release", "payment"),
        ("release", "payment"),
        ("release", "refund"),
        ("release", "chargeback"),
        ("release", "payout"),
        ("total", ""),
    ]
    pay, refund_row, chargeback, payout_row = rows[1], rows[3], rows[4], rows[5]
    assert pay.source_id == str(payment_id) and pay.external_reference
    assert pay.gross == Decimal("100.00") and pay.credit == pay.gross + pay.fee
    # The part of the fee returned with a refund lowers what leaves.
    assert refund_row.gross == Decimal("-20.00") and refund_row.fee > 0
    assert refund_row.gross + refund_row.fee == -refund_row.debit
    assert chargeback.source_id == pay.source_id and chargeback.debit == pay.gross
    assert payout_row.debit == Decimal("10.00") and payout_row.source_id
    total = rows[-1]
    assert total.net == rows[0].net + sum(r.net for r in rows[1:-1])


def test_emulator_report_errors_as_published(emu):
    account = emu.account("MLC")
    client = ReleaseReportClient(session(emu, account))
    now = datetime.now(UTC)
    with pytest.raises(ValidationError) as error:
        client.create(now, now - timedelta(days=1))
    assert error.value.code == "end_date_before_begin_date"
    with pytest.raises(ValidationError) as error:
        client.session.request(
            "POST", "/v1/account/release_report", json={"end_date": "x"}
        )
    assert error.value.code == "invalid_begin_date"
    with pytest.raises(NotFoundError):
        client.task(1)
    with pytest.raises(NotFoundError):
        client.download("release-report-none.csv")
    assert client.file_name(1) is None
    # The panel's payout refuses what is not an amount it can pay.
    for amount in ("abc", "NaN", "0", "10"):
        answer = emu.admin.post(
            f"/emulator/v1/accounts/{account['user_id']}/payouts", {"amount": amount}
        )
        assert answer.status == 400, (amount, answer)
