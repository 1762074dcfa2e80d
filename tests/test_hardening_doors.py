"""Doors: every public method checks the caller before sudo or Mercado Pago."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Command, tagged
from odoo.tools import mute_logger

from .common import MercadoPagoQrFlowCommon

QUIET = ("odoo.addons.pos_mercado_pago_qr", "odoo.http")


class DoorsCommon(MercadoPagoQrFlowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = cls.make_outsider("mp_doors_outsider")

    def paid_attempt(self, amount="12.50", line_uuid="line-paid"):
        attempt, _result = self.start(amount, line_uuid=line_uuid)
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(attempt)["state"], "paid")
        return attempt


@tagged("post_install", "-at_install")
class TestAdministratorsDoors(DoorsCommon):
    def admin_actions(self):
        store = self.cashbox.store_id
        return [
            (self.cashbox, "action_sync"),
            (self.cashbox, "action_print_sticker"),
            (store, "action_sync"),
            (store, "action_create_cashboxes"),
            (self.mp_account, "action_import_from_mercado_pago"),
            (self.mp_account, "action_test_connection"),
            (self.mp_account, "action_regenerate_webhook_token"),
        ]

    def assert_nothing_moves(self, user):
        token = self.mp_account.webhook_token
        self.admin("DELETE", "/requests")
        for record, method in self.admin_actions():
            with (
                self.subTest(user=user.login, model=record._name, method=method),
                self.assertRaises(AccessError),
            ):
                getattr(record.with_user(user), method)()
        self.assertEqual(self.api_requests(), [])
        # The sticker on the counter still works, the notification URL too.
        self.assertEqual(
            self.mp_get(f"/pos/{self.cashbox.mp_pos_id}")["external_id"],
            self.cashbox.external_id,
        )
        self.assertTrue(self.cashbox.mp_pos_id)
        self.assertEqual(self.mp_account.webhook_token, token)

    def test_a_cashier_cannot_reach_mercado_pago_through_admin_actions(self):
        self.assert_nothing_moves(self.pos_user)

    def test_a_manager_of_another_company_cannot_either(self):
        self.assert_nothing_moves(self.outsider)

    def test_a_manager_of_the_company_can(self):
        token = self.mp_account.webhook_token
        self.mp_account.with_user(self.pos_admin).action_regenerate_webhook_token()
        self.assertNotEqual(self.mp_account.webhook_token, token)
        self.cashbox.with_user(self.pos_admin).action_sync()
        self.assertTrue(self.cashbox.qr_image)


@tagged("post_install", "-at_install")
class TestPaymentDoors(DoorsCommon):
    def second_till(self):
        """Another till of the same company, with its own cashbox and session."""
        config = self.main_pos_config.copy({"name": "Caja 2"})
        config.write({"payment_method_ids": [Command.set(self.qr_method.ids)]})
        self.make_cashbox(store=self.cashbox.store_id, config=config, name="Caja 2")
        config.with_user(self.pos_user).open_ui()
        return config.current_session_id

    @mute_logger(*QUIET)
    def test_raw_payloads_are_for_managers_only(self):
        attempt = self.paid_attempt()
        with self.assertRaises(AccessError):
            attempt.with_user(self.pos_user).read(["last_payload"])
        self.assertNotIn(
            "last_payload",
            self.env["mercado.pago.qr.attempt"].with_user(self.pos_user).fields_get(),
        )
        self.assertIn('"id"', attempt.with_user(self.pos_admin).last_payload)

    @mute_logger(*QUIET)
    def test_a_cashier_acts_only_on_the_attempts_of_its_own_session(self):
        attempt, _result = self.start("5.00", line_uuid="line-till-1")
        other_session = self.second_till()
        method = self.qr_method.with_user(self.pos_user)
        for call in ("mp_qr_force_done", "mp_qr_cancel", "mp_qr_status"):
            with self.subTest(call=call), self.assertRaisesRegex(UserError, "Unknown"):
                getattr(method, call)(attempt.id, other_session.id)
        self.assertFalse(method.mp_qr_find("line-till-1", other_session.id))
        self.assertEqual(
            method.mp_qr_recover([attempt.order_uuid], other_session.id), []
        )
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "waiting")
        self.assertTrue(self.pending())  # still payable at Mercado Pago

    @mute_logger(*QUIET)
    def test_nothing_is_done_for_a_closed_or_foreign_session(self):
        attempt, _result = self.start("5.00")
        # The method itself is out of another company's reach.
        with self.assertRaises(AccessError):
            self.qr_method.with_user(self.outsider).mp_qr_force_done(
                attempt.id, self.pos_session.id
            )
        with self.assertRaisesRegex(UserError, "Open a session"):
            self.qr_method.with_user(self.pos_user).mp_qr_cancel(attempt.id, 0)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "waiting")

    @mute_logger(*QUIET)
    def test_a_payment_line_is_linked_only_to_an_attempt_of_its_own_till(self):
        attempt = self.paid_attempt(line_uuid="line-shared")
        other_session = self.second_till()
        # Another till's order claims the same line uuid: it is not that money.
        with (
            self.assertRaisesRegex(UserError, "not confirmed"),
            self.env.cr.savepoint(),
        ):
            self.sync_order("line-shared", 12.50, session=other_session)
        self.assertFalse(attempt.pos_payment_id)
        order = self.sync_order("line-shared", 12.50)
        self.assertEqual(attempt.pos_payment_id.pos_order_id, order)


@tagged("post_install", "-at_install")
class TestPosRefundDoor(DoorsCommon):
    def setUp(self):
        super().setUp()
        self.attempt = self.paid_attempt(amount="20.00", line_uuid="line-sold")
        self.sold = self.sync_order("line-sold", 20.00)

    def save_refund_order(self, amount, line_uuid, state="draft", session=None):
        """The POS saves its refund order (a negative line of the sold product,
        a negative QR payment line) before asking for the refund."""
        session = session or self.pos_session
        sold_line = self.sold.lines[:1]
        order = {
            "name": f"Refund/{line_uuid}",
            "session_id": session.id,
            "uuid": f"refund-order-{line_uuid}",
            "user_id": self.pos_user.id,
            "state": state,
            "amount_paid": -amount,
            "amount_total": -amount,
            "amount_tax": 0,
            "amount_return": 0,
            "lines": [
                Command.create(
                    {
                        "product_id": sold_line.product_id.id,
                        "qty": -1,
                        "price_unit": amount,
                        "price_subtotal": -amount,
                        "price_subtotal_incl": -amount,
                        "refunded_orderline_id": sold_line.id,
                        "tax_ids": [],
                    }
                )
            ],
            "payment_ids": [
                Command.create(
                    {
                        "amount": -amount,
                        "payment_method_id": self.qr_method.id,
                        "uuid": line_uuid,
                        "payment_status": "done" if state == "paid" else "waiting",
                    }
                )
            ],
        }
        uuid = order["uuid"]
        saved = self.env["pos.order"].search([("uuid", "=", uuid)])
        if saved:
            # Saved before: the POS sends what changed, by the records' ids.
            order["access_token"] = saved.access_token
            order["lines"] = []
            order["payment_ids"] = [
                Command.update(saved.payment_ids.id, {"payment_status": "done"})
            ]
        self.env["pos.order"].with_user(self.pos_user).sync_from_ui([order])
        # The answer lists the refunded order too: the refund order by its uuid.
        return self.env["pos.order"].search([("uuid", "=", uuid)])

    def refund(self, line_uuid, session_id=None):
        self.env.flush_all()
        result = self.qr_method.with_user(self.pos_user).mp_qr_refund(
            {"session_id": session_id or self.pos_session.id, "line_uuid": line_uuid}
        )
        self.env.invalidate_all()
        return result

    @mute_logger(*QUIET)
    def test_a_refund_order_of_the_session_is_refunded_and_recorded(self):
        refund_order = self.save_refund_order(8.00, "line-back")
        result = self.refund("line-back")
        self.assertEqual((result["state"], result["amount"]), ("done", "8.00"))
        line = refund_order.payment_ids
        self.assertEqual(line.mp_qr_attempt_id, self.attempt)
        self.assertEqual(self.attempt.refund_ids.pos_payment_id, line)
        # Asked again for the same line (a retried RPC): the same refund.
        self.assertEqual(self.refund("line-back")["id"], result["id"])
        self.assertEqual(len(self.attempt.refund_ids), 1)
        paid = self.save_refund_order(8.00, "line-back", state="paid")
        self.assertEqual(paid, refund_order)
        self.assertEqual(paid.state, "paid")

    @mute_logger(*QUIET)
    def test_a_refund_needs_a_saved_refund_order_of_the_session(self):
        with self.assertRaisesRegex(UserError, "Only the refund"):
            self.refund("line-never-saved")
        self.save_refund_order(5.00, "line-back")
        with self.assertRaisesRegex(UserError, "Open a session"):
            self.refund("line-back", session_id=self.pos_session.id + 1000)
        self.assertFalse(self.attempt.refund_ids)

    @mute_logger(*QUIET)
    def test_at_most_what_is_left_is_refunded(self):
        self.save_refund_order(15.00, "line-first")
        self.assertEqual(self.refund("line-first")["state"], "done")
        self.save_refund_order(10.00, "line-second")
        with self.assertRaisesRegex(UserError, "At most 5.00"):
            self.refund("line-second")
        self.assertEqual(self.attempt.refundable_minor, 500)

    @mute_logger(*QUIET)
    def test_a_qr_refund_line_without_a_refund_is_not_recorded(self):
        with self.assertRaisesRegex(UserError, "has not taken the QR refund"):
            self.save_refund_order(5.00, "line-unrefunded", state="paid")

    @mute_logger(*QUIET)
    def test_a_manager_of_another_company_cannot_use_the_refund_wizard(self):
        self.admin("DELETE", "/requests")
        with self.assertRaises(AccessError):
            wizard = (
                self.env["mercado.pago.qr.refund.wizard"]
                .with_user(self.outsider)
                .create({"attempt_id": self.attempt.id, "amount": 20.0})
            )
            wizard.action_refund()
        self.assertFalse(self.attempt.refund_ids)
        self.assertEqual(self.api_requests(), [])


@tagged("post_install", "-at_install")
class TestPosRefundTour(MercadoPagoQrFlowCommon):
    def test_tour_a_refund_order_goes_back_through_the_qr(self):
        self.run_tour("pos_mp_qr_refund")
        attempt = self.env["mercado.pago.qr.attempt"].search([])
        self.assertEqual(attempt.state, "paid")
        refund = attempt.refund_ids
        self.assertEqual((refund.state, refund.amount_minor), ("done", 198))
        self.assertEqual(refund.pos_payment_id.amount, -1.98)
        self.assertEqual(refund.pos_payment_id.mp_qr_attempt_id, attempt)
        self.assertEqual(refund.pos_payment_id.pos_order_id.state, "paid")
        self.assertEqual(
            self.mp_get(f"/v1/orders/{attempt.mp_order_id}")["status"], "refunded"
        )
