"""Static checks of the addon's files, without Odoo: manifest, XML, CSV, assets."""

import ast
import csv
import re
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
MODULE = "pos_mercado_pago_qr"


def manifest():
    return ast.literal_eval((ROOT / "__manifest__.py").read_text())


def test_manifest_data_files_exist_and_are_listed_once():
    data = manifest().get("data", [])
    assert len(data) == len(set(data))
    for rel in data:
        assert (ROOT / rel).is_file(), rel


def test_assets_split_like_core_payment_terminals():
    assets = manifest()["assets"]
    pos = assets["point_of_sale._assets_pos"]
    tests = assets["web.assets_tests"]
    # Never ship tests (or the whole static folder) in the POS bundle.
    assert f"{MODULE}/static/**/*" not in pos
    assert not [p for p in pos if "/static/tests/" in p]
    assert all(p.startswith(f"{MODULE}/static/src/") for p in pos if isinstance(p, str))
    assert all(p.startswith(f"{MODULE}/static/tests/") for p in tests)


def test_every_asset_glob_matches_files():
    for bundle, paths in manifest()["assets"].items():
        for pattern in paths:
            rel = pattern.removeprefix(f"{MODULE}/")
            assert list(ROOT.glob(rel)), f"{bundle}: {pattern} matches nothing"


def _xml_files():
    return sorted(
        p
        for p in ROOT.rglob("*.xml")
        if not {"var", "node_modules"} & set(p.relative_to(ROOT).parts)
    )


def test_xml_well_formed_with_header():
    for path in _xml_files():
        text = path.read_text()
        assert text.startswith('<?xml version="1.0" encoding="UTF-8" ?>'), path
        etree.fromstring(text.encode())


def test_access_csv_shape():
    path = ROOT / "security" / "ir.model.access.csv"
    with path.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "id",
        "name",
        "model_id:id",
        "group_id:id",
        "perm_read",
        "perm_write",
        "perm_create",
        "perm_unlink",
    ]
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == len(set(ids))
    for row in rows[1:]:
        assert len(row) == 8, row
        assert row[2].startswith("model_"), row
        assert all(v in ("0", "1") for v in row[4:]), row


def test_neutralize_sql_present():
    sql = (ROOT / "data" / "neutralize.sql").read_text()
    # Only UPDATEs: neutralizing must never delete a merchant's records.
    statements = [
        s.strip() for s in re.sub(r"--[^\n]*", "", sql).split(";") if s.strip()
    ]
    assert all(s.upper().startswith("UPDATE ") for s in statements), statements


def test_python_files_import_no_odoo_in_pure_packages():
    for package in ("mercado_pago", "emulator"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                assert not [n for n in names if n.split(".")[0] == "odoo"], path


def test_emulator_shares_no_code_with_client():
    for path in (ROOT / "emulator").rglob("*.py"):
        text = path.read_text()
        imports = re.findall(r"^\s*(?:from|import)\s+(\.*\w+)", text, re.MULTILINE)
        assert not [i for i in imports if i.lstrip(".") == "mercado_pago"], path
