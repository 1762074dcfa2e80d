import json
from decimal import Decimal

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MercadoPagoQrFlowCommon

QUIET = (
    "odoo.addons.pos_mercado_pago_qr.mercado_pago.http",
    "odoo.addons.pos_mercado_pago_qr.controllers.main",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_attempt",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_push",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_reconciliation",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_refund",
)


class AfterSaleCases:
    def _paid(self, amount="100.00", line_uuid=None):
        attempt, _result = self.start(amount, line_uuid=line_uuid)
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(attempt)["state"], "paid")
        return attempt

    def _ledger_refunds(self):
        entries = self.admin("GET", "/ledger")["entries"]
        return [e for e in entries if e["kind"] == "refund"]

    def _lose_refund_answers(self):
        """Mercado Pago applies every refund and its answer never arrives."""
        self.admin(
            "PUT",
            "/faults",
            json={"rules": [{"fault": "error", "path": "refund", "when": "after"}]},
        )

    # -- refunds --------------------------------------------------------------

    @mute_logger(*QUIET)
    def test_full_refund(self):
        attempt = self._paid("100.00")
        self.refund(attempt, 100.0)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.refund_ids.state, "done")
        self.assertEqual(attempt.refunded_minor, 10000)
        [entry] = self._ledger_refunds()
        self.assertEqual(Decimal(entry["gross"]), Decimal("-100.00"))

    @mute_logger(*QUIET)
    def test_partial_refunds_then_over_large_is_refused(self):
        attempt = self._paid("100.00")
        self.refund(attempt, 30.0)
        self.refund(attempt, 20.5)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.refunded_minor, 5050)
        self.assertEqual(len(self._ledger_refunds()), 2)
        with self.assertRaisesRegex(UserError, "At most 49.50"):
            self.refund(attempt, 60.0)
        self.assertEqual(len(self._ledger_refunds()), 2)
        self.refund(attempt, 49.5)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.refunded_minor, 10000)
        with self.assertRaises(UserError):
            self.refund(attempt, 0.01)

    @mute_logger(*QUIET)
    def test_refund_with_mercado_pago_down_then_up_refunds_once(self):
        attempt = self._paid("40.00")
        # Mercado Pago applies the refund but the answer is lost, every time.
        self._lose_refund_answers()
        self.refund(attempt, 40.0)
        attempt.invalidate_recordset()
        refund = attempt.refund_ids
        self.assertEqual(refund.state, "new")
        self.admin("DELETE", "/faults")
        # The cron sends it again with the same key: one refund at Mercado Pago.
        self.run_cron()
        refund.invalidate_recordset()
        self.assertEqual(refund.state, "done")
        self.assertEqual(len(self._ledger_refunds()), 1)

    @mute_logger(*QUIET)
    def test_the_refund_wizard_offers_what_mercado_pago_will_still_refund(self):
        attempt = self._paid("40.00")
        self.refund(attempt, 10.0)
        # The next refund's answer is lost: asked, neither done nor failed.
        self._lose_refund_answers()
        self.refund(attempt, 12.5)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.refund_ids.mapped("state"), ["new", "done"])
        wizard = (
            self.env["mercado.pago.qr.refund.wizard"]
            .with_user(self.pos_admin)
            .create({"attempt_id": attempt.id})
        )
        self.assertEqual(wizard.amount, 17.5)

    def test_unpaid_attempt_cannot_be_refunded(self):
        attempt, _result = self.start("5.00")
        with self.assertRaisesRegex(UserError, "Only a payment"):
            self.refund(attempt, 5.0)

    # -- the reconciliation cron ----------------------------------------------

    def _stale(self, attempt):
        attempt.sudo().write(
            {
                "next_check_at": "2000-01-01 00:00:00",
                "expires_at": "2000-01-01 00:05:00",
            }
        )
        self.env.flush_all()

    @mute_logger(*QUIET)
    def test_cron_settles_paid_but_unrecorded(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("12.00")
        self.pay()
        attempt.sudo().next_check_at = "2000-01-01 00:00:00"
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "paid")

    @mute_logger(*QUIET)
    def test_cron_closes_stale_and_expired_attempts(self):
        attempt, _result = self.start("12.00")
        self._stale(attempt)
        self.admin("DELETE", "/requests")
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "expired")
        pending = self.pending()
        self.assertIsNone(pending)
        # A second run has nothing to read for it (the closed one is verified
        # once, later).
        self.admin("DELETE", "/requests")
        self.run_cron()
        self.assertEqual(self.admin("GET", "/requests")["requests"], [])

    @mute_logger(*QUIET)
    def test_cron_reads_once_what_mercado_pago_already_expired(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("12.00")
        # Mercado Pago expires the order by itself; nobody told Odoo.
        self.admin("POST", "/clock", json={"advance_seconds": 3600})
        self._stale(attempt)
        self.admin("DELETE", "/requests")
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "expired")
        calls = self.admin("GET", "/requests")["requests"]
        # One read (on v2 a read asks a few resources), nothing written.
        self.assertEqual({c["method"] for c in calls}, {"GET"}, calls)
        asked = [(c["path"], json.dumps(c["query"], sort_keys=True)) for c in calls]
        self.assertEqual(len(asked), len(set(asked)), calls)

    @mute_logger(*QUIET)
    def test_cancelled_but_paid_becomes_a_visible_late_payment(self):
        attempt = self._late("15.00")
        self.assertEqual(attempt.resolution, "attention")
        self.assertTrue(attempt.activity_ids)
        self.assertEqual(attempt.gross, 15.0)
        # A manager refunds it: nothing paid is lost.
        self.refund(attempt, 15.0)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.refunded_minor, 1500)
        attempt.with_user(self.pos_admin).action_mark_resolved()
        self.assertEqual(attempt.resolution, "resolved")

    def _late(self, amount):
        """The cashier gave up while Mercado Pago was unreachable; the customer
        paid anyway; the cron finds the money."""
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start(amount)
        attempt.sudo().write({"state": "cancelled", "write_date": "2000-01-01"})
        self.pay()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mercado_pago_qr_attempt SET write_date = '2000-01-01' "
            "WHERE id = %s",
            (attempt.id,),
        )
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "late")
        return attempt

    @mute_logger(*QUIET)
    def test_late_payment_registered_as_a_sale_of_an_open_session(self):
        attempt = self._late("15.40")
        session = self.main_pos_config.current_session_id
        with self.assertRaises(AccessError):
            self.env["mercado.pago.qr.register.wizard"].with_user(self.pos_user).create(
                {"attempt_id": attempt.id, "session_id": session.id}
            )
        wizard = (
            self.env["mercado.pago.qr.register.wizard"]
            .with_user(self.pos_admin)
            .with_context(default_attempt_id=attempt.id)
            .create({})
        )
        self.assertEqual(wizard.session_id, session)
        wizard.action_register()
        attempt.invalidate_recordset()
        order = attempt.pos_order_id
        self.assertEqual(order.session_id, session)
        self.assertEqual(order.state, "paid")
        self.assertAlmostEqual(order.amount_total, 15.40)
        self.assertEqual(order.payment_ids, attempt.pos_payment_id)
        self.assertEqual(attempt.pos_payment_id.payment_method_id, self.qr_method)
        self.assertAlmostEqual(attempt.pos_payment_id.amount, 15.40)
        self.assertEqual(attempt.pos_payment_id.mp_qr_payment_id, attempt.mp_payment_id)
        self.assertEqual(attempt.resolution, "resolved")
        self.assertIn(order.name, attempt.resolution_note)
        # Once only: the money is now a sale.
        again = (
            self.env["mercado.pago.qr.register.wizard"]
            .with_user(self.pos_admin)
            .create({"attempt_id": attempt.id, "session_id": session.id})
        )
        with self.assertRaisesRegex(UserError, "needs attention"):
            again.action_register()

    @mute_logger(*QUIET)
    def test_a_refunded_late_payment_cannot_be_registered(self):
        attempt = self._late("8.00")
        self.refund(attempt, 8.0)
        attempt.invalidate_recordset()
        wizard = (
            self.env["mercado.pago.qr.register.wizard"]
            .with_user(self.pos_admin)
            .create(
                {
                    "attempt_id": attempt.id,
                    "session_id": self.main_pos_config.current_session_id.id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "refunded"):
            wizard.action_register()
        self.assertFalse(attempt.pos_order_id)

    @mute_logger(*QUIET)
    def test_fees_posted_at_session_close_when_the_account_asks(self):
        expense = self.env["account.account"].search(
            [
                ("account_type", "=", "expense"),
                ("company_ids", "in", self.env.company.id),
            ],
            limit=1,
        )
        self.qr_method.mp_qr_account_id.write(
            {"post_fees": True, "fee_account_id": expense.id}
        )
        attempt = self._paid("250.00", line_uuid="fee-line")
        # Not read while the notification was answered: closing reads it.
        self.assertFalse(attempt.fee_known)
        self.sync_order("fee-line", 250.00)
        session = self.main_pos_config.current_session_id
        session.post_closing_cash_details(0)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")
        move = session.mp_qr_fee_move_ids
        self.assertEqual(len(move), 1)
        self.assertEqual(move.state, "posted")
        fee = Decimal(attempt.fee_minor) / 100
        debit = move.line_ids.filtered(lambda line: line.account_id == expense)
        self.assertEqual(Decimal(str(debit.debit)), fee)
        credit = move.line_ids - debit
        self.assertEqual(Decimal(str(credit.credit)), fee)
        bank = self.env["account.payment"].search([("pos_session_id", "=", session.id)])
        self.assertEqual(credit.account_id, bank.outstanding_account_id)
        self.assertTrue(attempt.fee_known)
        self.assertGreater(attempt.fee_minor, 0)

    @mute_logger(*QUIET)
    def test_no_fee_entry_unless_the_account_asks(self):
        self._paid("40.00", line_uuid="nofee-line")
        self.sync_order("nofee-line", 40.00)
        session = self.main_pos_config.current_session_id
        session.post_closing_cash_details(0)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")
        self.assertFalse(session.mp_qr_fee_move_ids)

    @mute_logger(*QUIET)
    def test_the_fee_is_read_by_the_cron_after_the_payment(self):
        attempt = self._paid("250.00")
        self.assertFalse(attempt.fee_known)
        self.assertEqual(attempt.fee_minor, 0)
        # Mercado Pago's payments API fails on the cron's first try.
        self.admin(
            "PUT",
            "/faults",
            json={
                "rules": [{"fault": "error", "status": 503, "path": "^/v1/payments"}]
            },
        )
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertFalse(attempt.fee_known)
        self.assertEqual(attempt.fee_minor, 0)
        self.admin("DELETE", "/faults")
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertTrue(attempt.fee_known)
        [entry] = [
            e for e in self.admin("GET", "/ledger")["entries"] if e["kind"] == "payment"
        ]
        self.assertEqual(Decimal(attempt.fee_minor) / 100, Decimal(entry["fee"]))
        self.assertGreater(attempt.fee_minor, 0)

    @mute_logger(*QUIET)
    def test_fees_and_net_match_mercado_pagos_ledger(self):
        attempt = self._paid("250.00")
        self.run_cron()
        attempt.invalidate_recordset()
        [entry] = [e for e in self.admin("GET", "/ledger")["entries"]]
        self.assertEqual(Decimal(str(attempt.gross)), Decimal(entry["gross"]))
        self.assertEqual(Decimal(str(attempt.fee)), Decimal(entry["fee"]))
        self.assertEqual(
            Decimal(str(attempt.net)).quantize(Decimal("0.01")), Decimal(entry["net"])
        )


@tagged("post_install", "-at_install")
class TestAfterSaleOrdersApi(AfterSaleCases, MercadoPagoQrFlowCommon):
    api_mode = "orders"


@tagged("post_install", "-at_install")
class TestAfterSaleInstoreV2(AfterSaleCases, MercadoPagoQrFlowCommon):
    api_mode = "v2"


@tagged("post_install", "-at_install")
class TestSessionClosing(MercadoPagoQrFlowCommon):
    @mute_logger(*QUIET)
    def test_closing_shows_both_totals_and_warns_on_unresolved(self):
        attempt, _result = self.start("30.00", line_uuid="line-close-1")
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(attempt)["state"], "paid")
        self.start("5.00", line_uuid="line-close-2")  # still waiting
        session = self.main_pos_config.current_session_id
        data = session.with_user(self.pos_user).get_closing_control_data()
        [qr] = [
            m for m in data["non_cash_payment_methods"] if m["id"] == self.qr_method.id
        ]
        self.assertEqual(qr["mp_qr_reported"], 30.0)
        self.assertEqual(qr["mp_qr_unresolved"], 1)


class SimulatedDayCases:
    """A day of sales with faults switched on; at the end Odoo's totals equal
    Mercado Pago's ledger to the cent (gross, fee, net, refunds)."""

    sales = 150

    @mute_logger(*QUIET)
    def test_simulated_day_matches_the_ledger(self):
        import random

        rng = random.Random(20261126)
        self.admin(
            "PUT",
            "/faults",
            json={
                "seed": 7,
                "rules": [
                    {"fault": "error", "probability": 0.08, "status": 503},
                    {"fault": "error", "probability": 0.05, "when": "after"},
                    {"fault": "rate_limit", "probability": 0.04, "retry_after": 0},
                ],
                "notifications": {"lose": 0.1, "duplicate": 0.2},
            },
        )
        paid = []
        for n in range(self.sales):
            cents = rng.randint(100, 500000)
            amount = f"{cents // 100}.{cents % 100:02d}"
            attempt, result = self.start(amount, line_uuid=f"day-{n}")
            if result["state"] != "waiting":
                continue
            roll = rng.random()
            if roll < 0.75:
                self.pay()
            elif roll < 0.85:
                self.pay(outcome="rejected")
            elif roll < 0.9:
                self.qr_method.with_user(self.pos_user).mp_qr_cancel(
                    attempt.id, self.pos_session.id
                )
            # else: the customer walks away; the order expires.
            if rng.random() < 0.5:
                self.status(attempt)
            if attempt.state == "paid":
                paid.append(attempt)
        self.wait_notifications(timeout=60)
        self.admin("DELETE", "/faults")
        # The end of the day: every order is past its expiry; the cron settles.
        self.admin("POST", "/clock", json={"advance_seconds": 7200})
        self.wait_notifications(timeout=60)
        Attempt = self.env["mercado.pago.qr.attempt"]
        Attempt.search([]).sudo().write(
            {"expires_at": "2000-01-01 00:00:00", "next_check_at": "2000-01-01"}
        )
        self.run_cron()
        self.env.cr.execute(
            "UPDATE mercado_pago_qr_attempt SET write_date = '2000-01-01'"
        )
        self.run_cron()
        # Some refunds, one of them partial.
        for attempt in paid[:5]:
            attempt.invalidate_recordset()
            self.refund(attempt, round(attempt.gross / 2, 2))
        attempts = Attempt.search([])
        self.assertFalse(attempts.filtered(lambda a: a.state in ("new", "waiting")))
        ledger = self.admin("GET", "/ledger")
        [totals] = ledger["totals"]
        money = attempts.filtered(lambda a: a.state in ("paid", "late", "review"))
        gross = sum(Decimal(str(a.gross)) for a in money)
        fee = sum(Decimal(str(a.fee)) for a in money)
        refunds = sum(Decimal(str(a.refunded)) for a in money)
        payments = [e for e in ledger["entries"] if e["kind"] == "payment"]
        self.assertEqual(len(payments), len(money))
        self.assertEqual(
            {str(e["payment_id"]) for e in payments},
            {
                a.operation_number if self.api_mode == "orders" else a.mp_payment_id
                for a in money
            },
        )
        self.assertEqual(gross - refunds, Decimal(totals["gross"]))
        self.assertEqual(
            sum(Decimal(e["fee"]) for e in payments), fee.quantize(Decimal("0.01"))
        )
        self.assertGreater(len(money), self.sales // 2)


@tagged("post_install", "-at_install")
class TestSimulatedDayOrdersApi(SimulatedDayCases, MercadoPagoQrFlowCommon):
    api_mode = "orders"


@tagged("post_install", "-at_install")
class TestSimulatedDayInstoreV2(SimulatedDayCases, MercadoPagoQrFlowCommon):
    api_mode = "v2"
