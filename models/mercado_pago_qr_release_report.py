"""A period of Mercado Pago's released money report, imported from its API or
from a file downloaded in the seller's panel, and what it says against Odoo."""

import base64
import hashlib
import logging
from collections import Counter
from datetime import UTC, datetime, time

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mercado_pago.errors import ValidationError as MpValidationError
from ..mercado_pago.money import (
    currency_decimals,
    from_minor_units,
    to_minor_units,
)
from ..mercado_pago.release_report import (
    ReleaseReportClient,
    ReportError,
    parse_release_report,
)
from ..mercado_pago.transitions import MONEY

_logger = logging.getLogger(__name__)

SUMMARY = {
    "released": ("payment",),
    "refunded": ("refund",),
    "held": ("held",),
    "payouts": ("payout",),
}


class MercadoPagoQrReleaseReport(models.Model):
    _name = "mercado.pago.qr.release.report"
    _description = "Mercado Pago released money report"
    _check_company_auto = True
    _order = "date_from desc, id desc"

    account_id = fields.Many2one(
        "mercado.pago.qr.account", required=True, check_company=True, index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    currency_id = fields.Many2one(related="account_id.currency_id")
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    file = fields.Binary(
        string="Report file",
        attachment=True,
        help="A released money report downloaded from Mercado Pago's panel (CSV). "
        "Leave empty to ask Mercado Pago's API for it.",
    )
    file_name = fields.Char()
    state = fields.Selection(
        [
            ("draft", "To import"),
            ("requested", "Mercado Pago is making it"),
            ("imported", "Imported"),
        ],
        default="draft",
        required=True,
        readonly=True,
    )
    task_id = fields.Char(string="Mercado Pago report task", readonly=True)
    message = fields.Char(readonly=True)
    line_ids = fields.One2many("mercado.pago.qr.release.line", "report_id")
    # The period's rows, whichever import brought them (an overlapping period
    # imported before brings them first).
    period_line_ids = fields.Many2many(
        "mercado.pago.qr.release.line", compute="_compute_period_line_ids"
    )
    opening = fields.Monetary(string="Opening available balance", readonly=True)
    closing = fields.Monetary(string="Closing balance (report)", readonly=True)
    released = fields.Monetary(compute="_compute_summary")
    refunded = fields.Monetary(compute="_compute_summary")
    held = fields.Monetary(string="Held or taken back", compute="_compute_summary")
    payouts = fields.Monetary(compute="_compute_summary")
    other = fields.Monetary(string="Other movements", compute="_compute_summary")
    unexplained = fields.Integer(
        compute="_compute_summary",
        help="Rows not matched to a payment or refund, nor to a bank statement "
        "line, nor explained by a posted entry.",
    )
    unreleased_count = fields.Integer(
        string="Paid in Odoo, not released",
        compute="_compute_unreleased_count",
        help="QR payments of the period that Odoo recorded and the report does "
        "not release.",
    )

    _period_unique = models.Constraint(
        "unique(account_id, date_from, date_to)",
        "This period of this account is already imported: open it and import again.",
    )

    @api.depends("account_id", "date_from", "date_to")
    def _compute_display_name(self):
        for report in self:
            report.display_name = (
                f"{report.account_id.name}: {report.date_from} - {report.date_to}"
            )

    def _period_domain(self):
        begin, end = self._bounds()
        return [
            ("account_id", "=", self.account_id.id),
            ("date", ">=", begin),
            ("date", "<=", end),
        ]

    @api.depends("account_id", "date_from", "date_to", "line_ids")
    def _compute_period_line_ids(self):
        Line = self.env["mercado.pago.qr.release.line"]
        for report in self:
            report.period_line_ids = (
                Line.search(report._period_domain()) if report._bounded() else Line
            )

    @api.depends(
        "account_id",
        "date_from",
        "date_to",
        "line_ids.match_state",
        "line_ids.explained",
    )
    def _compute_summary(self):
        Line = self.env["mercado.pago.qr.release.line"]
        for report in self:
            sums, unexplained = Counter(), 0
            groups = (
                Line._read_group(
                    report._period_domain(),
                    ["match_state", "description", "explained"],
                    ["credit_minor:sum", "debit_minor:sum", "__count"],
                )
                if report._bounded()
                else []
            )
            for state, description, explained, credit, debit, count in groups:
                kind = state if state in ("held", "payout") else description
                name = next(
                    (n for n, kinds in SUMMARY.items() if kind in kinds), "other"
                )
                sums[name] += credit - debit
                unexplained += 0 if explained else count
            code = report.currency_id.name
            for name in (*SUMMARY, "other"):
                report[name] = float(from_minor_units(sums[name], code)) if code else 0
            report.unexplained = unexplained

    @api.depends("account_id", "date_from", "date_to", "line_ids")
    def _compute_unreleased_count(self):
        for report in self:
            report.unreleased_count = (
                len(report._unreleased()) if report._bounded() else 0
            )

    def _bounded(self):
        return bool(self.account_id and self.date_from and self.date_to)

    def _bounds(self):
        return (
            datetime.combine(self.date_from, time.min),
            datetime.combine(self.date_to, time.max),
        )

    def _unreleased(self):
        begin, end = self._bounds()
        attempts = self.env["mercado.pago.qr.attempt"].search(
            [
                ("account_id", "=", self.account_id.id),
                ("state", "in", list(MONEY)),
                ("paid_at", ">=", begin),
                ("paid_at", "<=", end),
            ]
        )
        released = self.env["mercado.pago.qr.release.line"].search(
            [("attempt_id", "in", attempts.ids), ("description", "=", "payment")]
        )
        return attempts - released.attempt_id

    def action_import(self):
        """From the file when one is given, else from Mercado Pago's API."""
        self.check_access("write")
        for report in self:
            if report.date_to < report.date_from:
                raise UserError(self.env._("The period ends before it begins."))
            if report.file:
                report._import_file(base64.b64decode(report.file))
            else:
                report._request()
        return True

    def action_check(self):
        """Download the report once Mercado Pago has made it."""
        self.check_access("write")
        for report in self.filtered(lambda r: r.state == "requested"):
            report._fetch()
        return True

    def action_rematch(self):
        """Match every row again: Odoo may have recorded what was missing, or
        the bank statement may have arrived since."""
        self.check_access("write")
        self.line_ids._rematch()
        self.line_ids._match_payouts()
        return True

    def action_view_unreleased(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Paid in Odoo, not released"),
            "res_model": "mercado.pago.qr.attempt",
            "view_mode": "list,form",
            "domain": [("id", "in", self._unreleased().ids)],
        }

    def _client(self):
        return ReleaseReportClient(self.account_id._mp_session())

    def _request(self):
        begin, end = self._bounds()
        account = self.account_id
        with account._mp_errors(self.env._("the released money report")):
            client = self._client()
            client.ensure_config(
                f"odoo-release-report-{account.mp_user_id or account.id}"
            )
            task = client.create(begin, end)
        self.write(
            {"state": "requested", "task_id": str(task.get("id")), "message": False}
        )
        self._fetch()

    def _fetch(self):
        with self.account_id._mp_errors(self.env._("the released money report")):
            client = self._client()
            status = client.task(self.task_id).get("status")
            name = client.file_name(self.task_id) if status == "processed" else None
            data = client.download(name) if name else None
        if status in ("failed", "deleted"):
            self.write(
                {
                    "state": "draft",
                    "message": self.env._(
                        "Mercado Pago could not make the report (%(status)s): "
                        "import it again.",
                        status=status,
                    ),
                }
            )
        elif data is not None:
            self._import_file(data)
            self.file_name = name

    @api.model
    def _cron_fetch(self):
        for report in self.search([("state", "=", "requested")]):
            try:
                report._fetch()
            except UserError as error:
                _logger.info("Released money report %s: %s", report.id, error)

    def _import_file(self, data):
        """Every row once: a row already imported (this period or an
        overlapping one) is left as it is."""
        code = self.account_id.currency_id.name
        try:
            currency_decimals(code)
            rows = parse_release_report(data)
        except (ReportError, MpValidationError) as error:
            raise UserError(
                self.env._("This file cannot be imported: %(reason)s", reason=error)
            ) from None
        moves = [row for row in rows if not row.is_balance]
        opening = next(
            (r.net for r in rows if r.record_type == "initial_available_balance"), 0
        )
        closing = next((r.gross for r in rows if r.record_type == "total"), None)
        vals_list = self._line_values(moves, code)
        Line = self.env["mercado.pago.qr.release.line"]
        known = set(
            Line.search(
                [
                    ("account_id", "=", self.account_id.id),
                    ("key", "in", [v["key"] for v in vals_list]),
                ]
            ).mapped("key")
        )
        new = [vals for vals in vals_list if vals["key"] not in known]
        verdicts = Line._verdicts(self.account_id, new)
        Line.create(
            [dict(vals, **verdict) for vals, verdict in zip(new, verdicts, strict=True)]
        )._match_payouts()
        net = sum((row.net for row in moves), opening)
        self.write(
            {
                "state": "imported",
                "opening": float(opening),
                "closing": float(net if closing is None else closing),
                "message": self.env._(
                    "%(rows)s rows read, %(new)s new.", rows=len(moves), new=len(new)
                ),
            }
        )

    def _line_values(self, moves, code):
        seen = Counter()
        vals_list = []
        for row in moves:
            # Minor units: "10", "10.0" and "10.00" are one amount.
            credit, debit = (to_minor_units(x, code) for x in (row.credit, row.debit))
            identity = "|".join(
                (
                    row.record_type,
                    row.description,
                    row.source_id,
                    row.date.isoformat(),
                    str(credit),
                    str(debit),
                )
            )
            seen[identity] += 1
            # Two identical rows are two movements: the second one is kept too.
            key = hashlib.sha256(f"{identity}#{seen[identity]}".encode()).hexdigest()
            vals_list.append(
                {
                    "account_id": self.account_id.id,
                    "report_id": self.id,
                    "key": key,
                    "date": row.date.astimezone(UTC).replace(tzinfo=None),
                    "source_id": row.source_id,
                    "external_reference": row.external_reference,
                    "record_type": row.record_type,
                    "description": row.description,
                    "credit_minor": credit,
                    "debit_minor": debit,
                    "gross_minor": to_minor_units(row.gross, code),
                    "fee_minor": to_minor_units(row.fee, code),
                }
            )
        return vals_list
