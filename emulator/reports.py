"""The released money report ("reporte de liberaciones"), made from the ledger,
and the movements only the seller's panel makes here: payouts and chargebacks.

Sources: docs/mercado-pago-api.md §11. The report is made when it is asked for
and is "processed" at the next read.
"""

from __future__ import annotations

import csv
import io
from datetime import timezone

from .errors import ApiError
from .money import ZERO, D, fmt, to_decimal
from .sites import SITES
from .state import iso, iso_offset, parse_iso
from .web import Response, ok, route

PATH = "/v1/account/release_report"
A = "/emulator/v1"
# The published sample file's header (§11.3), used when no columns are set.
SAMPLE_COLUMNS = (
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
)


def _own(app, req) -> dict:
    reports = app.state.data.setdefault("release_reports", {})
    return reports.setdefault(
        str(req.account["user_id"]), {"config": None, "tasks": {}, "files": {}}
    )


def _config_body(req, current=None) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "Invalid file config")
    config = dict(current or {"separator": ",", "display_timezone": "GMT-04"})
    config.update(body)
    columns = config.get("columns")
    if not (
        isinstance(columns, list)
        and columns
        and all(isinstance(c, dict) and str(c.get("key") or "") for c in columns)
    ):
        raise ApiError(400, "bad_request", "Invalid columns")
    if not str(config.get("file_name_prefix") or "").strip():
        raise ApiError(400, "bad_request", "Invalid file_name_prefix")
    config.setdefault("scheduled", False)
    return config


@route("GET", PATH + "/config", "legacy")
def config_get(app, req):
    config = _own(app, req)["config"]
    if config is None:
        # ⚠ emulator: the answer before any configuration is not published.
        raise ApiError(404, "not_found", "Report configuration not found")
    return ok(config)


@route("POST", PATH + "/config", "legacy")
def config_create(app, req):
    own = _own(app, req)
    if own["config"] is not None:
        raise ApiError(409, "conflict", "Duplicated id")
    own["config"] = _config_body(req)
    app.state.dirty = True
    return ok(own["config"], 201)


@route("PUT", PATH + "/config", "legacy")
def config_update(app, req):
    own = _own(app, req)
    own["config"] = _config_body(req, own["config"])
    app.state.dirty = True
    return ok(own["config"])


@route("POST", PATH, "legacy")
def report_create(app, req):
    body = req.json(required=False) or {}
    dates = {}
    for name in ("begin_date", "end_date"):
        try:
            dates[name] = parse_iso(str(body[name]))
        except (KeyError, ValueError):
            raise ApiError(
                400, f"invalid_{name}", f"You must specify '{name}' parameter"
            ) from None
    if dates["end_date"] < dates["begin_date"]:
        raise ApiError(
            400, "end_date_before_begin_date", "Begin date should be before end date"
        )
    own = _own(app, req)
    account = req.account
    site = SITES[account["site_id"]]
    task_id = app.state.next_id("report")
    now = app.state.now()
    config = own["config"] or {}
    prefix = config.get("file_name_prefix") or f"release-report-{account['user_id']}"
    name = f"{prefix}-{now:%Y-%m-%d-%H%M%S}-{task_id}.csv"
    own["files"][name] = _render(app, account, dates, config)
    own["tasks"][str(task_id)] = {
        "id": task_id,
        "account_id": account["user_id"],
        "user_id": account["user_id"],
        "begin_date": iso(dates["begin_date"]),
        "end_date": iso(dates["end_date"]),
        "created_from": "manual",
        "currency_id": site.currency,
        "generation_date": iso_offset(now),
        "last_modified": iso_offset(now),
        "date_created": iso_offset(now),
        "is_reserve": False,
        "is_test": not account["live_mode"],
        "retries": 0,
        "status": "pending",
        "report_id": None,
        "sub_type": "release",
        "format": "CSV",
        "file_name": name,
    }
    app.state.dirty = True
    answer = dict(own["tasks"][str(task_id)])
    answer.pop("file_name")
    own["tasks"][str(task_id)]["status"] = "processed"
    own["tasks"][str(task_id)]["report_id"] = task_id
    return ok(answer, 202)


@route("GET", PATH + "/task/{task_id}", "legacy")
def report_task(app, req):
    task = _own(app, req)["tasks"].get(req.params["task_id"])
    if task is None:
        raise ApiError(404, "task_not_found_for_user", "Task not found")
    return ok({k: v for k, v in task.items() if k != "file_name"})


@route("GET", PATH + "/list", "legacy")
def report_list(app, req):
    # Both published shapes at once: the older one's file_name and
    # date_created, the newer one's status and report_id.
    return ok(list(_own(app, req)["tasks"].values()))


@route("GET", PATH + "/{file_name}", "legacy")
def report_download(app, req):
    text = _own(app, req)["files"].get(req.params["file_name"])
    if text is None:
        raise ApiError(
            404,
            "not_found",
            f"Resource /account/release_report/{req.params['file_name']}/ not found.",
        )
    return Response(200, text.encode("utf-8"), content_type="text/csv")


def _offset_hours(config) -> int:
    text = str(config.get("display_timezone") or "GMT-04").upper().replace("GMT", "")
    try:
        return int(text or 0)
    except ValueError:
        return -4


def _render(app, account, dates, config) -> str:
    """Opening balance, one row per movement of the period, then the total."""
    site = SITES[account["site_id"]]
    columns = [c["key"] for c in config.get("columns") or []] or SAMPLE_COLUMNS
    hours = _offset_hours(config)
    begin, end = dates["begin_date"], dates["end_date"]
    entries = [
        e for e in app.state.data["ledger"] if e["user_id"] == account["user_id"]
    ]
    opening = sum((D(e["net"]) for e in entries if parse_iso(e["time"]) < begin), ZERO)
    rows = [_balance_row("initial_available_balance", begin, opening, hours, site)]
    credit = max(opening, ZERO)
    debit = max(-opening, ZERO)
    for entry in entries:
        if begin <= parse_iso(entry["time"]) <= end:
            row = _movement_row(app, entry, hours, site)
            rows.append(row)
            credit += D(row["NET_CREDIT_AMOUNT"])
            debit += D(row["NET_DEBIT_AMOUNT"])
    # ⚠ emulator: "the difference between the total net amount credited and
    # the total net amount debited" (§11.2), credits and debits shown too.
    rows.append(
        {
            **_balance_row("total", end, credit - debit, hours, site),
            "NET_CREDIT_AMOUNT": fmt(credit, site.decimals),
            "NET_DEBIT_AMOUNT": fmt(debit, site.decimals),
        }
    )
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=config.get("separator") or ",", lineterminator="\n"
    )
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def _when(moment, hours) -> str:
    return iso_offset(moment.astimezone(timezone.utc), hours)


def _balance_row(record_type, moment, amount, hours, site) -> dict:
    return {
        "DATE": _when(moment, hours),
        "RECORD_TYPE": record_type,
        "NET_CREDIT_AMOUNT": fmt(max(amount, ZERO), site.decimals),
        "NET_DEBIT_AMOUNT": fmt(max(-amount, ZERO), site.decimals),
        "GROSS_AMOUNT": fmt(amount, site.decimals),
    }


def _movement_row(app, entry, hours, site) -> dict:
    net, dec = D(entry["net"]), site.decimals
    payment = app.state.data["payments"].get(str(entry["payment_id"])) or {}
    pos = app.state.data["pos"].get(str(payment.get("pos_id"))) or {}
    zero = fmt(ZERO, dec)
    return {
        "DATE": _when(parse_iso(entry["time"]), hours),
        "SOURCE_ID": str(entry.get("source_id") or entry["payment_id"]),
        "EXTERNAL_REFERENCE": payment.get("external_reference") or "",
        "RECORD_TYPE": "release",
        "DESCRIPTION": entry["kind"],
        "NET_CREDIT_AMOUNT": fmt(max(net, ZERO), dec),
        "NET_DEBIT_AMOUNT": fmt(max(-net, ZERO), dec),
        "GROSS_AMOUNT": entry["gross"],
        # The report signs fees as the sample does: charged is negative.
        "MP_FEE_AMOUNT": fmt(-D(entry["fee"]), dec),
        **dict.fromkeys(
            ("FINANCING_FEE_AMOUNT", "SHIPPING_FEE_AMOUNT", "TAXES_AMOUNT"), zero
        ),
        "COUPON_AMOUNT": zero,
        "INSTALLMENTS": "1",
        "PAYMENT_METHOD": "account_money" if payment else "",
        "POS_ID": payment.get("pos_id") or "",
        "STORE_ID": payment.get("store_id") or "",
        "EXTERNAL_POS_ID": pos.get("external_id") or "",
        "CURRENCY": site.currency,
    }


# --- what the seller's panel does --------------------------------------------------


def _balance(app, user_id) -> object:
    return sum(
        (D(e["net"]) for e in app.state.data["ledger"] if e["user_id"] == user_id), ZERO
    )


@route("POST", A + "/accounts/{user_id}/payouts", "emulator", auth=False)
def payout(app, req):
    """A withdrawal of available money to the seller's bank account."""
    account = app.state.account(req.params["user_id"])
    if not account:
        raise ApiError(404, "not_found", "no such account")
    body = req.json()
    amount = to_decimal(body.get("amount") if isinstance(body, dict) else None)
    available = _balance(app, account["user_id"])
    if amount is None or not amount.is_finite() or not ZERO < amount <= available:
        raise ApiError(400, "bad_request", f"amount must be > 0 and <= {available}")
    payout_id = app.state.next_id("payout")
    app.engine._ledger(account, "payout", -amount, ZERO, None, source=payout_id)
    return ok(
        {"id": payout_id, "amount": fmt(amount, SITES[account["site_id"]].decimals)},
        201,
    )


@route("POST", A + "/payments/{payment_id}/chargeback", "emulator", auth=False)
def chargeback(app, req):
    """The customer's bank takes the payment back: what is left of it leaves
    the balance, the fee stays charged."""
    payment = app.state.data["payments"].get(req.params["payment_id"])
    if not payment or payment["status"] not in ("approved", "refunded"):
        raise ApiError(404, "not_found", "no approved payment with this id")
    left = D(payment["transaction_amount"]) - D(payment["refunded"])
    if left <= ZERO:
        raise ApiError(400, "bad_request", "nothing left to charge back")
    account = app.state.account(payment["user_id"])
    payment["status"] = "charged_back"
    payment["date_last_updated"] = iso(app.state.now())
    app.engine._ledger(account, "chargeback", -left, ZERO, payment)
    return ok(
        {"id": payment["id"], "amount": fmt(left, SITES[account["site_id"]].decimals)},
        201,
    )
