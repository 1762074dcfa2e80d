import json
import time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import Customer, MercadoPagoQrFlowCommon

QUIET = (
    "odoo.addons.pos_mercado_pago_qr.mercado_pago.http",
    "odoo.addons.pos_mercado_pago_qr.controllers.main",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_attempt",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_push",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_reconciliation",
)


class CashierFlowCases:
    """The same server cases for both Mercado Pago APIs."""

    def test_push_builds_the_order_on_the_server_and_returns_at_once(self):
        attempt, result = self.start("12.50")
        self.assertEqual(attempt.state, "waiting")
        self.assertEqual(result["state"], "waiting")
        self.assertTrue(result["qr_image"].startswith("data:image/png;base64,"))
        self.assertTrue(attempt.idempotency_key)
        self.assertEqual(attempt.amount_minor, 1250)
        pending = self.pending()
        self.assertEqual(pending["external_reference"], attempt.external_reference)
        self.assertEqual(str(pending["total_amount"]).rstrip("0").rstrip("."), "12.5")
        self.assertTrue(pending["items"])

    def test_push_records_how_long_mercado_pago_took(self):
        self.admin(
            "PUT",
            "/faults",
            json={
                "rules": [
                    {"fault": "latency", "path": "^/v1/orders|^/instore", "ms": 150}
                ]
            },
        )
        attempt, _result = self.start("3.00")
        self.assertEqual(attempt.state, "waiting")
        self.assertGreaterEqual(attempt.push_ms, 150)
        self.assertLess(attempt.push_ms, 5000)

    @mute_logger(*QUIET)
    def test_paid_through_the_notification(self):
        attempt, _result = self.start("12.50")
        self.pay()
        self.wait_notifications()
        attempt.invalidate_recordset()
        log = self.admin("GET", "/notifications")["attempts"]
        self.assertEqual(attempt.state, "paid", log)
        self.assertEqual(attempt.paid_minor, 1250)
        self.assertTrue(attempt.mp_payment_id)
        self.assertTrue(attempt.operation_number)
        self.assertFalse(attempt.next_check_at and attempt.check_count > 3)

    @mute_logger(*QUIET)
    def test_lost_notification_completes_by_polling(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("7.00")
        self.pay()
        # Not due yet: the POS's question does not re-read Mercado Pago.
        self.assertEqual(self.status(attempt, due=False)["state"], "waiting")
        self.assertEqual(self.status(attempt)["state"], "paid")

    @mute_logger(*QUIET)
    def test_duplicated_and_reordered_notifications_record_one_payment(self):
        self.admin(
            "PUT",
            "/faults",
            json={"notifications": {"duplicate": 1, "reorder": True}},
        )
        attempt, _result = self.start("9.90")
        self.pay()
        self.wait_notifications()
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "paid")
        paid_at = attempt.paid_at
        self.status(attempt)
        self.assertEqual(attempt.paid_at, paid_at)
        self.assertEqual(
            self.env["mercado.pago.qr.attempt"].search_count(
                [("line_uuid", "=", attempt.line_uuid), ("state", "=", "paid")]
            ),
            1,
        )

    @mute_logger(*QUIET)
    def test_rejected_payment_closes_the_qr_and_says_so(self):
        attempt, _result = self.start("5.00")
        self.pay(outcome="rejected")
        self.wait_notifications()
        result = self.status(attempt)
        self.assertEqual(result["state"], "rejected")
        self.assertIn("rejected", result["message"])
        pending = self.pending()
        self.assertIsNone(pending)

    @mute_logger(*QUIET)
    def test_cancel_before_paying(self):
        attempt, _result = self.start("5.00")
        result = self.qr_method.with_user(self.pos_user).mp_qr_cancel(
            attempt.id, self.pos_session.id
        )
        self.assertEqual(result["state"], "cancelled")
        with self.assertRaises(Exception):  # noqa: B017 - nothing left to pay
            self.pay()

    @mute_logger(*QUIET)
    def test_cancel_racing_a_payment_keeps_the_payment(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("5.00")
        self.pay()
        result = self.qr_method.with_user(self.pos_user).mp_qr_cancel(
            attempt.id, self.pos_session.id
        )
        self.assertEqual(result["state"], "paid")
        self.assertTrue(result["operation_number"])

    @mute_logger(*QUIET)
    def test_expired(self):
        attempt, _result = self.start("5.00")
        self.admin("POST", "/clock", json={"advance_seconds": 3600})
        self.wait_notifications()
        attempt.sudo().expires_at = "2000-01-01 00:00:00"
        self.assertEqual(self.status(attempt)["state"], "expired")

    @mute_logger(*QUIET)
    def test_other_amount_is_not_accepted_and_is_surfaced(self):
        attempt, _result = self.start("20.00")
        self.pay(amount="2.00")
        self.wait_notifications()
        result = self.status(attempt)
        self.assertEqual(result["state"], "review")
        self.assertIn("instead of", result["message"])
        self.assertEqual(attempt.paid_minor, 200)

    @mute_logger(*QUIET)
    def test_mercado_pago_down_when_sending_gives_a_clear_failure(self):
        self.admin(
            "PUT", "/faults", json={"rules": [{"fault": "error", "status": 503}]}
        )
        attempt, result = self.start("5.00")
        self.assertEqual(result["state"], "failed")
        self.assertIn("cannot be reached", result["message"])
        self.assertEqual(attempt.state, "failed")

    @mute_logger(*QUIET)
    def test_unknown_outcome_is_closed_with_the_same_key(self):
        # Mercado Pago creates the order but the answer is lost.
        path = "^/v1/orders$" if self.api_mode == "orders" else "/orders$"
        method = "POST" if self.api_mode == "orders" else "PUT"
        self.lose_answers(method, path, times=1)
        attempt, result = self.start("5.00")
        writes = self.admin("GET", "/requests", params={"method": method})["requests"]
        keys = {r["idempotency_key"] for r in writes if r["path"].endswith("orders")}
        self.assertLessEqual(len(keys), 1)
        if result["state"] == "waiting":
            # v2's PUT replaces the cashbox's one order: retried at once.
            self.pay()
            self.wait_notifications()
            self.assertEqual(self.status(attempt)["state"], "paid")
            return
        # The cashier was told it failed; the order it may have created is
        # closed, so nobody can pay it.
        self.assertEqual(result["state"], "failed")
        self.assertFalse(attempt.push_unknown)
        pending = self.pending()
        self.assertIsNone(pending)

    def test_a_new_order_clears_the_previous_one_on_the_cashbox(self):
        first, _result = self.start("5.00", line_uuid="line-a")
        second, _result = self.start("6.00", line_uuid="line-b")
        first.invalidate_recordset()
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(second.state, "waiting")

    def test_push_needs_an_open_session_whose_pos_takes_the_method(self):
        session = self.open_session()
        attempts = self.env["mercado.pago.qr.attempt"]
        method = self.qr_method.with_user(self.pos_user)

        def refused(session_id):
            self.env.flush_all()
            with self.assertRaisesRegex(UserError, "Open a session"):
                method.mp_qr_start(
                    {"session_id": session_id, "line_uuid": "l-1", "amount": "5.00"}
                )

        refused(0)
        refused(session.id + 1000)
        # The POS stops taking the method (Odoo forbids it with a session open,
        # unless told to let it pass).
        config = self.main_pos_config.with_context(
            bypass_payment_method_ids_forbidden_change=True
        )
        config.payment_method_ids -= self.qr_method
        refused(session.id)
        config.payment_method_ids += self.qr_method
        # Archived behind the session's back (Odoo's forms forbid it).
        self.env.cr.execute(
            "UPDATE pos_payment_method SET active = false WHERE id = %s",
            self.qr_method.ids,
        )
        self.qr_method.invalidate_recordset(["active"])
        refused(session.id)
        self.env.cr.execute(
            "UPDATE pos_payment_method SET active = true WHERE id = %s",
            self.qr_method.ids,
        )
        self.qr_method.invalidate_recordset(["active"])
        session.state = "closed"
        refused(session.id)
        self.assertFalse(attempts.search([("line_uuid", "=", "l-1")]))
        self.assertIsNone(self.pending())
        session.state = "opened"
        attempt, _result = self.start("5.00", line_uuid="l-1")
        self.assertEqual(attempt.state, "waiting")

    def test_same_line_asked_twice_is_one_attempt(self):
        first, _result = self.start("5.00", line_uuid="line-x")
        again, _result = self.start("5.00", line_uuid="line-x")
        self.assertEqual(first, again)

    @mute_logger(*QUIET)
    def test_force_done_rechecks_and_records_who(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("5.00")
        self.pay()
        result = self.qr_method.with_user(self.pos_user).mp_qr_force_done(
            attempt.id, self.pos_session.id
        )
        self.assertEqual(result["state"], "paid")  # it was paid: no forcing needed
        other, _result = self.start("3.00", line_uuid="line-forced")
        result = self.qr_method.with_user(self.pos_user).mp_qr_force_done(
            other.id, self.pos_session.id
        )
        self.assertEqual(result["state"], "forced")
        self.assertEqual(other.forced_by_id, self.pos_user)

    @mute_logger(*QUIET)
    def test_order_records_the_payment_with_mercado_pagos_ids(self):
        attempt, _result = self.start("12.50", line_uuid="line-sync")
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(attempt)["state"], "paid")
        order = self.sync_order(attempt.line_uuid, 12.50)
        payment = order.payment_ids.filtered(
            lambda p: p.payment_method_id == self.qr_method
        )
        self.assertEqual(payment.mp_qr_attempt_id, attempt)
        self.assertEqual(payment.mp_qr_operation_number, attempt.operation_number)
        self.assertEqual(payment.transaction_id, attempt.operation_number)
        self.assertEqual(order.state, "paid")

    def test_an_unconfirmed_qr_payment_cannot_be_recorded(self):
        attempt, _result = self.start("12.50", line_uuid="line-unpaid")
        with self.assertRaisesRegex(UserError, "not confirmed"):
            self.sync_order(attempt.line_uuid, 12.50)


@tagged("post_install", "-at_install")
class TestCashierFlowOrdersApi(CashierFlowCases, MercadoPagoQrFlowCommon):
    api_mode = "orders"

    def test_hybrid_returns_the_orders_own_qr(self):
        self.qr_method.mp_qr_mode = "hybrid"
        attempt, result = self.start("5.00")
        self.assertTrue(attempt.qr_data)
        self.assertEqual(result["mode"], "hybrid")
        self.assertTrue(result["qr_image"].startswith("data:image/png;base64,"))

    @mute_logger(*QUIET)
    def test_a_reload_recovers_each_lines_latest_attempt_by_order(self):
        # A reload right after Send can come back without the line: the server
        # still knows it by its order, and says which lines to put back.
        method = self.qr_method.with_user(self.pos_user)
        rejected, _result = self.start("4.00", line_uuid="line-r", order_uuid="ord-r")
        self.pay(outcome="rejected")
        self.assertEqual(self.status(rejected)["state"], "rejected")
        paid, _result = self.start("2.00", line_uuid="line-p", order_uuid="ord-p")
        self.pay()
        self.assertEqual(self.status(paid)["state"], "paid")
        retried, _result = self.start("4.00", line_uuid="line-r", order_uuid="ord-r")
        self.assertNotEqual(retried, rejected)

        [open_line] = method.mp_qr_recover(
            ["ord-r", "ord-r", "ord-unknown"], self.pos_session.id
        )
        self.assertEqual(open_line["id"], retried.id)
        self.assertEqual(
            (open_line["line_uuid"], open_line["order_uuid"], open_line["state"]),
            ("line-r", "ord-r", "waiting"),
        )
        self.assertEqual(open_line["amount"], "4.00")
        self.assertFalse(open_line["consumed"])
        self.assertTrue(open_line["qr_image"])

        [paid_line] = method.mp_qr_recover(["ord-p"], self.pos_session.id)
        self.assertEqual((paid_line["id"], paid_line["state"]), (paid.id, "paid"))
        self.assertEqual(paid_line["operation_number"], paid.operation_number)
        self.assertNotIn("qr_image", paid_line)
        self.sync_order("line-p", 2.00)
        [synced] = method.mp_qr_recover(["ord-p"], self.pos_session.id)
        self.assertTrue(synced["consumed"])

        self.assertEqual(method.mp_qr_recover([], self.pos_session.id), [])
        with self.assertRaisesRegex(UserError, "Malformed"):
            method.mp_qr_recover("ord-r", self.pos_session.id)


@tagged("post_install", "-at_install")
class TestCashierFlowInstoreV2(CashierFlowCases, MercadoPagoQrFlowCommon):
    api_mode = "v2"


@tagged("post_install", "-at_install")
class TestNotifications(MercadoPagoQrFlowCommon):
    def _post(self, query, body, headers=None, path=None):
        return self.url_open(
            (path or self.webhook_path) + query,
            data=json.dumps(body),
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )

    def _order_body(self, order_id):
        return {
            "action": "order.processed",
            "type": "order",
            "data": {"id": order_id, "status": "processed", "version": 2},
        }

    @mute_logger(*QUIET)
    def test_signed_notification_settles(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("5.00")
        self.pay()
        order_id = attempt.mp_order_id
        response = self._post(
            f"?data.id={order_id}&type=order",
            self._order_body(order_id),
            self.sign(order_id),
        )
        self.assertEqual(response.status_code, 200)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "paid")
        self.assertTrue(self.mp_account.last_verified_at)
        # A duplicate of a settled attempt is answered without asking again.
        self.admin("DELETE", "/requests")
        again = self._post(
            f"?data.id={order_id}&type=order",
            self._order_body(order_id),
            self.sign(order_id),
        )
        self.assertEqual(again.status_code, 200)
        reads = self.admin("GET", "/requests", params={"method": "GET"})["requests"]
        self.assertEqual(reads, [])

    @mute_logger(*QUIET)
    def test_unsigned_forged_and_stale_orders_webhooks_change_nothing(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("5.00")
        self.pay()
        order_id = attempt.mp_order_id
        query = f"?data.id={order_id}&type=order"
        body = self._order_body(order_id)
        stale = str(int((time.time() - 3600) * 1000))
        for headers in (
            {},
            self.sign(order_id, secret="not-the-secret"),
            self.sign(order_id, ts=stale),
            {"x-signature": "garbage", "x-request-id": "r"},
        ):
            response = self._post(query, body, headers)
            self.assertEqual(response.status_code, 401, headers)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "waiting")
        self.mp_account.invalidate_recordset()
        self.assertTrue(self.mp_account.last_signature_failure_at)

    @mute_logger(*QUIET)
    def test_malformed_is_400_and_unknown_ids_are_200(self):
        response = self.url_open(
            self.webhook_path + "?type=order",
            data=b"{not json",
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        self.assertEqual(response.status_code, 400)
        unknown = "ORD01ZZZZZZZZZZZZZZZZZZZZZZZZZ"
        response = self._post(
            f"?data.id={unknown}&type=order",
            self._order_body(unknown),
            self.sign(unknown),
        )
        self.assertEqual(response.status_code, 200)
        response = self._post(
            "?data.id=1&type=order",
            {},
            path="/pos_mercado_pago_qr/notify/not-a-token-of-ours-at-all",
        )
        self.assertEqual(response.status_code, 404)

    @mute_logger(*QUIET)
    def test_ipn_is_unsigned_and_trusted_only_after_rereading(self):
        self.mp_account.api_mode = "v2"
        attempt, _result = self.start("5.00")
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        paid = self.pay()
        payment_id = paid["payment_id"]
        response = self.url_open(
            f"{self.webhook_path}?topic=payment&id={payment_id}",
            data=b"",
            method="POST",
        )
        self.assertEqual(response.status_code, 200)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "paid")


@tagged("post_install", "-at_install")
class TestCashierTours(MercadoPagoQrFlowCommon):
    def test_tour_paid(self):
        self.run_tour("pos_mp_qr_paid")
        attempt = self.env["mercado.pago.qr.attempt"].search([], limit=1)
        self.assertEqual(attempt.state, "paid")
        self.assertTrue(attempt.pos_payment_id)

    def test_tour_rejected_then_paid(self):
        self.run_tour("pos_mp_qr_rejected_then_paid", ("rejected", "approved"))

    def test_tour_cancelled(self):
        self.run_tour("pos_mp_qr_cancelled", ())
        attempt = self.env["mercado.pago.qr.attempt"].search([], limit=1)
        self.assertEqual(attempt.state, "cancelled")

    def test_tour_cancel_racing_a_payment(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        self.run_tour("pos_mp_qr_cancel_race")

    def test_tour_notification_lost_completes_by_polling(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        self.run_tour("pos_mp_qr_paid")

    def test_tour_duplicated_notifications(self):
        self.admin("PUT", "/faults", json={"notifications": {"duplicate": 1}})
        self.run_tour("pos_mp_qr_paid")
        self.assertEqual(
            self.env["pos.payment"].search_count(
                [("payment_method_id", "=", self.qr_method.id)]
            ),
            1,
        )

    def test_tour_reload_while_waiting(self):
        # The customer pays only after the page reloaded.
        self.run_tour("pos_mp_qr_reload", delay=8)

    def test_tour_reload_before_the_line_was_saved(self):
        # The browser lost the line; the server had pushed its QR order.
        self.run_tour("pos_mp_qr_reload_unsaved", delay=8)
        attempt = self.env["mercado.pago.qr.attempt"].search([])
        self.assertEqual(attempt.state, "paid")
        self.assertEqual(attempt.pos_payment_id.uuid, attempt.line_uuid)

    def test_tour_hybrid_qr_shown(self):
        self.qr_method.mp_qr_mode = "hybrid"
        self.run_tour("pos_mp_qr_hybrid")
        attempt = self.env["mercado.pago.qr.attempt"].search([], limit=1)
        self.assertEqual(attempt.mode, "hybrid")
        self.assertTrue(attempt.qr_data)

    def test_tour_expired(self):
        self.qr_method.mp_qr_expiry_minutes = 1

        class Clock(Customer):
            # The customer never pays; time passes at Mercado Pago instead.
            def _play(inner):
                url = f"/pos/{inner.external_pos_id}/pending"
                params = {"user_id": inner.case.remote["user_id"]}
                while not inner.case.admin("GET", url, params=params)["pending"]:
                    time.sleep(0.1)
                time.sleep(1)
                inner.case.admin("POST", "/clock", json={"advance_seconds": 120})

        self.run_tour("pos_mp_qr_expired", customer_class=Clock)
