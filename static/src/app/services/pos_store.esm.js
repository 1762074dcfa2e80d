import {PosStore} from "@point_of_sale/app/services/pos_store";
import {patch} from "@web/core/utils/patch";

const CHANNEL = "MERCADO_PAGO_QR";

patch(PosStore.prototype, {
  async setup() {
    await super.setup(...arguments);
    // The bus carries ids only: the terminal asks the server what happened.
    this.data.connectWebSocket(CHANNEL, (payload) => {
      for (const terminal of this._mercadoPagoQrTerminals()) {
        terminal.onServerHint(payload);
      }
    });
    // After a reload: the server says which lines of the open orders have a
    // QR order, even lines the browser had not saved yet.
    const orders = this.models["pos.order"].filter(
      (order) => !order.finalized && order.lines.length
    );
    if (orders.length) {
      for (const terminal of this._mercadoPagoQrTerminals()) {
        terminal.recoverOrders(orders);
      }
    }
  },

  _mercadoPagoQrTerminals() {
    return this.models["pos.payment.method"]
      .filter((method) => method.use_payment_terminal === "mercado_pago_qr")
      .map((method) => method.payment_terminal)
      .filter(Boolean);
  },
});
