from odoo import http
from odoo.http import request


class BenchFloor(http.Controller):
    @http.route(
        "/pos_mercado_pago_qr_bench/ping",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def ping(self, **_kwargs):
        """The floor: write one row, send one bus message, answer."""
        ping = request.env["pos.mercado.pago.qr.bench.ping"].sudo().create({})
        request.env["bus.bus"]._sendone("pos_mercado_pago_qr_bench", "PING", ping.id)
        return request.make_response(str(ping.id))
