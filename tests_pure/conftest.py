"""Shared fixtures for the pure-Python tier (no Odoo needed)."""

import os
import sys

# The repository root holds the pure packages (emulator/, mercado_pago/).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# --- emulator fixtures (tests_pure/emulator_fixtures.py) ---------------------------
from emulator_fixtures import (  # noqa: F401
    emu,
    emulator_server,
    sink,
    sink_server,
)

# --- Mercado Pago client fixtures (tests_pure/client_fixtures.py) ------------------
# isort: split
from client_fixtures import mp_server  # noqa: F401
