import hashlib
import logging
import secrets
import threading
from urllib.parse import urlsplit

from odoo import api, fields, models, modules, tools
from odoo.exceptions import UserError, ValidationError

from ..mercado_pago.catalog import CatalogClient
from ..mercado_pago.http import DEFAULT_BASE_URL, MercadoPagoSession
from ..mercado_pago.money import SITES

_logger = logging.getLogger(__name__)

OFFICIAL_HOST = urlsplit(DEFAULT_BASE_URL).hostname
# The API base URL gets the access token and the server fetches what it
# answers, so it is Mercado Pago's https API; another URL (the emulator on
# loopback) needs this parameter set to 1 by a Settings administrator, or tests.
ALLOW_CUSTOM_API_URL_PARAM = "pos_mercado_pago_qr.allow_custom_api_url"
WEBHOOK_ROUTE = "/pos_mercado_pago_qr/notify"
# Not secret: Odoo's own Mercado Pago platform id, as core pos_mercado_pago sends it.
PLATFORM_ID = "dev_cdf1cfac242111ef9fdebe8d845d0987"
API_MODES = [("orders", "Orders API"), ("v2", "Legacy in-store orders v2")]

# One requests.Session per account and token in each worker, for keep-alive.
_SESSIONS = {}
_SESSIONS_LOCK = threading.Lock()


def _running_tests():
    """Odoo runs tests: the emulator stands for Mercado Pago."""
    return bool(tools.config["test_enable"] or modules.module.current_test)


def _site_selection(_model):
    return [(site.site_id, f"{site.name} ({site.site_id})") for site in SITES.values()]


class MercadoPagoQrAccount(models.Model):
    _name = "mercado.pago.qr.account"
    _description = "Mercado Pago QR account"
    _order = "company_id, name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    environment = fields.Selection(
        [("production", "Production"), ("test", "Test")],
        required=True,
        default="test",
        help="Production charges real money. Test uses the credentials of a Mercado "
        "Pago test seller; it is chosen here, never guessed from the token, since "
        "test and production tokens both start with APP_USR.",
    )
    access_token = fields.Char(
        copy=False,
        groups="point_of_sale.group_pos_manager",
        help="The seller account's access token (Your integrations > credentials).",
    )
    webhook_secret = fields.Char(
        copy=False,
        groups="point_of_sale.group_pos_manager",
        help="The secret signature Mercado Pago shows after you save the webhook URL "
        "of your application; used to check the x-signature of notifications.",
    )
    webhook_token = fields.Char(
        copy=False,
        readonly=True,
        groups="point_of_sale.group_pos_manager",
        default=lambda self: secrets.token_urlsafe(24),
        help="Unguessable part of the notification URL that identifies this account.",
    )
    webhook_url = fields.Char(
        compute="_compute_webhook_url",
        groups="point_of_sale.group_pos_manager",
        help="Paste this URL in Mercado Pago: Your integrations > your application > "
        "Webhooks > Configure notifications, event 'Order (Mercado Pago)'.",
    )
    api_base_url = fields.Char(
        string="API base URL",
        required=True,
        default=DEFAULT_BASE_URL,
        help="Mercado Pago's API, https://api.mercadopago.com. Another URL (a "
        "Mercado Pago emulator) is accepted only when a Settings administrator sets "
        "the system parameter pos_mercado_pago_qr.allow_custom_api_url to 1.",
    )
    api_mode = fields.Selection(
        API_MODES,
        string="API",
        compute="_compute_api_mode",
        store=True,
        readonly=False,
        precompute=True,
    )
    api_mode_reason = fields.Char(compute="_compute_api_mode_reason")
    mp_user_id = fields.Char(string="Mercado Pago user id", readonly=True, copy=False)
    post_fees = fields.Boolean(
        string="Post fees at session close",
        help="When a session closes, post Mercado Pago's fees on its QR payments "
        "to the expense account below, so that the bank deposit matches the net.",
    )
    fee_account_id = fields.Many2one(
        "account.account",
        string="Fee expense account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
    )
    payout_journal_id = fields.Many2one(
        "account.journal",
        string="Payouts arrive in",
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="The bank journal where Mercado Pago's payouts arrive: the payouts of "
        "the released money report are matched to its statement lines.",
    )
    adjustment_account_id = fields.Many2one(
        "account.account",
        string="Chargebacks and adjustments account",
        check_company=True,
        help="The counterpart proposed for what the released money report moves "
        "that Odoo did not record: chargebacks, disputes, adjustments.",
    )
    site_id = fields.Selection(
        _site_selection,
        help="Mercado Pago site (country) of the account, read by Test connection.",
    )
    nickname = fields.Char(readonly=True, copy=False)
    connection_state = fields.Selection(
        [("unknown", "Not tested"), ("ok", "Connected"), ("failed", "Failed")],
        default="unknown",
        readonly=True,
        copy=False,
    )
    connection_message = fields.Char(readonly=True, copy=False)
    connection_checked_at = fields.Datetime(readonly=True, copy=False)
    last_notification_at = fields.Datetime(
        string="Last notification received", readonly=True, copy=False
    )
    last_verified_at = fields.Datetime(
        string="Last notification verified", readonly=True, copy=False
    )
    last_signature_failure_at = fields.Datetime(
        string="Last signature failure", readonly=True, copy=False
    )
    last_signature_failure_reason = fields.Char(readonly=True, copy=False)
    store_ids = fields.One2many("mercado.pago.qr.store", "account_id", string="Stores")
    cashbox_count = fields.Integer(compute="_compute_cashbox_count")

    _webhook_token_unique = models.Constraint(
        "unique(webhook_token)", "The notification URL token must be unique."
    )

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for account in self:
            token = account.sudo().webhook_token
            account.webhook_url = (
                f"{base.rstrip('/')}{WEBHOOK_ROUTE}/{token}" if token else False
            )

    @api.depends("site_id")
    def _compute_api_mode(self):
        # A default once the site is known; an administrator's choice stays.
        for account in self:
            site = SITES.get(account.site_id)
            if site and not account.api_mode:
                account.api_mode = "orders" if site.orders_api_supported else "v2"

    @api.depends("site_id", "api_mode")
    def _compute_api_mode_reason(self):
        for account in self:
            site = SITES.get(account.site_id)
            if not site:
                account.api_mode_reason = self.env._(
                    "Test the connection to learn the account's site; the Orders API "
                    "is Mercado Pago's recommended API for new integrations."
                )
            elif site.orders_api_supported:
                account.api_mode_reason = self.env._(
                    "Mercado Pago recommends the Orders API, documented for QR in "
                    "%(country)s. Choose the legacy API only for accounts that "
                    "Mercado Pago has not moved yet.",
                    country=site.name,
                )
            else:
                account.api_mode_reason = self.env._(
                    "Mercado Pago does not document the Orders API for QR in "
                    "%(country)s yet (currency %(currency)s): the legacy in-store "
                    "orders v2 is the safe default.",
                    country=site.name,
                    currency=site.currency,
                )

    @api.depends("store_ids.cashbox_ids")
    def _compute_cashbox_count(self):
        for account in self:
            account.cashbox_count = len(account.store_ids.cashbox_ids)

    @api.constrains("site_id", "company_id")
    def _check_site_currency(self):
        for account in self:
            site = SITES.get(account.site_id)
            if site and account.company_id.currency_id.name != site.currency:
                raise ValidationError(
                    self.env._(
                        "The Mercado Pago account %(account)s belongs to %(country)s "
                        "and charges in %(site_currency)s, but the company "
                        "%(company)s keeps its books in %(company_currency)s. Use a "
                        "company whose currency is %(site_currency)s.",
                        account=account.name,
                        country=site.name,
                        site_currency=site.currency,
                        company=account.company_id.name,
                        company_currency=account.company_id.currency_id.name,
                    )
                )

    @api.constrains("api_base_url")
    def _check_api_base_url(self):
        for account in self:
            message = account._api_base_url_problem(account.api_base_url)
            if message:
                raise ValidationError(message)

    def _api_base_url_problem(self, url):
        """Why `url` may not be this account's API base URL, or None; see
        ALLOW_CUSTOM_API_URL_PARAM."""
        try:
            parts = urlsplit(url or "")
            port = parts.port
        except ValueError:
            parts = port = None
        plain = bool(parts and parts.hostname) and not any(
            (parts.username, parts.password, parts.query, parts.fragment)
        )
        if (
            plain
            and (parts.scheme, parts.hostname) == ("https", OFFICIAL_HOST)
            and port in (None, 443)
            and parts.path in ("", "/")
        ):
            return None
        param = (
            self.env["ir.config_parameter"].sudo().get_param(ALLOW_CUSTOM_API_URL_PARAM)
        )
        allowed = str(param or "").strip().lower() in ("1", "true", "yes")
        if not (allowed or _running_tests()):
            return self.env._(
                "The API base URL of a Mercado Pago account must be %(url)s. Another "
                "URL (a Mercado Pago emulator) is accepted only when a Settings "
                "administrator sets the system parameter %(param)s to 1.",
                url=DEFAULT_BASE_URL,
                param=ALLOW_CUSTOM_API_URL_PARAM,
            )
        if not plain or parts.scheme not in ("http", "https"):
            return self.env._(
                "The API base URL %(url)s is not an http(s) address without user, "
                "query or fragment.",
                url=url or "",
            )
        return None

    # -- talking to Mercado Pago ----------------------------------------------

    def _mp_session(self):
        """The account's HTTP session; the token is read with sudo here only."""
        self.ensure_one()
        token = self.sudo().access_token
        if not token:
            raise UserError(
                self.env._(
                    "Set the access token of the Mercado Pago account %(account)s.",
                    account=self.name,
                )
            )
        base_url = (self.api_base_url or DEFAULT_BASE_URL).rstrip("/")
        if base_url != DEFAULT_BASE_URL:
            # Also for a row written around the ORM, or a parameter unset since.
            problem = self._api_base_url_problem(base_url)
            if problem:
                raise UserError(problem)
        key = (self.id, base_url, hashlib.sha256(token.encode()).hexdigest())
        with _SESSIONS_LOCK:
            session = _SESSIONS.get(key)
            if session is None:
                for stale in [k for k in _SESSIONS if k[0] == self.id]:
                    _SESSIONS.pop(stale).close()
                session = MercadoPagoSession(
                    token, base_url=base_url, platform_id=PLATFORM_ID
                )
                _SESSIONS[key] = session
        return session

    def _catalog(self):
        return CatalogClient(self._mp_session())

    def action_test_connection(self):
        """Read GET /users/me and give a clear verdict."""
        self.ensure_one()
        self.check_access("write")
        try:
            with self._mp_errors(self.env._("the connection test")):
                me = self._catalog().users_me()
        except UserError as error:
            return self._connection_verdict("failed", str(error))
        site = SITES.get(me.get("site_id"))
        if site is None:
            return self._connection_verdict(
                "failed",
                self.env._(
                    "Connected, but Mercado Pago's site %(site)s is not one where QR "
                    "in the attended model is available (Argentina, Brazil, Chile, "
                    "Colombia, Mexico, Peru, Uruguay).",
                    site=me.get("site_id"),
                ),
            )
        message = self.env._(
            "Connected to %(nickname)s (user %(user)s, %(country)s).",
            nickname=me.get("nickname") or "-",
            user=me.get("id"),
            country=site.name,
        )
        return self._connection_verdict(
            "ok",
            message,
            mp_user_id=str(me.get("id")),
            nickname=me.get("nickname"),
            site_id=site.site_id,
        )

    def _connection_verdict(self, state, message, **vals):
        self.write(
            {
                **vals,
                "connection_state": state,
                "connection_message": message,
                "connection_checked_at": fields.Datetime.now(),
            }
        )
        return self._notify(message, "success" if state == "ok" else "danger")

    def _notify(self, message, kind, title=None):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title or self.env._("Mercado Pago"),
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _require_user_id(self):
        self.ensure_one()
        if not self.mp_user_id:
            self.action_test_connection()
        if not self.mp_user_id:
            raise UserError(
                self.env._(
                    "Test the connection of the Mercado Pago account %(account)s "
                    "first: %(message)s",
                    account=self.name,
                    message=self.connection_message or "",
                )
            )
        return self.mp_user_id

    def action_regenerate_webhook_token(self):
        self.check_access("write")
        for account in self:
            account.sudo().webhook_token = secrets.token_urlsafe(24)

    def action_import_from_mercado_pago(self):
        """Import the account's stores and cashboxes, matched by external id."""
        self.ensure_one()
        self.check_access("write")
        user_id = self._require_user_id()
        catalog = self._catalog()
        Store = self.env["mercado.pago.qr.store"]
        Cashbox = self.env["mercado.pago.qr.cashbox"]
        with self._mp_errors(self.env._("the import")):
            remote_stores = catalog.search_stores(user_id)
            remote_pos = catalog.search_pos()
        stores = Store.union(*(Store._import_remote(self, r) for r in remote_stores))
        by_id = {store.mp_store_id: store for store in stores}
        cashboxes = Cashbox.union(
            *(
                Cashbox._import_remote(by_id[str(remote.get("store_id"))], remote)
                for remote in remote_pos
                if str(remote.get("store_id")) in by_id
            )
        )
        return self._notify(
            self.env._(
                "Imported %(stores)s store(s) and %(cashboxes)s cashbox(es) from "
                "Mercado Pago.",
                stores=len(stores),
                cashboxes=len(cashboxes),
            ),
            "success",
        )

    def action_view_stores(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Stores"),
            "res_model": "mercado.pago.qr.store",
            "view_mode": "list,form",
            "domain": [("account_id", "=", self.id)],
            "context": {"default_account_id": self.id},
        }
