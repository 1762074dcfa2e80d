"""The chaos and fuzz suites, reduced, against a live Odoo with two HTTP
workers and a cron worker (see tools/chaos.py; `make chaos` is the full size).

A plain pytest test (collected by pytest-odoo, not imported by Odoo's own test
loader): Odoo and the emulator run as subprocesses on a copy of the tier's
base database.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import chaos


def test_chaos_and_fuzz_keep_the_books():
    report = chaos.run(
        checkouts=120, tours=0, fuzz_n=10000, seed=20261126, name="chaos_tier"
    )
    assert report["problems"] == [], report
    stats = report["stats"]
    # The run exercised what it claims: payments, rejections, cancels and
    # refunds. (Browser sales are in `make chaos`: a second Chromium does not
    # start inside the tier's pytest process, next to the tours' own.)
    assert stats["ended_paid"] > 40, stats
    assert stats["ended_rejected"] > 0 and stats["ended_cancelled"] > 0, stats
    assert stats["refunds_asked"] > 0, stats
    assert report["totals"]["payments"] >= stats["ended_paid"], report
    fuzz = report["fuzz"]
    assert fuzz["requests"] == 10000 and fuzz["server_errors"] == 0, fuzz
    assert not fuzz["changed"], fuzz
