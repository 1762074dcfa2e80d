"""Mercado Pago notifications in: Orders API webhooks, legacy webhooks and IPN.

Nothing in a notification is trusted: it only says which attempt to look at
again. The attempt re-reads the order from Mercado Pago with the account's own
token before anything changes (mercado.pago.qr.attempt._settle).
"""

import logging
from datetime import timedelta

import psycopg2

from odoo import fields, http
from odoo.http import request
from odoo.tools import SQL

from ..mercado_pago.errors import MercadoPagoError
from ..mercado_pago.notifications import (
    InvalidSignature,
    MalformedNotification,
    UnsupportedNotification,
    parse_notification,
    verify_event,
)
from ..mercado_pago.payments import PaymentsClient
from ..mercado_pago.transitions import REREAD
from ..models.mercado_pago_qr_account import WEBHOOK_ROUTE

_logger = logging.getLogger(__name__)

# Mercado Pago's bodies are small; anything larger is not from it.
MAX_BODY = 64 * 1024


def _read_body(httprequest, limit):
    """The body, or None when longer than ``limit`` (reads one byte more at
    most). A chunked body has no Content-Length to refuse it by; Werkzeug 2.3+
    stops it at the route's max_content_length, but 2.2 (Odoo 19 on Python
    3.11) does so for forms only and ``get_data`` would read it whole. So the
    read is bounded here, on the stream of the Werkzeug request that Odoo's
    HTTPRequest wraps and does not expose."""
    stream = httprequest._HTTPRequest__wrapped.stream
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


def _answer(status, text):
    return request.make_response(
        text, headers=[("Content-Type", "text/plain")], status=status
    )


# Webhook health is written at most this often per account.
HEALTH_SECONDS = 5
HEALTH_FIELDS = {
    "received": "last_notification_at",
    "verified": "last_verified_at",
    "failure": "last_signature_failure_at",
}


def _note(account_sudo, kind, reason=None):
    """Webhook health, best effort: in its own short transaction, at most
    every few seconds per account, so notifications never queue on this row.
    """
    column = HEALTH_FIELDS[kind]
    # Written a moment ago as this request's snapshot has it (the row was
    # read for the secret): a busy webhook opens no transaction for it.
    last = account_sudo[column]
    if last and fields.Datetime.now() - last < timedelta(seconds=HEALTH_SECONDS):
        return
    try:
        with account_sudo.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """UPDATE mercado_pago_qr_account
                          SET %(col)s = now() AT TIME ZONE 'UTC',
                              last_signature_failure_reason = CASE
                                  WHEN %(failure)s THEN %(reason)s
                                  ELSE last_signature_failure_reason END
                        WHERE id = %(id)s
                          AND (%(col)s IS NULL
                               OR %(col)s < now() AT TIME ZONE 'UTC'
                                            - %(every)s * interval '1 second')""",
                    col=SQL.identifier(column),
                    failure=kind == "failure",
                    reason=(reason or "")[:200],
                    id=account_sudo.id,
                    every=HEALTH_SECONDS,
                ),
                # Another notification's update of the row is a normal case.
                log_exceptions=False,
            )
    except psycopg2.Error as error:
        # Health is informative; a concurrent update must not fail the
        # notification itself.
        _logger.debug("Webhook health not updated: %s", error)


def _account(token):
    # sudo: the URL token is the only identity of a notification's account;
    # it is matched exactly and nothing is read before the signature check.
    if len(token) < 16:
        return None
    env = request.env
    # Raw SQL for both lookups holds the notification intake figure
    # (docs/benchmarks.md): the ORM's search costs more than the rest of it.
    env.cr.execute(
        SQL(
            "SELECT id FROM mercado_pago_qr_account "
            "WHERE webhook_token = %s AND active LIMIT 1",
            token,
        )
    )
    ids = [row[0] for row in env.cr.fetchall()]
    account_sudo = env["mercado.pago.qr.account"].sudo().browse(ids)
    # With what the re-read's session needs: one query for the account.
    account_sudo.fetch(
        [
            "webhook_secret",
            "access_token",
            "api_base_url",
            "mp_user_id",
            *HEALTH_FIELDS.values(),
        ]
    )
    return account_sudo


def _attempt(account_sudo, column, value):
    """The account's attempt whose `column` is `value` (raw SQL: see _account)."""
    env = account_sudo.env
    env.cr.execute(
        SQL(
            "SELECT id FROM mercado_pago_qr_attempt "
            "WHERE account_id = %s AND %s = %s ORDER BY id DESC LIMIT 1",
            account_sudo.id,
            SQL.identifier(column),
            value,
        )
    )
    return env["mercado.pago.qr.attempt"].browse([row[0] for row in env.cr.fetchall()])


def _check_signature(account_sudo, event, query, headers):
    """None when the notification may be acted upon, else the answer. Mercado
    Pago signs every webhook (Orders API and legacy topics) once the application
    has a secret; IPN never is, and is only a reason to re-read. A signature
    that is present is always checked, and only the id it signs is acted upon,
    never another one named by the body."""
    secret = account_sudo.webhook_secret
    if not (headers.get("x-signature") or (secret and event.must_be_signed)):
        return None
    if not secret:
        _logger.warning(
            "Mercado Pago account %s: signed notification but no webhook "
            "secret configured",
            account_sudo.id,
        )
        _note(account_sudo, "failure", "no webhook secret")
        return _answer(401, "unsigned")
    try:
        verify_event(event, query, headers, secret)
    except InvalidSignature as error:
        _logger.info(
            "Mercado Pago notification for account %s: bad signature (%s)",
            account_sudo.id,
            error.reason,
        )
        _note(account_sudo, "failure", error.reason)
        if error.reason == "other id":
            return _answer(401, "signature does not cover this id")
        return _answer(401, "bad signature")
    _note(account_sudo, "verified")
    return None


class MercadoPagoQrController(http.Controller):
    @http.route(
        f"{WEBHOOK_ROUTE}/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # One byte over the cap: Werkzeug refuses a read past its limit, and
        # _read_body needs that byte to tell "over the cap" from "exactly it".
        max_content_length=MAX_BODY + 1,
    )
    def notify(self, token, **_kwargs):
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY:
            _logger.info("Mercado Pago notification refused: body too large")
            return _answer(413, "too large")
        account_sudo = _account(token)
        if not account_sudo:
            # Anyone can knock: not one info line per request.
            _logger.debug("Mercado Pago notification for an unknown URL token")
            return _answer(404, "unknown")
        body = _read_body(httprequest, MAX_BODY)
        if body is None:
            _logger.info("Mercado Pago notification refused: body too large")
            return _answer(413, "too large")
        query = httprequest.args.to_dict()
        headers = httprequest.headers
        try:
            event = parse_notification(query, body)
        except UnsupportedNotification as error:
            _logger.info("Mercado Pago notification ignored: %s", error)
            return _answer(200, "ignored")
        except MalformedNotification as error:
            _logger.info("Mercado Pago notification malformed: %s", error)
            return _answer(400, "malformed")
        _note(account_sudo, "received")
        refused = _check_signature(account_sudo, event, query, headers)
        if refused:
            return refused
        attempt = self._find_attempt(account_sudo, event)
        if not attempt:
            _logger.info(
                "Mercado Pago notification %s %s: no attempt of ours",
                event.kind,
                event.resource_id,
            )
            return _answer(200, "unknown id")
        if attempt.state not in REREAD:
            # Already final (a duplicate, most often): nothing to re-read.
            return _answer(200, "ok")
        attempt._settle_from_notification()
        return _answer(200, "ok")

    def _find_attempt(self, account_sudo, event):
        """Our attempt for a notification: by order id, else by reference."""
        Attempt = request.env["mercado.pago.qr.attempt"].sudo()
        if event.kind == "order":
            return _attempt(account_sudo, "mp_order_id", event.resource_id)
        # Legacy topics name a payment or a merchant order: its reference is
        # read from Mercado Pago, never taken from the body.
        try:
            payments = PaymentsClient(account_sudo._mp_session())
            if event.kind == "payment":
                resource = payments.get_payment(event.resource_id)
            else:
                resource = payments.get_merchant_order(event.resource_id)
            reference = (resource or {}).get("external_reference")
        except MercadoPagoError as error:
            _logger.info(
                "Mercado Pago %s %s could not be read: %s",
                event.kind,
                event.resource_id,
                error,
            )
            return Attempt
        if not reference:
            return Attempt
        return _attempt(account_sudo, "external_reference", reference)
