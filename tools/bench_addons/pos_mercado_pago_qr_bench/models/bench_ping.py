from odoo import fields, models


class BenchPing(models.Model):
    _name = "pos.mercado.pago.qr.bench.ping"
    _description = "Benchmark floor: one row per request"

    sent_at = fields.Float()
