import base64

import requests
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MercadoPagoQrCommon


@tagged("post_install", "-at_install")
class TestAccountSetup(MercadoPagoQrCommon):
    def test_connection_fills_the_account_and_defaults_the_api(self):
        self.connect()
        account = self.mp_account
        self.assertEqual(account.mp_user_id, str(self.remote["user_id"]))
        self.assertEqual(account.site_id, "MLA")
        self.assertTrue(account.nickname)
        self.assertIn("Argentina", account.connection_message)
        self.assertEqual(account.api_mode, "orders")
        self.assertIn("recommends the Orders API", account.api_mode_reason)

    @mute_logger("odoo.addons.pos_mercado_pago_qr.mercado_pago.http")
    def test_wrong_token_gives_a_clear_verdict_without_the_token(self):
        bad_token = "APP_USR-1111111111111111-010101-deadbeefdeadbeefdeadbeefdeadbeef-1"
        self.mp_account.access_token = bad_token
        self.mp_account.action_test_connection()
        self.assertEqual(self.mp_account.connection_state, "failed")
        self.assertIn("credentials", self.mp_account.connection_message)
        self.assertNotIn(bad_token, self.mp_account.connection_message)
        self.assertFalse(self.mp_account.mp_user_id)

    def test_site_currency_guard(self):
        brazil = self.emulator.create_account("MLB")
        account = self.env["mercado.pago.qr.account"].create(
            {
                "name": "Brazilian seller",
                "access_token": brazil["access_token"],
                "api_base_url": self.emulator.url,
            }
        )
        with self.assertRaisesRegex(ValidationError, "BRL"):
            account.action_test_connection()

    def test_api_mode_defaults_to_v2_where_orders_api_is_not_documented(self):
        Account = self.env["mercado.pago.qr.account"]
        account = Account.new({"name": "Mexico", "site_id": "MLM"})
        self.assertEqual(account.api_mode, "v2")
        self.assertIn("Mexico", account.api_mode_reason)
        account.api_mode = "orders"  # the administrator may still choose
        self.assertEqual(account.api_mode, "orders")
        self.assertEqual(
            Account.new({"name": "AR", "site_id": "MLA"}).api_mode, "orders"
        )

    def test_webhook_url_is_unguessable_and_per_account(self):
        other = self.mp_account.copy({"name": "Other"})
        self.assertIn("/pos_mercado_pago_qr/notify/", self.mp_account.webhook_url)
        self.assertNotEqual(self.mp_account.webhook_url, other.webhook_url)
        self.assertGreaterEqual(len(self.mp_account.webhook_url.rsplit("/", 1)[1]), 32)
        before = self.mp_account.webhook_url
        self.mp_account.action_regenerate_webhook_token()
        self.assertNotEqual(before, self.mp_account.webhook_url)


@tagged("post_install", "-at_install")
class TestStoresAndCashboxes(MercadoPagoQrCommon):
    def test_store_created_then_updated_in_mercado_pago(self):
        store = self.make_store()
        self.assertEqual(store.street_name, "Caseros")
        self.assertEqual(store.street_number, "3039")
        self.assertEqual(store.state_name, "Capital Federal")
        self.env["mercado.pago.qr.store.hours"].create(
            {"store_id": store.id, "day": "monday", "open_time": 8, "close_time": 12.5}
        )
        store.action_sync()
        self.assertTrue(store.mp_store_id)
        self.assertTrue(store.external_id.isalnum())
        remote = self.mp_get(f"/stores/{store.mp_store_id}")
        self.assertEqual(remote["external_id"], store.external_id)
        self.assertEqual(
            remote["business_hours"]["monday"], [{"open": "08:00", "close": "12:30"}]
        )
        store.name = "Sucursal Belgrano"
        store.action_sync()
        self.assertEqual(
            self.mp_get(f"/stores/{store.mp_store_id}")["name"], "Sucursal Belgrano"
        )

    def test_rejected_state_names_the_field_and_changes_nothing(self):
        store = self.make_store()
        store.state_name = "Atlantis"
        with self.assertRaisesRegex(UserError, "state name not recognised"):
            store.action_sync()
        self.assertFalse(store.mp_store_id)
        found = self.mp_get(
            f"/users/{self.mp_account.mp_user_id}/stores/search",
            external_id=store.external_id,
        )
        self.assertEqual(found["results"], [])

    def test_coordinates_outside_the_country_are_explained(self):
        store = self.make_store(latitude=48.85, longitude=2.35)
        with self.assertRaisesRegex(UserError, "coordinates are outside"):
            store.action_sync()

    def _store_search(self, store):
        return self.mp_get(
            f"/users/{self.mp_account.mp_user_id}/stores/search",
            external_id=store.external_id,
        )["results"]

    @mute_logger(
        "odoo.addons.pos_mercado_pago_qr.mercado_pago.http",
        "odoo.addons.pos_mercado_pago_qr.mercado_pago.catalog",
    )
    def test_store_created_remotely_but_answer_lost_is_found_not_doubled(self):
        store = self.make_store()
        # Mercado Pago creates the store, then the answer is lost on the way.
        self.lose_answers("POST", "^/users/.*/stores$")
        store.action_sync()
        [remote] = self._store_search(store)
        self.assertEqual(str(remote["id"]), store.mp_store_id)
        posts = self.admin("GET", "/requests", params={"method": "POST"})["requests"]
        self.assertEqual(len([r for r in posts if "/stores" in r["path"]]), 1)

    @mute_logger("odoo.addons.pos_mercado_pago_qr.mercado_pago.http")
    def test_mercado_pago_down_says_unreachable_and_saves_nothing(self):
        store = self.make_store()
        self.admin(
            "PUT", "/faults", json={"rules": [{"fault": "error", "status": 503}]}
        )
        with self.assertRaisesRegex(UserError, "unreachable"):
            store.action_sync()
        self.assertFalse(store.mp_store_id)
        self.admin("DELETE", "/faults")
        self.assertEqual(self._store_search(store), [])
        store.action_sync()
        self.assertEqual(len(self._store_search(store)), 1)

    def test_cashbox_created_with_qr_and_sticker(self):
        cashbox = self.make_cashbox(category="gastronomy")
        self.assertTrue(cashbox.mp_pos_id)
        self.assertTrue(cashbox.external_id.isalnum())
        self.assertLess(len(cashbox.external_id), 40)
        self.assertEqual(cashbox.mcc, 621102)
        remote = self.mp_get(f"/pos/{cashbox.mp_pos_id}")
        self.assertIs(remote["fixed_amount"], True)
        self.assertEqual(remote["category"], 621102)
        self.assertEqual(remote["external_store_id"], cashbox.store_id.external_id)
        png = base64.b64decode(cashbox.qr_image)
        self.assertTrue(png.startswith(b"\x89PNG"))
        self.assertTrue(base64.b64decode(cashbox.template_pdf).startswith(b"%PDF"))
        action = cashbox.action_print_sticker()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(
            f"/web/content/mercado.pago.qr.cashbox/{cashbox.id}/", action["url"]
        )
        self.authenticate("pos_admin", "pos_admin")
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_cashbox_external_id_never_changes(self):
        cashbox = self.make_cashbox()
        with self.assertRaisesRegex(UserError, "does not allow changing"):
            cashbox.external_id = "SOMETHINGELSE1"
        cashbox.name = "Caja Uno"
        cashbox.action_sync()
        remote = self.mp_get(f"/pos/{cashbox.mp_pos_id}")
        self.assertEqual(remote["name"], "Caja Uno")
        self.assertEqual(remote["external_id"], cashbox.external_id)

    def test_one_cashbox_per_pos_even_across_companies(self):
        cashbox = self.make_cashbox()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.env["mercado.pago.qr.cashbox"].create(
                {
                    "name": "Caja 2",
                    "store_id": cashbox.store_id.id,
                    "pos_config_id": self.main_pos_config.id,
                }
            )

    def test_bulk_creation_for_selected_points_of_sale(self):
        store = self.make_store()
        configs = self.main_pos_config | self.env["pos.config"].create(
            {"name": "Caja Dos"}
        )
        wizard = (
            self.env["mercado.pago.qr.cashbox.wizard"]
            .with_context(active_model="pos.config", active_ids=configs.ids)
            .create({"store_id": store.id, "category": "generic"})
        )
        self.assertEqual(wizard.pos_config_ids, configs)
        wizard.action_create()
        cashboxes = store.cashbox_ids
        self.assertEqual(cashboxes.pos_config_id, configs)
        self.assertTrue(all(cashboxes.mapped("mp_pos_id")))
        remote = self.mp_get("/pos", external_store_id=store.external_id)
        self.assertEqual(remote["paging"]["total"], 2)

    def test_import_existing_stores_and_cashboxes(self):
        self.connect()
        user = self.remote["user_id"]
        headers = {"Authorization": f"Bearer {self.remote['access_token']}"}

        store = requests.post(
            f"{self.emulator.url}/users/{user}/stores",
            json={
                "name": "Local Norte",
                "external_id": "NORTE1",
                "location": {
                    "street_number": "100",
                    "street_name": "Cabildo",
                    "city_name": "Belgrano",
                    "state_name": "Capital Federal",
                    "latitude": -34.56,
                    "longitude": -58.45,
                    "reference": "",
                },
            },
            headers=headers,
            timeout=10,
        ).json()
        requests.post(
            f"{self.emulator.url}/pos",
            json={
                "name": "Caja Norte",
                "fixed_amount": True,
                "store_id": store["id"],
                "external_store_id": "NORTE1",
                "external_id": "NORTE1POS1",
            },
            headers=headers,
            timeout=10,
        ).raise_for_status()
        self.mp_account.action_import_from_mercado_pago()
        local = self.env["mercado.pago.qr.store"].search(
            [("external_id", "=", "NORTE1")]
        )
        self.assertEqual(local.mp_store_id, str(store["id"]))
        self.assertEqual(local.street_name, "Cabildo")
        self.assertEqual(local.cashbox_ids.external_id, "NORTE1POS1")
        self.assertTrue(local.cashbox_ids.qr_image)
        # Importing again updates, never duplicates.
        self.mp_account.action_import_from_mercado_pago()
        self.assertEqual(
            self.env["mercado.pago.qr.store"].search_count(
                [("external_id", "=", "NORTE1")]
            ),
            1,
        )


@tagged("post_install", "-at_install")
class TestPaymentMethodAndSession(MercadoPagoQrCommon):
    def test_method_requires_an_account(self):
        with self.assertRaisesRegex(ValidationError, "Mercado Pago account"):
            self.env["pos.payment.method"].create(
                {
                    "name": "QR without account",
                    "payment_method_type": "terminal",
                    "use_payment_terminal": "mercado_pago_qr",
                    "journal_id": self.bank_journal.id,
                }
            )

    def test_session_refuses_to_open_without_a_cashbox(self):
        self.add_qr_method()
        with self.assertRaisesRegex(UserError, "Create cashboxes"):
            self.main_pos_config.open_ui()
        self.make_cashbox()
        self.main_pos_config.open_ui()
        self.assertTrue(self.main_pos_config.current_session_id)

    def test_tour_pos_opens_with_the_method(self):
        self.add_qr_method()
        self.make_cashbox()
        self.start_pos_tour("pos_mercado_pago_qr_method_available")
