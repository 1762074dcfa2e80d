from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosLoadsWithModule(TestPointOfSaleHttpCommon):
    """The POS opens, sells and prints a receipt with this module's assets loaded."""

    def test_tour_pos_opens_and_sells(self):
        self.start_pos_tour("pos_mercado_pago_qr_smoke")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
