"""The wheel holds what Odoo runs and nothing else (tools/wheel_backend.py)."""

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "pos_mercado_pago_qr"
ADDON = f"odoo/addons/{MODULE}/"
RUNTIME = {
    "__init__.py",
    "__manifest__.py",
    "README.md",
    "controllers",
    "data",
    "i18n",
    "mercado_pago",
    "models",
    "readme",
    "security",
    "static",
    "views",
}


def checkout_files():
    """The files of the checkout, as git sees them (new ones included)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name for name in out.splitlines() if (ROOT / name).is_file()}


def test_the_wheel_holds_only_what_odoo_runs(tmp_path):
    # whool names the addon after its folder, whatever the checkout's is.
    source = tmp_path / MODULE
    files = checkout_files()
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            tmp_path / "dist",
            source,
        ],
        check=True,
    )
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    addon = {n[len(ADDON) :] for n in names if n.startswith(ADDON)}
    assert {n.split("/")[0] for n in names if not n.startswith(ADDON)} == {
        f"odoo_addon_{MODULE}-19.0.1.0.0.dist-info"
    }
    # Every file of the runtime folders, and nothing else.
    assert addon == {n for n in files if n.split("/")[0] in RUNTIME}
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text())
    assert set(manifest["data"]) <= addon
