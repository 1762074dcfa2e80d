# A benchmark-only companion addon: the "floor" route that the figures of
# pos_mercado_pago_qr are compared with. Never installed in production.
{
    "name": "POS Mercado Pago QR: benchmark floor",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "license": "LGPL-3",
    "author": "pos_mercado_pago_qr authors",
    "website": "https://github.com/pos-mercado-pago-qr/pos_mercado_pago_qr",
    "depends": ["bus"],
    "data": ["security/ir.model.access.csv"],
}
