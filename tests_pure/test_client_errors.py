"""Mercado Pago's error bodies, every style, reduced to (code, message, field)."""

import pytest

from mercado_pago.errors import (
    AuthenticationError,
    ConflictError,
    MercadoPagoError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
    error_class_for,
    error_from_response,
    parse_error_body,
    scrub,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # classic body with a cause list
        (
            {
                "message": "invalid city",
                "error": "bad_request",
                "status": 400,
                "cause": [{"code": "INVALID_CITY_NAME", "description": "bad city"}],
            },
            ("INVALID_CITY_NAME", "invalid city", "location.city_name"),
        ),
        # classic body, numeric cause code and no message
        (
            {"error": "bad_request", "cause": [{"code": 2067, "description": "x"}]},
            ("2067", "x", None),
        ),
        # Orders API with details naming the property
        (
            {
                "errors": [
                    {
                        "code": "property_value",
                        "message": "The value of the property is invalid.",
                        "details": ["property 'total_amount' must be a string"],
                    }
                ]
            },
            ("property_value", "The value of the property is invalid.", "total_amount"),
        ),
        (
            {
                "errors": [
                    {
                        "code": "required_properties",
                        "message": "missing",
                        "details": ["config.qr.external_pos_id is required"],
                    }
                ]
            },
            ("required_properties", "missing", "config.qr.external_pos_id"),
        ),
        (
            {
                "errors": [
                    {
                        "code": "invalid_total_amount",
                        "message": "total_amount is not equivalent to sum",
                        "details": [],
                    }
                ]
            },
            (
                "invalid_total_amount",
                "total_amount is not equivalent to sum",
                "total_amount",
            ),
        ),
        (
            {
                "errors": [
                    {"code": "bad_request", "details": [{"field": "items[0].title"}]}
                ]
            },
            ("bad_request", None, "items[0].title"),
        ),
        # v2 errorKey
        (
            {"errorKey": "invalid_items.unit_price", "message": "unit_price invalid"},
            ("invalid_items.unit_price", "unit_price invalid", "items.unit_price"),
        ),
        (
            {"errorKey": "invalid_collectorId", "message": "collector must be number"},
            ("invalid_collectorId", "collector must be number", "user_id"),
        ),
        (
            {"errorKey": "invalid_externalPosId", "message": "bad pos"},
            ("invalid_externalPosId", "bad pos", "external_pos_id"),
        ),
        # v2 {"error", "message"}
        (
            {"error": "point_of_sale_in_store_order_not_found", "message": "not found"},
            ("point_of_sale_in_store_order_not_found", "not found", None),
        ),
        (
            {
                "error": "invalid_external_reference",
                "message": "bad ref",
                "status": 400,
            },
            ("invalid_external_reference", "bad ref", "external_reference"),
        ),
        # store/pos codes
        (
            {"error": "NAME_TOO_LONG", "message": "name too long"},
            ("NAME_TOO_LONG", "name too long", "name"),
        ),
        (
            {"error": "EXTERNAL_STORE_ID_NOT_MATCH", "message": "mismatch"},
            ("EXTERNAL_STORE_ID_NOT_MATCH", "mismatch", "external_store_id"),
        ),
        (
            {"code": "INVALID_EXTERNAL_ID", "message": "bad id"},
            ("INVALID_EXTERNAL_ID", "bad id", "external_id"),
        ),
        ({"error": "bad_request"}, ("bad_request", "bad_request", None)),
        ({}, (None, None, None)),
        ("Service Unavailable", (None, "Service Unavailable", None)),
        (None, (None, None, None)),
        (["not", "a", "dict"], (None, None, None)),
    ],
)
def test_parse_error_body(body, expected):
    assert parse_error_body(body) == expected


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, None, ValidationError),
        (422, None, ValidationError),
        (418, None, ValidationError),
        (400, "invalid_access_token", AuthenticationError),
        (401, None, AuthenticationError),
        (403, None, AuthenticationError),
        (404, None, NotFoundError),
        (409, None, ConflictError),
        (429, None, RateLimitedError),
        (500, None, UnavailableError),
        (503, None, UnavailableError),
        (None, None, UnavailableError),
        (302, None, MercadoPagoError),
    ],
)
def test_error_class_for(status, code, cls):
    assert error_class_for(status, code) is cls


def test_every_error_is_a_mercado_pago_error():
    for cls in (
        AuthenticationError,
        NotFoundError,
        ValidationError,
        ConflictError,
        RateLimitedError,
        UnavailableError,
    ):
        assert issubclass(cls, MercadoPagoError)
        error = cls("x")
        assert error.status is None and error.code is None and error.field is None
        assert error.retry_after is None and error.unknown_outcome is False


def test_error_from_response_defaults_message_and_scrubs_secrets():
    error = error_from_response(500, None, unknown_outcome=True)
    assert error.message == "Mercado Pago answered HTTP 500"
    assert error.unknown_outcome is True
    error = error_from_response(
        400, {"message": "secret s3cr3t-value leaked"}, secrets=("s3cr3t-value",)
    )
    assert "s3cr3t-value" not in error.message


def test_scrub_removes_token_shapes_and_caps_length():
    token = "APP_USR-1234567890-112233-abcdef0123456789-12345"
    assert token not in scrub(f"bad {token}")
    assert "TEST-abcdefgh12345" not in scrub("TEST-abcdefgh12345 used")
    assert scrub("Authorization: Bearer abc.def") == "Authorization: Bearer ***"
    assert len(scrub("x" * 5000)) == 500
    assert scrub(None) is None


def test_str_mentions_status_code_field_and_call():
    error = ValidationError(
        "bad", status=400, code="INVALID_NAME", field="name", method="POST", path="/pos"
    )
    assert str(error) == "[400 INVALID_NAME] bad (field: name) on POST /pos"
    assert str(MercadoPagoError("plain")) == "plain"


# -- published error bodies and codes (issue #14, item 5) -----------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {
                "message": "The order has already been canceled",
                "error": "order_already_canceled",
                "status": 409,
                "cause": [],
            },
            ("order_already_canceled", "The order has already been canceled", None),
            id="sdk-message-error-status-cause",
        ),
        pytest.param(
            {
                "message": "Invalid order",
                "error": "bad_request",
                "status": 400,
                "cause": {"code": "invalid_path_param", "description": "bad id"},
            },
            ("invalid_path_param", "Invalid order", "order_id"),
            id="cause-as-an-object",
        ),
        pytest.param(
            {
                "errors": [
                    {
                        "code": "refund_amount_exceeds",
                        "message": "The refund amount exceeds the available balance.",
                    }
                ]
            },
            (
                "refund_amount_exceeds",
                "The refund amount exceeds the available balance.",
                "amount",
            ),
            id="errors-list",
        ),
        pytest.param(
            {"errors": {"code": "unsupported_partially_refunds", "message": "no"}},
            ("unsupported_partially_refunds", "no", "amount"),
            id="errors-object",
        ),
        pytest.param(
            {"errorKey": "INVALID_STORE_ID"},
            ("INVALID_STORE_ID", None, "store_id"),
            id="stores-errorKey",
        ),
        pytest.param(
            {"errorKey": "point_of_sale_in_store_order_not_found"},
            ("point_of_sale_in_store_order_not_found", None, None),
            id="v2-errorKey",
        ),
        pytest.param(
            {"errorKey": "invalid_access_token"},
            ("invalid_access_token", None, None),
            id="v2-errorKey-access",
        ),
    ],
)
def test_published_error_shapes(body, expected):
    """The three shapes: ``{"message","error","status","cause"}`` read by the SDKs
    (sdk-python mercadopago/errors/exceptions.py, sdk-nodejs src/utils/errors/
    index.ts); ``{"errors":[{"code","message"}]}`` of the Orders API (codes of
    the QR "Refund errors" page, developers/en/docs/qr-code/resources/
    refund-errors); ``{"errorKey"}`` of stores, POS and in-store v2
    (devsite-docs reference/api-json/stores.json and instore_orders_v2.json)."""
    assert parse_error_body(body) == expected


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        # QR "Cancel order" reference (developers/en/reference/in-person-payments/
        # qr-code/orders/cancel-order/post)
        (400, {"errors": [{"code": "invalid_path_param"}]}, ValidationError),
        (400, {"errors": [{"code": "empty_required_header"}]}, ValidationError),
        (401, {"errors": [{"code": "unauthorized"}]}, AuthenticationError),
        (404, {"errors": [{"code": "order_not_found"}]}, NotFoundError),
        (409, {"errors": [{"code": "idempotency_key_already_used"}]}, ConflictError),
        (409, {"errors": [{"code": "order_already_canceled"}]}, ConflictError),
        (409, {"errors": [{"code": "instore_order_locked_error"}]}, ConflictError),
        (500, {"errors": [{"code": "500"}]}, UnavailableError),
        # QR "Refund errors" page (developers/en/docs/qr-code/resources/refund-errors)
        (400, {"errors": [{"code": "refund_amount_exceeds"}]}, ValidationError),
        (400, {"errors": [{"code": "unsupported_partially_refunds"}]}, ConflictError),
        (400, {"errors": [{"code": "in_store_payment_refund_order"}]}, ValidationError),
        (400, {"errors": [{"code": "invalid_order_owner"}]}, ValidationError),
        (401, {"errors": [{"code": "user_not_authorized"}]}, AuthenticationError),
        (
            403,
            {"errors": [{"code": "partial_refund_forbidden_with_tips"}]},
            ConflictError,
        ),
        (404, {"errors": [{"code": "transaction_not_found"}]}, NotFoundError),
        # sdk-python mercadopago/errors/exceptions.py: 423 and 424 are retryable
        (423, {"message": "locked", "error": "resource_locked"}, RateLimitedError),
        (409, {"errors": [{"code": "resource_locked"}]}, RateLimitedError),
        (424, {"message": "dependency"}, UnavailableError),
        # in-store v2 DELETE (devsite-docs reference/api-json/instore_orders_v2.json)
        (400, {"errorKey": "invalid_access_token"}, AuthenticationError),
        (400, {"errorKey": "invalid_collectorId"}, ValidationError),
    ],
)
def test_published_codes_map_to_typed_errors(status, body, cls):
    """Each published code becomes its typed error with the code kept."""
    error = error_from_response(status, body)
    assert type(error) is cls
    assert error.status == status
    assert error.code == parse_error_body(body)[0]
