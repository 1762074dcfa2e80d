import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";
import {patch} from "@web/core/utils/patch";

patch(PaymentScreen.prototype, {
  async sendForceDone(line) {
    if (line.payment_method_id.use_payment_terminal !== "mercado_pago_qr") {
      return super.sendForceDone(...arguments);
    }
    // The server re-checks Mercado Pago first and records who forced.
    const terminal = line.payment_method_id.payment_terminal;
    if (await terminal.forceDone(line)) {
      return super.sendForceDone(...arguments);
    }
  },
});
