import {PosStore} from "@point_of_sale/app/services/pos_store";
import {patch} from "@web/core/utils/patch";

const CHANNEL = "MERCADO_PAGO_QR";
const WAITING = ["waiting", "waitingCard", "waitingCancel"];

patch(PosStore.prototype, {
  async setup() {
    await super.setup(...arguments);
    // The bus carries ids only: the terminal asks the server what happened.
    this.data.connectWebSocket(CHANNEL, (payload) => {
      for (const terminal of this._mercadoPagoQrTerminals()) {
        terminal.onServerHint(payload);
      }
    });
    this._mercadoPagoQrRecover();
  },

  _mercadoPagoQrTerminals() {
    return this.models["pos.payment.method"]
      .filter((method) => method.use_payment_terminal === "mercado_pago_qr")
      .map((method) => method.payment_terminal)
      .filter(Boolean);
  },

  /** Lines that were waiting when the page was reloaded or the browser died. */
  _mercadoPagoQrRecover() {
    for (const line of this.models["pos.payment"].getAll()) {
      if (
        line.payment_method_id?.use_payment_terminal === "mercado_pago_qr" &&
        WAITING.includes(line.payment_status) &&
        line.payment_method_id.payment_terminal
      ) {
        line.payment_method_id.payment_terminal.recover(line);
      }
    }
  },
});
