import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import {registry} from "@web/core/registry";

// The POS opens with a configured Mercado Pago QR method offered on the
// payment screen.
registry.category("web_tour.tours").add("pos_mercado_pago_qr_method_available", {
  steps: () =>
    [
      Chrome.startPoS(),
      Dialog.confirm("Open Register"),
      ProductScreen.addOrderline("Desk Pad"),
      ProductScreen.clickPayButton(),
      {
        content: "Mercado Pago QR is offered",
        trigger: ".paymentmethods .paymentmethod:contains('Mercado Pago QR')",
      },
      PaymentScreen.clickPaymentMethod("Cash"),
      PaymentScreen.clickValidate(),
      Chrome.endTour(),
    ].flat(),
});
