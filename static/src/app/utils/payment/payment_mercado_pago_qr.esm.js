import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {MercadoPagoQrWaitingDialog} from "@pos_mercado_pago_qr/app/components/qr_waiting_dialog/qr_waiting_dialog.esm";
import {PaymentInterface} from "@point_of_sale/app/utils/payment/payment_interface";
import {_t} from "@web/core/l10n/translation";
import {reactive} from "@odoo/owl";
import {register_payment_method} from "@point_of_sale/app/services/pos_store";

// The server is asked for news this often while a line waits; the bus makes
// most answers arrive sooner. The server decides when to re-read Mercado Pago.
const POLL_MS = 2000;
// A POS line's statuses while its terminal has the customer.
const WAITING = ["waiting", "waitingCard", "waitingCancel"];
const RECOVER_TRIES = 5;

/**
 * Mercado Pago QR (attended model). The browser never decides a payment: it
 * asks the server to charge a line, then asks the server for news until the
 * server has re-read the order from Mercado Pago.
 */
export class PaymentMercadoPagoQr extends PaymentInterface {
  setup() {
    super.setup(...arguments);
    // Payment line uuid -> what waits for it.
    this.waiters = {};
  }

  get fastPayments() {
    return false;
  }

  async sendPaymentRequest(uuid) {
    await super.sendPaymentRequest(...arguments);
    const line = this.pos.getOrder()?.payment_ids.find((l) => l.uuid === uuid);
    if (!line) {
      return false;
    }
    if (line.amount < 0) {
      return this._refund(line);
    }
    if (line.amount === 0) {
      return false;
    }
    line.setPaymentStatus("waitingCard");
    let attempt = null;
    try {
      attempt = await this._call("mp_qr_start", [this._payload(line)]);
    } catch (error) {
      this._alert(this._errorText(error));
      return false;
    }
    return new Promise((resolve) => this._wait(line, attempt, resolve));
  }

  async sendPaymentCancel(order, uuid) {
    await super.sendPaymentCancel(...arguments);
    const waiter = this.waiters[uuid];
    if (!waiter) {
      return true;
    }
    let attempt = null;
    try {
      attempt = await this._call("mp_qr_cancel", [
        waiter.state.attempt.id,
        this._session(),
      ]);
    } catch (error) {
      this._alert(this._errorText(error));
      return false;
    }
    if (attempt.paid) {
      // The customer was faster: the line turns done, after the payment
      // screen has put it back to waiting.
      setTimeout(() => this._settle(uuid, attempt), 0);
      return false;
    }
    if (attempt.open) {
      this._update(waiter, attempt);
      return false;
    }
    this._settle(uuid, attempt, {silent: true});
    return true;
  }

  /**
   * A refund line: the refund order is saved first, then the server reads the
   * line, its amount and the original Mercado Pago payment from it and refunds
   * (no customer to wait for).
   */
  async _refund(line) {
    const order = line.pos_order_id;
    if (!order.lines.some((l) => l.refunded_orderline_id)) {
      this._alert(_t("Only the refund of an order paid by QR can go back by QR."));
      return false;
    }
    line.setPaymentStatus("waitingCard");
    let result = null;
    try {
      await this.pos.syncAllOrders({orders: [order], throw: true});
      result = await this._call("mp_qr_refund", [
        {session_id: this._session(), line_uuid: line.uuid},
      ]);
    } catch (error) {
      this._alert(this._errorText(error));
      return false;
    }
    if (result.state === "done" || result.state === "pending") {
      line.transaction_id = result.mp_refund_ids || "";
      return true;
    }
    this._alert(result.message);
    return false;
  }

  /** The waiting dialog's Cancel, like the payment screen's. */
  async cancelFromDialog(uuid) {
    const waiter = this.waiters[uuid];
    if (!waiter) {
      return;
    }
    const line = waiter.line;
    line.setPaymentStatus("waitingCancel");
    const cancelled = await this.sendPaymentCancel(line.pos_order_id, uuid);
    if (cancelled) {
      line.setPaymentStatus("retry");
      this.pos.paymentTerminalInProgress = false;
    } else if (!line.isDone()) {
      line.setPaymentStatus("waitingCard");
    }
  }

  /** Odoo's Force done: the server re-checks Mercado Pago and records it. */
  async forceDone(line) {
    const waiter = this.waiters[line.uuid];
    let attempt = waiter?.state.attempt;
    try {
      attempt ||= await this._call("mp_qr_find", [line.uuid, this._session()]);
      if (attempt && !attempt.paid) {
        attempt = await this._call("mp_qr_force_done", [attempt.id, this._session()]);
      }
    } catch (error) {
      this._alert(this._errorText(error));
      return false;
    }
    if (!attempt || !attempt.paid) {
      this._alert(attempt ? attempt.message : _t("No Mercado Pago QR order found."));
      return false;
    }
    if (waiter) {
      this._settle(line.uuid, attempt);
      return false;
    }
    this._setPaid(line, attempt);
    return true;
  }

  /** A bus hint (ids only): ask the server now instead of at the next tick. */
  onServerHint(payload) {
    if (payload && this.waiters[payload.line_uuid]) {
      this._refresh(payload.line_uuid);
    }
  }

  /**
   * After a reload: the server's attempts for these orders' lines. A line the
   * browser had not saved yet (a reload right after Send) is put back, so a
   * paid QR order is never hidden from the cashier.
   */
  async recoverOrders(orders, tries = 0) {
    let attempts = null;
    try {
      attempts = await this._call("mp_qr_recover", [
        orders.map((order) => order.uuid),
        this._session(),
      ]);
    } catch {
      // The server is out of reach: ask again, a few times, more slowly.
      if (tries < RECOVER_TRIES) {
        setTimeout(() => this.recoverOrders(orders, tries + 1), POLL_MS * (tries + 1));
      }
      return;
    }
    const byLine = new Map(attempts.map((attempt) => [attempt.line_uuid, attempt]));
    const mine = (line) =>
      line.payment_method_id?.id === this.payment_method_id.id && line.amount > 0;
    for (const line of orders.flatMap((order) => order.payment_ids).filter(mine)) {
      this._recoverLine(line, byLine.get(line.uuid));
      byLine.delete(line.uuid);
    }
    // Lines the browser lost: put back those the customer may pay or paid.
    for (const attempt of byLine.values()) {
      const order = orders.find((o) => o.uuid === attempt.order_uuid);
      if (order && !attempt.consumed && (attempt.open || attempt.paid)) {
        this._resume(this._restoreLine(order, attempt), attempt);
      }
    }
  }

  _recoverLine(line, attempt) {
    if (line.isDone()) {
      return;
    }
    const waiting = WAITING.includes(line.payment_status);
    if (attempt && (waiting || attempt.open || attempt.paid)) {
      // Still open, paid, or closed unpaid while the page was away (the
      // cashier is told why): the line takes the server's word.
      this._resume(line, attempt);
    } else if (waiting) {
      // Send never reached the server: nothing was charged.
      line.setPaymentStatus("retry");
    }
  }

  _restoreLine(order, attempt) {
    const line = this.pos.models["pos.payment"].create({
      uuid: attempt.line_uuid,
      pos_order_id: order,
      payment_method_id: this.payment_method_id,
      // The server's amount, already rounded to the currency.
      amount: parseFloat(attempt.amount),
    });
    // The payment screen shows the status of the selected line only.
    order.selectPaymentline(line);
    return line;
  }

  _resume(line, attempt) {
    if (this.waiters[line.uuid]) {
      return;
    }
    line.setPaymentStatus("waitingCard");
    this._wait(line, attempt, (paid) => line.handlePaymentResponse(paid));
  }

  // -- internals ----------------------------------------------------------

  _wait(line, attempt, resolve) {
    const state = reactive({attempt});
    const waiter = {line, state, resolve, busy: false};
    this.waiters[line.uuid] = waiter;
    waiter.timer = setInterval(() => this._refresh(line.uuid), POLL_MS);
    waiter.closeDialog = this.env.services.dialog.add(MercadoPagoQrWaitingDialog, {
      state,
      amount: this.env.utils.formatCurrency(line.amount),
      onCancel: () => this.cancelFromDialog(line.uuid),
    });
    this._update(waiter, attempt);
  }

  async _refresh(uuid) {
    const waiter = this.waiters[uuid];
    if (!waiter || waiter.busy) {
      return;
    }
    waiter.busy = true;
    try {
      const attempt = await this._call("mp_qr_status", [
        waiter.state.attempt.id,
        this._session(),
      ]);
      this._update(waiter, attempt);
    } catch {
      // Connection trouble: the next tick asks again.
    } finally {
      waiter.busy = false;
    }
  }

  _update(waiter, attempt) {
    // Images come with the first answer only; keep them.
    waiter.state.attempt = {...waiter.state.attempt, ...attempt};
    const line = waiter.line;
    if (attempt.open) {
      const image = waiter.state.attempt.qr_image;
      if (image && !line.qrPaymentData) {
        // The customer display shows it (CustomerFacingQR).
        line.qrPaymentData = {
          name: this.payment_method_id.name,
          amount: this.env.utils.formatCurrency(line.amount),
          qrCode: image,
        };
      }
      return;
    }
    this._settle(line.uuid, waiter.state.attempt);
  }

  _settle(uuid, attempt, {silent = false} = {}) {
    const waiter = this.waiters[uuid];
    if (!waiter) {
      return;
    }
    delete this.waiters[uuid];
    clearInterval(waiter.timer);
    waiter.closeDialog();
    const line = waiter.line;
    line.qrPaymentData = null;
    if (attempt.paid) {
      this._setPaid(line, attempt);
      waiter.resolve(true);
      return;
    }
    if (!silent && attempt.message) {
      this._alert(attempt.message);
    }
    waiter.resolve(false);
  }

  _setPaid(line, attempt) {
    line.transaction_id = attempt.operation_number || attempt.mp_payment_id || "";
    line.mp_qr_operation_number = attempt.operation_number || "";
  }

  _payload(line) {
    const order = line.pos_order_id;
    return {
      session_id: this._session(),
      order_uuid: order.uuid,
      line_uuid: line.uuid,
      // The server rounds to Mercado Pago's decimals for the currency.
      amount: String(line.amount),
      lines: order.lines.map((orderLine) => ({
        product_id: orderLine.product_id.id,
        qty: String(orderLine.qty),
        price_subtotal_incl: String(orderLine.price_subtotal_incl),
      })),
    };
  }

  /** Every question names the till's session: attempts are scoped to it. */
  _session() {
    return this.pos.session.id;
  }

  _call(method, args) {
    // Silent: errors are shown by this class, in the cashier's words.
    return this.env.services.orm.silent.call("pos.payment.method", method, [
      [this.payment_method_id.id],
      ...args,
    ]);
  }

  _errorText(error) {
    return (
      error?.data?.message ||
      _t("The server could not be reached. Nothing was charged: try again.")
    );
  }

  _alert(body) {
    this.env.services.dialog.add(AlertDialog, {
      title: _t("Mercado Pago QR"),
      body,
    });
  }
}

register_payment_method("mercado_pago_qr", PaymentMercadoPagoQr);
