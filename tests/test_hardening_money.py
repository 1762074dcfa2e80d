"""Money: amounts charged as the line says; retries, refunds and forced lines
followed up."""

from decimal import Decimal

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MercadoPagoQrFlowCommon

QUIET = ("odoo.addons.pos_mercado_pago_qr", "odoo.http")


@tagged("post_install", "-at_install")
class TestRetriesReplayTheFirstBody(MercadoPagoQrFlowCommon):
    api_mode = "orders"

    @mute_logger(*QUIET)
    def test_a_push_of_unknown_outcome_is_found_after_a_product_was_renamed(self):
        """Mercado Pago answers 409 idempotency_key_already_used to a key reused
        with another body within 24 h (Mercado Pago's API reference, Orders API
        errors; docs/mercado-pago-api.md, Idempotency)."""
        self.lose_answers("POST", "^/v1/orders$", times=50)
        product = self.env["product.product"].create(
            {"name": "Empanada", "list_price": 5.0, "taxes_id": False}
        )
        line = {"product_id": product.id, "qty": "1", "price_subtotal_incl": "5.00"}
        attempt, result = self.start("5.00", lines=[line])
        self.assertEqual(result["state"], "failed")
        self.assertTrue(attempt.push_unknown)
        self.admin("DELETE", "/faults")
        # Meanwhile the product was renamed and the cashier's language changed:
        # a body built again would name the item otherwise.
        product.name = "Empanada de carne"
        self.env.ref("base.lang_es_AR").active = True
        self.pos_user.lang = "es_AR"
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertFalse(attempt.push_unknown)
        self.assertTrue(attempt.mp_order_id)
        self.assertIsNone(self.pending())  # found with its key, then closed
        creates = self.admin(
            "GET", "/requests", params={"method": "POST", "path": "^/v1/orders$"}
        )["requests"]
        self.assertNotIn(409, [entry["status"] for entry in creates])


@tagged("post_install", "-at_install")
class TestItemsAreTheLinesTotals(MercadoPagoQrFlowCommon):
    api_mode = "orders"

    def test_a_unit_price_with_more_decimals_keeps_its_lines_total(self):
        """Mercado Pago's items carry an integer quantity and a unit price in
        the currency's decimals, and they add up to total_amount (Orders API
        reference, items; docs/mercado-pago-api.md, Amounts). Three empanadas
        for 10.00 cannot be 3 x 3.33: the line stays one item at its total, and
        no other line's price absorbs the cent."""
        Product = self.env["product.product"]
        empanada = Product.create({"name": "Empanada", "taxes_id": False})
        coffee = Product.create({"name": "Coffee", "taxes_id": False})
        lines = [
            {"product_id": empanada.id, "qty": "3", "price_subtotal_incl": "10.00"},
            {"product_id": coffee.id, "qty": "1", "price_subtotal_incl": "5.00"},
        ]
        _attempt, result = self.start("15.00", lines=lines)
        self.assertEqual(result["state"], "waiting")
        items = [
            (item["title"], int(item["quantity"]), Decimal(str(item["unit_price"])))
            for item in self.pending()["items"]
        ]
        self.assertEqual(
            items,
            [("3 x Empanada", 1, Decimal("10.00")), ("Coffee", 1, Decimal("5.00"))],
        )


@tagged("post_install", "-at_install")
class TestForceDoneIsFollowedUp(MercadoPagoQrFlowCommon):
    api_mode = "orders"

    def force_done(self, attempt):
        result = self.qr_method.with_user(self.pos_user).mp_qr_force_done(
            attempt.id, self.pos_session.id
        )
        attempt.invalidate_recordset()
        return result

    def break_cancel(self):
        self.admin(
            "PUT",
            "/faults",
            json={
                "rules": [
                    {"fault": "error", "path": "/cancel$", "status": 500, "times": 50}
                ]
            },
        )

    def unresolved_at_closing(self):
        data = self.pos_session.with_user(self.pos_user).get_closing_control_data()
        [qr] = [
            m for m in data["non_cash_payment_methods"] if m["id"] == self.qr_method.id
        ]
        return qr["mp_qr_unresolved"]

    @mute_logger(*QUIET)
    def test_force_done_closes_the_order_and_surfaces_the_line(self):
        attempt, _result = self.start("5.00")
        self.assertEqual(self.force_done(attempt)["state"], "forced")
        self.assertEqual(attempt.forced_by_id, self.pos_user)
        # Nobody can pay it afterwards: the order left the QR.
        self.assertIsNone(self.pending())
        # A manager sees it, and so does the closing.
        self.assertEqual(attempt.resolution, "attention")
        self.assertTrue(attempt.activity_ids)
        self.assertEqual(self.unresolved_at_closing(), 1)

    @mute_logger(*QUIET)
    def test_money_after_a_force_done_that_could_not_cancel_is_recorded(self):
        self.break_cancel()
        attempt, _result = self.start("5.00")
        self.assertEqual(self.force_done(attempt)["state"], "forced")
        self.assertTrue(self.pending())  # still on the QR
        self.admin("DELETE", "/faults")
        self.pay()
        self.wait_notifications()
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "paid")
        self.assertEqual(attempt.paid_minor, 500)
        self.assertEqual(attempt.resolution, "resolved")
        self.assertEqual(self.unresolved_at_closing(), 0)

    @mute_logger(*QUIET)
    def test_the_cron_closes_what_force_done_could_not(self):
        self.break_cancel()
        attempt, _result = self.start("5.00")
        self.force_done(attempt)
        self.admin("DELETE", "/faults")
        # The cron looks at closed attempts a while after their last change.
        self.env.cr.execute(
            "UPDATE mercado_pago_qr_attempt SET write_date = now() - interval '1 hour'"
            " WHERE id = %s",
            (attempt.id,),
        )
        self.run_cron()
        attempt.invalidate_recordset()
        self.assertIsNone(self.pending())
        self.assertEqual(attempt.state, "forced")
        self.assertTrue(attempt.closed_verified)
        self.assertIn(self.pos_user.name, attempt.message)


@tagged("post_install", "-at_install")
class TestPendingRefundsAreFollowedUp(MercadoPagoQrFlowCommon):
    api_mode = "orders"

    @mute_logger(*QUIET)
    def test_a_pending_refund_is_read_until_mercado_pago_completes_it(self):
        """Refund transactions may answer `processing` before `processed`
        (Mercado Pago's Orders API reference, "Refund order": transactions.refunds
        status; docs/mercado-pago-api.md, Refunds)."""
        self.admin("PATCH", "/config", json={"refund_settle_seconds": 60})
        self.addCleanup(
            self.admin, "PATCH", "/config", json={"refund_settle_seconds": 0}
        )
        attempt, _result = self.start("20.00")
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(attempt)["state"], "paid")
        self.refund(attempt, 5.0)
        refund = attempt.refund_ids
        self.assertEqual(refund.state, "pending")
        self.assertEqual(attempt.refunded_minor, 0)
        self.run_cron()
        self.assertEqual(refund.state, "pending")  # still processing
        self.admin("POST", "/clock", json={"advance_seconds": 61})
        self.run_cron()
        self.assertEqual(refund.state, "done")
        self.assertEqual(attempt.refunded_minor, 500)
        self.assertEqual(attempt.resolution, "none")


class ChargedAsTheLineSays:
    """Mercado Pago charges ARS with two decimals, CLP and COP in whole units
    (Mercado Pago's Orders API reference, total_amount; docs/mercado-pago-api.md,
    Amounts), while Odoo keeps cents of COP: the POS line and Mercado Pago must
    say the same amount, or nothing is sent."""

    # (the amount the cashier charges, what Mercado Pago is asked for)
    exact = None

    def charged(self, attempt):
        """The total of the order as Mercado Pago has it."""
        return Decimal(str(self.pending()["total_amount"]))

    @mute_logger(*QUIET)
    def test_what_the_line_says_is_what_mercado_pago_charges(self):
        amount, minor = self.exact
        attempt, result = self.start(amount)
        self.assertEqual((result["state"], attempt.amount_minor), ("waiting", minor))
        self.assertEqual(self.charged(attempt), Decimal(amount))
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(attempt)["state"], "paid")
        order = self.sync_order(attempt.line_uuid, float(amount))
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.payment_ids.amount, float(amount))

    def test_tour_paid(self):
        self.desk_pad.list_price = float(self.exact[0])
        self.run_tour("pos_mp_qr_paid")
        attempt = self.env["mercado.pago.qr.attempt"].search([])
        self.assertEqual(attempt.state, "paid")
        self.assertEqual(attempt.amount_minor, self.exact[1])
        self.assertEqual(attempt.pos_payment_id.amount, float(self.exact[0]))


@tagged("post_install", "-at_install")
class TestArgentinaChargesCents(ChargedAsTheLineSays, MercadoPagoQrFlowCommon):
    site_id = "MLA"
    exact = ("1190.48", 119048)


@tagged("post_install", "-at_install")
class TestChileChargesWholePesos(ChargedAsTheLineSays, MercadoPagoQrFlowCommon):
    """CLP: Odoo rounds to whole pesos too (rounding 1)."""

    site_id = "MLC"
    exact = ("1190", 1190)


@tagged("post_install", "-at_install")
class TestColombiaChargesWholePesos(ChargedAsTheLineSays, MercadoPagoQrFlowCommon):
    """COP: Odoo keeps cents (rounding 0.01), Mercado Pago does not."""

    site_id = "MCO"
    api_mode = "v2"
    exact = ("1190.00", 1190)

    @mute_logger(*QUIET)
    def test_an_amount_mercado_pago_cannot_charge_is_refused_before_sending(self):
        self.open_session()
        self.admin("DELETE", "/requests")
        with self.assertRaisesRegex(UserError, "cannot charge"):
            self.start("1190.48")
        self.assertFalse(self.env["mercado.pago.qr.attempt"].search([]))
        creates = self.admin("GET", "/requests", params={"method": "POST"})
        puts = self.admin("GET", "/requests", params={"method": "PUT"})
        self.assertEqual(creates["requests"] + puts["requests"], [])

    def test_tour_cents_are_refused_with_a_clear_message(self):
        self.desk_pad.list_price = 1190.48
        self.run_tour("pos_mp_qr_amount_refused", ())
        self.assertFalse(self.env["mercado.pago.qr.attempt"].search([]))

    def test_tour_paid_with_a_cash_rounding_of_one_peso(self):
        """What the refusal tells the manager to do: a cash rounding of 1 for
        every payment method, so the POS asks for whole pesos."""
        rounding = self.env["account.cash.rounding"].create(
            {"name": "1 COP", "rounding": 1.0, "rounding_method": "HALF-UP"}
        )
        self.main_pos_config.write(
            {
                "rounding_method": rounding.id,
                "cash_rounding": True,
                "only_round_cash_method": False,
            }
        )
        self.desk_pad.list_price = 1190.48
        self.run_tour("pos_mp_qr_paid")
        attempt = self.env["mercado.pago.qr.attempt"].search([])
        self.assertEqual((attempt.state, attempt.amount_minor), ("paid", 1190))
        self.assertEqual(attempt.pos_payment_id.pos_order_id.state, "paid")
