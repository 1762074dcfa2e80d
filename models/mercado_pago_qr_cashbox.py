import base64
import logging

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from ..mercado_pago.catalog import pos_payload
from ..mercado_pago.money import SITES
from ..mercado_pago.references import POS_NAME_MAX, make_pos_external_id
from .mercado_pago_qr_store import SYNC_STATES

_logger = logging.getLogger(__name__)

CATEGORIES = [
    ("generic", "Generic"),
    ("gastronomy", "Gastronomy"),
    ("gas_station", "Gas station"),
]
# Mercado Pago's QR files: its key in the POS's "qr", our URL and file fields.
QR_FILES = [
    ("image", "qr_image_url", "qr_image"),
    ("template_document", "template_pdf_url", "template_pdf"),
    ("template_image", "template_png_url", "template_png"),
]


def site_mccs(site_id):
    """{category: Mercado Pago's code} of the site; generic has none."""
    site = SITES.get(site_id)
    if not site:
        return {}
    return {"gastronomy": site.gastronomy_mcc, "gas_station": site.gas_station_mcc}


class MercadoPagoQrCashbox(models.Model):
    _name = "mercado.pago.qr.cashbox"
    _description = "Mercado Pago cashbox (POS)"
    _check_company_auto = True
    _order = "store_id, name"

    name = fields.Char(required=True, size=POS_NAME_MAX)
    store_id = fields.Many2one(
        "mercado.pago.qr.store",
        required=True,
        ondelete="restrict",
        check_company=True,
        index=True,
    )
    account_id = fields.Many2one(
        related="store_id.account_id", store=True, index=True, precompute=True
    )
    company_id = fields.Many2one(
        related="store_id.company_id", store=True, index=True, precompute=True
    )
    pos_config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        check_company=True,
        index="btree_not_null",
        help="The till whose orders this cashbox's QR sticker charges.",
    )
    category = fields.Selection(
        CATEGORIES,
        required=True,
        default="generic",
        help="Mercado Pago knows gastronomy and gas stations; everything else is "
        "generic. Each country has its own code for them.",
    )
    mcc = fields.Integer(
        string="Category code", compute="_compute_mcc", help="As sent to Mercado Pago."
    )
    external_id = fields.Char(
        readonly=True,
        copy=False,
        help="The cashbox's external_pos_id at Mercado Pago: letters and digits, set "
        "once and never changed (Mercado Pago does not allow it).",
    )
    mp_pos_id = fields.Char(string="Mercado Pago POS id", readonly=True, copy=False)
    qr_image_url = fields.Char(readonly=True, copy=False)
    template_pdf_url = fields.Char(readonly=True, copy=False)
    template_png_url = fields.Char(readonly=True, copy=False)
    qr_image = fields.Binary(string="QR", attachment=True, readonly=True, copy=False)
    template_pdf = fields.Binary(
        string="Printable sticker (PDF)", attachment=True, readonly=True, copy=False
    )
    template_png = fields.Binary(
        string="Printable sticker (PNG)", attachment=True, readonly=True, copy=False
    )
    sync_state = fields.Selection(SYNC_STATES, compute="_compute_sync_state")

    # In SQL, so it holds across companies whatever the user can see.
    _pos_config_unique = models.Constraint(
        "unique(pos_config_id)",
        "A Point of Sale can be bound to one Mercado Pago cashbox only.",
    )
    _external_id_unique = models.Constraint(
        "unique(account_id, external_id)",
        "A cashbox external id is unique within a Mercado Pago account.",
    )

    @api.depends("category", "account_id.site_id")
    def _compute_mcc(self):
        for cashbox in self:
            cashbox.mcc = site_mccs(cashbox.account_id.site_id).get(cashbox.category, 0)

    @api.depends("mp_pos_id")
    def _compute_sync_state(self):
        for cashbox in self:
            cashbox.sync_state = "synced" if cashbox.mp_pos_id else "draft"

    def write(self, vals):
        if "external_id" in vals:
            for cashbox in self:
                if cashbox.external_id and cashbox.external_id != vals["external_id"]:
                    raise UserError(
                        self.env._(
                            "Mercado Pago does not allow changing a cashbox's "
                            "external id (%(external_id)s).",
                            external_id=cashbox.external_id,
                        )
                    )
        return super().write(vals)

    # -- Mercado Pago ----------------------------------------------------------

    def _ensure_external_id(self):
        for cashbox in self.filtered(lambda c: not c.external_id):
            seed = f"{self.env.cr.dbname}-{cashbox.account_id.id}"
            cashbox.external_id = make_pos_external_id(seed, cashbox.id)

    def _payload(self):
        self.ensure_one()
        store = self.store_id
        if not store.mp_store_id:
            store.action_sync()
        return pos_payload(
            self.name,
            self.external_id,
            store.mp_store_id,
            store.external_id,
            category=self.mcc or None,
        )

    def action_sync(self):
        """Create or update the cashboxes in Mercado Pago, then fetch their QR."""
        self.check_access("write")
        for cashbox in self:
            account = cashbox.account_id
            account._require_user_id()
            cashbox._ensure_external_id()
            payload = cashbox._payload()
            catalog = account._catalog()
            what = self.env._("the cashbox %(cashbox)s", cashbox=cashbox.name)
            with account._mp_errors(what):
                if cashbox.mp_pos_id:
                    remote = catalog.update_pos(cashbox.mp_pos_id, payload)
                else:
                    # A cashbox created remotely whose answer was lost is found
                    # again by its external id rather than created twice.
                    remote = catalog.create_pos_or_find(payload)
            cashbox._apply_remote(remote or {})
            cashbox._download_qr()
        return True

    def _apply_remote(self, remote):
        qr = remote.get("qr") or {}
        vals = {"mp_pos_id": str(remote.get("id") or self.mp_pos_id or "") or False}
        vals.update({url: qr[key] for key, url, _file in QR_FILES if qr.get(key)})
        self.write(vals)

    def _download_qr(self):
        """Keep the QR and Mercado Pago's printable template as attachments."""
        self.ensure_one()
        session = self.account_id._mp_session()
        what = self.env._("the QR of the cashbox %(cashbox)s", cashbox=self.name)
        with self.account_id._mp_errors(what):
            vals = {
                file: base64.b64encode(session.download(self[url]))
                for _key, url, file in QR_FILES
                if self[url]
            }
        self.write(vals)

    @api.model
    def _import_remote(self, store, remote):
        """Create or update the local cashbox matching a Mercado Pago cashbox."""
        cashbox = self.search(
            [
                ("account_id", "=", store.account_id.id),
                "|",
                ("mp_pos_id", "=", str(remote.get("id"))),
                ("external_id", "=", remote.get("external_id")),
            ],
            limit=1,
        )
        codes = {
            code: name for name, code in site_mccs(store.account_id.site_id).items()
        }
        vals = {
            "name": (remote.get("name") or remote.get("external_id"))[:POS_NAME_MAX],
            "store_id": store.id,
            "category": codes.get(remote.get("category"), "generic"),
        }
        if cashbox:
            cashbox.write(vals)
        else:
            cashbox = self.create(dict(vals, external_id=remote.get("external_id")))
        cashbox._apply_remote(remote)
        try:
            cashbox._download_qr()
        except UserError as error:
            # The binding matters more than the picture: the QR can be fetched
            # again with Print QR sticker.
            _logger.info("QR of cashbox %s not downloaded: %s", cashbox.id, error)
        return cashbox

    def action_print_sticker(self):
        """Download Mercado Pago's printable template for the counter."""
        self.ensure_one()
        self.check_access("write")
        if not self.template_pdf:
            if not self.mp_pos_id:
                self.action_sync()
            else:
                self._download_qr()
        if not self.template_pdf:
            raise UserError(
                self.env._(
                    "Mercado Pago has no printable template for the cashbox "
                    "%(cashbox)s yet; save it in Mercado Pago first.",
                    cashbox=self.name,
                )
            )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/template_pdf/"
            f"qr-{self.external_id}.pdf?download=true",
            "target": "self",
        }

    @tools.ormcache("self.id", "self.write_date")
    def _qr_data_url(self):
        """The sticker's QR as a data URL, cached: every push shows it (a new
        image changes write_date)."""
        data = self.sudo().qr_image or ""
        data = data.decode() if isinstance(data, bytes) else data
        return f"data:image/png;base64,{data}" if data else False
