"""Published notification bodies (W1-W8) and x-signature vectors."""

QR_NOTIF = (
    "https://www.mercadopago.com.br/developers/pt/docs/qr-code/notifications "
    "(Configurar notificações)"
)
POINT_NOTIF = "https://www.mercadopago.com.mx/developers/es/docs/mp-point/notifications"
WEBHOOKS = (
    "https://www.mercadopago.com.br/developers/pt/docs/your-integrations/"
    "notifications/webhooks"
)


def _order_event(action, data, date, user_id="1403498245", live_mode=False):
    return {
        "action": action,
        "api_version": "v1",
        "application_id": "7364289770550796",
        "data": data,
        "date_created": date,
        "live_mode": live_mode,
        "type": "order",
        "user_id": user_id,
    }


W1 = _order_event(
    "order.processed",
    {
        "external_reference": "ER_123456",
        "id": "ORD01JV3AW3NFSTSTB669F41NACDX",
        "status": "processed",
        "status_detail": "accredited",
        "total_amount": "30.00",
        "total_paid_amount": "30.00",
        "transactions": {
            "payments": [
                {
                    "amount": "30.00",
                    "id": "PAY01JV3AW3NFSTSTB669F4JSAA6C",
                    "paid_amount": "30.00",
                    "payment_method": {
                        "id": "account_money",
                        "installments": 1,
                        "type": "account_money",
                    },
                    "reference": {"id": "92937960454"},
                    "status": "processed",
                    "status_detail": "accredited",
                }
            ]
        },
        "type": "qr",
        "version": 2,
    },
    "2025-05-12T22:46:59.635090485Z",
)
W2 = _order_event(
    "order.expired",
    {
        "external_reference": "ER_123456",
        "id": "ORD01JV391F8YM8EDEAG8CWZ0GM0N",
        "status": "expired",
        "status_detail": "expired",
        "total_amount": "30.00",
        "type": "qr",
        "version": 2,
    },
    "2025-05-12T22:29:56.694526977Z",
)
W3 = _order_event(
    "order.canceled",
    {
        "external_reference": "ER_123456",
        "id": "ORD01JV3AW2C31TE7FY2C4VHTJKB2",
        "status": "canceled",
        "status_detail": "canceled",
        "total_amount": "30.00",
        "type": "qr",
        "version": 2,
    },
    "2025-05-12T22:46:57.697535027Z",
)
W4 = _order_event(
    "order.refunded",
    {
        "external_reference": "ER_123456",
        "id": "ORD01JV3AW7R6WME2XT0KZRX7HVS6",
        "status": "refunded",
        "status_detail": "refunded",
        "total_amount": "30.00",
        "total_paid_amount": "30.00",
        "type": "qr",
        "version": 3,
    },
    "2025-05-12T22:47:05.813331521Z",
)
# W5: the signed delivery both pages use to explain x-signature.
W5 = {
    "action": "order.action_required",
    "api_version": "v1",
    "application_id": "76506430185983",
    "date_created": "2021-11-01T02:02:02Z",
    "id": "123456",
    "live_mode": False,
    "type": "order",
    "user_id": 2025701502,
    "data": {"id": "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3"},
}
W5_QUERY = {"data.id": "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", "type": "order"}
W5_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "restclient-node/4.15.3",
    "X-Request-Id": "2066ca19-c6f1-498a-be75-1923005edd06",
    "X-Retry": "0",
    "X-Signature": "ts=1742505638683,"
    "v1=ced36ab6d33566bb1e16c125819b8d840d6b8ef136b0b9127c76064466f5229b",
    "X-Socket-Timeout": "22000",
}
W6 = _order_event(
    "order.processed",
    {
        "external_reference": "ext_ref_1235",
        "id": "ORD01JYH1Z1YJN4HZ8J3Q0RB3YP6D",
        "status": "processed",
        "status_detail": "accredited",
        "total_paid_amount": "120",
        "transactions": {
            "payments": [
                {
                    "amount": "120",
                    "id": "PAY01K22Y503EJ8JHGF64KGY1PZ2B",
                    "paid_amount": "120",
                    "payment_method": {
                        "id": "debvisa",
                        "installments": 1,
                        "type": "debit_card",
                    },
                    "reference": {"id": "123456789980"},
                    "status": "processed",
                    "status_detail": "accredited",
                }
            ]
        },
        "type": "point",
        "version": 3,
    },
    "2025-08-07T18:54:40.851374414Z",
    user_id="123456",
    live_mode=True,
)
W6["application_id"] = "123456"
W7 = {
    "action": "payment.updated",
    "api_version": "v1",
    "data": {"id": "123456"},
    "date_created": "2021-11-01T02:02:02Z",
    "id": "123456",
    "live_mode": False,
    "type": "payment",
    "user_id": 724484980,
}
W8 = {
    "action": "update",
    "application_id": "7910800073137785",
    "data": {"currency_id": "", "marketplace": "NONE", "status": "closed"},
    "date_created": "2024-10-06T17:42:13.510-04:00",
    "id": "23603350837",
    "live_mode": False,
    "status": "closed",
    "type": "topic_merchant_order_wh",
    "user_id": 2012037660,
    "version": 1,
}

# "expect" is the client's reading; "state" what state_from_order makes of data.
NOTIFICATION_EXAMPLES = [
    {
        "id": "W1-qr-order-processed",
        "source": QR_NOTIF + ' (tab "Procesada")',
        "body": W1,
        "query": {"data.id": W1["data"]["id"], "type": "order"},
        "expect": {"kind": "order", "version": 2},
        "state": {"status": "paid", "paid": "30.00", "operation": "92937960454"},
    },
    {
        "id": "W2-qr-order-expired",
        "source": QR_NOTIF + ' (tab "Expirada")',
        "body": W2,
        "query": {"data.id": W2["data"]["id"], "type": "order"},
        "expect": {"kind": "order", "version": 2},
        "state": {"status": "expired", "paid": None, "operation": None},
    },
    {
        "id": "W3-qr-order-canceled",
        "source": QR_NOTIF + ' (tab "Cancelada")',
        "body": W3,
        "query": {"data.id": W3["data"]["id"], "type": "order"},
        "expect": {"kind": "order", "version": 2},
        "state": {"status": "canceled", "paid": None, "operation": None},
    },
    {
        "id": "W4-qr-order-refunded",
        "source": QR_NOTIF + ' (tab "Reembolsada")',
        "body": W4,
        "query": {"data.id": W4["data"]["id"], "type": "order"},
        "expect": {"kind": "order", "version": 3},
        "state": {"status": "refunded", "paid": "30.00", "operation": None},
    },
    {
        "id": "W5-signed-delivery",
        "source": QR_NOTIF + "; " + POINT_NOTIF + " (same example)",
        "body": W5,
        "query": W5_QUERY,
        "headers": W5_HEADERS,
        "expect": {"kind": "order"},
        "state": None,
    },
    {
        "id": "W6-point-order-processed",
        "source": POINT_NOTIF,
        "body": W6,
        "query": {"data.id": W6["data"]["id"], "type": "order"},
        "expect": {"kind": "order", "version": 3},
        "state": {"status": "paid", "paid": "120", "operation": "123456789980"},
    },
    {
        "id": "W7-payment-webhook",
        "source": WEBHOOKS + " (mercadopago/devsite-docs webhooks page, pt)",
        "body": W7,
        "query": {"data.id": "123456", "type": "payment"},
        "headers": {
            "x-request-id": "bb56a2f1-6aae-46ac-982e-9dcd3581d08e",
            "x-signature": W5_HEADERS["X-Signature"],
        },
        "expect": {"kind": "payment"},
        "state": None,
    },
    {
        "id": "W8-merchant-order-webhook",
        "source": "third-party capture of a real delivery (public C# controller "
        "comment); Mercado Pago publishes no merchant_order webhook body",
        "body": W8,
        "query": {},
        "expect": {"kind": "merchant_order"},
        "state": None,
    },
]

# --- x-signature vectors ------------------------------------------------------

SDK_VECTORS = (
    "mercadopago/sdk-python tests/test_webhook_signature_validator.py; "
    "mercadopago/sdk-go pkg/webhook/webhook_test.go; mercadopago/sdk-php "
    "tests/MercadoPago/Webhook/Unit/WebhookSignatureValidatorUnitTest.php; "
    "mercadopago/sdk-java src/test/java/com/mercadopago/webhook/"
    "WebhookSignatureValidatorTest.java"
)
SECRET = "your_secret_key_here"
REQUEST_ID = "2066ca19-c6f1-498a-be75-1923005edd06"
DATA_ID_RAW = "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3"
DATA_ID_LOW = "ord01jq4s4ky8hwq6na5pxb65b3d3"
TS = "1742505638683"

V1_LOWER = "633f91233312dd391ec75fa0bea539cfc2d6c4918873305b84a96cc1c58db71c"
V1_RAW = "fb15ae6472eb449173c556793205d77787d58f384d183bb5bc3b724c27bd103c"

SIGNATURE_VECTORS = [
    {
        "id": "SIG1-happy-path-lowercase",
        "source": SDK_VECTORS,
        "data_id": DATA_ID_LOW,
        "request_id": REQUEST_ID,
        "manifest": f"id:{DATA_ID_LOW};request-id:{REQUEST_ID};ts:{TS};",
        "v1": V1_LOWER,
    },
    {
        "id": "SIG2-docs-rule-uppercase-query-lowercased",
        "source": QR_NOTIF + ' ("será necessário enviá-lo em letra minúscula")',
        "data_id": DATA_ID_RAW,
        "request_id": REQUEST_ID,
        "manifest": f"id:{DATA_ID_LOW};request-id:{REQUEST_ID};ts:{TS};",
        "v1": V1_LOWER,
    },
    {
        "id": "SIG3-sdk-rule-uppercase-preserved",
        "source": SDK_VECTORS + " (uppercase_dataid_is_preserved; sdk-python PR #118)",
        "data_id": DATA_ID_RAW,
        "request_id": REQUEST_ID,
        "manifest": f"id:{DATA_ID_RAW};request-id:{REQUEST_ID};ts:{TS};",
        "v1": V1_RAW,
    },
    {
        "id": "SIG4-data-id-absent",
        "source": SDK_VECTORS + " (dataid_absent_excludes_id_pair)",
        "data_id": None,
        "request_id": REQUEST_ID,
        "manifest": f"request-id:{REQUEST_ID};ts:{TS};",
        "v1": "8a7b0cc777a8217c3bab41a50c95dc92debbc6f8448f1c967dfe10ac1cb8b894",
    },
    {
        "id": "SIG5-request-id-absent",
        "source": SDK_VECTORS + " (request_id_absent_excludes_request_id_pair)",
        "data_id": DATA_ID_LOW,
        "request_id": None,
        "manifest": f"id:{DATA_ID_LOW};ts:{TS};",
        "v1": "a20c44820ab71562e89a7c9f64d5636efc8beba587b16c2f9bbbc3504892741a",
    },
    {
        "id": "SIG6-both-blank-ts-only",
        "source": SDK_VECTORS + ' (both_absent_yields_ts_only: data.id "  ", '
        'request-id "")',
        "data_id": "  ",
        "request_id": "",
        "manifest": f"ts:{TS};",
        "v1": "3f075add3ddb923bebf0bc0648457b8244cf4420b98d5b445167d379bec0ca54",
    },
    {
        "id": "SIG7-non-payment-topic",
        "source": SDK_VECTORS + " (non_payment_topic_uses_same_algorithm)",
        "data_id": "ord01abc123",
        "request_id": REQUEST_ID,
        "manifest": f"id:ord01abc123;request-id:{REQUEST_ID};ts:{TS};",
        "v1": "f37a2a610d68238b58b97b4107b9d0f0ebba14a6fe31bbed9fbd7a6ffc540e4d",
    },
    {
        "id": "SIG8-unknown-v2-ignored",
        "source": SDK_VECTORS + " (ts=...,v1=<valid>,v2=aaaa passes)",
        "data_id": DATA_ID_LOW,
        "request_id": REQUEST_ID,
        "manifest": f"id:{DATA_ID_LOW};request-id:{REQUEST_ID};ts:{TS};",
        "v1": V1_LOWER,
        "header": f"ts={TS},v1={V1_LOWER},v2=aaaa",
    },
]

# Refused in every SDK test suite; "reason" is the client's word for it.
SIGNATURE_REFUSALS = [
    {"id": "NEG1-garbage", "header": "this-is-garbage", "reason": "malformed"},
    {"id": "NEG2-missing", "header": None, "reason": "missing"},
    {"id": "NEG3-no-ts", "header": f"v1={V1_LOWER}", "reason": "malformed"},
    {"id": "NEG4-no-v1", "header": f"ts={TS}", "reason": "malformed"},
    {
        "id": "NEG5-tampered",
        "header": f"ts={TS},v1={V1_LOWER[:-2]}00",
        "reason": "mismatch",
    },
    {"id": "NEG6-v2-only", "header": f"ts={TS},v2=somehash", "reason": "malformed"},
    {
        "id": "NEG7-published-header-unknown-secret",
        "header": W5_HEADERS["X-Signature"],
        "reason": "mismatch",
    },
]
