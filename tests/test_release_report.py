"""The accountant's released money report, imported from the emulator.

The report's calls, columns and row kinds follow Mercado Pago's published
guide (docs/mercado-pago-api.md §11; mercadopago/devsite-docs
guides/additional-content/reports/released-money/api.en.md and glossary.en.md).
"""

import base64
import uuid
from datetime import timedelta
from decimal import Decimal

import requests

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MercadoPagoQrFlowCommon
from .test_after_sale import QUIET


class ReleaseReportHelpers:
    def _paid(self, amount):
        attempt, _result = self.start(amount)
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(attempt)["state"], "paid")
        return attempt

    def _sold_elsewhere(self, amount):
        """A QR payment of the same cashbox that Odoo never asked for."""
        order = {
            "type": "qr",
            "external_reference": f"elsewhere-{uuid.uuid4().hex[:8]}",
            "total_amount": amount,
            "config": {"qr": {"external_pos_id": self.cashbox.external_id}},
            "transactions": {"payments": [{"amount": amount}]},
        }
        response = self.mp_post("/v1/orders", order)
        self.pay()
        # Odoo answers its notification: not one of its sales.
        self.wait_notifications()
        return response

    def mp_post(self, path, body):
        response = requests.post(
            f"{self.emulator.url}{path}",
            json=body,
            headers={
                "Authorization": f"Bearer {self.remote['access_token']}",
                "X-Idempotency-Key": str(uuid.uuid4()),
            },
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def _month(self):
        """Three sales, a partial refund, a chargeback, a sale from another
        channel and a payout to the bank."""
        sales = [self._paid(a) for a in ("100.00", "50.00", "30.00")]
        self.refund(sales[1], 20.0)
        self.run_cron()  # the fees
        charged_back = sales[2]
        number = charged_back.operation_number or charged_back.mp_payment_id
        self.admin("POST", f"/payments/{number}/chargeback")
        self._sold_elsewhere("7.00")
        self.admin(
            "POST", f"/accounts/{self.remote['user_id']}/payouts", json={"amount": "60"}
        )
        return sales

    def _report(self, **vals):
        today = fields.Date.today()
        return self.env["mercado.pago.qr.release.report"].create(
            {
                "account_id": self.mp_account.id,
                "date_from": today - timedelta(days=1),
                "date_to": today + timedelta(days=1),
                **vals,
            }
        )

    def mp_get_raw(self, report):
        name = report.file_name
        response = requests.get(
            f"{self.emulator.url}/v1/account/release_report/{name}",
            headers={"Authorization": f"Bearer {self.remote['access_token']}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.content

    def _balance(self):
        return sum(Decimal(e["net"]) for e in self.admin("GET", "/ledger")["entries"])

    def _payout_to_bank(self, journal, days_later=1):
        """Mercado Pago pays the available balance out; the bank's statement
        shows it a day later."""
        amount = self._balance()
        payout = self.admin(
            "POST",
            f"/accounts/{self.remote['user_id']}/payouts",
            json={"amount": str(amount)},
        )
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": journal.id,
                "date": fields.Date.today() + timedelta(days=days_later),
                "payment_ref": f"MERCADOPAGO {payout['id']}",
                "amount": float(amount),
            }
        )
        return amount

    def _bank_journal(self):
        journal = self.env["account.journal"].create(
            {"name": "Banco Galicia", "type": "bank", "code": "GAL"}
        )
        expense = self.env["account.account"].search(
            [
                ("account_type", "=", "expense"),
                ("company_ids", "in", self.env.company.id),
            ],
            limit=1,
        )
        self.mp_account.write(
            {
                "payout_journal_id": journal.id,
                "adjustment_account_id": expense.id,
                "post_fees": True,
                "fee_account_id": expense.id,
            }
        )
        return journal


class ReleaseReportCases(ReleaseReportHelpers):
    @mute_logger(*QUIET)
    def test_a_month_is_explained_row_by_row(self):
        sales = self._month()
        report = self._report()
        report.action_import()
        self.assertEqual(report.state, "imported", report.message)
        lines = report.line_ids
        by_state = {}
        for line in lines:
            by_state.setdefault(line.match_state, []).append(line.description)
        self.assertEqual(
            {k: sorted(v) for k, v in by_state.items()},
            {
                "matched": ["payment", "payment", "payment", "refund"],
                "held": ["chargeback"],
                "not_in_odoo": ["payment"],
                "payout": ["payout"],
            },
        )
        payments = lines.filtered(lambda x: x.match_state == "matched")
        self.assertEqual(set(payments.attempt_id.ids), {sale.id for sale in sales})
        refund_line = payments.filtered(lambda x: x.description == "refund")
        self.assertEqual(refund_line.refund_id, sales[1].refund_ids)
        # The sale from elsewhere, the chargeback waiting for its entry and the
        # payout for its bank statement line (no payout journal is set).
        self.assertEqual(report.unexplained, 3)
        self.assertEqual(report.unreleased_count, 0)
        # The report's own balance proof: opening plus every movement.
        self.assertAlmostEqual(
            report.opening + sum(lines.mapped("credit")) - sum(lines.mapped("debit")),
            report.closing,
            places=2,
        )
        self.assertAlmostEqual(report.payouts, -60.0, places=2)
        elsewhere = lines.filtered(lambda x: x.match_state == "not_in_odoo")
        self.assertAlmostEqual(
            report.released,
            sum(sale.net for sale in sales) + elsewhere.credit,
            places=2,
        )

    @mute_logger(*QUIET)
    def test_importing_twice_changes_nothing(self):
        self._month()
        report = self._report()
        report.action_import()
        before = report.line_ids.read(["key", "match_state", "attempt_id"])
        report.action_import()
        self.assertEqual(
            report.line_ids.read(["key", "match_state", "attempt_id"]), before
        )
        self.assertIn("0 new", report.message)
        # The same rows from a file of an overlapping period, its zeros
        # written without decimals: nothing new.
        data = self.mp_get_raw(report).replace(b",0.00,", b",0,")
        self.assertIn(b",0,", data)
        other = self._report(
            date_to=fields.Date.today() + timedelta(days=2),
            file=base64.b64encode(data),
            file_name="release.csv",
        )
        other.action_import()
        self.assertEqual(other.state, "imported")
        self.assertFalse(other.line_ids)
        # Its summary still counts the rows the first import brought.
        self.assertEqual(other.period_line_ids, report.line_ids)
        self.assertEqual(
            (other.released, other.payouts, other.unexplained),
            (report.released, report.payouts, report.unexplained),
        )
        self.assertEqual(
            self.env["mercado.pago.qr.release.line"].search_count(
                [("account_id", "=", self.mp_account.id)]
            ),
            len(before),
        )

    def test_a_foreign_or_malformed_file_imports_nothing(self):
        for data, reason in (
            (b"name,amount\nBob,1\n", "columns DATE, RECORD_TYPE"),
            (
                (
                    b"DATE,RECORD_TYPE,NET_CREDIT_AMOUNT,NET_DEBIT_AMOUNT\n"
                    b"2026-01-01T00:00:00.000-04:00,release,abc,0\n"
                ),
                "Line 2",
            ),
            (b"\x89PNG\r\n\x1a\n\xff\xfe", "UTF-8"),
        ):
            report = self._report(file=base64.b64encode(data), file_name="x.csv")
            with self.assertRaisesRegex(UserError, reason):
                report.action_import()
            self.assertEqual(report.state, "draft")
            self.assertFalse(report.line_ids)
            report.unlink()

    def test_who_may_import(self):
        report = self._report()
        with self.assertRaises(AccessError):
            report.with_user(self.pos_user).action_import()
        outsider = self.make_outsider("release_outsider")
        with self.assertRaises(AccessError):
            report.with_user(outsider).read(["state"])
        accountant = self.env["res.users"].create(
            {
                "name": "Accountant",
                "login": "release_accountant",
                "group_ids": [(6, 0, [self.env.ref("account.group_account_user").id])],
            }
        )
        report.with_user(accountant).action_import()
        self.assertEqual(report.state, "imported")

    @mute_logger(*QUIET)
    def test_a_payout_clears_what_the_sessions_left_outstanding(self):
        journal = self._bank_journal()
        for n, amount in enumerate(("100.00", "50.00", "30.00")):
            attempt, _result = self.start(amount, line_uuid=f"payout-{n}")
            self.pay()
            self.wait_notifications()
            self.assertEqual(self.status(attempt)["state"], "paid")
            self.sync_order(f"payout-{n}", float(amount))
        session = self.main_pos_config.current_session_id
        session.post_closing_cash_details(0)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")
        outstanding = (
            self.env["account.payment"]
            .search([("pos_session_id", "=", session.id)])
            .outstanding_account_id
        )
        amount = self._payout_to_bank(journal)
        report = self._report()
        report.action_import()
        payout = report.line_ids.filtered(lambda x: x.match_state == "payout")
        self.assertEqual(payout.statement_line_id.amount, float(amount))
        self.assertEqual(report.unexplained, 0)
        with self.assertRaises(AccessError):  # reconciling is an accountant's act
            payout.with_user(self.pos_admin).action_reconcile_payout()
        self.assertFalse(payout.statement_line_id.is_reconciled)
        payout.action_reconcile_payout()
        self.assertTrue(payout.statement_line_id.is_reconciled)
        # Gross in, fees out, the payout out: nothing left outstanding.
        left = self.env["account.move.line"].search(
            [
                ("account_id", "=", outstanding.id),
                ("journal_id", "=", self.qr_method.journal_id.id),
                ("reconciled", "=", False),
                ("parent_state", "=", "posted"),
            ]
        )
        self.assertFalse(left, left.read(["name", "debit", "credit"]))

    @mute_logger(*QUIET)
    def test_a_chargeback_gets_an_entry_the_accountant_posts(self):
        self._bank_journal()
        attempt = self._paid("80.00")
        number = attempt.operation_number or attempt.mp_payment_id
        self.admin("POST", f"/payments/{number}/chargeback")
        report = self._report()
        report.action_import()
        held = report.line_ids.filtered(lambda x: x.match_state == "held")
        self.assertEqual((held.attempt_id, report.unexplained), (attempt, 1))
        held.action_propose_entry()
        entry = held.move_id
        self.assertEqual(entry.state, "draft")  # nothing is posted silently
        self.assertEqual(entry.amount_total, 80.0)
        self.assertEqual(report.unexplained, 1)
        entry.action_post()
        self.assertEqual(report.unexplained, 0)
        held.action_propose_entry()  # asked twice: still one entry
        self.assertEqual(held.move_id, entry)


@tagged("post_install", "-at_install")
class TestReleaseReportOrdersApi(ReleaseReportCases, MercadoPagoQrFlowCommon):
    api_mode = "orders"


@tagged("post_install", "-at_install")
class TestReleaseReportInstoreV2(ReleaseReportCases, MercadoPagoQrFlowCommon):
    api_mode = "v2"


@tagged("post_install", "-at_install")
class TestReleaseReportMonth(ReleaseReportHelpers, MercadoPagoQrFlowCommon):
    """A month of sales once, on the Orders API (the other cases run on both)."""

    api_mode = "orders"

    @mute_logger(*QUIET)
    def test_a_simulated_month_is_explained_to_the_last_row(self):
        """500 sales over four weeks, refunds, a chargeback and a weekly
        payout: every row explained, every payout found in the bank."""
        journal = self._bank_journal()
        # The notifications are lost: the cron re-reads the month's sales.
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        sales, payouts = [], []
        for n in range(500):
            attempt, _result = self.start("10.00" if n % 3 else "27.50")
            self.pay()
            sales.append(attempt)
            self.admin("POST", "/clock", json={"advance_seconds": 4838})
            if n % 125 == 124:
                payouts.append(
                    self._payout_to_bank(
                        journal, days_later=(n + 1) * 4838 // 86400 + 1
                    )
                )
        self.admin("DELETE", "/faults")
        attempts = self.env["mercado.pago.qr.attempt"].browse([a.id for a in sales])
        attempts.sudo().write({"next_check_at": "2000-01-01 00:00:00"})
        self.run_cron()
        self.assertEqual(set(attempts.mapped("state")), {"paid"})
        for attempt in attempts[:10]:
            self.refund(attempt, 5.0)
        self.wait_notifications()
        number = attempts[20].operation_number or attempts[20].mp_payment_id
        self.admin("POST", f"/payments/{number}/chargeback")
        report = self._report(date_to=fields.Date.today() + timedelta(days=40))
        report.action_import()
        lines = report.line_ids
        self.assertEqual(len(lines.filtered(lambda x: x.description == "payment")), 500)
        self.assertEqual(len(lines.filtered(lambda x: x.description == "refund")), 10)
        self.assertEqual(
            len(lines.filtered(lambda x: x.statement_line_id)), len(payouts)
        )
        held = lines.filtered(lambda x: x.match_state == "held")
        self.assertEqual(report.unexplained, 1)
        held.action_propose_entry()
        held.move_id.action_post()
        self.assertEqual(report.unexplained, 0)
        self.assertAlmostEqual(
            report.opening
            + report.released
            + report.refunded
            + report.held
            + report.payouts
            + report.other,
            report.closing,
            places=2,
        )
