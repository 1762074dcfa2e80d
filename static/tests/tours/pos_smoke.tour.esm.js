import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import {registry} from "@web/core/registry";

// Opens the register with this module installed and completes one cash sale:
// proves the module's assets do not break the POS.
registry.category("web_tour.tours").add("pos_mercado_pago_qr_smoke", {
  steps: () =>
    [
      Chrome.startPoS(),
      Dialog.confirm("Open Register"),
      ProductScreen.addOrderline("Desk Pad"),
      ProductScreen.clickPayButton(),
      PaymentScreen.clickPaymentMethod("Cash"),
      PaymentScreen.clickValidate(),
      ReceiptScreen.isShown(),
      Chrome.endTour(),
    ].flat(),
});
