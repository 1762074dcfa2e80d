"""The developer environment shared by `make test`, `make demo` and `make bench`.

Finds the machine's Odoo 19, prepares virtualenvs under var/, runs a private
PostgreSQL cluster under var/pg and exposes the checkout under the module's
technical name through a temporary addons path. Standard library only: it runs
before any virtualenv exists.
"""

import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULE = "pos_mercado_pago_qr"
REPO = Path(__file__).resolve().parent.parent
VAR = REPO / "var"
DB_USER = "odoo"


def log(msg):
    print(f"[{MODULE}] {msg}", file=sys.stderr, flush=True)


def run(cmd, check=True, **kwargs):
    return subprocess.run([str(c) for c in cmd], check=check, **kwargs)


# --- virtualenvs -------------------------------------------------------------


def ensure_venv(name, requirements, system_site_packages):
    """Create var/<name> and install `requirements` once per content change."""
    venv = VAR / name
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating virtualenv var/{name}")
        args = [sys.executable, "-m", "venv", venv]
        if system_site_packages:
            # Sees the machine's Odoo and its pinned dependencies.
            args.insert(3, "--system-site-packages")
        run(args)
    req = REPO / requirements
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    stamp = venv / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text() != digest:
        log(f"installing {requirements} into var/{name}")
        env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
        run([python, "-m", "pip", "install", "-q", "-r", req], env=env)
        stamp.write_text(digest)
    return python


# --- Odoo --------------------------------------------------------------------


def find_odoo(python):
    """Return (odoo package dir, extra PYTHONPATH) for Odoo 19, or None.

    ODOO_SRC names an Odoo source tree; otherwise `import odoo` must work in
    the given interpreter.
    """
    src = os.environ.get("ODOO_SRC")
    env = dict(os.environ)
    extra = []
    if src:
        extra = [str(Path(src).resolve())]
        env["PYTHONPATH"] = os.pathsep.join(extra + [env.get("PYTHONPATH", "")])
    probe = (
        "import odoo.release, os, sys; "
        "v = odoo.release.version_info; "
        "print(os.path.dirname(odoo.release.__file__)) if v[0] == 19 else sys.exit(3)"
    )
    res = subprocess.run(
        [str(python), "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        return None
    return Path(res.stdout.strip()), extra


def module_link():
    """The checkout under the module's technical name, in a temporary folder.

    Outside the repository on purpose: a link inside it would make a loop for
    tools that walk the module following links (Odoo's translation export).
    """
    digest = hashlib.sha1(str(REPO).encode()).hexdigest()[:10]
    link_dir = Path(tempfile.gettempdir()) / f"{MODULE}-addons-{digest}"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / MODULE
    if link.is_symlink() and link.resolve() != REPO:
        link.unlink()
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    return link


def addons_path(odoo_pkg):
    """Our module under its technical name, then Odoo's own addons folders."""
    paths = [module_link().parent, odoo_pkg / "addons"]
    community = odoo_pkg.parent / "addons"
    if (community / "point_of_sale").is_dir():
        paths.append(community)
    return ",".join(str(p) for p in paths)


# --- PostgreSQL --------------------------------------------------------------


def _pg_bindir():
    for cand in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (cand / "pg_ctl").exists():
            return cand
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    return None


class PgCluster:
    """A private cluster under var/pg, reached only through its unix socket."""

    def __init__(self):
        self.bindir = _pg_bindir()
        self.root = VAR / "pg"
        self.port = 5432  # no TCP listener: the port only names the socket
        self.owner = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            for name in ("postgres", "nobody"):
                try:
                    self.owner = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue

    @property
    def available(self):
        return self.bindir is not None

    @property
    def data(self):
        return self.root / "data"

    @property
    def socket_dir(self):
        return self.root / "run"

    def _as_owner(self, cmd):
        cmd = [str(c) for c in cmd]
        if self.owner is None:
            return cmd
        return ["runuser", "-u", self.owner.pw_name, "--"] + cmd

    def _owner_can_reach(self, path):
        if self.owner is None:
            return True
        res = run(
            self._as_owner(["test", "-x", path]), check=False, capture_output=True
        )
        return res.returncode == 0

    def _place(self):
        """var/pg must be reachable by the cluster's owner; else live in /tmp."""
        VAR.mkdir(exist_ok=True)
        if self.root.exists() or self.root.is_symlink():
            return
        if self._owner_can_reach(VAR):
            self.root.mkdir()
        else:
            digest = hashlib.sha1(str(REPO).encode()).hexdigest()[:10]
            outside = Path(tempfile.gettempdir()) / f"{MODULE}-pg-{digest}"
            outside.mkdir(exist_ok=True)
            self.root.symlink_to(outside, target_is_directory=True)
            log(f"var/ is not reachable by {self.owner.pw_name}: cluster in {outside}")
        if self.owner is not None:
            os.chown(self.root.resolve(), self.owner.pw_uid, self.owner.pw_gid)

    def ensure_running(self):
        self._place()
        if not (self.data / "PG_VERSION").exists():
            log("initdb: private PostgreSQL cluster in var/pg")
            for d in (self.data, self.socket_dir):
                d.mkdir(parents=True, exist_ok=True)
                if self.owner is not None:
                    os.chown(d, self.owner.pw_uid, self.owner.pw_gid)
            run(
                self._as_owner(
                    [
                        self.bindir / "initdb",
                        "-D",
                        self.data,
                        "-U",
                        DB_USER,
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C",
                    ]
                ),
                stdout=subprocess.DEVNULL,
            )
        if self.is_running():
            return
        opts = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            f"-c port={self.port} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        run(
            self._as_owner(
                [
                    self.bindir / "pg_ctl",
                    "-D",
                    self.data,
                    "-l",
                    self.root / "postgres.log",
                    "-o",
                    opts,
                    "-w",
                    "start",
                ]
            ),
            stdout=subprocess.DEVNULL,
        )

    def is_running(self):
        res = run(
            self._as_owner([self.bindir / "pg_ctl", "-D", self.data, "status"]),
            check=False,
            capture_output=True,
        )
        return res.returncode == 0

    def stop(self):
        if self.data.exists() and self.is_running():
            run(
                self._as_owner(
                    [self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "stop"]
                ),
                stdout=subprocess.DEVNULL,
            )

    def psql(self, sql, db="postgres"):
        res = run(
            [
                self.bindir / "psql",
                "-h",
                self.socket_dir,
                "-p",
                self.port,
                "-U",
                DB_USER,
                "-d",
                db,
                "-tAc",
                sql,
            ],
            capture_output=True,
            text=True,
        )
        return res.stdout.strip()

    def db_exists(self, name):
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"

    def drop_db(self, name):
        # Odoo workers from an earlier, killed run may still hold connections.
        self.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        self.psql(f'DROP DATABASE IF EXISTS "{name}"')

    def copy_db(self, template, name):
        self.drop_db(name)
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def write_odoo_conf(path, pg, addons, **extra):
    """An Odoo configuration for the private cluster."""
    lines = [
        "[options]",
        f"addons_path = {addons}",
        f"db_host = {pg.socket_dir}",
        f"db_port = {pg.port}",
        f"db_user = {DB_USER}",
        "http_interface = 127.0.0.1",
        f"data_dir = {VAR / 'odoo-data'}",
        "list_db = True",
    ]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _launcher():
    """A script that starts Odoo's command line. Not `python -m odoo`: with
    workers, Odoo starts its gevent process by running sys.argv[0] again,
    which must then be a plain script."""
    path = VAR / "odoo-launch.py"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text("from odoo.cli.command import main\n\nmain()\n")
    return path


def odoo_cmd(python, conf, *args):
    return [str(python), str(_launcher()), "server", "-c", str(conf), *args]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


BASE_DB = f"{MODULE}_base_pos"


def ensure_base_db(python, pg, conf, env=None):
    """A database with point_of_sale installed, built once and then copied."""
    if pg.db_exists(BASE_DB):
        return
    log(f"building {BASE_DB} with point_of_sale (about a minute, once)")
    run(
        odoo_cmd(
            python,
            conf,
            "-d",
            BASE_DB,
            "-i",
            "point_of_sale",
            "--stop-after-init",
            "--log-level=warn",
        ),
        env=env,
        cwd="/",
    )


def install_copy(python, pg, conf, db, modules=MODULE, env=None):
    """A fresh copy of the base database with `modules` installed."""
    pg.copy_db(BASE_DB, db)
    log(f"installing {modules} into {db}")
    run(
        odoo_cmd(
            python,
            conf,
            "-d",
            db,
            "-i",
            modules,
            "--stop-after-init",
            "--log-level=warn",
        ),
        env=env,
        cwd="/",
    )


def odoo_with_base_db(command):
    """The venv's python, Odoo's package folder and a running cluster that has
    the base database; exits naming what is missing and how to provide it."""
    python = ensure_venv("venv", "requirements-test.txt", True)
    found = find_odoo(python)
    if found is None:
        sys.exit(
            f"make {command} needs Odoo 19: install it into this machine's python3 "
            "(pip install -e <odoo 19 checkout>) or set ODOO_SRC to its checkout."
        )
    pg = PgCluster()
    if not pg.available:
        sys.exit(
            f"make {command} needs PostgreSQL's server binaries (initdb, pg_ctl): "
            "apt install postgresql, or put pg_ctl on the PATH."
        )
    pg.ensure_running()
    conf = write_odoo_conf(VAR / "odoo-base.conf", pg, addons_path(found[0]))
    ensure_base_db(python, pg, conf)
    return python, found[0], pg
