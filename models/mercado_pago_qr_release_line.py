"""One row of Mercado Pago's released money report, matched to what Odoo
recorded: the QR payment or refund it releases, or flagged for the accountant."""

from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..mercado_pago.money import from_minor_units
from ..mercado_pago.transitions import MONEY

PAYOUTS = ("payout", "withdrawal")
# Money held or taken back over a payment: a chargeback, a dispute and what
# Mercado Pago reserves for them (the "reserve-" rows).
HOLDS = ("chargeback", "dispute", "mediation", "mediation_cancel")
# A payout reaches the bank on its day or a few days later.
PAYOUT_DAYS = 5


class MercadoPagoQrReleaseLine(models.Model):
    _name = "mercado.pago.qr.release.line"
    _description = "Mercado Pago released money report line"
    _check_company_auto = True
    _order = "date, id"

    account_id = fields.Many2one(
        "mercado.pago.qr.account", required=True, index=True, check_company=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    currency_id = fields.Many2one(related="account_id.currency_id")
    report_id = fields.Many2one(
        "mercado.pago.qr.release.report",
        string="Imported with",
        required=True,
        ondelete="cascade",
        index=True,
    )
    # What makes the row one: Mercado Pago gives a report row no id of its own.
    key = fields.Char(required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True)
    source_id = fields.Char(string="Mercado Pago operation", readonly=True, index=True)
    external_reference = fields.Char(readonly=True, index="btree_not_null")
    record_type = fields.Char(readonly=True)
    description = fields.Char(readonly=True)
    credit_minor = fields.Integer(readonly=True)
    debit_minor = fields.Integer(readonly=True)
    gross_minor = fields.Integer(readonly=True)
    fee_minor = fields.Integer(readonly=True, help="As the report signs it.")
    credit = fields.Monetary(compute="_compute_money", store=True)
    debit = fields.Monetary(compute="_compute_money", store=True)
    gross = fields.Monetary(compute="_compute_money", store=True)
    fee = fields.Monetary(compute="_compute_money", store=True)
    attempt_id = fields.Many2one(
        "mercado.pago.qr.attempt", readonly=True, index="btree_not_null"
    )
    refund_id = fields.Many2one("mercado.pago.qr.refund", readonly=True)
    match_state = fields.Selection(
        [
            ("matched", "Matched"),
            ("differs", "Differs from Odoo"),
            ("not_in_odoo", "Not in Odoo"),
            ("held", "Held or taken back"),
            ("payout", "Payout to the bank"),
        ],
        string="Match",
        readonly=True,
        index=True,
    )
    difference = fields.Char(readonly=True)
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Bank statement line",
        readonly=True,
        index="btree_not_null",
    )
    move_id = fields.Many2one("account.move", string="Proposed entry", readonly=True)
    explained = fields.Boolean(
        compute="_compute_explained",
        store=True,
        index=True,
        help="Matched to a payment or refund, to a bank statement line, or "
        "explained by a posted entry.",
    )

    _key_unique = models.Constraint(
        "unique(account_id, key)", "A report row is imported once per account."
    )

    @api.depends("credit_minor", "debit_minor", "gross_minor", "fee_minor")
    def _compute_money(self):
        for line in self:
            code = line.account_id.currency_id.name
            for name in ("credit", "debit", "gross", "fee"):
                line[name] = (
                    float(from_minor_units(line[f"{name}_minor"], code)) if code else 0
                )

    @api.depends("match_state", "statement_line_id", "move_id.state")
    def _compute_explained(self):
        for line in self:
            line.explained = (
                line.match_state == "matched"
                or (line.match_state == "payout" and bool(line.statement_line_id))
                or line.move_id.state == "posted"
            )

    def _match_payouts(self):
        """Each payout to a statement line of the payout journal: same amount,
        on its day or up to PAYOUT_DAYS later, the nearest first."""
        # sudo: statement lines are read for the match only; the caller may
        # import reports.
        StatementLine = self.env["account.bank.statement.line"].sudo()
        payouts = self.filtered(
            lambda x: x.match_state == "payout" and not x.statement_line_id
        )
        taken = self.search(
            [
                ("account_id", "in", payouts.account_id.ids),
                ("statement_line_id", "!=", False),
            ]
        ).statement_line_id
        for line in payouts:
            journal = line.account_id.payout_journal_id
            if not journal:
                continue
            day = line.date.date()
            candidates = StatementLine.search(
                [
                    ("journal_id", "=", journal.id),
                    ("amount", "=", line.debit),
                    ("date", ">=", day - timedelta(days=1)),
                    ("date", "<=", day + timedelta(days=PAYOUT_DAYS)),
                    ("id", "not in", taken.ids),
                ]
            )
            if candidates:
                line.statement_line_id = min(
                    candidates, key=lambda s, d=day: (abs((s.date - d).days), s.id)
                )
                taken |= line.statement_line_id

    def _outstanding(self):
        """The outstanding account the POS sessions posted the account's QR
        payments to, and its open items, oldest first."""
        account = self.account_id
        # sudo: payment methods and journal items are read to propose entries
        # the accountant confirms.
        methods = (
            self.env["pos.payment.method"]
            .sudo()
            .search([("mp_qr_account_id", "=", account.id)])
        )
        company = account.company_id.sudo()
        # The POS's own fallback when a method names no outstanding account.
        default = (
            self.env["account.chart.template"]
            .with_company(company)
            .ref("account_journal_payment_debit_account_id", raise_if_not_found=False)
        )
        accounts = (
            methods.outstanding_account_id
            | methods.journal_id.inbound_payment_method_line_ids.payment_account_id
            | (default or company.transfer_account_id)
        )
        if not methods or not accounts:
            raise UserError(
                self.env._(
                    "No Point of Sale payment method uses the Mercado Pago account "
                    "%(account)s: there is no outstanding account to clear.",
                    account=account.name,
                )
            )
        items = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("account_id", "in", accounts.ids),
                    ("journal_id", "in", methods.journal_id.ids),
                    ("company_id", "=", account.company_id.id),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                ],
                order="date, id",
            )
        )
        return (items.account_id[:1] or accounts[:1]), methods.journal_id[:1], items

    def action_reconcile_payout(self):
        """Clear the outstanding account with the payout's bank statement line:
        an accountant's act."""
        self.check_access("write")
        if not self.env.user.has_group("account.group_account_user"):
            raise AccessError(
                self.env._("Only an accountant reconciles a payout with the bank.")
            )
        for line in self:
            statement_line = line.statement_line_id
            if line.match_state != "payout" or not statement_line:
                raise UserError(
                    self.env._(
                        "Only a payout found in the bank statement is reconciled."
                    )
                )
            if not statement_line.is_reconciled:
                line._reconcile_statement_line(statement_line.sudo())
        return True

    def _reconcile_statement_line(self, statement_line):
        outstanding, _journal, items = self._outstanding()
        _liquidity, suspense, _other = statement_line._seek_for_lines()
        move = statement_line.move_id
        move.button_draft()
        move.with_context(skip_account_move_synchronization=True).write(
            {"line_ids": [Command.update(suspense.id, {"account_id": outstanding.id})]}
        )
        move.action_post()
        # Oldest first, debits and credits alike (the fees the sessions posted):
        # what the payout does not cover stays open for the next one.
        (suspense | items.filtered(lambda x: x.account_id == outstanding)).reconcile()

    def action_propose_entry(self):
        """A draft entry for what Odoo did not record (a chargeback, a
        dispute, an adjustment), for the accountant to check and post."""
        self.check_access("write")
        moves = self.env["account.move"]
        for line in self.filtered(
            lambda x: x.match_state in ("held", "not_in_odoo", "differs")
        ):
            moves |= line.move_id or line._proposed_entry()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Proposed entries"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", moves.ids)],
        }

    def _proposed_entry(self):
        counterpart = self.account_id.adjustment_account_id
        if not counterpart:
            raise UserError(
                self.env._(
                    "Set the chargebacks and adjustments account of the Mercado "
                    "Pago account %(account)s first.",
                    account=self.account_id.name,
                )
            )
        outstanding, journal, _items = self._outstanding()
        net_minor = self.credit_minor - self.debit_minor
        amount = float(from_minor_units(abs(net_minor), self.currency_id.name))
        into, out_of = (
            (outstanding, counterpart) if net_minor > 0 else (counterpart, outstanding)
        )
        label = self.env._(
            "Mercado Pago %(what)s %(operation)s",
            what=self.description,
            operation=self.source_id or "",
        )
        # sudo: a POS manager without accounting rights may propose; the
        # entry stays a draft for an accountant.
        self.move_id = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "company_id": self.company_id.id,
                    "date": self.date.date(),
                    "ref": label,
                    "line_ids": [
                        Command.create(
                            {"name": label, "account_id": into.id, "debit": amount}
                        ),
                        Command.create(
                            {"name": label, "account_id": out_of.id, "credit": amount}
                        ),
                    ],
                }
            )
        )
        return self.move_id

    def _rematch(self):
        """Look again, once Odoo recorded what was missing."""
        for account in self.account_id:
            lines = self.filtered(lambda line, a=account: line.account_id == a)
            rows = lines.read(MATCHED_ON)
            for line, verdict in zip(lines, self._verdicts(account, rows), strict=True):
                line.write(verdict)

    @api.model
    def _verdicts(self, account, rows):
        """What each row is to Odoo, found by Mercado Pago's operation number,
        else by our external reference. ``rows``: dicts of MATCHED_ON."""
        sources = list({row["source_id"] for row in rows if row["source_id"]})
        references = list(
            {row["external_reference"] for row in rows if row["external_reference"]}
        )
        attempts = self.env["mercado.pago.qr.attempt"].search(
            [
                ("account_id", "=", account.id),
                "|",
                "|",
                ("operation_number", "in", sources),
                ("mp_payment_id", "in", sources),
                ("external_reference", "in", references),
            ]
        )
        by_id = {}
        for attempt in attempts:
            for key in (attempt.operation_number, attempt.mp_payment_id):
                if key:
                    by_id[key] = attempt
        by_reference = {a.external_reference: a for a in attempts}
        ids = [row["id"] for row in rows if row.get("id")]
        # Refunds already released by rows outside this batch.
        taken = set(
            self.search(
                [("refund_id", "in", attempts.refund_ids.ids), ("id", "not in", ids)]
            ).refund_id.ids
        )
        return [
            _verdict(
                row,
                by_id.get(row["source_id"])
                or by_reference.get(row["external_reference"], attempts.browse()),
                taken,
            )
            for row in rows
        ]


MATCHED_ON = [
    "source_id",
    "external_reference",
    "description",
    "gross_minor",
    "fee_minor",
]


def _verdict(row, attempt, taken):
    env = attempt.env
    description = row["description"] or ""
    vals = {"attempt_id": attempt.id, "refund_id": False, "difference": False}
    if description in PAYOUTS:
        return dict(vals, attempt_id=False, match_state="payout")
    if not attempt:
        return dict(vals, match_state="not_in_odoo")
    if description in HOLDS or description.startswith("reserve"):
        return dict(vals, match_state="held")
    if description == "refund":
        for refund in attempt.refund_ids:
            if (
                refund.state == "done"
                and refund.amount_minor == -row["gross_minor"]
                and refund.id not in taken
            ):
                taken.add(refund.id)
                return dict(vals, match_state="matched", refund_id=refund.id)
        return dict(
            vals,
            match_state="differs",
            difference=env._("No refund of this amount is recorded in Odoo."),
        )
    if description != "payment":
        return dict(vals, match_state="not_in_odoo")
    if attempt.state not in MONEY:
        return dict(
            vals,
            match_state="differs",
            difference=env._(
                "Odoo has this payment as %(state)s.", state=attempt.state
            ),
        )
    gaps = []
    if attempt.paid_minor != row["gross_minor"]:
        gaps.append(env._("gross %(amount)s in Odoo", amount=attempt.gross))
    if attempt.fee_known and attempt.fee_minor != -row["fee_minor"]:
        gaps.append(env._("fee %(amount)s in Odoo", amount=attempt.fee))
    if gaps:
        return dict(vals, match_state="differs", difference=", ".join(gaps))
    return dict(vals, match_state="matched")
