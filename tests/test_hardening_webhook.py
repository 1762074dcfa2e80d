"""The notification endpoint under attack (issue #13, item 15)."""

import json
import logging

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..controllers.main import MAX_BODY
from ..models.mercado_pago_qr_account import WEBHOOK_ROUTE
from .common import MercadoPagoQrFlowCommon

QUIET = (
    "odoo.addons.pos_mercado_pago_qr.mercado_pago.http",
    "odoo.addons.pos_mercado_pago_qr.controllers.main",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_attempt",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_push",
    "odoo.addons.pos_mercado_pago_qr.models.mercado_pago_qr_reconciliation",
)


def _order_body(order_id, **extra):
    return {
        "action": "order.processed",
        "type": "order",
        "data": {"id": order_id, "status": "processed", "version": 2},
        **extra,
    }


@tagged("post_install", "-at_install")
class TestWebhookHardening(MercadoPagoQrFlowCommon):
    def _post(self, query, data, headers=None, path=None):
        if isinstance(data, dict):
            data = json.dumps(data)
        return self.url_open(
            (path or self.webhook_path) + query,
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )

    def _paid_unnoticed(self):
        """An attempt paid at Mercado Pago whose notifications were all lost."""
        self.admin("PUT", "/faults", json={"notifications": {"lose": 1}})
        attempt, _result = self.start("5.00")
        paid = self.pay()
        self.admin("DELETE", "/requests")
        return attempt, paid

    def _reads(self):
        return self.admin("GET", "/requests", params={"method": "GET"})["requests"]

    def _state(self, attempt):
        attempt.invalidate_recordset()
        return attempt.state

    @mute_logger(*QUIET)
    def test_a_body_naming_another_id_than_the_signed_one_changes_nothing(self):
        """Mercado Pago signs ``id:[data.id_url];request-id:[x-request-id_header];
        ts:[ts_header];``, the template on its Webhooks page
        (https://www.mercadopago.com.br/developers/en/docs/your-integrations/notifications/webhooks):
        the query's data.id, never the body. A genuine signature for one order,
        replayed with another order in the body, must not make that one re-read.
        """
        attempt, _paid = self._paid_unnoticed()
        target = attempt.mp_order_id
        signed = "ORD01SIGNEDFORANOTHERORDER000"
        ipn_shaped = {"resource": f"/v1/orders/{target}", "topic": "order"}
        for query, body, headers in (
            (f"?id={signed}&type=order", _order_body(target), self.sign(signed)),
            (f"?data.id={signed}", ipn_shaped, self.sign(signed)),
            ("?type=order", _order_body(target), self.sign(None)),
        ):
            response = self._post(query, body, headers)
            self.assertEqual(response.status_code, 401, query)
            self.assertEqual(response.text, "signature does not cover this id")
        self.assertEqual(self._reads(), [])
        self.assertEqual(self._state(attempt), "waiting")
        self.mp_account.invalidate_recordset()
        self.assertEqual(self.mp_account.last_signature_failure_reason, "other id")
        # Signed for the order it names, the same notification is acted upon.
        response = self._post(
            f"?data.id={target}&type=order", _order_body(target), self.sign(target)
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._state(attempt), "paid")

    @mute_logger(*QUIET)
    def test_legacy_webhooks_must_be_signed_when_the_account_has_a_secret(self):
        """Webhooks of legacy topics are signed like the Orders API's; only IPN
        (``?topic=...&id=...``) is not, and stays a mere reason to re-read."""
        self.mp_account.api_mode = "v2"
        attempt, paid = self._paid_unnoticed()
        payment_id = str(paid["payment_id"])
        order_id = str(paid["merchant_order_id"])
        payment = {"type": "payment", "action": "payment.updated"}
        merchant_order = {"type": "topic_merchant_order_wh", "action": "update"}
        for query, body in (
            (
                f"?data.id={payment_id}&type=payment",
                {**payment, "data": {"id": payment_id}},
            ),
            (
                f"?data.id={order_id}&type=topic_merchant_order_wh",
                {**merchant_order, "id": int(order_id), "status": "closed"},
            ),
        ):
            response = self._post(query, body)
            self.assertEqual(response.status_code, 401, query)
        self.assertEqual(self._reads(), [])
        self.assertEqual(self._state(attempt), "waiting")
        response = self._post(
            f"?data.id={payment_id}&type=payment",
            {**payment, "data": {"id": payment_id}},
            self.sign(payment_id),
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._state(attempt), "paid")

    @mute_logger(*QUIET)
    def test_a_chunked_body_cannot_pass_the_64_kb_cap(self):
        attempt, _paid = self._paid_unnoticed()
        order_id = attempt.mp_order_id
        query = f"?data.id={order_id}&type=order"

        def chunked(body):
            # A generator: requests sends it chunked, without a Content-Length.
            data = json.dumps(body).encode()
            for start in range(0, len(data), 8192):
                yield data[start : start + 8192]

        big = _order_body(order_id, padding="x" * MAX_BODY)
        # The rest of a refused body is left unread: no keep-alive after it.
        close = {"Connection": "close", **self.sign(order_id)}
        response = self._post(query, chunked(big), close)
        self.assertEqual(response.status_code, 413)
        # A declared Content-Length over the cap is refused as before.
        response = self._post(query, json.dumps(big), close)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(self._reads(), [])
        self.assertEqual(self._state(attempt), "waiting")
        # A chunked body under the cap is read whole.
        small = _order_body(order_id, padding="x" * (MAX_BODY - 1024))
        response = self._post(query, chunked(small), self.sign(order_id))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._state(attempt), "paid")

    def test_an_unknown_token_logs_nothing_at_info_level(self):
        path = f"{WEBHOOK_ROUTE}/{'x' * 32}"
        # logging.INFO, not "INFO": Odoo names its level 25 "INFO" too.
        with self.assertNoLogs("odoo.addons.pos_mercado_pago_qr", level=logging.INFO):
            response = self._post("?data.id=1&type=order", {}, path=path)
        self.assertEqual(response.status_code, 404)
