import {Component, onWillDestroy, useState} from "@odoo/owl";
import {Dialog} from "@web/core/dialog/dialog";

/**
 * What the cashier sees while the customer pays: the QR to scan, the amount, a
 * countdown to the order's expiry and a Cancel button.
 */
export class MercadoPagoQrWaitingDialog extends Component {
  static template = "pos_mercado_pago_qr.QrWaitingDialog";
  static components = {Dialog};
  static props = {
    state: Object,
    amount: String,
    onCancel: Function,
    close: Function,
  };

  setup() {
    this.state = useState(this.props.state);
    this.clock = useState({now: Date.now()});
    const timer = setInterval(() => {
      this.clock.now = Date.now();
    }, 1000);
    onWillDestroy(() => clearInterval(timer));
  }

  get attempt() {
    return this.state.attempt;
  }

  get countdown() {
    const expires = this.attempt.expires_at && Date.parse(this.attempt.expires_at);
    if (!expires) {
      return "";
    }
    const seconds = Math.max(0, Math.round((expires - this.clock.now) / 1000));
    const minutes = Math.floor(seconds / 60);
    return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
  }
}
