"""Shared setup of the Odoo tier: a real Mercado Pago emulator on loopback."""

import threading
import time
from urllib.parse import urlsplit

import requests

from odoo.tests import Command
from odoo.tests import common as odoo_test_common

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from ..emulator import EmulatorServer
from ..emulator.notifier import signature_headers
from ..emulator.sites import sample_store_fields
from ..mercado_pago.money import SITES


class MercadoPagoQrCommon(TestPointOfSaleHttpCommon):
    """A POS company of the site (Argentina by default), a Mercado Pago account
    on the emulator."""

    site_id = "MLA"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = EmulatorServer(port=0).start()
        cls.addClassCleanup(cls.emulator.stop)
        currency = cls.env.ref(f"base.{SITES[cls.site_id].currency}")
        currency.active = True
        cls.env.company.currency_id = currency
        cls.main_pos_config.use_pricelist = False
        cls.remote = cls.emulator.create_account(cls.site_id)
        cls.mp_account = cls.env["mercado.pago.qr.account"].create(
            {
                "name": "Emulated seller",
                "access_token": cls.remote["access_token"],
                "webhook_secret": cls.remote["webhook_secret"],
                "api_base_url": cls.emulator.url,
            }
        )
        cls.argentina = cls.env.ref("base.ar")
        cls.store_partner = cls.env["res.partner"].create(
            {
                "name": "Sucursal Centro",
                "street": "Caseros 3039",
                "city": "Belgrano",
                "country_id": cls.argentina.id,
                "state_id": cls.env.ref("base.state_ar_c").id,
            }
        )

    def setUp(self):
        super().setUp()
        # Each test starts from an empty Mercado Pago (the seller account stays):
        # ids of rolled-back Odoo records are reused and must not meet old ones.
        self.admin("POST", "/reset", json={"keep_accounts": True})

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo 19's test guard compares `timeout < 10`, which breaks on the
        # (connect, read) tuples requests accepts and our client sends. Loopback
        # calls with a tuple go straight through; everything else is guarded
        # as usual.
        local = urlsplit(r.url).hostname in (odoo_test_common.HOST, "localhost")
        if local and isinstance(kw.get("timeout"), tuple):
            return odoo_test_common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    # -- helpers ---------------------------------------------------------------

    def admin(self, method, path, **kwargs):
        """The emulator's admin API (tests only)."""
        response = requests.request(
            method, f"{self.emulator.url}/emulator/v1{path}", timeout=10, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def lose_answers(self, method, path, times=None):
        """Mercado Pago does the call, then its answer is lost (a 500)."""
        rule = {
            "fault": "error",
            "method": method,
            "path": path,
            "status": 500,
            "when": "after",
        }
        if times:
            rule["times"] = times
        self.admin("PUT", "/faults", json={"rules": [rule]})

    def api_requests(self):
        """The calls that reached Mercado Pago (the emulator's own API aside)."""
        return [
            entry
            for entry in self.admin("GET", "/requests")["requests"]
            if not entry["path"].startswith("/emulator")
        ]

    @classmethod
    def make_outsider(cls, login):
        """A POS manager of another company, with a password for JSON-RPC."""
        company = cls.env["res.company"].create(
            {"name": f"Otra SA {login}", "currency_id": cls.env.company.currency_id.id}
        )
        return cls.env["res.users"].create(
            {
                "name": "Other company manager",
                "login": login,
                "password": login,
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "group_ids": [
                    Command.set([cls.env.ref("point_of_sale.group_pos_manager").id])
                ],
            }
        )

    def mp_get(self, path, **params):
        """Read Mercado Pago's side with the seller's token, as Mercado Pago has it."""
        response = requests.get(
            f"{self.emulator.url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.remote['access_token']}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def connect(self, account=None):
        account = account or self.mp_account
        account.action_test_connection()
        self.assertEqual(account.connection_state, "ok", account.connection_message)
        return account

    def make_store(self, **vals):
        self.connect()
        address = {
            "partner_id": self.store_partner.id,
            "latitude": -34.6037,
            "longitude": -58.3816,
        }
        if self.site_id != "MLA":
            address = sample_store_fields(self.site_id)
        return self.env["mercado.pago.qr.store"].create(
            {
                "name": "Sucursal Centro",
                "account_id": self.mp_account.id,
                **address,
                **vals,
            }
        )

    def make_cashbox(self, store=None, config=None, **vals):
        store = store or self.make_store()
        cashbox = self.env["mercado.pago.qr.cashbox"].create(
            {
                "name": "Caja 1",
                "store_id": store.id,
                "pos_config_id": (config or self.main_pos_config).id,
                **vals,
            }
        )
        cashbox.action_sync()
        return cashbox

    def add_qr_method(self, config=None):
        config = config or self.main_pos_config
        method = self.env["pos.payment.method"].create(
            {
                "name": "Mercado Pago QR",
                "payment_method_type": "terminal",
                "use_payment_terminal": "mercado_pago_qr",
                "mp_qr_account_id": self.mp_account.id,
                "journal_id": self.bank_journal.id,
            }
        )
        config.write({"payment_method_ids": [Command.link(method.id)]})
        return method


class Customer:
    """Plays the customer in a thread: waits for an order on the cashbox's QR,
    then pays (or rejects) through the emulator, like the Mercado Pago app."""

    def __init__(
        self, case, external_pos_id, outcomes=("approved",), amount=None, delay=2.0
    ):
        self.case = case
        # A customer takes a moment to scan: the cashier sees the waiting screen.
        self.delay = delay
        self.external_pos_id = external_pos_id
        self.outcomes = list(outcomes)
        self.amount = amount
        self.paid = []
        self.error = None
        self.seen = set()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(10)

    def _run(self):
        try:
            self._play()
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = repr(error)

    def _play(self):
        user_id = self.case.remote["user_id"]
        url = self.case.emulator.url + "/emulator/v1/pos/" + self.external_pos_id
        while self.outcomes and not self._stop.is_set():
            pending = requests.get(
                f"{url}/pending", params={"user_id": user_id}, timeout=5
            ).json()["pending"]
            if pending and pending["external_reference"] not in self.seen:
                self.seen.add(pending["external_reference"])
                time.sleep(self.delay)
                body = {"outcome": self.outcomes.pop(0), "user_id": user_id}
                if self.amount:
                    body["amount"] = self.amount
                answer = requests.post(f"{url}/pay", json=body, timeout=5)
                self.paid.append(answer.json())
            time.sleep(0.1)


class MercadoPagoQrFlowCommon(MercadoPagoQrCommon):
    """A configured till: account, store, cashbox, method, open session."""

    api_mode = "orders"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mp_account.api_mode = cls.api_mode
        cls.qr_method = cls.add_qr_method_cls()

    @classmethod
    def add_qr_method_cls(cls):
        method = cls.env["pos.payment.method"].create(
            {
                "name": "Mercado Pago QR",
                "payment_method_type": "terminal",
                "use_payment_terminal": "mercado_pago_qr",
                "mp_qr_account_id": cls.mp_account.id,
                "journal_id": cls.bank_journal.id,
            }
        )
        cls.main_pos_config.write({"payment_method_ids": [Command.link(method.id)]})
        return method

    def setUp(self):
        super().setUp()
        # Mercado Pago's notifications must reach this test's HTTP server,
        # which otherwise ignores requests without the test's cookie.
        self.http_request_allow_all = True
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", self.base_url()
        )
        self.cashbox = self.make_cashbox()
        # Notifications reach this test's Odoo server.
        self.admin(
            "PATCH",
            f"/accounts/{self.remote['user_id']}",
            json={"webhook_url": self.mp_account.webhook_url},
        )

    @property
    def webhook_path(self):
        return urlsplit(self.mp_account.webhook_url).path

    @property
    def pos_session(self):
        """The till's open session, as its POS names it in every question."""
        return self.main_pos_config.current_session_id

    def open_session(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        return self.main_pos_config.current_session_id

    def start(self, amount="12.50", line_uuid=None, lines=None, order_uuid=None):
        session = self.main_pos_config.current_session_id or self.open_session()
        product = self.env["product.product"].search([], limit=1)
        payload = {
            "session_id": session.id,
            "order_uuid": order_uuid or "order-" + (line_uuid or "1"),
            "line_uuid": line_uuid or f"line-{time.monotonic_ns()}",
            "amount": amount,
            "lines": lines
            or [{"product_id": product.id, "qty": "1", "price_subtotal_incl": amount}],
        }
        # mp_qr_start works in its own cursor: it must see this test's writes.
        self.env.flush_all()
        method = self.qr_method.with_user(self.pos_user)
        result = method.mp_qr_start(payload)
        return self.env["mercado.pago.qr.attempt"].browse(result["id"]), result

    def run_tour(self, name, outcomes=("approved",), customer_class=Customer, **kw):
        """The cashier's tour in the browser, a customer paying in a thread."""
        with customer_class(self, self.cashbox.external_id, outcomes, **kw) as customer:
            try:
                self.start_pos_tour(name)
            except AssertionError as error:
                attempts = self.env["mercado.pago.qr.attempt"].search([])
                raise AssertionError(
                    f"{error}\nattempts: {attempts.read(['state', 'message'])}"
                    f"\ncustomer: {customer.paid} {customer.error}"
                ) from None
        return customer

    def pay(self, outcome="approved", amount=None):
        body = {"outcome": outcome, "user_id": self.remote["user_id"]}
        if amount:
            body["amount"] = amount
        return self.admin("POST", f"/pos/{self.cashbox.external_id}/pay", json=body)

    def pending(self):
        """What waits on the cashbox's QR at Mercado Pago (None if nothing)."""
        return self.admin(
            "GET",
            f"/pos/{self.cashbox.external_id}/pending",
            params={"user_id": self.remote["user_id"]},
        )["pending"]

    def wait_notifications(self, timeout=10):
        """Let the emulator's deliveries reach Odoo, until none is pending.

        The test thread holds the test cursor's lock; it is released here so
        the HTTP server can handle Mercado Pago's notifications.
        """
        deadline = time.monotonic() + timeout
        with self.allow_requests(all_requests=True):
            while time.monotonic() < deadline:
                if not self.admin("GET", "/notifications")["pending"]:
                    return
                time.sleep(0.05)
        raise AssertionError("notifications still pending")

    def status(self, attempt, due=True):
        if due:
            attempt.sudo().next_check_at = "2000-01-01 00:00:00"
        method = self.qr_method.with_user(self.pos_user)
        result = method.mp_qr_status(attempt.id, self.pos_session.id)
        attempt.invalidate_recordset()
        return result

    def refund(self, attempt, amount):
        wizard = (
            self.env["mercado.pago.qr.refund.wizard"]
            .with_user(self.pos_admin)
            .create({"attempt_id": attempt.id, "amount": amount})
        )
        self.env.flush_all()
        action = wizard.action_refund()
        # The refund was written by another cursor: read it afresh.
        self.env.invalidate_all()
        return action

    def sync_order(self, line_uuid, amount, session=None):
        """The POS sends its paid order, with the QR line of `line_uuid`."""
        session = session or self.pos_session
        product = self.env["product.product"].create(
            {"name": "QR product", "list_price": amount, "taxes_id": False}
        )
        order = {
            "name": "Order/QR",
            "session_id": session.id,
            "uuid": f"order-{line_uuid}",
            "user_id": self.pos_user.id,
            "state": "paid",
            "amount_paid": amount,
            "amount_total": amount,
            "amount_tax": 0,
            "amount_return": 0,
            "lines": [
                [
                    0,
                    0,
                    {
                        "product_id": product.id,
                        "qty": 1,
                        "price_unit": amount,
                        "price_subtotal": amount,
                        "price_subtotal_incl": amount,
                        "tax_ids": [],
                    },
                ]
            ],
            "payment_ids": [
                [
                    0,
                    0,
                    {
                        "amount": amount,
                        "payment_method_id": self.qr_method.id,
                        "uuid": line_uuid,
                        "payment_status": "done",
                    },
                ]
            ],
        }
        result = self.env["pos.order"].with_user(self.pos_user).sync_from_ui([order])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def run_cron(self):
        # The cron commits its progress: it runs in a cursor of its own.
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            self.env(cr=cr)["mercado.pago.qr.attempt"]._cron_reconcile()
        self.env.invalidate_all()

    def sign(self, data_id, secret=None, ts=None, request_id="req-1"):
        """The headers of a notification, signed as Mercado Pago (the
        emulator) signs them."""
        return signature_headers(
            secret or self.remote["webhook_secret"],
            data_id,
            request_id,
            ts or str(int(time.time() * 1000)),
        )
