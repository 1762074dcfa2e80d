"""One row of Mercado Pago's released money report, matched to what Odoo
recorded: the QR payment or refund it releases, or flagged for the accountant."""

from odoo import api, fields, models

from ..mercado_pago.money import from_minor_units
from ..mercado_pago.transitions import MONEY

PAYOUTS = ("payout", "withdrawal")
# Money held or taken back over a payment: a chargeback, a dispute and what
# Mercado Pago reserves for them (the "reserve-" rows).
HOLDS = ("chargeback", "dispute", "mediation", "mediation_cancel")


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

    _key_unique = models.Constraint(
        "unique(account_id, key)", "A report row is imported once per account."
    )

    @api.depends("credit_minor", "debit_minor", "gross_minor", "fee_minor")
    def _compute_money(self):
        code = self.account_id.currency_id.name
        for line in self:
            for name in ("credit", "debit", "gross", "fee"):
                line[name] = float(from_minor_units(line[f"{name}_minor"], code))

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
