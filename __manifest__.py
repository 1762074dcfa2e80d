# Copyright 2026 The pos_mercado_pago_qr authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "POS Mercado Pago QR",
    "summary": "Charge in the Point of Sale with Mercado Pago's QR (attended model)",
    "version": "19.0.1.0.0",
    "category": "Sales/Point of Sale",
    "website": "https://github.com/pos-mercado-pago-qr/pos_mercado_pago_qr",
    "author": "pos_mercado_pago_qr authors",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["point_of_sale", "mail"],
    "external_dependencies": {"python": ["requests", "qrcode"]},
    "data": [
        "security/ir.model.access.csv",
        "security/mercado_pago_qr_security.xml",
        "data/ir_cron.xml",
        "data/product.xml",
        "views/mercado_pago_qr_account_views.xml",
        "views/mercado_pago_qr_store_views.xml",
        "views/mercado_pago_qr_cashbox_views.xml",
        "views/pos_payment_method_views.xml",
        "views/mercado_pago_qr_attempt_views.xml",
        "views/mercado_pago_qr_release_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "pos_mercado_pago_qr/static/src/**/*",
        ],
        "web.assets_tests": [
            "pos_mercado_pago_qr/static/tests/tours/**/*",
        ],
    },
}
