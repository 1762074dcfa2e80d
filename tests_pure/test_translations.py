"""Every UI string ships in Spanish and Brazilian Portuguese, placeholders intact."""

import re
from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parent.parent / "i18n"
POT = I18N / "pos_mercado_pago_qr.pot"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def _key(entry):
    return (entry.msgctxt, entry.msgid)


def test_template_has_the_ui_strings():
    pot = polib.pofile(str(POT))
    ids = {e.msgid for e in pot}
    # A few strings from Python, views and the POS's JavaScript.
    for expected in ("Test connection", "Print QR sticker", "Mercado Pago QR"):
        assert expected in ids


@pytest.mark.parametrize("lang", ["es", "pt_BR"])
def test_every_string_is_translated(lang):
    pot = polib.pofile(str(POT))
    po = {_key(e): e for e in polib.pofile(str(I18N / f"{lang}.po"))}
    missing = [e.msgid for e in pot if _key(e) not in po or not po[_key(e)].msgstr]
    assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:3]}"


@pytest.mark.parametrize("lang", ["es", "pt_BR"])
def test_placeholders_survive_translation(lang):
    for entry in polib.pofile(str(I18N / f"{lang}.po")):
        if entry.msgstr:
            assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
                PLACEHOLDER.findall(entry.msgstr)
            ), entry.msgid
