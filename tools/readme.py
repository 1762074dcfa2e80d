"""README.md from the OCA fragments in readme/, so both say the same things.

python3 tools/readme.py writes it; tests_pure/test_readme.py checks it is current.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    ("Quick start", "INSTALL.md"),
    ("What it does", "DESCRIPTION.md"),
    ("Configure", "CONFIGURE.md"),
    ("Use", "USAGE.md"),
    ("Develop", "DEVELOP.md"),
    ("Contributors", "CONTRIBUTORS.md"),
]
HEADER = (
    "# POS Mercado Pago QR (`pos_mercado_pago_qr`)\n\n"
    "<!-- Made by tools/readme.py from readme/*.md: edit those. -->\n"
)


def render():
    parts = [HEADER]
    for title, name in SECTIONS:
        text = (ROOT / "readme" / name).read_text().strip()
        parts.append(f"\n## {title}\n\n{text}\n" if title else f"\n{text}\n")
    return "".join(parts)


if __name__ == "__main__":
    (ROOT / "README.md").write_text(render())
