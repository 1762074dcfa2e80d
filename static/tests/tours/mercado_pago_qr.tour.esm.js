import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/pos/tours/utils/ticket_screen_util";
import {registry} from "@web/core/registry";

// The customer is played by the Python test (a thread paying through the
// Mercado Pago emulator); these tours are the cashier.

function startSale() {
  return [
    Chrome.startPoS(),
    Dialog.confirm("Open Register"),
    ProductScreen.addOrderline("Desk Pad"),
    ProductScreen.clickPayButton(),
    PaymentScreen.clickPaymentMethod("Mercado Pago QR"),
  ];
}

function send() {
  return {
    content: "send the QR payment request",
    trigger: ".paymentline .send_payment_request",
    run: "click",
  };
}

function waitingDialog() {
  return [
    {
      content: "the waiting screen shows the QR, amount and countdown",
      trigger: ".o_mp_qr_waiting img.o_mp_qr_image",
    },
    {trigger: ".o_mp_qr_waiting .o_mp_qr_amount"},
    {trigger: ".o_mp_qr_waiting .o_mp_qr_countdown"},
  ];
}

function paidAndReceipt() {
  // The POS validates the order by itself once the terminal line is done
  // (auto_validate_terminal_payment), which needs the server's "paid".
  return [
    ReceiptScreen.isShown(),
    {
      content: "the receipt shows Mercado Pago's operation number",
      trigger: ".pos-receipt .o_mp_qr_operation",
    },
  ];
}

function alertSays(text) {
  return [
    {
      content: `the cashier is told: ${text}`,
      trigger: `.modal-body:contains('${text}')`,
    },
    Dialog.confirm(),
  ];
}

const tours = {
  pos_mp_qr_paid: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    ...paidAndReceipt(),
  ],
  pos_mp_qr_amount_refused: () => [
    ...startSale(),
    send(),
    // Mercado Pago charges this currency in whole units: nothing is sent.
    ...alertSays("cannot charge"),
    {
      content: "the line can be changed or paid another way",
      trigger: ".paymentline .electronic_status:contains('Transaction cancelled')",
    },
    {trigger: "body:not(:has(.o_mp_qr_waiting))"},
  ],
  pos_mp_qr_refund: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    ...paidAndReceipt(),
    ReceiptScreen.clickNextOrder(),
    ...ProductScreen.clickRefund(),
    TicketScreen.selectOrder("001"),
    ProductScreen.clickNumpad("1"),
    TicketScreen.confirmRefund(),
    PaymentScreen.isShown(),
    PaymentScreen.clickPaymentMethod("Mercado Pago QR"),
    {
      // No customer to wait for: the refund order is saved, then refunded.
      content: "send the QR refund request",
      trigger: ".send_refund_request",
      run: "click",
    },
    ReceiptScreen.isShown(),
  ],
  pos_mp_qr_rejected_then_paid: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    ...alertSays("rejected"),
    {
      content: "the line can be retried",
      trigger: ".paymentline .electronic_status:contains('Transaction cancelled')",
    },
    send(),
    ...waitingDialog(),
    ...paidAndReceipt(),
  ],
  pos_mp_qr_cancelled: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    {
      content: "the cashier cancels from the waiting screen",
      trigger: ".modal .o_mp_qr_cancel",
      run: "click",
    },
    {
      content: "the line can be retried",
      trigger: ".paymentline .electronic_status:contains('Transaction cancelled')",
    },
    {trigger: "body:not(:has(.o_mp_qr_waiting))"},
  ],
  pos_mp_qr_cancel_race: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    {
      content: "let the customer pay (its notification is lost)",
      trigger: "body",
      run: () => new Promise((resolve) => setTimeout(resolve, 3500)),
    },
    {trigger: ".modal .o_mp_qr_cancel", run: "click"},
    ...paidAndReceipt(),
  ],
  pos_mp_qr_expired: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    ...alertSays("expired"),
    {
      trigger: ".paymentline .electronic_status:contains('Transaction cancelled')",
    },
  ],
  pos_mp_qr_reload_unsaved: () => [
    Chrome.startPoS(),
    Dialog.confirm("Open Register"),
    ProductScreen.addOrderline("Desk Pad"),
    ProductScreen.clickPayButton(),
    {
      // The POS saves its lines to the browser's storage a moment after they
      // change; a reload right after Send comes back without the line.
      content: "the browser will not save the payment line nor its selection",
      trigger: "body",
      run: async () => {
        const data = window.posmodel.data;
        // Saved so far: the order and its product line.
        await data.synchronizeLocalDataInIndexedDB();
        const db = data.indexedDB;
        const create = db.create.bind(db);
        db.create = (model, records) =>
          ["pos.payment", "pos.order"].includes(model)
            ? Promise.resolve()
            : create(model, records);
      },
    },
    PaymentScreen.clickPaymentMethod("Mercado Pago QR"),
    send(),
    ...waitingDialog(),
    {
      content: "the browser reloads before saving the line",
      trigger: "body",
      run: () => window.location.reload(),
      expectUnloadPage: true,
    },
    {
      content: "the server puts the line back and the customer's payment shows",
      trigger: ".paymentline .electronic_status:contains('Payment Successful')",
      timeout: 25000,
    },
    PaymentScreen.clickValidate(),
    ...paidAndReceipt(),
  ],
  pos_mp_qr_reload: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    {
      content: "the browser reloads while the customer is paying",
      trigger: "body",
      run: () => window.location.reload(),
      expectUnloadPage: true,
    },
    {
      // Waiting again, or already paid if the customer was quick: either way
      // the line's state comes from the server.
      content: "the customer paid: the recovered line is done",
      trigger: ".paymentline .electronic_status:contains('Payment Successful')",
      // The page reloads, then the customer takes 8 s to pay: more than a
      // step's default 10 s on a loaded machine.
      timeout: 25000,
    },
    PaymentScreen.clickValidate(),
    ...paidAndReceipt(),
  ],
  pos_mp_qr_hybrid: () => [
    ...startSale(),
    send(),
    ...waitingDialog(),
    {
      content: "hybrid: the screen shows the order's own QR too",
      trigger: ".o_mp_qr_waiting:contains('Scan the QR on the counter or this one')",
    },
    ...paidAndReceipt(),
  ],
};

for (const [name, steps] of Object.entries(tours)) {
  registry.category("web_tour.tours").add(name, {steps: () => steps().flat()});
}
