"""The addon stays small enough to read: no file in models/ or mercado_pago/
over 500 lines, no Python function of the addon over 60 lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
PYTHON = sorted(
    p
    for folder in ("models", "controllers", "mercado_pago")
    for p in (ROOT / folder).glob("*.py")
)


def rel(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize(
    "path",
    [p for p in PYTHON if p.parent.name in ("models", "mercado_pago")],
    ids=rel,
)
def test_file_size(path):
    assert len(path.read_text().splitlines()) <= MAX_FILE_LINES


@pytest.mark.parametrize("path", PYTHON, ids=rel)
def test_function_size(path):
    long = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                long.append(f"{node.name} ({node.end_lineno - start + 1} lines)")
    assert not long


def test_only_the_attempts_move_writes_its_state():
    """Every state change of an attempt goes through _move: no other code of
    the attempt's files assigns `state` or writes or creates with it."""
    files = ["mercado_pago_qr_attempt.py", "mercado_pago_qr_push.py"]
    files += ["mercado_pago_qr_reconciliation.py", "pos_payment_method.py"]
    writers = []
    for name in files:
        tree = ast.parse((ROOT / "models" / name).read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef) or func.name == "_move":
                continue
            for node in ast.walk(func):
                assigns = isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "state"
                    for t in node.targets
                )
                writes = (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("write", "create", "update")
                    and any(
                        isinstance(arg, ast.Dict)
                        and any(
                            isinstance(k, ast.Constant) and k.value == "state"
                            for k in arg.keys
                        )
                        for arg in node.args
                    )
                )
                if assigns or writes:
                    writers.append(f"{name}:{func.name}")
    assert writers == []
