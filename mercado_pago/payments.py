"""Payments, their refunds, and merchant orders (the legacy in-store v2 flow)."""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# pylint: disable=translation-required

from .errors import NotFoundError
from .money import format_v2_amount, positive
from .paging import paginate
from .references import check_external_reference, check_resource_id


class PaymentsClient:
    def __init__(self, session):
        self.session = session

    def get_payment(self, payment_id):
        payment = check_resource_id(payment_id, "payment_id", numeric=True)
        return self.session.request("GET", f"/v1/payments/{payment}")

    def search_payments(self, external_reference):
        params = {"external_reference": external_reference}
        return paginate(self.session, "/v1/payments/search", params)

    def refund_payment(
        self, payment_id, amount=None, *, currency=None, idempotency_key
    ):
        """Refund a payment in full (no body) or partially (``{"amount": n}``).

        The idempotency key must have been stored by the caller before the call:
        a retry with the same key returns the refund made by the first attempt.
        """
        payment = check_resource_id(payment_id, "payment_id", numeric=True)
        body = None
        if amount is not None:
            if not currency:
                raise ValueError("A partial refund needs the payment's currency.")
            positive(amount, "amount", "refund amount")
            body = {"amount": format_v2_amount(amount, currency)}
        return self.session.request(
            "POST",
            f"/v1/payments/{payment}/refunds",
            json=body,
            idempotency_key=idempotency_key,
        )

    def list_refunds(self, payment_id):
        payment = check_resource_id(payment_id, "payment_id", numeric=True)
        body = self.session.request("GET", f"/v1/payments/{payment}/refunds")
        return body if isinstance(body, list) else []

    def get_merchant_order(self, merchant_order_id):
        order = check_resource_id(merchant_order_id, "merchant_order_id", numeric=True)
        return self.session.request("GET", f"/merchant_orders/{order}")

    def search_merchant_orders(self, external_reference):
        """Merchant orders whose external_reference is exactly the one given.

        MP documents ``GET /merchant_orders?external_reference=`` for the in-person
        contingency while the SDK uses ``/merchant_orders/search``; a 404 on the
        first (no such route) falls back to the second.
        """
        check_external_reference(external_reference)
        params = {"external_reference": external_reference}
        try:
            found = paginate(self.session, "/merchant_orders", params)
        except NotFoundError:
            found = paginate(self.session, "/merchant_orders/search", params)
        return [
            order
            for order in found
            if order.get("external_reference") == external_reference
        ]
