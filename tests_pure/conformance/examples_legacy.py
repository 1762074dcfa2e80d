"""Published bodies of the legacy side: in-store orders v2, merchant orders,
payments and their refunds, stores and cashboxes (POS)."""

from .examples_errors import POS_JSON, STORES_JSON, V2_JSON

# --- in-store orders v2 -------------------------------------------------------

V2_USER_ID = 446566691  # path examples of instore_orders_v2.json
V2_STORE = "SUC001"
V2_POS = "SUC001POS001"

# GET .../pos/{external_pos_id}/orders 200: an array of this object (the schema's
# example values assembled into one body; unit_measure has no example value).
V2_ORDER = {
    "external_reference": "12345",
    "total_amount": 100,
    "items": [
        {
            "sku_number": "KS955RUR",
            "category": "COMIDA",
            "title": "Pasta",
            "description": "Compra en Mercado Pago",
            "unit_measure": "unit",
            "quantity": 5,
            "unit_price": 20,
            "total_amount": 100,
        }
    ],
    "title": "Compra",
    "description": "Compra en Mercado Pago",
    "sponsor": {"id": 662208785},
    "expiration_date": "2023-08-22T16:34:56.559-04:00",
    "notification_url": "http://www.yourserver.com/notification",
    "user_id": V2_USER_ID,
    "external_pos_id": V2_POS,
}

V2_EXAMPLES = [
    {
        "id": "V1-v2-put-stores-path-204",
        "source": V2_JSON + " (PUT .../stores/{external_store_id}/pos/"
        "{external_pos_id}/orders: code 204)",
        "step": "put",
        "status": (204,),
    },
    {
        "id": "V2-v2-get-array",
        "source": V2_JSON + " (GET .../pos/{external_pos_id}/orders: 200 array)",
        "step": "get",
        "status": (200,),
    },
    {
        "id": "V3-v2-delete-204",
        "source": V2_JSON + ' (DELETE: "code 204 - ... not returning any content")',
        "step": "delete",
        "status": (204,),
    },
    {
        "id": "V9-put-empty-201-or-204",
        "source": "https://www.mercadopago.com.br/developers/en/reference/qr-dynamic/"
        "_instore_orders_qr_seller_collectors_user_id_pos_external_pos_id_qrs/put "
        '("an empty 201") versus ' + V2_JSON + " (204)",
        "step": "put",
        "status": (201, 204),
    },
]

# --- merchant orders ----------------------------------------------------------

MO_GO = {
    "id": 1234545454543,
    "status": "opened",
    "preference_id": "1340175910-f2694bdc-7562-499e-a373-057cce3a027b",
    "collector": {"id": 1340175910, "nickname": "TEST_USER_658045679"},
    "marketplace": "NONE",
    "date_created": "2023-03-28T13:50:19.143-04:00",
    "last_updated": "2023-03-28T13:50:19.143-04:00",
    "total_amount": 10,
    "site_id": "MLB",
    "items": [
        {
            "currency_id": "BRL",
            "description": "Some book",
            "title": "Produto sem descrição",
            "quantity": 1,
            "unit_price": 10,
        }
    ],
    "order_status": "payment_required",
}
MO_PY = {
    "id": 4049696864,
    "status": "opened",
    "external_reference": "ext-ref-001",
    "preference_id": "843382748-18d90a57-a4ce-4718",
    "payments": [],
    "items": [
        {
            "id": "item-001",
            "title": "Point Mini",
            "description": "Maquininha",
            "quantity": 1,
            "unit_price": 58.8,
            "currency_id": "BRL",
        }
    ],
    "date_created": "2024-01-15T10:30:00.000-03:00",
    "last_updated": "2024-01-15T10:30:00.000-03:00",
    "total_amount": 58.8,
    "paid_amount": 0.0,
    "refunded_amount": 0.0,
    "notification_url": "https://example.com/notifications",
}
MO_PHP = {
    "id": 11223344550,
    "status": "opened",
    "external_reference": "test_reference",
    "preference_id": "123456789-ceb44a1c-6d7c-4996-99c6-24060542ed9f",
    "payments": [],
    "shipments": [],
    "payouts": [],
    "collector": {"id": 123456789, "email": "", "nickname": "MLB_SELLER"},
    "marketplace": "MP-MKT-5887075667929427",
    "notification_url": None,
    "date_created": "2023-09-12T13:55:01.933-04:00",
    "last_updated": "2023-09-12T13:55:01.933-04:00",
    "sponsor_id": None,
    "shipping_cost": 0,
    "total_amount": 10,
    "site_id": "MLB",
    "paid_amount": 0,
    "refunded_amount": 0,
    "payer": None,
    "items": [],
    "cancelled": False,
    "additional_info": None,
    "application_id": None,
    "is_test": True,
    "order_status": "payment_required",
}

MERCHANT_ORDER_EXAMPLES = [
    {
        "id": "MO1-go-get",
        "source": "mercadopago/sdk-go resources/mocks/merchantorder/get_response.json",
        "search": False,
        "answer": MO_GO,
    },
    {
        "id": "MO2-go-search",
        "source": "mercadopago/sdk-go resources/mocks/merchantorder/"
        "search_response.json",
        "search": True,
        "answer": {"elements": [MO_GO], "next_offset": 1, "total": 1},
    },
    {
        "id": "MO3-python-get",
        "source": "mercadopago/sdk-python tests/resources/mocks/"
        "merchant_order_get.json",
        "search": False,
        "answer": MO_PY,
    },
    {
        "id": "MO4-python-search",
        "source": "mercadopago/sdk-python tests/resources/mocks/"
        "merchant_order_search.json",
        "search": True,
        "answer": {
            "elements": [
                {
                    "id": 4049696864,
                    "status": "opened",
                    "external_reference": "ext-ref-001",
                    "preference_id": "843382748-18d90a57-a4ce-4718",
                    "total_amount": 58.8,
                    "date_created": "2024-01-15T10:30:00.000-03:00",
                }
            ],
            "total": 1,
            "next_offset": 0,
        },
    },
    {
        "id": "MO5-php-base",
        "source": "mercadopago/sdk-php tests/MercadoPago/Resources/Mocks/Response/"
        "MerchantOrder/merchant_order_base.json",
        "search": False,
        "answer": MO_PHP,
    },
]

# --- payments -----------------------------------------------------------------

PAYMENT_PY = {
    "id": 17014025134,
    "date_created": "2024-01-15T10:30:00.000-03:00",
    "date_approved": "2024-01-15T10:30:01.000-03:00",
    "date_last_updated": "2024-01-15T10:30:01.000-03:00",
    "date_of_expiration": None,
    "money_release_date": "2024-01-29T10:30:01.000-03:00",
    "operation_type": "regular_payment",
    "issuer_id": "24",
    "payment_method_id": "visa",
    "payment_type_id": "credit_card",
    "status": "approved",
    "status_detail": "accredited",
    "currency_id": "BRL",
    "description": "Point Mini",
    "transaction_amount": 58.8,
    "transaction_amount_refunded": 0.0,
    "coupon_amount": 0.0,
    "captured": True,
    "binary_mode": False,
    "installments": 1,
    "statement_descriptor": "MercadoPago",
    "processing_mode": "aggregator",
    "external_reference": "MP0001",
    "notification_url": None,
    "payer": {
        "id": "123456789",
        "email": "test_user@testuser.com",
        "identification": {"type": "CPF", "number": "19119119100"},
        "type": "customer",
    },
    "metadata": {},
    "additional_info": {},
    "transaction_details": {
        "net_received_amount": 56.86,
        "total_paid_amount": 58.8,
        "overpaid_amount": 0.0,
        "installment_amount": 58.8,
    },
    "card": {
        "first_six_digits": "503143",
        "last_four_digits": "6351",
        "expiration_month": 11,
        "expiration_year": 2030,
        "cardholder": {"name": "APRO"},
    },
}

# Keys of PAYMENT_PY that belong to card payments only (not compared for QR).
CARD_ONLY_KEYS = ("card", "issuer_id", "statement_descriptor", "processing_mode")

PAYMENT_EXAMPLES = [
    {
        "id": "P1-python-payment-get",
        "source": "mercadopago/sdk-python tests/resources/mocks/payment_get.json",
        "refund_first": False,
        "answer": PAYMENT_PY,
    },
    {
        "id": "P2-go-payment-refunded",
        "source": "mercadopago/sdk-go resources/mocks/payment/get_response.json",
        "refund_first": True,
        "answer": {"id": 789, "status": "refunded", "status_detail": "refunded"},
    },
]

# --- payment refunds (/v1/payments/{id}/refunds) ------------------------------

REFUND_PY = {
    "id": 1091618291,
    "payment_id": 17014025134,
    "amount": 58.8,
    "date_created": "2024-01-16T09:00:00.000-03:00",
    "source": {"id": "123456789", "name": "Test User", "type": "operator"},
    "refund_mode": "standard",
    "status": "approved",
}
REFUND_GO = {
    "id": 1622029222,
    "payment_id": 7186040733,
    "amount": 1.5,
    "source": {"name": "Test Test", "id": "7186040733", "type": "collector"},
    "date_created": "2024-02-05T15:35:49.000-04:00",
    "unique_sequence_number": None,
    "refund_mode": "standard",
    "adjustment_amount": 0,
    "status": "approved",
    "reason": None,
}

PAYMENT_REFUND_EXAMPLES = [
    {
        "id": "PR1-python-refund-create",
        "source": "mercadopago/sdk-python tests/resources/mocks/refund_create.json "
        "(POST /v1/payments/{id}/refunds: mercadopago/resources/refund.py)",
        "step": "create",
        "paid": 58.8,
        "amount": None,
        "answer": REFUND_PY,
    },
    {
        "id": "PR2-python-refund-get",
        "source": "mercadopago/sdk-python tests/resources/mocks/refund_get.json",
        "step": "get",
        "paid": 58.8,
        "amount": None,
        "answer": REFUND_PY,
    },
    {
        "id": "PR3-python-refund-list",
        "source": "mercadopago/sdk-python tests/resources/mocks/refund_list_all.json",
        "step": "list",
        "paid": 58.8,
        "amount": None,
        "answer": [REFUND_PY],
    },
    {
        "id": "PR4-go-refund-create",
        "source": "mercadopago/sdk-go resources/mocks/refund/response.json",
        "step": "create",
        "paid": 1.5,
        "amount": None,
        "answer": REFUND_GO,
    },
    {
        "id": "PR5-go-refund-list",
        "source": "mercadopago/sdk-go resources/mocks/refund/list_response.json",
        "step": "list",
        "paid": 1.5,
        "amount": None,
        "answer": [REFUND_GO],
    },
    {
        "id": "PR6-java-partial-request",
        "source": "mercadopago/sdk-java src/test/java/com/mercadopago/resources/mocks/"
        'request/refund/refund_partial.json ({"amount": 50.0}, a number)',
        "step": "create",
        "paid": 100,
        "amount": 50.0,
        "answer": dict(REFUND_PY, amount=50.0),
    },
]

# --- stores and POS -----------------------------------------------------------

STORE_GET = {
    "id": 30163646,
    "name": "Sucursal Instore",
    "date_creation": "2021-04-16T14:54:28.573Z",
    "business_hours": {
        "monday": [{"open": "08:00", "close": "13:00"}],
        "tuesday": [{"open": "08:00", "close": "18:00"}],
        "wednesday": [{"open": "07:00", "close": "10:00"}],
    },
    "location": {
        "address_line": "Rua Ângelo Piva, Osasco, São Paulo, Brasil",
        "reference": "Melicidade",
        "latitude": -23.52613,
        "longitude": -46.76169,
    },
    "external_id": "SUC001",
}
STORE_SOURCE = STORES_JSON + " (GET /stores/{id}, 200 example values)"

POS_CREATE_REQUEST = {
    "name": "First POS",
    "fixed_amount": False,
    "store_id": 1234567,
    "external_store_id": "SUC001",
    "external_id": "SUC001POS001",
    "category": 621102,
}
POS_CREATED = {
    "id": 2711382,
    "qr": {
        "image": "https://www.mercadopago.com/instore/merchant/qr/2711382/"
        "0977011a027c4b4387e52069da4264deae2946af4dcc44ee98a8f1dbb376c8a1.png",
        "template_document": "https://www.mercadopago.com/instore/merchant/qr/2711382/"
        "template_0977011a027c4b4387e52069da4264deae2946af4dcc44ee98a8f1dbb376c8a1.pdf",
        "template_image": "https://www.mercadopago.com/instore/merchant/qr/2711382/"
        "template_0977011a027c4b4387e52069da4264deae2946af4dcc44ee98a8f1dbb376c8a1.png",
    },
    "status": "active",
    "date_created": "2019-08-22T14:11:12.000Z",
    "date_last_updated": "2019-08-22T14:11:12.000Z",
    "uuid": "0977011a027c4b4387e52069da4264deae2946af4dcc44ee98a8f1dbb376c8a1",
    "user_id": 446566691,
    "name": "First POS",
    "fixed_amount": False,
    "category": 621102,
    "store_id": 1234567,
    "external_store_id": "SUC001",
    "external_id": "SUC001POS001",
}
POS_SOURCE = POS_JSON + " (POST /pos, request and 200 example values)"
