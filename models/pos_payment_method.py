import base64
import io

import qrcode

from odoo import api, fields, models
from odoo.exceptions import AccessDenied, UserError, ValidationError

from ..mercado_pago.transitions import OPEN, POS_PAID

MP_QR_METHOD_FIELDS = [
    "name",
    "active",
    "company_id",
    "use_payment_terminal",
    "mp_qr_account_id",
    "mp_qr_expiry_minutes",
    "mp_qr_mode",
]
# A POS holds a few open orders; more in one request is not a POS asking.
MP_QR_RECOVER_MAX_ORDERS = 200


def _as_id(value):
    """A record id from the POS, 0 for anything that is not one."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _qr_image(attempt):
    """The image the customer scans: the sticker's QR, or the order's own."""
    if attempt.mode == "hybrid" and attempt.qr_data:
        image = qrcode.make(attempt.qr_data, box_size=8, border=2)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        data = base64.b64encode(buffer.getvalue()).decode()
        return f"data:image/png;base64,{data}"
    return attempt.cashbox_id._qr_data_url()


def _attempt_to_pos(attempt, with_images=False):
    code = attempt.currency_code
    result = {
        "id": attempt.id,
        "line_uuid": attempt.line_uuid,
        "state": attempt.state,
        "message": attempt.message or "",
        "amount": str(attempt._decimal(attempt.amount_minor)),
        "currency": code,
        "expires_at": attempt.expires_at and attempt.expires_at.isoformat() + "Z",
        "mode": attempt.mode,
        "mp_order_id": attempt.mp_order_id or False,
        "mp_payment_id": attempt.mp_payment_id or False,
        "operation_number": attempt.operation_number or False,
        # The POS keeps no state lists of its own.
        "open": attempt.state in OPEN,
        "paid": attempt.state in POS_PAID,
    }
    if with_images:
        result["qr_image"] = _qr_image(attempt)
    return result


def _poll(attempt):
    """The POS asks for news: re-read Mercado Pago only when it is time."""
    now = fields.Datetime.now()
    if attempt.state in OPEN and (
        not attempt.next_check_at or now >= attempt.next_check_at
    ):
        attempt._settle()
    return attempt


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    mp_qr_account_id = fields.Many2one(
        "mercado.pago.qr.account",
        string="Mercado Pago account",
        check_company=True,
        help="The Mercado Pago seller account that receives the QR payments.",
    )
    mp_qr_expiry_minutes = fields.Integer(
        string="QR order expiry (minutes)",
        default=5,
        help="How long the customer has to pay before the order leaves the QR.",
    )
    mp_qr_mode = fields.Selection(
        [
            ("static", "Sticker only"),
            ("hybrid", "Sticker and a QR on the screens (Orders API)"),
        ],
        string="QR mode",
        default="static",
        help="Hybrid also shows the order's own QR on the POS and customer display; "
        "the sticker keeps working.",
    )

    def _get_payment_terminal_selection(self):
        return super()._get_payment_terminal_selection() + [
            ("mercado_pago_qr", "Mercado Pago QR")
        ]

    @api.model
    def _load_pos_data_fields(self, config):
        return super()._load_pos_data_fields(config) + ["mp_qr_mode"]

    @api.constrains("use_payment_terminal", "mp_qr_account_id")
    def _check_mp_qr_account(self):
        for method in self:
            if method.use_payment_terminal == "mercado_pago_qr" and not (
                method.mp_qr_account_id
            ):
                raise ValidationError(
                    self.env._(
                        "Choose the Mercado Pago account of the payment method "
                        "%(method)s.",
                        method=method.name,
                    )
                )

    @api.constrains("mp_qr_expiry_minutes")
    def _check_mp_qr_expiry(self):
        for method in self:
            if method.use_payment_terminal == "mercado_pago_qr" and not (
                1 <= method.mp_qr_expiry_minutes <= 60
            ):
                raise ValidationError(
                    self.env._("The QR order expiry must be between 1 and 60 minutes.")
                )

    # -- RPCs of the POS (ids and amounts in, ids and states out) ---------------

    def _mp_qr_check_access(self):
        self.ensure_one()
        # Only what the RPCs use: the method's row is wide.
        self.fetch(MP_QR_METHOD_FIELDS)
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessDenied()
        if self.use_payment_terminal != "mercado_pago_qr":
            raise UserError(self.env._("This is not a Mercado Pago QR method."))

    def _mp_qr_attempt(self, attempt_id, session):
        """An attempt of this method made in the caller's open session."""
        # sudo: attempts are server records; the method and the session were
        # checked under the caller's rights.
        attempt = self.env["mercado.pago.qr.attempt"].sudo().browse(_as_id(attempt_id))
        if (
            not attempt.exists()
            or attempt.payment_method_id != self
            or attempt.session_id != session
        ):
            raise UserError(self.env._("Unknown Mercado Pago QR attempt."))
        return attempt

    def mp_qr_start(self, payload):
        """Charge a payment line: returns at once, never waits for the customer."""
        if not isinstance(payload, dict):
            raise UserError(self.env._("Malformed Mercado Pago QR request."))
        # Its own transaction, opened first so nothing is read twice: the
        # attempt is committed before Mercado Pago is called (see
        # mercado.pago.qr.attempt._start).
        with self.env.registry.cursor() as cr:
            method = self.with_env(self.env(cr=cr))
            method._mp_qr_check_access()
            # sudo: access was checked above; the session's company is checked
            # by hand, which spares the record rules on every read of the push.
            method = method.sudo()
            session = method._mp_qr_open_session(payload.get("session_id"))
            attempt = method.env["mercado.pago.qr.attempt"]._start(
                method, session, payload
            )
            return _attempt_to_pos(attempt, with_images=True)

    def _mp_qr_open_session(self, session_id):
        """The caller's open session of a POS that takes this method."""
        # Narrow reads: the session's and the config's rows are wide.
        session = self.env["pos.session"].search_fetch(
            [("id", "=", _as_id(session_id))], ["state", "config_id"]
        )
        config = session.config_id
        config.fetch(["name", "company_id", "currency_id"])
        if (
            not session
            or session.company_id.id not in self.env.user._get_company_ids()
            or session.state not in ("opening_control", "opened")
            or not config._mp_qr_takes(self)
        ):
            raise UserError(
                self.env._("Open a session of a Point of Sale with this method.")
            )
        return session

    def _mp_qr_door(self, session_id):
        """Every POS question but the push: the method, then the session."""
        self._mp_qr_check_access()
        return self._mp_qr_open_session(session_id)

    def mp_qr_status(self, attempt_id, session_id):
        """News of an attempt; re-checks Mercado Pago only when it is time."""
        session = self._mp_qr_door(session_id)
        return _attempt_to_pos(_poll(self._mp_qr_attempt(attempt_id, session)))

    def mp_qr_find(self, line_uuid, session_id):
        """After a reload: the latest attempt of a payment line, if any."""
        session = self._mp_qr_door(session_id)
        attempt = (
            self.env["mercado.pago.qr.attempt"]
            .sudo()
            .search(
                [
                    ("line_uuid", "=", str(line_uuid)[:64]),
                    ("payment_method_id", "=", self.id),
                    ("session_id", "=", session.id),
                ],
                limit=1,
            )
        )
        return _attempt_to_pos(_poll(attempt), with_images=True) if attempt else False

    def mp_qr_recover(self, order_uuids, session_id):
        """After a reload: the latest attempt of every line of these orders. By
        order, not by line: the POS saves its lines to the browser's storage a
        moment after they change, so a reload right after Send can lose the
        line (or find it still "pending") while its QR order waits; the POS
        puts such lines back from this answer."""
        session = self._mp_qr_door(session_id)
        if not isinstance(order_uuids, list):
            raise UserError(self.env._("Malformed Mercado Pago QR request."))
        uuids = [str(u)[:64] for u in order_uuids[:MP_QR_RECOVER_MAX_ORDERS] if u]
        if not uuids:
            return []
        # sudo: attempts are server records; access was checked on the method.
        attempts = (
            self.env["mercado.pago.qr.attempt"]
            .sudo()
            .search(
                [
                    ("order_uuid", "in", uuids),
                    ("payment_method_id", "=", self.id),
                    ("session_id", "=", session.id),
                ],
                order="id desc",
            )
        )
        latest = {}
        for attempt in attempts:
            if attempt.line_uuid not in latest:
                latest[attempt.line_uuid] = _poll(attempt)
        return [
            dict(
                _attempt_to_pos(a, with_images=a.state in OPEN),
                order_uuid=a.order_uuid,
                # A synced payment holds it: never a line to put back.
                consumed=bool(a.pos_payment_id),
            )
            for a in latest.values()
        ]

    def mp_qr_cancel(self, attempt_id, session_id):
        """The cashier's Cancel: ask Mercado Pago, then trust only the re-read."""
        attempt = self._mp_qr_attempt(attempt_id, self._mp_qr_door(session_id))
        if attempt._lock():
            attempt._cancel_remote(reason="cashier")
        return _attempt_to_pos(attempt)

    def mp_qr_refund(self, payload):
        """Refund a negative QR line of a refund order of the caller's open
        session. The POS saves that order first; the amount, the line and the
        original payment are read from it on the server, never taken from the
        browser."""
        if not isinstance(payload, dict):
            raise UserError(self.env._("Malformed Mercado Pago QR request."))
        session = self._mp_qr_door(payload.get("session_id"))
        line_uuid = str(payload.get("line_uuid") or "")[:64]
        # sudo: the line is looked for in the caller's checked session only.
        line = (
            self.env["pos.payment"]
            .sudo()
            .search(
                [
                    ("uuid", "=", line_uuid),
                    ("payment_method_id", "=", self.id),
                    ("session_id", "=", session.id),
                    ("amount", "<", 0),
                ],
                limit=1,
            )
            if line_uuid
            else None
        )
        refunded = line and line.pos_order_id.lines.refunded_orderline_id.order_id
        paid_line = (
            refunded
            and refunded.payment_ids.filtered(
                lambda p: p.payment_method_id == self and p.mp_qr_attempt_id
            )[:1]
        )
        if not paid_line:
            raise UserError(
                self.env._(
                    "Only the refund of an order paid with %(method)s can go back "
                    "through %(method)s.",
                    method=self.name,
                )
            )
        attempt = paid_line.mp_qr_attempt_id
        return self.env["mercado.pago.qr.refund"]._request_in_own_cursor(
            attempt, attempt._amount_to_minor(line.amount), line
        )

    def mp_qr_force_done(self, attempt_id, session_id):
        """Odoo's Force done: re-check Mercado Pago first, record who forced."""
        attempt = self._mp_qr_attempt(attempt_id, self._mp_qr_door(session_id))
        return _attempt_to_pos(attempt._force_done())
