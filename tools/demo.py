"""`make demo`: a working POS with Mercado Pago QR, against the emulator.

Starts the private PostgreSQL cluster, the emulator and Odoo with a demo
database (one per site) where the module is installed and configured: a
company of the site's country and currency, a Mercado Pago account at the
emulator, a store, a cashbox bound to the POS "Caja 1" with the Mercado Pago QR
method, and a few products. A second run reuses the database and the
emulator's state; RESET=1 starts over. Ctrl-C stops everything.

Environment: SITE (MLA, MLB, MLM, MLC, MCO, MPE, MLU; default MLA), HTTP_PORT
(8069), EMULATOR_PORT (8099), RESET (1 to start over).
"""

import json
import os
import signal
import sys
import time

import devenv
import live
from devenv import MODULE, VAR, log

# A few products per site, priced in its currency (CLP and COP have no cents).
PRODUCTS = {
    "MLA": [("Café con leche", 2500), ("Medialuna", 900), ("Alfajor", 1500)],
    "MLB": [("Café com leite", 8.5), ("Pão de queijo", 6.9), ("Brigadeiro", 4.5)],
    "MLM": [("Café de olla", 45), ("Concha", 22.5), ("Tamal", 35)],
    "MLC": [("Café cortado", 2500), ("Sopaipilla", 800), ("Empanada", 2900)],
    "MCO": [("Tinto", 3000), ("Buñuelo", 2500), ("Arepa", 6000)],
    "MPE": [("Café pasado", 7.5), ("Alfajor", 4.5), ("Empanada", 8.9)],
    "MLU": [("Café", 120), ("Bizcocho", 45), ("Alfajor", 90)],
}
DEMO_PRODUCT = {site: products[1][0] for site, products in PRODUCTS.items()}


def settings():
    site = os.environ.get("SITE", "MLA").upper()
    if site not in live.SAMPLE_STORES:
        sys.exit(f"SITE must be one of {', '.join(live.SAMPLE_STORES)}; got {site}.")
    return {
        "site": site,
        "http_port": int(os.environ.get("HTTP_PORT", "8069")),
        "emulator_port": int(os.environ.get("EMULATOR_PORT", "8099")),
        "reset": os.environ.get("RESET", "") not in ("", "0"),
        "db": f"{MODULE}_demo_{site.lower()}",
    }


def reconnect(odoo, emu, info):
    """A reused database: point the account at this run's emulator and the
    emulator's account at this run's Odoo (the ports may have changed)."""
    import requests

    odoo.call("ir.config_parameter", "set_param", "web.base.url", odoo.url)
    odoo.call("ir.config_parameter", "set_param", live.ALLOW_CUSTOM_API_URL, "1")
    odoo.call(
        "mercado.pago.qr.account", "write", [info["account"]], {"api_base_url": emu}
    )
    hook = odoo.call(
        "mercado.pago.qr.account", "read", [info["account"]], ["webhook_url"]
    )[0]["webhook_url"]
    requests.patch(
        f"{emu}/emulator/v1/accounts/{info['user_id']}",
        json={"webhook_url": hook},
        timeout=10,
    ).raise_for_status()
    session = odoo.call("pos.config", "read", [info["config"]], ["current_session_id"])[
        0
    ]["current_session_id"]
    if not session:
        odoo.call("pos.config", "open_ui", [info["config"]])


def start(cfg, command="demo", packages=("postgresql",)):
    """Everything up; returns (processes, info, urls). Used by demo_check too."""
    python, odoo_pkg, pg = devenv.odoo_with_base_db(command, packages)
    demo_dir = VAR / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    conf = devenv.write_odoo_conf(
        VAR / "odoo-demo.conf", pg, devenv.addons_path(odoo_pkg)
    )
    db = cfg["db"]
    info_file = demo_dir / f"{db}.json"
    state_file = demo_dir / f"emulator-{cfg['site'].lower()}.json"
    fresh = cfg["reset"] or not pg.db_exists(db) or not info_file.exists()
    if fresh:
        state_file.unlink(missing_ok=True)
        info_file.unlink(missing_ok=True)
        devenv.install_copy(python, pg, conf, db)
    import subprocess

    emu_url = f"http://127.0.0.1:{cfg['emulator_port']}"
    emulator = subprocess.Popen(
        [
            python,
            "-m",
            "emulator",
            "--port",
            str(cfg["emulator_port"]),
            "--state-file",
            state_file,
        ],
        cwd=devenv.REPO,
        stdout=open(demo_dir / "emulator.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    try:
        devenv.wait_for(
            lambda: live._up(f"{emu_url}/emulator/v1/health"), 30, "the emulator"
        )
        server = live.start_odoo(
            python,
            conf,
            db,
            cfg["http_port"],
            log_path=demo_dir / "odoo.log",
        )
    except Exception:
        live.stop(emulator)
        raise
    odoo_url = f"http://127.0.0.1:{cfg['http_port']}"
    odoo = live.Odoo(odoo_url, db)
    try:
        odoo.login()
        if fresh:
            log(f"configuring the demo for {cfg['site']}")
            info = live.configure(
                odoo, emu_url, site=cfg["site"], products=PRODUCTS[cfg["site"]]
            )
            info_file.write_text(json.dumps(info, indent=2))
        else:
            info = json.loads(info_file.read_text())
            reconnect(odoo, emu_url, info)
    except Exception:
        live.stop(server, emulator)
        raise
    urls = {
        "backend": f"{odoo_url}/odoo",
        "pos": f"{odoo_url}/pos/ui?config_id={info['config']}",
        "customer_display": f"{odoo_url}/pos_customer_display/{info['config']}/"
        f"{info['token']}",
        "customer_page": f"{emu_url}/emulator/customer/{info['external_pos_id']}"
        f"?user_id={info['user_id']}",
        "transactions": f"{odoo_url}/odoo/action-pos_mercado_pago_qr."
        "action_mercado_pago_qr_attempt",
    }
    return (server, emulator), info, urls


def main():
    cfg = settings()
    procs, info, urls = start(cfg)
    print(
        f"""
Mercado Pago QR demo ({cfg["site"]}, {info["currency"]}) is running.

  Backend            {urls["backend"]}
  Point of Sale      {urls["pos"]}
  Customer display   {urls["customer_display"]}
                     (in the same browser as the POS)
  Customer page      {urls["customer_page"]}
                     (the emulator's Mercado Pago app: pay what waits on the QR)
  Login              admin / admin   (a local demo only)

Sell in "Caja 1", pay with "Mercado Pago QR", press Send, then pay on the
customer page. Ctrl-C stops everything; `make demo RESET=1` starts over.
""",
        flush=True,
    )
    stopping = []

    def on_signal(_signum, _frame):
        stopping.append(True)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        log("stopping Odoo and the emulator")
        live.stop(*procs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
