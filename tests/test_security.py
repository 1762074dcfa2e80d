import json
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MercadoPagoQrCommon

SECRET_FIELDS = ("access_token", "webhook_secret", "webhook_token", "webhook_url")


@tagged("post_install", "-at_install")
class TestSecretsStayOnTheServer(MercadoPagoQrCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secrets = [
            cls.remote["access_token"],
            cls.remote["webhook_secret"],
            cls.mp_account.webhook_token,
        ]
        cls.assertTrue(cls, cls.pos_user.has_group("point_of_sale.group_pos_user"))
        cls.assertFalse(cls, cls.pos_user.has_group("point_of_sale.group_pos_manager"))

    def test_rpc_read_and_search_read_refuse_secrets(self):
        account = self.mp_account.with_user(self.pos_user)
        for field in SECRET_FIELDS:
            with self.assertRaises(AccessError):
                account.read([field])
            with self.assertRaises(AccessError):
                account.search_read([], [field])
            with self.assertRaises(UserError):  # AccessError, or no export right
                account.export_data([field])
        everything = account.read()[0]
        self.assertFalse(set(SECRET_FIELDS) & set(everything))
        self.assertNotIn(
            self.remote["access_token"], json.dumps(everything, default=str)
        )
        self.assertEqual(everything["name"], self.mp_account.name)

    def test_fields_and_form_hide_secrets(self):
        account = self.env["mercado.pago.qr.account"].with_user(self.pos_user)
        self.assertFalse(set(SECRET_FIELDS) & set(account.fields_get()))
        views = account.get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        for field in SECRET_FIELDS:
            self.assertNotIn(f'name="{field}"', arch)

    def test_search_on_a_secret_is_refused(self):
        account = self.env["mercado.pago.qr.account"].with_user(self.pos_user)
        with self.assertRaises(AccessError):
            account.search([("access_token", "=", self.remote["access_token"])])

    def test_pos_data_load_carries_no_secret(self):
        self.add_qr_method()
        self.make_cashbox()
        self.main_pos_config.with_user(self.pos_user).open_ui()
        session = self.main_pos_config.current_session_id.with_user(self.pos_user)
        data = json.dumps(session.load_data([]), default=str)
        self.assertIn("mercado_pago_qr", data)  # the method itself is loaded
        for secret in self.secrets:
            self.assertNotIn(secret, data)

    def test_manager_reads_secrets_with_the_right_group(self):
        manager = self.env["mercado.pago.qr.account"].with_user(self.pos_admin)
        self.assertEqual(
            manager.browse(self.mp_account.id).access_token, self.remote["access_token"]
        )

    def test_neutralize_blanks_credentials(self):
        sql = (Path(__file__).parents[1] / "data" / "neutralize.sql").read_text()
        self.env.cr.execute(sql)
        self.env.invalidate_all()
        self.assertFalse(self.mp_account.access_token)
        self.assertFalse(self.mp_account.webhook_secret)


@tagged("post_install", "-at_install")
class TestMultiCompany(MercadoPagoQrCommon):
    def test_records_of_another_company_are_invisible(self):
        store = self.make_store()
        other_company = self.env["res.company"].create(
            {"name": "Otra SA", "currency_id": self.env.company.currency_id.id}
        )
        outsider = self.env["res.users"].create(
            {
                "name": "Other company manager",
                "login": "mp_other_company",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "group_ids": [
                    (6, 0, [self.env.ref("point_of_sale.group_pos_manager").id])
                ],
            }
        )
        for model, record in (
            ("mercado.pago.qr.account", self.mp_account),
            ("mercado.pago.qr.store", store),
        ):
            visible = self.env[model].with_user(outsider).search([])
            self.assertNotIn(record, visible)

    def test_cashbox_cannot_bind_a_pos_of_another_company(self):
        store = self.make_store()
        other_company = self.setup_other_company()["company"]
        foreign_config = (
            self.env["pos.config"]
            .with_company(other_company)
            .create({"name": "Foreign till", "company_id": other_company.id})
        )
        with self.assertRaises(UserError):
            self.env["mercado.pago.qr.cashbox"].create(
                {
                    "name": "Caja",
                    "store_id": store.id,
                    "pos_config_id": foreign_config.id,
                }
            )
