"""A live Odoo and emulator, shared by `make demo`, `make bench` and `make chaos`.

Starts the emulator and an Odoo server as subprocesses, talks JSON-RPC and the
bus websocket to Odoo, and configures a database the way an administrator does
through the forms: a company of the chosen Mercado Pago site, an account at the
emulator, a store, a cashbox bound to the POS "Caja 1" and its QR method.
"""

import json
import socket
import subprocess
import sys
import time

import devenv
from devenv import REPO

# The repository root holds the pure client package.
sys.path.insert(0, str(REPO))
from emulator.notifier import signature_headers as _signature_headers
from emulator.sites import SAMPLE_STORES, sample_store_fields
from mercado_pago.money import SITES

# The system parameter that lets an account's API base URL be the emulator's
# (models/mercado_pago_qr_account.py); only a Settings administrator sets it.
ALLOW_CUSTOM_API_URL = "pos_mercado_pago_qr.allow_custom_api_url"


def signature_headers(secret, data_id, request_id, ts=None):
    """x-signature and x-request-id of a notification, signed as Mercado Pago
    (the emulator) signs them."""
    return _signature_headers(
        secret, data_id, request_id, ts or str(int(time.time() * 1000))
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Odoo:
    """JSON-RPC and websocket client of the Odoo under test."""

    def __init__(self, url, db, websocket_url=None):
        import requests

        self.url = url
        self.db = db
        self.websocket_url = websocket_url or url
        self.http = requests.Session()

    def login(self, login="admin", password="admin"):
        res = self.http.post(
            f"{self.url}/web/session/authenticate",
            json={"params": {"db": self.db, "login": login, "password": password}},
            timeout=60,
        ).json()
        if "result" not in res:
            raise RuntimeError(json.dumps(res)[:2000])
        return res["result"]

    def call(self, model, method, *args, **kwargs):
        res = self.http.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            json={
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                }
            },
            timeout=120,
        ).json()
        if "error" in res:
            raise RuntimeError(json.dumps(res["error"])[:2000])
        return res["result"]

    def websocket(self, channels):
        import websocket

        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        ws = websocket.create_connection(
            self.websocket_url.replace("http", "ws") + "/websocket?version=19.0-2",
            cookie=cookie,
            header={"Origin": self.url},
            timeout=30,
        )
        ws.send(
            json.dumps(
                {"event_name": "subscribe", "data": {"channels": channels, "last": 0}}
            )
        )
        return ws


def wait_message(ws, kind, timeout):
    """The first bus notification of `kind`, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ws.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            raw = ws.recv()
        except Exception:  # noqa: BLE001 - a timeout
            return None
        for note in json.loads(raw):
            message = note.get("message", {})
            if message.get("type") == kind:
                return message.get("payload")
    return None


def _up(url):
    import requests

    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def start_emulator(python, port, host="127.0.0.1", log=None):
    proc = subprocess.Popen(
        [python, "-m", "emulator", "--host", host, "--port", str(port)],
        cwd=REPO,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    devenv.wait_for(
        lambda: _up(f"http://127.0.0.1:{port}/emulator/v1/health"), 30, "emulator"
    )
    return proc


def start_odoo(
    python,
    conf,
    db,
    http_port,
    *,
    workers=0,
    cron_threads=0,
    gevent_port=None,
    log_path=None,
    extra=(),
):
    """An Odoo server; with workers, the bus websocket lives on gevent_port."""
    args = [
        "-d",
        db,
        "--db-filter",
        f"^{db}$",
        "--http-port",
        str(http_port),
        "--workers",
        str(workers),
        "--max-cron-threads",
        str(cron_threads),
        "--log-level=warn",
        *extra,
    ]
    if workers:
        gevent_port = gevent_port or free_port()
        args += ["--gevent-port", str(gevent_port)]
    stderr = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        devenv.odoo_cmd(python, conf, *args),
        cwd="/",
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    devenv.wait_for(
        lambda: _up(f"http://127.0.0.1:{http_port}/web/health"), 180, "Odoo"
    )
    if workers:
        devenv.wait_for(lambda: _listening(gevent_port), 60, "Odoo's bus process")
    return proc


def _listening(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(*procs):
    for proc in procs:
        if proc and proc.poll() is None:
            proc.terminate()
    for proc in procs:
        if proc:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def odoo_shell(python, conf, db, script, what):
    """Run `script` in `odoo shell` on `db`; its stdout."""
    proc = devenv.run(
        [python, "-m", "odoo", "shell", "-c", conf, "-d", db, "--no-http"],
        input=script,
        text=True,
        capture_output=True,
        cwd="/",
        check=False,
    )
    if proc.returncode:
        sys.exit(f"{what} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def configure(odoo, emu, site="MLA", api_mode="orders", products=(), open_ui=True):
    """Set the database up as an administrator would, for `site`; returns what
    the callers need to sell: ids, tokens and the cashbox's external id."""
    import requests

    country_code = SAMPLE_STORES[site][0]
    currency_code = SITES[site].currency
    remote = requests.post(
        f"{emu}/emulator/v1/accounts", json={"site_id": site}, timeout=10
    ).json()
    odoo.call("ir.config_parameter", "set_param", "web.base.url", odoo.url)
    # The account's API is the emulator: a URL Odoo takes only when allowed.
    odoo.call("ir.config_parameter", "set_param", ALLOW_CUSTOM_API_URL, "1")
    company = odoo.call("res.users", "read", [2], ["company_id"])[0]["company_id"][0]
    currency = odoo.call(
        "res.currency",
        "search",
        [["name", "=", currency_code]],
        context={"active_test": False},
    )
    odoo.call("res.currency", "write", currency, {"active": True})
    country = odoo.call("res.country", "search", [["code", "=", country_code]])
    odoo.call(
        "res.company",
        "write",
        [company],
        {"currency_id": currency[0], "country_id": country[0]},
    )
    account = odoo.call(
        "mercado.pago.qr.account",
        "create",
        {
            "name": f"Mercado Pago ({site}, emulator)",
            "access_token": remote["access_token"],
            "webhook_secret": remote["webhook_secret"],
            "api_base_url": emu,
            "api_mode": api_mode,
        },
    )
    odoo.call("mercado.pago.qr.account", "action_test_connection", [account])
    store = odoo.call(
        "mercado.pago.qr.store",
        "create",
        {
            "name": "Sucursal Centro",
            "account_id": account,
            **sample_store_fields(site),
        },
    )
    odoo.call("mercado.pago.qr.store", "action_sync", [store])
    config = odoo.call("pos.config", "create", {"name": "Caja 1"})
    cashbox = odoo.call(
        "mercado.pago.qr.cashbox",
        "create",
        {"name": "Caja 1", "store_id": store, "pos_config_id": config},
    )
    odoo.call("mercado.pago.qr.cashbox", "action_sync", [cashbox])
    journal = odoo.call("account.journal", "search", [["type", "=", "bank"]], limit=1)
    method = odoo.call(
        "pos.payment.method",
        "create",
        {
            "name": "Mercado Pago QR",
            "payment_method_type": "terminal",
            "use_payment_terminal": "mercado_pago_qr",
            "mp_qr_account_id": account,
            "journal_id": journal[0],
        },
    )
    odoo.call("pos.config", "write", [config], {"payment_method_ids": [[4, method]]})
    for name, price in products:
        odoo.call(
            "product.product",
            "create",
            {
                "name": name,
                "list_price": price,
                "available_in_pos": True,
                "taxes_id": [[5, 0, 0]],
            },
        )
    if open_ui:
        odoo.call("pos.config", "open_ui", [config])
    info = odoo.call(
        "pos.config", "read", [config], ["current_session_id", "access_token"]
    )[0]
    hook = odoo.call("mercado.pago.qr.account", "read", [account], ["webhook_url"])[0]
    requests.patch(
        f"{emu}/emulator/v1/accounts/{remote['user_id']}",
        json={"webhook_url": hook["webhook_url"]},
        timeout=10,
    ).raise_for_status()
    ext = odoo.call("mercado.pago.qr.cashbox", "read", [cashbox], ["external_id"])[0]
    return {
        "config": config,
        "account": account,
        "method": method,
        "session": info["current_session_id"] and info["current_session_id"][0],
        "token": info["access_token"],
        "external_pos_id": ext["external_id"],
        "user_id": remote["user_id"],
        "access_token": remote["access_token"],
        "webhook_secret": remote["webhook_secret"],
        "webhook_url": hook["webhook_url"],
        "currency": currency_code,
    }
