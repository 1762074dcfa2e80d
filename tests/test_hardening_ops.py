"""Operations hardening: the API base URL, QR downloads, and a cron that one
bad account cannot stop (issue 13, items 13 and 14).

Mercado Pago's API is served over https at https://api.mercadopago.com: every
endpoint of its API reference starts there, e.g. "Get point of sale", GET
https://api.mercadopago.com/pos/{id}
(https://www.mercadopago.com.mx/developers/en/reference/pos/_pos_id/get/).
"""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import mercado_pago_qr_account as account_module
from ..models.mercado_pago_qr_account import ALLOW_CUSTOM_API_URL_PARAM
from .common import MercadoPagoQrCommon, MercadoPagoQrFlowCommon

QUIET = (
    "odoo.addons.pos_mercado_pago_qr.mercado_pago.http",
    "odoo.addons.pos_mercado_pago_qr.controllers.main",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_refund",
)
CRON_LOGGER = "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_reconciliation"


def not_testing():
    """As on a production database: Odoo is not running tests."""
    return patch.object(account_module, "_running_tests", return_value=False)


@tagged("post_install", "-at_install")
class TestApiBaseUrl(MercadoPagoQrCommon):
    def api_requests(self):
        """The calls that reached Mercado Pago (the emulator's own API aside)."""
        return [
            entry
            for entry in self.admin("GET", "/requests")["requests"]
            if not entry["path"].startswith("/emulator")
        ]

    def test_only_mercado_pago_unless_an_administrator_allows_another_url(self):
        Account = self.env["mercado.pago.qr.account"].with_user(self.pos_admin)
        refused = (
            "http://169.254.169.254/latest/meta-data",
            "https://intranet.example",
            "http://api.mercadopago.com",
            "https://api.mercadopago.com.example",
            "https://user:secret@api.mercadopago.com",
            "https://api.mercadopago.com:8443",
            "https://api.mercadopago.com/v1?next=https://intranet.example",
            self.emulator.url,
        )
        with not_testing():
            for url in refused:
                with self.subTest(url=url), self.assertRaises(ValidationError):
                    Account.create({"name": "Seller", "api_base_url": url})
            with self.assertRaises(ValidationError):
                self.mp_account.with_user(self.pos_admin).write(
                    {"api_base_url": "https://intranet.example"}
                )
            for url in ("https://api.mercadopago.com", "https://api.mercadopago.com/"):
                Account.create({"name": "Seller", "api_base_url": url})
            # A POS manager cannot allow another URL; a Settings administrator can.
            with self.assertRaises(AccessError):
                self.env["ir.config_parameter"].with_user(self.pos_admin).set_param(
                    ALLOW_CUSTOM_API_URL_PARAM, "1"
                )
            self.env["ir.config_parameter"].sudo().set_param(
                ALLOW_CUSTOM_API_URL_PARAM, "1"
            )
            Account.create({"name": "Emulator", "api_base_url": self.emulator.url})
            for url in ("ftp://127.0.0.1/", "http://u:p@127.0.0.1:1", "nowhere"):
                with self.subTest(url=url), self.assertRaises(ValidationError):
                    Account.create({"name": "Seller", "api_base_url": url})

    def test_a_url_written_around_the_orm_is_refused_before_any_request(self):
        self.env.cr.execute(
            "UPDATE mercado_pago_qr_account SET api_base_url = %s WHERE id = %s",
            (self.emulator.url, self.mp_account.id),
        )
        self.mp_account.invalidate_recordset()
        self.admin("DELETE", "/requests")
        with not_testing():
            with self.assertRaisesRegex(UserError, ALLOW_CUSTOM_API_URL_PARAM):
                self.mp_account._mp_session()
            self.mp_account.with_user(self.pos_admin).action_test_connection()
        self.assertEqual(self.mp_account.connection_state, "failed")
        self.assertIn(ALLOW_CUSTOM_API_URL_PARAM, self.mp_account.connection_message)
        self.assertEqual(self.api_requests(), [])

    @mute_logger(*QUIET)
    def test_a_qr_file_over_plain_http_on_another_host_is_not_fetched(self):
        cashbox = self.make_cashbox()
        self.assertTrue(cashbox.qr_image)
        # The same emulator named otherwise: plain http off the API's own host.
        elsewhere = cashbox.qr_image_url.replace("127.0.0.1", "localhost", 1)
        self.assertNotEqual(elsewhere, cashbox.qr_image_url)
        cashbox.sudo().write(
            {
                "qr_image_url": elsewhere,
                "template_pdf_url": False,
                "template_png_url": False,
            }
        )
        self.admin("DELETE", "/requests")
        with self.assertRaisesRegex(UserError, "https"):
            cashbox._download_qr()
        self.assertEqual(self.admin("GET", "/requests")["requests"], [])


@tagged("post_install", "-at_install")
class TestCronWithABadAccount(MercadoPagoQrFlowCommon):
    def _copy_attempt(self, attempt, account, tag, state, **columns):
        """A row like `attempt`'s on another account, written as SQL."""
        values = {
            "account_id": account.id,
            "line_uuid": f"line-{tag}",
            "external_reference": f"ref-{tag}",
            "idempotency_key": f"key-{tag}",
            "cancel_key": f"cancel-{tag}",
            "mp_order_id": f"ORD-{tag}",
            "state": state,
            **columns,
        }
        copied = (
            "company_id, config_id, session_id, payment_method_id, cashbox_id, "
            "api_mode, mode, currency_id, currency_code, amount_minor, paid_minor, "
            "resolution, expires_at, check_count, create_date, write_date"
        )
        names = ", ".join(values)
        self.env.flush_all()
        self.env.cr.execute(
            f"INSERT INTO mercado_pago_qr_attempt ({names}, {copied}) "
            f"SELECT {', '.join(['%s'] * len(values))}, {copied} "
            "FROM mercado_pago_qr_attempt WHERE id = %s RETURNING id",
            [*values.values(), attempt.id],
        )
        return self.env["mercado.pago.qr.attempt"].browse(self.env.cr.fetchone()[0])

    @mute_logger(*QUIET)
    def test_an_account_without_token_is_skipped_logged_once_and_shown(self):
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("12.00")
        self.pay()
        attempt.sudo().next_check_at = "2000-01-01 00:00:00"
        # An account whose token was never set, with attempts the cron must
        # look at: two still open, one paid whose fee was never read.
        no_token = self.env["mercado.pago.qr.account"].create(
            {"name": "Seller without token", "api_base_url": self.emulator.url}
        )
        stuck = self._copy_attempt(
            attempt, no_token, "a", "waiting", next_check_at="2000-01-01"
        )
        stuck |= self._copy_attempt(
            attempt, no_token, "b", "waiting", next_check_at="2000-01-01"
        )
        unpaid_fee = self._copy_attempt(
            attempt, no_token, "c", "paid", fee_known=False, next_check_at=None
        )
        with self.assertLogs(CRON_LOGGER, "INFO") as logs:
            self.run_cron()
        # The good account's attempt was settled.
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "paid")
        # The bad account's were left alone, and it says so once per run.
        (stuck | unpaid_fee).invalidate_recordset()
        self.assertEqual(stuck.mapped("state"), ["waiting", "waiting"])
        self.assertFalse(unpaid_fee.fee_known)
        about = [
            r
            for r in logs.records
            if no_token.name in r.getMessage() and r.levelname == "WARNING"
        ]
        self.assertEqual(len(about), 1, [r.getMessage() for r in logs.records])
        no_token.invalidate_recordset()
        self.assertEqual(no_token.connection_state, "failed")
        self.assertIn("access token", no_token.connection_message)
        self.assertNotEqual(self.mp_account.connection_state, "failed")
