"""`make i18n`: export the .pot from a real Odoo 19 and merge it into es and pt_BR.

The module is exported from a clean copy of the files Odoo ships (what git
tracks, less the developer folders), so the export never walks var/ or
node_modules. Existing translations are kept; new terms arrive untranslated and
the pure tier's translation test fails until someone translates them.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import devenv
from devenv import MODULE, REPO, VAR, log

LANGS = ("es", "pt_BR")
NOT_SHIPPED = ("tests_pure/", "tools/", ".ci/", "emulator/", "readme/")


def shipped_files():
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return [f for f in out if f and not f.startswith(NOT_SHIPPED)]


def export_pot(python, pg, odoo_pkg):
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / MODULE
        for rel in shipped_files():
            src = REPO / rel
            if src.is_file():
                (copy / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, copy / rel)
        addons = ",".join([tmp] + devenv.addons_path(odoo_pkg).split(",")[1:])
        conf = devenv.write_odoo_conf(VAR / "odoo-i18n.conf", pg, addons)
        db = f"{MODULE}_i18n"
        pg.copy_db(f"{MODULE}_base_pos", db)
        env = dict(os.environ)
        odoo = [str(python), "-m", "odoo"]
        devenv.run(
            odoo
            + ["server", "-c", conf, "-d", db, "-i", MODULE, "--stop-after-init"]
            + ["--log-level=warn"],
            env=env,
            cwd="/",
        )
        devenv.run(
            odoo + ["i18n", "export", "-c", conf, "-d", db, MODULE], env=env, cwd="/"
        )
        pg.drop_db(db)
        shutil.copy2(copy / "i18n" / f"{MODULE}.pot", REPO / "i18n" / f"{MODULE}.pot")


def merge(lang):
    import polib

    pot = polib.pofile(str(REPO / "i18n" / f"{MODULE}.pot"))
    path = REPO / "i18n" / f"{lang}.po"
    old = {}
    if path.exists():
        old = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(path))}
    po = polib.POFile(wrapwidth=78)
    po.metadata = dict(pot.metadata, Language=lang)
    for entry in pot:
        known = old.get((entry.msgctxt, entry.msgid))
        entry.msgstr = known.msgstr if known else ""
        po.append(entry)
    po.save(str(path))
    missing = len([e for e in po if not e.msgstr])
    log(f"i18n/{lang}.po: {len(po)} terms, {missing} untranslated")


def main():
    python, odoo_pkg, pg = devenv.odoo_with_base_db("i18n")
    export_pot(python, pg, odoo_pkg)
    for lang in LANGS:
        merge(lang)


if __name__ == "__main__":
    main()
