"""The guard: every public method of every model this addon defines or extends,
called by JSON-RPC by a user who has no right to it, changes nothing."""

import inspect

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import MercadoPagoQrFlowCommon

ADDON = "odoo.addons.pos_mercado_pago_qr."
# Core methods we override keep core's own rules: only what this addon adds
# to them is watched (our models' rows and our columns below).
WATCHED_COLUMNS = {
    "pos.payment": ["mp_qr_attempt_id", "mp_qr_order_id", "mp_qr_payment_id"],
}


def public_methods(model_class):
    """{name: function} of the public methods our classes of a model define."""
    found = {}
    for cls in model_class.__mro__:
        if not cls.__module__.startswith(ADDON):
            continue
        for name, member in vars(cls).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(member)
                and not getattr(member, "_api_private", False)
            ):
                found.setdefault(name, member)
    return found


@tagged("post_install", "-at_install")
class TestEveryDoorIsGuarded(MercadoPagoQrFlowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = cls.make_outsider("mp_guard_outsider")

    def setUp(self):
        super().setUp()
        # A day of the till: one payment recorded, one still on the QR, then
        # the session closed. Nobody below may touch any of it.
        self.paid, _result = self.start("12.50", line_uuid="line-guard-paid")
        self.pay()
        self.wait_notifications()
        self.assertEqual(self.status(self.paid)["state"], "paid")
        self.order = self.sync_order("line-guard-paid", 12.50)
        self.waiting, _result = self.start("5.00", line_uuid="line-guard-waiting")
        today = fields.Date.today()
        report = self.env["mercado.pago.qr.release.report"].create(
            {"account_id": self.mp_account.id, "date_from": today, "date_to": today}
        )
        report.action_import()
        self.assertEqual(report.line_ids.attempt_id, self.paid)
        self.session_id = self.pos_session.id
        self.pos_session.sudo().state = "closed"
        self.ids = {
            "mercado.pago.qr.account": self.mp_account.ids,
            "mercado.pago.qr.store": self.cashbox.store_id.ids,
            "mercado.pago.qr.store.hours": [],
            "mercado.pago.qr.cashbox": self.cashbox.ids,
            "mercado.pago.qr.attempt": self.paid.ids,
            "mercado.pago.qr.refund": [],
            "mercado.pago.qr.release.report": report.ids,
            "mercado.pago.qr.release.line": report.line_ids.ids,
            "pos.payment.method": self.qr_method.ids,
            "pos.config": self.main_pos_config.ids,
            "pos.session": [self.session_id],
            "pos.order": self.order.ids,
            "pos.payment": self.order.payment_ids.ids,
        }

    def argument(self, name):
        """A value for a parameter, aimed at the till's records."""
        payload = {
            "session_id": self.session_id,
            "line_uuid": self.waiting.line_uuid,
            "order_uuid": self.waiting.order_uuid,
            "amount": "5.00",
            "lines": [],
            "refunded_order_id": self.order.id,
        }
        return {
            "attempt_id": self.waiting.id,
            "session_id": self.session_id,
            "line_uuid": self.paid.line_uuid,
            "order_uuids": [self.waiting.order_uuid],
            "payload": payload,
            "vals": {"name": "taken"},
            "vals_list": [
                {
                    "pos_order_id": self.order.id,
                    "payment_method_id": self.qr_method.id,
                    "amount": 12.5,
                    "uuid": self.paid.line_uuid,
                }
            ],
            "fields_list": ["attempt_id", "amount", "session_id"],
        }.get(name)

    def snapshot(self):
        """Every row of ours, and our columns of core's rows, as stored."""
        self.env.invalidate_all()
        rows = {}
        for model in self.env.registry:
            if not model.startswith("mercado.pago.qr.") or self.env[model]._transient:
                continue
            records = self.env[model].sudo().with_context(active_test=False)
            fields = [
                name
                for name, field in records._fields.items()
                if field.store and field.type not in ("binary", "one2many")
            ]
            rows[model] = records.search([]).read(fields)
        for model, columns in WATCHED_COLUMNS.items():
            rows[model] = self.env[model].sudo().search([]).read(columns)
        return rows

    def doors(self):
        for model in self.env.registry:
            model_class = type(self.env[model])
            for name, function in public_methods(model_class).items():
                params = list(inspect.signature(function).parameters)[1:]
                args = [self.argument(p) for p in params]
                if not getattr(function, "_api_model", False):
                    args = [self.ids.get(model, []), *args]
                yield model, name, args

    @mute_logger("odoo.http", "odoo.addons.pos_mercado_pago_qr", "odoo.sql_db")
    def test_no_door_opens_for_a_cashier_or_another_companys_manager(self):
        doors = list(self.doors())
        self.assertIn(
            ("pos.payment.method", "mp_qr_force_done"), [d[:2] for d in doors]
        )
        self.assertIn(
            ("mercado.pago.qr.cashbox", "action_sync"),
            [d[:2] for d in doors],
        )
        before = self.snapshot()
        self.admin("DELETE", "/requests")
        for login in ("pos_user", "mp_guard_outsider"):
            self.authenticate(login, login)
            for model, name, args in doors:
                with self.subTest(user=login, model=model, method=name):
                    refused = None
                    try:
                        self.make_jsonrpc_request(
                            "/web/dataset/call_kw",
                            {
                                "model": model,
                                "method": name,
                                "args": args,
                                "kwargs": {},
                            },
                        )
                    except JsonRpcException as error:
                        refused = error  # what the guard expects of most doors
                    reached, after = self.api_requests(), self.snapshot()
                    # Measured again after a door that opened, so that each
                    # failure names one door.
                    self.admin("DELETE", "/requests")
                    before, changed = after, after != before
                    self.assertEqual(reached, [], refused)
                    self.assertFalse(changed, refused)
