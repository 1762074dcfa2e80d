"""Mercado Pago QR (attended model) client: pure Python, no Odoo import."""
