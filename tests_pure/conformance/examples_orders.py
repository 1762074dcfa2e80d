"""Published Orders API bodies (QR): create, get, cancel, search, refund.

Facts copied as data from Mercado Pago's public pages and from the test fixtures of
its official SDKs. Each example carries its source; nothing here is SDK code.
"""

import copy

GUIDE = (
    "https://www.mercadopago.com.ar/developers/es/docs/qr-code/payment-processing"
    " (Integrar el procesamiento de pagos)"
)
REF_CREATE = (
    "https://www.mercadopago.com.br/developers/en/reference/in-person-payments/"
    "qr-code/orders/create-order/post"
)
REF_CANCEL = (
    "https://www.mercadopago.com.br/developers/en/reference/in-person-payments/"
    "qr-code/orders/cancel-order/post"
)
REFUND_ERRORS = (
    "https://www.mercadopago.com.br/developers/en/docs/qr-code/resources/refund-errors"
)


def _with(base, **changes):
    body = copy.deepcopy(base)
    body.update(copy.deepcopy(changes))
    return body


# --- create ----------

# O1: the guide's create request. The mode placeholder "static | dynamic | hibrid"
# is replaced per example; the guide sends items.external_categories together with
# discounts although the reference calls them exclusive.
CREATE_REQUEST = {
    "type": "qr",
    "total_amount": "50.00",
    "description": "Smartphone",
    "external_reference": "ext_ref_1234",
    "expiration_time": "PT16M",
    "config": {"qr": {"external_pos_id": "STORE001POS001", "mode": "static"}},
    "transactions": {"payments": [{"amount": "50.00"}]},
    "items": [
        {
            "title": "Smartphone",
            "unit_price": "50.00",
            "quantity": 1,
            "unit_measure": "kg",
            "external_code": "777489134",
            "external_categories": [{"id": "device"}],
        }
    ],
    "discounts": {
        "payment_methods": [{"new_total_amount": "47.28", "type": "account_money"}]
    },
}
CREATE_IDEMPOTENCY_KEY = "0d5020ed-1af6-469c-ae06-c3bec19954bb"

# O2: 201 answer, static mode.
CREATED_STATIC = {
    "id": "ORD01K371WBFDS4MD9JG0K8ZMECBE",
    "type": "qr",
    "processing_mode": "automatic",
    "external_reference": "ext_ref_1234",
    "description": "Smartphone",
    "total_amount": "50.00",
    "expiration_time": "PT16M",
    "country_code": "ARG",
    "user_id": "{{USER_ID}}",
    "status": "created",
    "status_detail": "created",
    "currency": "ARS",
    "created_date": "2025-08-21T19:32:21.621Z",
    "last_updated_date": "2025-08-21T19:32:21.621Z",
    "integration_data": {"application_id": "{{APPLICATION_ID}}"},
    "transactions": {
        "payments": [
            {
                "id": "PAY01K371WBFDS4MD9JG0KCV6PRKQ",
                "amount": "50.00",
                "status": "created",
                "status_detail": "ready_to_process",
            }
        ]
    },
    "config": {"qr": {"external_pos_id": "STORE001POS001", "mode": "static"}},
    "items": [
        {
            "title": "Smartphone",
            "unit_price": "50.00",
            "unit_measure": "kg",
            "external_code": "777489134",
            "quantity": 1,
            "external_categories": [{"id": "device"}],
        }
    ],
    "discounts": {
        "payment_methods": [{"type": "account_money", "new_total_amount": "47.28"}]
    },
}

# O3: 201 answer, dynamic mode.
CREATED_DYNAMIC = _with(
    CREATED_STATIC,
    id="ORD01K372G4J4FXZ9HGHZMJMGGPKE",
    created_date="2025-08-21T19:43:10.13Z",
    last_updated_date="2025-08-21T19:43:10.13Z",
    config={"qr": {"external_pos_id": "STORE001POS001", "mode": "dynamic"}},
    transactions={
        "payments": [
            {
                "id": "PAY01K372G4J4FXZ9HGHZMKWSQS20",
                "amount": "50.00",
                "status": "created",
                "status_detail": "ready_to_process",
            }
        ]
    },
    type_response={
        "qr_data": "00020101021226580014br.gov.bcb.qr01368ee55a9c-7db3-41e0-a8cd-"
        "fbff4d4765b5204000053039865802BR5925PABLO JOSE DE OLIVEIRA CA6009SAO "
        "PAULO61088051040062070503***630442E4"
    },
)

# O4: 201 answer, hybrid mode (its PAY id has 25 characters after the prefix).
CREATED_HYBRID = _with(
    CREATED_STATIC,
    id="ORD01K37A6R7EAD3BQQJZJD4Q5K0E",
    created_date="2025-08-21T20:21:43.987Z",
    last_updated_date="2025-08-21T20:21:43.987Z",
    config={"qr": {"external_pos_id": "STORE001POS001", "mode": "hybrid"}},
    transactions={
        "payments": [
            {
                "id": "PAY01K37A6R7EAD3BQQJZK3PKA90",
                "amount": "50.00",
                "status": "created",
                "status_detail": "ready_to_process",
            }
        ]
    },
    type_response={
        "qr_data": "00020101021226580014br.gov.bcb.qr01363f78b8c2-6f94-4c67-b593-"
        "4aad44e2ec51204000053039865802BR5925PABLO JOSE DE OLIVEIRA CA6009SAO "
        "PAULO61088051040062070503***6304CAC0"
    },
)

# O5: 200 answer of POST /v1/orders/ORD01K371WBFDS4MD9JG0K8ZMECBE/cancel.
CANCELED = _with(
    CREATED_STATIC,
    status="canceled",
    status_detail="canceled",
    last_updated_date="2025-08-21T19:33:52.012Z",
    transactions={
        "payments": [
            {
                "id": "PAY01K371WBFDS4MD9JG0KCV6PRKQ",
                "amount": "50.00",
                "status": "canceled",
                "status_detail": "canceled_by_api",
            }
        ]
    },
)

# O6: 200 answer of GET /v1/orders/{id} after the cancel (its payment id differs
# from O5's in the guide itself).
GOT_CANCELED = _with(
    CANCELED,
    transactions={
        "payments": [
            {
                "id": "PAY01K371WBFDS4MD9JG0K8ZMECBE",
                "amount": "50.00",
                "status": "canceled",
                "status_detail": "canceled_by_api",
            }
        ]
    },
)

# O7: the reference's request example. The page renders transactions.payments and
# items as objects (a generator artefact); written here as the arrays the field
# tables define. Its payment amount (24.50) differs from total_amount (50.00).
REFERENCE_REQUEST = {
    "type": "qr",
    "external_reference": "ext_ref_1234",
    "description": "Smartphone",
    "expiration_time": "PT16M",
    "total_amount": "50.00",
    "marketplace_fee": "11.20",
    "integration_data": {
        "platform_id": "dev_1234567890",
        "integrator_id": "dev_1234",
        "sponsor": {"id": "446566691"},
    },
    "config": {"qr": {"external_pos_id": "EXTERNALPOS019285", "mode": "static"}},
    "transactions": {"payments": [{"amount": "24.50"}]},
    "items": [
        {
            "title": "Smartphone",
            "unit_price": "24.50",
            "quantity": 1,
            "unit_measure": "kg",
            "external_code": "777489134",
        }
    ],
    "discounts": {
        "payment_methods": [{"new_total_amount": "47.28", "type": "account_money"}]
    },
}

# O8: the reference's response example (static, yet with type_response).
REFERENCE_RESPONSE = {
    "id": "ORD00001111222233334444555566",
    "user_id": "5238400195",
    "type": "qr",
    "external_reference": "ext_ref_1234",
    "description": "Smartphone",
    "expiration_time": "PT16M",
    "processing_mode": "automatic",
    "total_amount": "50.00",
    "country_code": "AR",
    "marketplace_fee": "11.20",
    "integration_data": {
        "application_id": "1234567890",
        "platform_id": "dev_1234567890",
        "integrator_id": "dev_1234",
        "sponsor": {"id": "446566691"},
    },
    "status": "created",
    "status_detail": "created",
    "currency": "ARS",
    "created_date": "2024-09-10T14:26:42.109Z",
    "last_updated_date": "2024-09-10T14:27:42.109Z",
    "config": {"qr": {"external_pos_id": "EXTERNALPOS019285", "mode": "static"}},
    "transactions": {
        "payments": [
            {
                "id": "PAY01J67CQQH5904WDBVZEM4JMEP3",
                "amount": "24.50",
                "status": "created",
                "status_detail": "ready_to_process",
            }
        ]
    },
    "items": [
        {
            "title": "Smartphone",
            "unit_price": "24.50",
            "quantity": 1,
            "unit_measure": "kg",
            "external_code": "777489134",
            "external_categories": [{"id": None}],
        }
    ],
    "discounts": {
        "payment_methods": [{"new_total_amount": "47.28", "type": "account_money"}]
    },
    "type_response": {
        "qr_data": "00020101021243650016com.mercadolibre020130636261ba79b-e543-41c7-"
        "b71a-cec05c18e72b50120008326594305204970053030325802AR5904Test6004CABA"
        "63041094"
    },
}

ORDER_EXAMPLES = [
    {
        "id": "O2-create-static",
        "source": GUIDE,
        "request": CREATE_REQUEST,
        "mode": "static",
        "steps": ["create"],
        "status": (201,),
        "answer": CREATED_STATIC,
        "state": "pending",
    },
    {
        "id": "O3-create-dynamic",
        "source": GUIDE,
        "request": CREATE_REQUEST,
        "mode": "dynamic",
        "steps": ["create"],
        "status": (201,),
        "answer": CREATED_DYNAMIC,
        "state": "pending",
    },
    {
        "id": "O4-create-hybrid",
        "source": GUIDE,
        "request": CREATE_REQUEST,
        "mode": "hybrid",
        "steps": ["create"],
        "status": (201,),
        "answer": CREATED_HYBRID,
        "state": "pending",
    },
    {
        "id": "O5-cancel",
        "source": GUIDE + "; " + REF_CANCEL + " (status 200)",
        "request": CREATE_REQUEST,
        "mode": "static",
        "steps": ["create", "cancel"],
        "status": (200,),
        "answer": CANCELED,
        "state": "canceled",
    },
    {
        "id": "O6-get-canceled",
        "source": GUIDE,
        "request": CREATE_REQUEST,
        "mode": "static",
        "steps": ["create", "cancel", "get"],
        "status": (200,),
        "answer": GOT_CANCELED,
        "state": "canceled",
    },
    {
        "id": "O8-reference-create",
        "source": REF_CREATE + " (request and response examples)",
        "request": REFERENCE_REQUEST,
        "mode": "static",
        "steps": ["create"],
        "status": (201,),
        "answer": REFERENCE_RESPONSE,
        "state": "pending",
    },
]

# --- search (GET /v1/orders) ----------

SEARCH_EXAMPLES = [
    {
        "id": "S1-go-search",
        "source": "mercadopago/sdk-go resources/mocks/order/search_response.json "
        "(query begin_date/end_date: pkg/order/client_test.go)",
        "answer": {
            "data": [
                {
                    "id": "01JDNPJ7XJSV1YS2W3JXEJNQ8",
                    "status": "processed",
                    "status_detail": "accredited",
                    "total_amount": "100.00",
                    "currency": "BRL",
                }
            ],
            "paging": {"total": "1", "total_pages": "1", "offset": "0", "limit": "30"},
        },
        "item_keys": ["id", "status", "status_detail", "total_amount", "currency"],
        "paging_keys": ["total", "total_pages", "offset", "limit"],
    },
    {
        "id": "S2-node-search",
        "source": "mercadopago/sdk-nodejs src/clients/order/search/search.spec.ts and "
        "types.ts (begin_date and end_date required; page is 1-based)",
        "answer": {
            "data": [
                {
                    "id": "01JDNPJ7XJSV1YS2W3JXEJNQ8",
                    "status": "processed",
                    "status_detail": "accredited",
                    "total_amount": "100.00",
                    "currency": "BRL",
                }
            ],
            "paging": {"total": "1", "total_pages": "1", "offset": "0", "limit": "10"},
        },
        "item_keys": ["id", "status"],
        "paging_keys": ["total", "total_pages", "offset", "limit"],
    },
    {
        "id": "S3-php-java-search-integers",
        "source": "mercadopago/sdk-php tests/MercadoPago/Resources/Mocks/Response/"
        "Order/order_search.json; mercadopago/sdk-java order_search_response.json",
        "answer": {
            "data": [],
            "paging": {"total": 10, "total_pages": 2, "limit": 5, "offset": 0},
        },
        "item_keys": ["id", "status"],
        "paging_keys": ["total", "total_pages", "offset", "limit"],
    },
    {
        "id": "S4-python-search",
        "source": "mercadopago/sdk-python tests/resources/mocks/order_search.json",
        "answer": {"data": [], "paging": {"total": 1, "limit": 10, "offset": 0}},
        "item_keys": ["id", "status"],
        "paging_keys": ["total", "offset", "limit"],
    },
]

# --- refunds (POST /v1/orders/{id}/refund) ----------


def _refund_answer(order_id, status, detail, refund_id, txn, reference, amount):
    return {
        "id": order_id,
        "status": status,
        "status_detail": detail,
        "transactions": {
            "refunds": [
                {
                    "id": refund_id,
                    "transaction_id": txn,
                    "reference_id": reference,
                    "amount": amount,
                    "status": "processed",
                }
            ]
        },
    }


REFUND_EXAMPLES = [
    {
        "id": "R1-guide-total",
        "source": GUIDE + " (Reembolso total)",
        "order_total": "38.00",
        "amount": None,
        "status": (200, 201),
        "currency": "ARS",
        "answer": _refund_answer(
            "ORD0000ABCD222233334444555566",
            "refunded",
            "refunded",
            "REF01J67CQQH5904WDBVZEM1234D",
            "PAY01J67CQQH5904WDBVZEM4JMEP3",
            "12345678",
            "38.00",
        ),
    },
    {
        "id": "R2-guide-partial",
        "source": GUIDE + " (Reembolso parcial)",
        "order_total": "50.00",
        "amount": "24.90",
        "status": (200, 201),
        "currency": "ARS",
        "answer": _refund_answer(
            "ORD01J49MMW3SSBK5PSV3DFR32959",
            "processed",
            "partially_refunded",
            "REF01J49MMW3SSBK5PSV3DFR32959",
            "PAY01JEVQM06WDW16MAQ8B5SC0MSC",
            "12345678",
            "24.90",
        ),
    },
    {
        "id": "R3-php-total",
        "source": "mercadopago/sdk-php tests/MercadoPago/Resources/Mocks/Response/"
        "Order/order_refund_total.json (HTTP 201 in OrderClientUnitTest.php)",
        "order_total": "100.00",
        "amount": None,
        "status": (201,),
        "currency": "BRL",
        "answer": _refund_answer(
            "01JDWHNG2GR2WHGBMRFX126YBC",
            "refunded",
            "refunded",
            "ref_01JDWHPXYC42ESJ40V4D3SMHW1",
            "pay_01JDWHNG2GR2WHGBMRFY7HP5ZB",
            "01JDWHPX7WMAVAQG5546553QDW",
            "100.00",
        ),
    },
    {
        "id": "R4-php-partial",
        "source": "mercadopago/sdk-php tests/MercadoPago/Resources/Mocks/Response/"
        "Order/order_refund_partial.json (HTTP 201)",
        "order_total": "100.00",
        "amount": "25.00",
        "status": (201,),
        "currency": "BRL",
        "answer": _refund_answer(
            "01JDWMFW1WQK1YJR6SJFW7KND5",
            "processed",
            "partially_refunded",
            "ref_01JDWMHTXPBT4117BVGAWV29HG",
            "pay_01JDWMFW1WQK1YJR6SJHYTY0MY",
            "01JDWMHS78C51NMZ1J7V2MF8HM",
            "25.00",
        ),
    },
    {
        "id": "R5-java-total",
        "source": "mercadopago/sdk-java src/test/java/com/mercadopago/resources/mocks/"
        "response/order/create_refund_total_response.json (201 in OrderClientIT.java)",
        "order_total": "200.00",
        "amount": None,
        "status": (201,),
        "currency": "BRL",
        "answer": _refund_answer(
            "01JCK2RRKV10XVTEBJR598QH9Z",
            "refunded",
            "refunded",
            "ref_01JCK2SDVFSJGY54AMJCDR9X7R",
            "pay_01JCK2RRKV10XVTEBJR6W4CC18",
            "01JCK2SD3HC5GVDXSZK4926SAW",
            "200.00",
        ),
    },
    {
        "id": "R6-java-partial",
        "source": "mercadopago/sdk-java src/test/java/com/mercadopago/resources/mocks/"
        "response/order/create_refund_partial_response.json (201 in OrderClientIT)",
        "order_total": "300.00",
        "amount": "100.00",
        "status": (201,),
        "currency": "BRL",
        "answer": _refund_answer(
            "01JCK7NYARQB4J3RN0SX6SSB2C",
            "processed",
            "partially_refunded",
            "ref_01JCK7R5R73JCYXRCKFH7MJR9K",
            "pay_01JCK7NYARQB4J3RN0SX81MCPM",
            "01JCK7R50JP8NRMKC51R6B460C",
            "100.00",
        ),
    },
    {
        "id": "R7-node-total",
        "source": "mercadopago/sdk-nodejs src/clients/order/refund/refund.spec.ts "
        "(api_response.status 201)",
        "order_total": "100.00",
        "amount": None,
        "status": (201,),
        "currency": "BRL",
        "answer": _refund_answer(
            "01JE6EZVK4FGMM4AYVQF23K17B",
            "refunded",
            "refunded",
            "ref_01JE6F05C365ADF8JSJ3W92FJ5",
            "pay_01JE6EZVK4FGMM4AYVQGSGDG9W",
            "01JE6F04N2RE5KEAK4HYYPJ4AK",
            "100.00",
        ),
    },
    {
        "id": "R8-node-partial",
        "source": "mercadopago/sdk-nodejs src/clients/order/refund/refund.spec.ts "
        '(request {"transactions":[{"id":"pay_…","amount":"25.00"}]}, status 201)',
        "order_total": "100.00",
        "amount": "25.00",
        "status": (201,),
        "currency": "BRL",
        "answer": _refund_answer(
            "01JE6T2CWF7FDDD08HJNXBKM37",
            "processed",
            "partially_refunded",
            "ref_01JE6T3H34FJBXF8K70RAMFYA1",
            "pay_01JE6T2CWF7FDDD08HJS8DTAXR",
            "01JE6T3GB9RHDXXXAQX41864R6",
            "25.00",
        ),
    },
]

# The Point refund reference answers 200 where the SDK fixtures answer 201
# (https://www.mercadopago.com.br/developers/en/reference/in-person-payments/point/
# orders/refund-order/post): the client must accept both.
REFUND_STATUS_POINT = 200
