"""The documents say what the code does: README.md is made from the readme/
fragments (tools/readme.py), and ARCHITECTURE.md's trace and transition table
name what exists."""

import importlib.util
import re
from pathlib import Path

from mercado_pago.transitions import TRANSITIONS

ROOT = Path(__file__).resolve().parent.parent


def test_readme_is_made_from_the_fragments():
    spec = importlib.util.spec_from_file_location("readme", ROOT / "tools/readme.py")
    readme = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme)
    text = (ROOT / "README.md").read_text()
    assert text == readme.render(), "run: python3 tools/readme.py"
    assert len(text.encode()) < 10_000  # under 10 KB, read either way


def architecture():
    return (ROOT / "ARCHITECTURE.md").read_text()


def test_the_trace_of_a_payment_names_at_most_8_files_that_exist():
    trace = architecture().split("## One payment, file by file")[1].split("\n## ")[0]
    steps = re.findall(r"^\d+\. `([^`]+)`", trace, flags=re.MULTILINE)
    assert 1 <= len(steps) <= 8
    for path in steps:
        assert (ROOT / path).is_file(), path


def test_the_transition_table_is_the_codes():
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \|", architecture(), re.MULTILINE)
    assert sorted(rows) == sorted(TRANSITIONS)
