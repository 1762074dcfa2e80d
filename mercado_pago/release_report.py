"""Mercado Pago's released money report ("reporte de liberaciones"): the calls
that make and download it, and its CSV read into rows.

Sources: docs/mercado-pago-api.md §11 (endpoints, columns, row types, the
published sample file).
"""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# create() here is an HTTP call, not an ORM override.
# pylint: disable=translation-required,method-required-super

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from .errors import NotFoundError, ValidationError
from .references import check_resource_id

PATH = "/v1/account/release_report"
# The published sample's columns, and the ids of the sale's cashbox.
COLUMNS = (
    "DATE",
    "SOURCE_ID",
    "EXTERNAL_REFERENCE",
    "RECORD_TYPE",
    "DESCRIPTION",
    "NET_CREDIT_AMOUNT",
    "NET_DEBIT_AMOUNT",
    "GROSS_AMOUNT",
    "MP_FEE_AMOUNT",
    "FINANCING_FEE_AMOUNT",
    "SHIPPING_FEE_AMOUNT",
    "TAXES_AMOUNT",
    "COUPON_AMOUNT",
    "INSTALLMENTS",
    "PAYMENT_METHOD",
    "EXTERNAL_POS_ID",
)
REQUIRED = ("DATE", "RECORD_TYPE", "NET_CREDIT_AMOUNT", "NET_DEBIT_AMOUNT")
FEE_COLUMNS = ("MP_FEE_AMOUNT", "FINANCING_FEE_AMOUNT", "SHIPPING_FEE_AMOUNT")
# Rows that state a balance rather than move it.
BALANCE_TYPES = ("initial_available_balance", "available_balance", "subtotal", "total")
MAX_BYTES = 50_000_000
# "Release date (DATE)": the glossary's labelled headers carry the key.
_LABELLED = re.compile(r"\(([A-Z_]+)\)\s*$")


class ReportError(ValueError):
    """A file that is not a released money report, or a row it cannot hold."""


@dataclass(frozen=True)
class ReleaseRow:
    date: datetime
    record_type: str
    description: str
    source_id: str
    external_reference: str
    credit: Decimal
    debit: Decimal
    gross: Decimal
    # Mercado Pago's fees, as the report signs them: negative when charged.
    fee: Decimal

    @property
    def net(self):
        return self.credit - self.debit

    @property
    def is_balance(self):
        return self.record_type in BALANCE_TYPES


def _key(cell):
    cell = cell.strip().lstrip("\ufeff")
    labelled = _LABELLED.search(cell)
    return labelled.group(1) if labelled else cell.upper()


def _amount(row, column, line):
    text = (row.get(column) or "").strip()
    try:
        return Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        raise ReportError(
            f"Line {line}: {column} is not an amount: {text!r}."
        ) from None


def _date(text, line):
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ReportError(f"Line {line}: DATE is not a date with its offset: {text!r}.")
    return value


def parse_release_report(data):
    """The rows of a released money report, in file order.

    Comma or semicolon separated (the ``separator`` setting), plain keys or the
    glossary's labelled headers; refuses anything else, naming the line.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise ReportError("The file is larger than a released money report.")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ReportError("The file is not UTF-8 text.") from None
    first = data.split("\n", 1)[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(data), delimiter=separator)
    header = [_key(cell) for cell in next(reader, [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ReportError(
            "Not a released money report: the columns "
            f"{', '.join(missing)} are missing."
        )
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise ReportError(
                f"Line {line}: {len(cells)} fields where the header has {len(header)}."
            )
        row = dict(zip(header, cells, strict=True))
        rows.append(
            ReleaseRow(
                date=_date(row["DATE"], line),
                record_type=row["RECORD_TYPE"].strip().lower(),
                description=(row.get("DESCRIPTION") or "").strip().lower(),
                source_id=(row.get("SOURCE_ID") or "").strip(),
                external_reference=(row.get("EXTERNAL_REFERENCE") or "").strip(),
                credit=_amount(row, "NET_CREDIT_AMOUNT", line),
                debit=_amount(row, "NET_DEBIT_AMOUNT", line),
                gross=_amount(row, "GROSS_AMOUNT", line),
                fee=sum((_amount(row, c, line) for c in FEE_COLUMNS), Decimal(0)),
            )
        )
    if not rows:
        raise ReportError("The report has no rows.")
    return rows


class ReleaseReportClient:
    """Configure, request, follow and download released money reports."""

    def __init__(self, session):
        self.session = session

    def ensure_config(self, prefix):
        """The account's report settings; written once with the columns read
        here when the account has none yet."""
        try:
            return self.session.request("GET", f"{PATH}/config")
        except NotFoundError:
            return self.session.request(
                "POST",
                f"{PATH}/config",
                json={
                    "columns": [{"key": column} for column in COLUMNS],
                    "file_name_prefix": prefix,
                    "frequency": {"hour": 0, "type": "monthly", "value": 1},
                    "include_withdrawal_at_end": True,
                    "execute_after_withdrawal": False,
                    "check_available_balance": False,
                    "compensate_detail": False,
                },
            )

    def create(self, begin, end):
        """Ask for the report of [begin, end] (UTC); Mercado Pago makes it
        later. A second request for the same dates only makes a second file."""
        return self.session.request(
            "POST",
            PATH,
            json={"begin_date": _utc(begin), "end_date": _utc(end)},
            idempotent=True,
            expect=(200, 201, 202),
        )

    def task(self, task_id):
        task = check_resource_id(task_id, "task_id", numeric=True)
        return self.session.request("GET", f"{PATH}/task/{task}")

    def file_name(self, task_id):
        """The file a task produced, from the list of reports; None until made."""
        for report in self.session.request("GET", f"{PATH}/list") or []:
            if str(report.get("id")) == str(task_id) and report.get("file_name"):
                return report["file_name"]
        return None

    def download(self, file_name):
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,200}", file_name or ""):
            raise ValidationError(
                f"Not a report file name: {file_name!r}.", field="file_name"
            )
        return self.session.request("GET", f"{PATH}/{file_name}", raw=True)


def _utc(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
