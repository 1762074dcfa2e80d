from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .pos_payment import attempt_vals

OPEN_SESSION = ("opening_control", "opened")


class MercadoPagoQrRegisterWizard(models.TransientModel):
    """Register a late payment as a sale of an open session, so the session's
    Mercado Pago QR total matches what Mercado Pago deposits."""

    _name = "mercado.pago.qr.register.wizard"
    _description = "Register a late Mercado Pago QR payment in an open session"
    _check_company_auto = True

    attempt_id = fields.Many2one(
        "mercado.pago.qr.attempt", required=True, check_company=True
    )
    company_id = fields.Many2one(related="attempt_id.company_id")
    payment_method_id = fields.Many2one(related="attempt_id.payment_method_id")
    currency_id = fields.Many2one(related="attempt_id.currency_id")
    amount = fields.Monetary(related="attempt_id.amount_paid", string="Received")
    session_id = fields.Many2one(
        "pos.session",
        required=True,
        compute="_compute_session_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('state', 'in', ('opening_control', 'opened')), "
        "('company_id', '=', company_id), "
        "('config_id.payment_method_ids', 'in', payment_method_id)]",
    )
    partner_id = fields.Many2one("res.partner", string="Customer")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        default=lambda self: self.env.ref(
            "pos_mercado_pago_qr.product_late_payment", raise_if_not_found=False
        ),
        help="The line of the order that records the money; by default a service "
        "without taxes.",
    )

    @api.depends("attempt_id")
    def _compute_session_id(self):
        for wizard in self:
            session = wizard.attempt_id.session_id
            wizard.session_id = (
                session if session.state in OPEN_SESSION else wizard.session_id
            )

    def action_register(self):
        self.ensure_one()
        attempt = self.attempt_id
        # The caller's rights and record rules on the payment, before sudo.
        attempt.check_access("write")
        if attempt.state not in ("late", "review") or attempt.resolution != (
            "attention"
        ):
            raise UserError(
                self.env._("Only a payment that needs attention can be registered.")
            )
        if attempt.pos_payment_id or attempt.refunded_minor:
            raise UserError(
                self.env._("This payment is already attached to an order or refunded.")
            )
        session = self.session_id
        if (
            session.state not in OPEN_SESSION
            or session.company_id != attempt.company_id
            or attempt.payment_method_id not in session.config_id.payment_method_ids
        ):
            raise UserError(
                self.env._(
                    "Choose an open session of a Point of Sale that accepts "
                    "%(method)s.",
                    method=attempt.payment_method_id.name,
                )
            )
        order = self._create_order(attempt, session)
        attempt.resolution_note = self.env._(
            "Registered as order %(order)s in session %(session)s.",
            order=order.name,
            session=session.name,
        )
        attempt.action_mark_resolved()
        attempt.message_post(body=attempt.resolution_note)
        return order._get_records_action(context={})

    def _order_line(self, attempt, amount):
        return {
            "product_id": self.product_id.id,
            "full_product_name": self.env._(
                "Mercado Pago QR payment %(operation)s",
                operation=attempt.operation_number or attempt.mp_payment_id or "-",
            ),
            "qty": 1,
            "price_unit": amount,
            "price_subtotal": amount,
            "price_subtotal_incl": amount,
            "tax_ids": [Command.clear()],
        }

    def _create_order(self, attempt, session):
        # The amount Mercado Pago received, exactly: minor units to the
        # currency's decimals, never a float sum.
        amount = float(attempt._decimal(attempt.paid_minor))
        # sudo: a manager registers money into a session another user may
        # hold; rights were checked by this wizard's access rules.
        config = session.config_id.sudo()
        reference, tracking = config._get_next_order_refs()
        order = (
            self.env["pos.order"]
            .sudo()
            .create(
                {
                    "session_id": session.id,
                    "company_id": session.company_id.id,
                    "partner_id": self.partner_id.id,
                    "pos_reference": reference,
                    "tracking_number": tracking,
                    "date_order": fields.Datetime.now(),
                    "amount_total": amount,
                    "amount_tax": 0.0,
                    "amount_paid": 0.0,
                    "amount_return": 0.0,
                    "lines": [Command.create(self._order_line(attempt, amount))],
                }
            )
        )
        payment = (
            self.env["pos.payment"]
            .sudo()
            .create(
                {
                    "pos_order_id": order.id,
                    "payment_method_id": attempt.payment_method_id.id,
                    "amount": amount,
                    **attempt_vals(attempt),
                }
            )
        )
        order.amount_paid = order._compute_amount_paid()
        # Linked before the order is paid: that is how the order's check
        # knows this QR line is money Mercado Pago received.
        attempt.write({"pos_order_id": order.id, "pos_payment_id": payment.id})
        order.action_pos_order_paid()
        return order
