"""Published error statuses and codes (Orders API, in-store v2, stores, POS).

No complete Orders API error body is published; the codes, statuses and messages
are. The client is fed both body shapes in use (``{"errors": [{code, message}]}``
and the classic ``{"message", "error", "status", "cause"}``).
"""

from .examples_orders import GUIDE, REF_CANCEL, REF_CREATE, REFUND_ERRORS

ONLINE_CREATE = (
    "https://mercadopago.com.br/developers/en/reference/order/online-payments/"
    "create/post"
)
CHECKOUT_PRO_ERRORS = (
    "https://www.mercadopago.com.br/developers/es/docs/checkout-pro-orders/"
    "payment-management/integration-errors"
)
V2_PUT = (
    "https://www.mercadopago.com.mx/developers/en/reference/instore_orders_v2/"
    "_instore_qr_seller_collectors_user_id_stores_external_store_id_pos_"
    "external_pos_id_orders/put"
)
V2_JSON = "mercadopago/devsite-docs reference/api-json/instore_orders_v2.json"
STORES_JSON = "mercadopago/devsite-docs reference/api-json/stores.json"
POS_JSON = "mercadopago/devsite-docs reference/api-json/pos.json"

# "drive" names the situation the emulator test builds (see test_errors.py).
ORDER_ERRORS = [
    {
        "id": "E1-cancel-twice",
        "source": REF_CANCEL,
        "drive": "cancel_twice",
        "status": 409,
        "codes": ["order_already_canceled"],
        "message": "There is a conflict trying to cancel the order due to its "
        "current status",
    },
    {
        "id": "E2-cancel-processed",
        "source": REF_CANCEL + " (409 for any status but created); "
        "mercadopago/sdk-python mercadopago/errors/constants.py (cannot_cancel_order)",
        "drive": "cancel_processed",
        "status": 409,
        "codes": ["order_already_canceled", "cannot_cancel_order"],
        "message": "Only an order in status=created can be canceled.",
    },
    {
        "id": "E3-cancel-malformed-id",
        "source": REF_CANCEL,
        "drive": "cancel_malformed",
        "status": 400,
        "codes": ["invalid_path_param"],
        "message": "It must begin with the prefix ORD and be followed by 26 "
        "characters.",
    },
    {
        "id": "E4-refund-malformed-id",
        "source": REFUND_ERRORS,
        "drive": "refund_malformed",
        "status": 400,
        "codes": ["invalid_path_param"],
        "message": "It must start with the prefix ORD followed by 26 characters.",
    },
    {
        "id": "E5-cancel-unknown-order",
        "source": REF_CANCEL,
        "drive": "cancel_unknown",
        "status": 404,
        "codes": ["order_not_found"],
        "message": "The value sent as Order ID does not correspond to a created order",
    },
    {
        "id": "E6-cancel-without-key",
        "source": REF_CANCEL,
        "drive": "cancel_without_key",
        "status": 400,
        "codes": ["empty_required_header"],
        "message": 'The "X-Idempotency-Key" header is required and was not sent.',
    },
    {
        "id": "E7-create-without-key",
        "source": REF_CREATE + "; " + GUIDE,
        "drive": "create_without_key",
        "status": 400,
        "codes": ["empty_required_header"],
        "message": "The X-Idempotency-Key header is required and was not sent.",
    },
    {
        "id": "E8-key-reused-other-body",
        "source": REF_CREATE,
        "drive": "key_reused",
        "status": 409,
        "codes": ["idempotency_key_already_used"],
        "message": "already been used with a different request within the last "
        "24 hours",
    },
    {
        "id": "E9-refund-exceeds",
        "source": REFUND_ERRORS,
        "drive": "refund_exceeds",
        "status": 400,
        "codes": ["refund_amount_exceeds"],
        "message": "The refund amount exceeds the available balance.",
    },
    {
        "id": "E10-partial-unsupported",
        "source": REFUND_ERRORS,
        "drive": "partial_unsupported",
        "status": 400,
        "codes": ["unsupported_partially_refunds"],
        "message": "The order does not support partial refunds.",
    },
    {
        "id": "E11-refund-transaction-not-found",
        "source": REFUND_ERRORS,
        "drive": "refund_unknown_transaction",
        "status": 404,
        "codes": ["transaction_not_found"],
        "message": "Transaction not found in the order.",
    },
    {
        "id": "E12-create-pos-not-found",
        "source": REF_CREATE,
        "drive": "create_unknown_pos",
        "status": 404,
        "codes": ["pos_not_found"],
        "message": "Point of sale not found",
    },
    {
        "id": "E13-create-bad-token",
        "source": REF_CREATE,
        "drive": "create_bad_token",
        "status": 401,
        "codes": ["unauthorized"],
        "message": "The value sent as Access Token is incorrect.",
    },
    {
        "id": "E15-total-not-matching-payments",
        "source": ONLINE_CREATE
        + " (invalid_total_amount, online orders only); "
        + REF_CREATE
        + " (QR: no such code, and its own example has total 50.00 for a 24.50 "
        "payment)",
        "drive": "total_mismatch",
        "status": 400,
        "codes": ["invalid_total_amount"],
        "message": 'The value entered in "total_amount" is not equivalent to the sum '
        'of the "transactions.payments.amount"',
    },
    {
        "id": "E16-idempotency-key-too-long",
        "source": CHECKOUT_PRO_ERRORS,
        "drive": "key_too_long",
        "status": 400,
        "codes": ["invalid_idempotency_key_length"],
        "message": "X-Idempotency-Key length exceeds 128 characters",
    },
]

# 423 resource_locked: no Mercado Pago page; every SDK types it as retryable.
RESOURCE_LOCKED = {
    "id": "E14-resource-locked-423",
    "source": "mercadopago/sdk-python mercadopago/errors/exceptions.py "
    '("HTTP 423 Locked — idempotency key temporarily locked (retryable)"); '
    "mercadopago/sdk-java src/main/java/com/mercadopago/net/HttpStatus.java; "
    "mercadopago/sdk-nodejs src/utils/errors/index.ts",
    "status": 423,
    "codes": ["resource_locked"],
}

# errorKey bodies: in-store v2, stores, POS.
ERROR_KEY_EXAMPLES = [
    {
        "id": "V4-v2-get-no-order",
        "source": V2_JSON + " (GET .../pos/{external_pos_id}/orders, 404)",
        "drive": "v2_get_empty",
        "status": 404,
        "errorKey": "point_of_sale_in_store_order_not_found",
        "message": "No associated order found.",
        "client_class": "NotFoundError",
    },
    {
        "id": "V5-v2-collector-not-a-number",
        "source": V2_JSON + "; " + V2_PUT,
        "drive": "v2_bad_collector",
        "status": 400,
        "errorKey": "invalid_collectorId",
        "message": "user_id must be a number.",
        "client_class": "ValidationError",
        "field": "user_id",
    },
    {
        "id": "V6-v2-delete-other-seller",
        "source": V2_JSON + ' (DELETE: 400 invalid_access_token "Access denied."); '
        "https://www.mercadopago.cl/developers/en/reference/instore_orders/"
        "_mpmobile_instore_qr_user_id_external_id/post",
        "drive": "v2_other_seller",
        "status": 400,
        "errorKey": "invalid_access_token",
        "message": "Access denied.",
        "client_class": "AuthenticationError",
    },
    {
        "id": "V7-v2-put-without-total",
        "source": V2_PUT,
        "drive": "v2_no_total",
        "status": 400,
        "errorKey": "invalid_total_amount",
        "message": "total_amount must be present.",
        "client_class": "ValidationError",
        "field": "total_amount",
    },
    {
        "id": "V8-v2-put-without-reference",
        "source": V2_PUT,
        "drive": "v2_no_reference",
        "status": 400,
        "errorKey": "invalid_external_reference",
        "message": "external_reference must be present.",
        "client_class": "ValidationError",
        "field": "external_reference",
    },
    {
        "id": "ST2-store-id-invalid",
        "source": STORES_JSON + ' (GET /stores/{id}: 400 {"errorKey": '
        '"INVALID_STORE_ID"} "Invalid STORE_ID.")',
        "drive": "store_bad_id",
        "status": 400,
        "errorKey": "INVALID_STORE_ID",
        "message": "Invalid STORE_ID.",
        "client_class": "ValidationError",
        "field": "store_id",
    },
    {
        "id": "POS2-external-id-not-alphanumeric",
        "source": POS_JSON + " (POST /pos, 400 errorKey INVALID_EXTERNAL_ID)",
        "drive": "pos_bad_external_id",
        "status": 400,
        "errorKey": "INVALID_EXTERNAL_ID",
        "message": "The EXTERNAL_ID field must be alphanumeric, only letters and "
        "numbers. No spaces or hyphens, or special characters.",
        "client_class": "ValidationError",
        "field": "external_id",
    },
    {
        "id": "POS3-name-too-long",
        "source": POS_JSON + " (POST /pos, 400 errorKey NAME_TOO_LONG)",
        "drive": "pos_long_name",
        "status": 400,
        "errorKey": "NAME_TOO_LONG",
        "message": "The NAME must be less than 45 characters.",
        "client_class": "ValidationError",
        "field": "name",
    },
]
