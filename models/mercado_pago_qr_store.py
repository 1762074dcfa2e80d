import re

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mercado_pago.catalog import store_payload
from ..mercado_pago.references import make_store_external_id

# Mercado Pago expects its own state names (countries API), which differ from
# Odoo's for a few states; only the known differences are listed.
MP_STATE_NAMES = {
    ("AR", "C"): "Capital Federal",
    ("AR", "B"): "Buenos Aires",
    ("BR", "DF"): "Distrito Federal",
    ("MX", "DIF"): "Distrito Federal",
    ("MX", "CMX"): "Distrito Federal",
}
# "Caseros 3039", "Av. Paulista, 1578", "Rua X nº 10": the trailing number.
_STREET_NUMBER_RE = re.compile(
    r"^(?P<name>.*?)[\s,]+(?:n[º°o.]?\s*)?(?P<number>\d+[\w/-]*)$", re.IGNORECASE
)

SYNC_STATES = [("draft", "Not in Mercado Pago"), ("synced", "In Mercado Pago")]


def split_street(street):
    """Split Odoo's one-line street into Mercado Pago's name and number."""
    street = (street or "").strip()
    match = _STREET_NUMBER_RE.match(street)
    if match:
        return match["name"].strip(" ,"), match["number"]
    return street, ""


class MercadoPagoQrStore(models.Model):
    _name = "mercado.pago.qr.store"
    _description = "Mercado Pago store"
    _check_company_auto = True
    _order = "account_id, name"

    name = fields.Char(required=True)
    account_id = fields.Many2one(
        "mercado.pago.qr.account",
        required=True,
        ondelete="restrict",
        check_company=True,
        index=True,
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Address",
        check_company=True,
        help="Street, city and state are taken from this contact; adjust them below "
        "if Mercado Pago spells them differently.",
    )
    street_name = fields.Char(compute="_compute_address", store=True, readonly=False)
    street_number = fields.Char(compute="_compute_address", store=True, readonly=False)
    city_name = fields.Char(compute="_compute_address", store=True, readonly=False)
    state_name = fields.Char(
        compute="_compute_address",
        store=True,
        readonly=False,
        help="As Mercado Pago names the state (e.g. 'Capital Federal').",
    )
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    reference = fields.Char(help="A landmark or floor, shown to nobody but you.")
    hours_ids = fields.One2many(
        "mercado.pago.qr.store.hours", "store_id", string="Business hours"
    )
    external_id = fields.Char(
        readonly=True,
        copy=False,
        help="Our id for the store at Mercado Pago; set once and never changed.",
    )
    mp_store_id = fields.Char(string="Mercado Pago store id", readonly=True, copy=False)
    cashbox_ids = fields.One2many(
        "mercado.pago.qr.cashbox", "store_id", string="Cashboxes"
    )
    sync_state = fields.Selection(SYNC_STATES, compute="_compute_sync_state")

    _external_id_unique = models.Constraint(
        "unique(account_id, external_id)",
        "A store external id is unique within a Mercado Pago account.",
    )

    @api.depends("partner_id")
    def _compute_address(self):
        for store in self:
            partner = store.partner_id
            if not partner:
                continue
            name, number = split_street(partner.street)
            country = partner.country_id.code
            state = partner.state_id
            store.street_name = name
            store.street_number = number
            store.city_name = partner.city
            store.state_name = MP_STATE_NAMES.get((country, state.code), state.name)
            for src, dst in (
                ("partner_latitude", "latitude"),
                ("partner_longitude", "longitude"),
            ):
                # base_geolocalize adds these fields; use them when present.
                if src in partner._fields and partner[src]:
                    store[dst] = partner[src]

    @api.depends("mp_store_id")
    def _compute_sync_state(self):
        for store in self:
            store.sync_state = "synced" if store.mp_store_id else "draft"

    # -- Mercado Pago ----------------------------------------------------------

    def _ensure_external_id(self):
        for store in self.filtered(lambda s: not s.external_id):
            seed = f"{self.env.cr.dbname}-{store.account_id.id}"
            store.external_id = make_store_external_id(seed, store.id)

    def _payload(self):
        self.ensure_one()
        missing = [
            label
            for label, value in (
                (self.env._("street name"), self.street_name),
                (self.env._("street number"), self.street_number),
                (self.env._("city"), self.city_name),
                (self.env._("state"), self.state_name),
                (self.env._("latitude and longitude"), self.latitude or self.longitude),
            )
            if not value
        ]
        if missing:
            raise UserError(
                self.env._(
                    "The store %(store)s needs %(missing)s before it can be saved in "
                    "Mercado Pago.",
                    store=self.name,
                    missing=", ".join(missing),
                )
            )
        location = {
            "street_name": self.street_name,
            "street_number": self.street_number,
            "city_name": self.city_name,
            "state_name": self.state_name,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "reference": self.reference or "",
        }
        return store_payload(
            self.name,
            self.external_id,
            location,
            business_hours=self.hours_ids._as_business_hours() or None,
        )

    def action_sync(self):
        """Create or update the stores in Mercado Pago."""
        self.check_access("write")
        for store in self:
            account = store.account_id
            user_id = account._require_user_id()
            store._ensure_external_id()
            payload = store._payload()
            what = self.env._("the store %(store)s", store=store.name)
            catalog = account._catalog()
            with account._mp_errors(what):
                if store.mp_store_id:
                    remote = catalog.update_store(user_id, store.mp_store_id, payload)
                else:
                    # Finds a store created remotely but not saved here (a lost
                    # answer) by its external id instead of creating it twice.
                    remote = catalog.create_store_or_find(user_id, payload)
            store.mp_store_id = str((remote or {}).get("id") or store.mp_store_id)
        return True

    @api.model
    def _import_remote(self, account, remote):
        """Create or update the local store matching a Mercado Pago store."""
        external_id = remote.get("external_id")
        store = self.search(
            [
                ("account_id", "=", account.id),
                "|",
                ("mp_store_id", "=", str(remote.get("id"))),
                ("external_id", "=", external_id),
            ],
            limit=1,
        )
        location = remote.get("location") or {}
        vals = {
            "name": remote.get("name") or external_id,
            "mp_store_id": str(remote.get("id")),
            "external_id": external_id,
            "latitude": location.get("latitude") or 0.0,
            "longitude": location.get("longitude") or 0.0,
            "reference": location.get("reference") or False,
        }
        for key in ("street_name", "street_number", "city_name", "state_name"):
            if location.get(key):
                vals[key] = location[key]
        if store:
            store.write(vals)
        else:
            store = self.create(dict(vals, account_id=account.id))
        return store

    def action_create_cashboxes(self):
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create cashboxes"),
            "res_model": "mercado.pago.qr.cashbox.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_store_id": self.id},
        }
