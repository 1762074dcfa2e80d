from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosLoadsWithModule(TestPointOfSaleHttpCommon):
    """The POS opens, sells and prints a receipt with this module's assets loaded."""

    def test_module_installed(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "pos_mercado_pago_qr")]
        )
        self.assertEqual(module.state, "installed")

    def test_pos_bundle_contains_module_assets(self):
        # The POS bundle must never carry our tours (they belong to web.assets_tests).
        files = (
            self.env["ir.qweb"]
            ._get_asset_bundle("point_of_sale.assets_prod", js=True, css=False)
            .files
        )
        paths = [f["url"] for f in files]
        self.assertTrue(any("/point_of_sale/static/src/" in p for p in paths))
        self.assertFalse(any("/pos_mercado_pago_qr/static/tests/" in p for p in paths))

    def test_tour_pos_opens_and_sells(self):
        self.start_pos_tour("pos_mercado_pago_qr_smoke")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
