"""Tests that run Odoo and the emulator as processes, with the developer tools
(tools/): part of the Odoo tier, outside the addon, never shipped."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
