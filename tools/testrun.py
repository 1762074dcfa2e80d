"""`make test`: the pure tier, then the Odoo tier when Odoo 19 is found.

Usage: python3 tools/testrun.py [--odoo auto|required|skip] [--tier pure|odoo|all]
       [-- extra pytest args for the Odoo tier]

Prints one summary per tier and a final verdict; after every Odoo-tier run it
writes var/stamps/odoo-tier as "<git HEAD sha> <passed|failed>".
"""

import argparse
import os
import re
import subprocess
import sys
import time

import devenv
from devenv import MODULE, REPO, VAR, log

TEMPLATE_DB = devenv.BASE_DB
TEST_DB = f"{MODULE}_test"
# pytest's exit code when it collected nothing: an empty tier must not pass.
PYTEST_NO_TESTS = 5


class Tier:
    def __init__(self, name):
        self.name = name
        self.steps = []  # (label, ok, detail)

    def add(self, label, ok, detail=""):
        self.steps.append((label, ok, detail))

    @property
    def ok(self):
        return bool(self.steps) and all(ok for _, ok, _ in self.steps)

    def summary(self):
        print(f"\n==== {self.name} tier summary ====")
        for label, ok, detail in self.steps:
            print(f"  {'PASS' if ok else 'FAIL'}  {label}  {detail}")
        print(f"==== {self.name} tier: {'PASSED' if self.ok else 'FAILED'} ====")


def pytest_step(tier, label, cmd, env=None, cwd=REPO):
    log(f"{label}: {' '.join(str(c) for c in cmd)}")
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    last = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        if re.search(r"\b(passed|failed|error|no tests ran)\b", line):
            last = line.strip().strip("=").strip()
    code = proc.wait()
    took = f"({time.monotonic() - started:.0f}s)"
    if code == PYTEST_NO_TESTS:
        tier.add(label, False, f"no tests collected {took}")
    else:
        tier.add(label, code == 0, f"{last} {took}")
    return code


def command_step(tier, label, cmd, cwd=REPO):
    log(f"{label}: {' '.join(str(c) for c in cmd)}")
    code = devenv.run(cmd, check=False, cwd=cwd).returncode
    tier.add(label, code == 0, "" if code == 0 else f"exit {code}")
    return code


def pure_tier(venv_python):
    tier = Tier("pure")
    pytest_step(
        tier,
        "pytest tests_pure",
        # Run from tests_pure (its pytest.ini makes it the rootdir) so pytest
        # never imports the addon's root package, which needs Odoo.
        [venv_python, "-m", "pytest", "-q", "."],
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        cwd=REPO / "tests_pure",
    )
    command_step(tier, "make lint", ["make", "--no-print-directory", "lint"])
    return tier


def prepare_databases(python, pg, conf, env):
    """A base database with point_of_sale (cached), then a fresh test copy."""
    devenv.ensure_base_db(python, pg, conf, env)
    devenv.install_copy(python, pg, conf, TEST_DB, env=env)


def odoo_tier(venv_python, odoo, pytest_args):
    tier = Tier("Odoo")
    pg = devenv.PgCluster()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    try:
        pg.ensure_running()
        addons = devenv.addons_path(odoo.package)
        conf = devenv.write_odoo_conf(VAR / "odoo-test.conf", pg, addons)
        env["ODOO_RC"] = str(conf)
        env[f"{MODULE.upper()}_TEMPLATE_DB"] = TEMPLATE_DB
        prepare_databases(venv_python, pg, conf, env)
        tier.add(f"install {MODULE} on a fresh database", True)
    except (subprocess.CalledProcessError, OSError) as exc:
        tier.add("prepare PostgreSQL and the test database", False, str(exc))
        return tier
    # tests_live/ runs Odoo as processes with the tools; under the module's
    # name, like tests/, so that pytest-odoo names its modules the same way.
    tests = [devenv.module_link() / "tests", devenv.module_link() / "tests_live"]
    pytest_step(
        tier,
        "pytest-odoo tests/ (TransactionCase, HttpCase tours, install/uninstall)",
        [
            venv_python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--odoo-database",
            TEST_DB,
            "--odoo-http",
            "--odoo-log-level",
            "warn",
            *pytest_args,
            *tests,
        ],
        env=env,
    )
    return tier


def git_head():
    res = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return res.stdout.strip() or "no-commit"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--odoo", choices=("auto", "required", "skip"), default="auto")
    parser.add_argument("--tier", choices=("all", "pure", "odoo"), default="all")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()

    odoo, why = None, "not asked for"
    if args.tier in ("all", "odoo") and args.odoo != "skip":
        odoo, why = devenv.find_odoo()
        if odoo is not None:
            try:
                # Odoo's tours run in headless Chromium.
                devenv.ensure_system_packages(
                    ("postgresql", "chromium"), "the Odoo tier"
                )
            except devenv.MissingSystemPackages as error:
                odoo, why = None, str(error)
    venv_python = devenv.test_python(odoo)
    tiers = []
    if args.tier in ("all", "pure"):
        tiers.append(pure_tier(venv_python))

    odoo_verdict = "skipped" if args.tier != "pure" and args.odoo != "skip" else "off"
    if args.tier in ("all", "odoo") and args.odoo != "skip":
        if odoo is None:
            print("\n" + "!" * 72)
            print(f"!! Odoo tier SKIPPED: {why}")
            print("!" * 72)
            if args.odoo == "required":
                odoo_verdict = "missing"
        else:
            log(f"Odoo 19 from {odoo.origin}")
            tier = odoo_tier(venv_python, odoo, args.pytest_args)
            tiers.append(tier)
            odoo_verdict = "passed" if tier.ok else "failed"
            stamp = VAR / "stamps" / "odoo-tier"
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(f"{git_head()} {odoo_verdict}\n")

    for tier in tiers:
        tier.summary()
    ok = all(t.ok for t in tiers) and odoo_verdict != "missing"
    if odoo_verdict == "missing":
        print("Odoo tier REQUIRED (ODOO=required) but no Odoo 19 was found.")
    elif odoo_verdict == "skipped":
        print("Odoo tier SKIPPED: no Odoo 19 found; the pure tier decides.")
    elif odoo_verdict == "off":
        print("Odoo tier not run (asked for the pure tier only).")
    print(f"\nVERDICT: {'PASSED' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
