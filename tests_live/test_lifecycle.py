"""The module installs and uninstalls cleanly on a fresh Odoo 19 database.

It runs Odoo in subprocesses against a database copied from the tier's
base database (point_of_sale only), so the install is the module's first.
"""

import os
import subprocess
import sys

import devenv
import pytest

DB = f"{devenv.MODULE}_lifecycle"

CHECK = """
import json
mod = env["ir.module.module"].search([("name", "=", "{module}")])
print("STATE=" + json.dumps({{
    "state": mod.state,
    "xmlids": env["ir.model.data"].search_count([("module", "=", "{module}")]),
    "models": env["ir.model"].search_count([("model", "=like", "mercado.pago.qr.%")]),
}}))
"""

UNINSTALL = """
env["ir.module.module"].search([("name", "=", "{module}")]).button_immediate_uninstall()
env.cr.commit()
"""


def _odoo(*args, stdin=None):
    conf = os.environ["ODOO_RC"]
    res = subprocess.run(
        [sys.executable, "-m", "odoo", *args, "-c", conf, "-d", DB, "--no-http"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd="/",
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def _state():
    out = _odoo("shell", stdin=CHECK.format(module=devenv.MODULE))
    line = next(x for x in out.splitlines() if x.startswith("STATE="))
    import json

    return json.loads(line[len("STATE=") :])


@pytest.fixture
def fresh_db():
    pg = devenv.PgCluster()
    template = os.environ[f"{devenv.MODULE.upper()}_TEMPLATE_DB"]
    pg.copy_db(template, DB)
    yield
    pg.drop_db(DB)


def test_install_then_uninstall(fresh_db):
    assert _state()["state"] == "uninstalled"
    _odoo("server", "-i", devenv.MODULE, "--stop-after-init", "--log-level=warn")
    installed = _state()
    assert installed["state"] == "installed"
    _odoo("shell", stdin=UNINSTALL.format(module=devenv.MODULE))
    after = _state()
    assert after["state"] == "uninstalled"
    assert after["xmlids"] == 0
    assert after["models"] == 0
