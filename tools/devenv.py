"""The developer environment shared by `make test`, `make demo` and `make bench`.

Finds the machine's Odoo 19, prepares virtualenvs under var/, runs a private
PostgreSQL cluster under var/pg and exposes the checkout under the module's
technical name through a temporary addons path. Standard library only: it runs
before any virtualenv exists.
"""

import hashlib
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

MODULE = "pos_mercado_pago_qr"
REPO = Path(__file__).resolve().parent.parent
VAR = REPO / "var"
DB_USER = "odoo"


def log(msg):
    print(f"[{MODULE}] {msg}", file=sys.stderr, flush=True)


def run(cmd, check=True, **kwargs):
    return subprocess.run([str(c) for c in cmd], check=check, **kwargs)


# --- steps and system packages ---------------------------------------------


@contextmanager
def step(what):
    """One progress line before a step and one with its duration after it."""
    log(f"{what} ...")
    started = time.monotonic()
    yield
    log(f"{what}: done in {time.monotonic() - started:.0f} s")


def _has_header(path):
    return lambda: Path(path).exists()


def _python_headers():
    include = sysconfig.get_paths()["include"]
    return (Path(include) / "Python.h").exists()


def _python_venv():
    return importlib.util.find_spec("ensurepip") is not None


# Debian package -> how to tell it is there.
SYSTEM_PACKAGES = {
    "git": lambda: shutil.which("git"),
    "build-essential": lambda: shutil.which("gcc"),
    "python3-dev": _python_headers,
    "python3-venv": _python_venv,
    "libpq-dev": lambda: shutil.which("pg_config"),
    "libldap2-dev": _has_header("/usr/include/ldap.h"),
    "libsasl2-dev": _has_header("/usr/include/sasl/sasl.h"),
    "postgresql": lambda: _pg_bindir(),
    "chromium": lambda: shutil.which("chromium") or shutil.which("chromium-browser"),
    "wrk": lambda: shutil.which("wrk"),
}
# What building Odoo's requirements needs.
ODOO_BUILD_PACKAGES = (
    "git",
    "build-essential",
    "python3-dev",
    "python3-venv",
    "libpq-dev",
    "libldap2-dev",
    "libsasl2-dev",
)


class MissingSystemPackages(RuntimeError):
    pass


def ensure_system_packages(packages, why):
    """Install the missing Debian packages when run as root with apt-get (and
    say so); otherwise raise, naming them and the one line that installs them."""
    missing = [p for p in packages if not SYSTEM_PACKAGES[p]()]
    if not missing:
        return
    line = f"apt-get install -y {' '.join(missing)}"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise MissingSystemPackages(
            f"{why} needs these Debian packages: {' '.join(missing)}\n    sudo {line}"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with step(f"{why}: installing Debian packages {' '.join(missing)}"):
        run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
            env=env,
            stdout=subprocess.DEVNULL,
        )


# --- virtualenvs -------------------------------------------------------------


def _site_lines(python):
    """The lines of a .pth file that show a venv what `python` imports: its
    site folders (their own .pth files included, for editable installs)."""
    probe = (
        "import json, site, sys; "
        "print(json.dumps(site.getsitepackages() + [site.getusersitepackages()]))"
    )
    out = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return [f"import site; site.addsitedir({d!r})" for d in json.loads(out)]


def _purelib(python):
    probe = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    out = run([python, "-c", probe], capture_output=True, text=True).stdout
    return Path(out.strip())


def ensure_venv(name, requirements, base=None, links=()):
    """var/<name> with `requirements`, installed once per content change.

    With `base`, the venv is made by that interpreter, sees its site packages
    (a virtualenv's too, through a .pth file) and the folders in `links`; it
    is made again when they change."""
    venv = VAR / name
    python = venv / "bin" / "python"
    identity = json.dumps([str(base), list(links)]) if base else ""
    marker = venv / ".base"
    made_for = marker.read_text() if marker.exists() else None
    if python.exists() and made_for != identity:
        shutil.rmtree(venv)
    if not python.exists():
        with step(f"creating virtualenv var/{name}"):
            args = [base or sys.executable, "-m", "venv", venv]
            if base:
                args.insert(3, "--system-site-packages")
            run(args)
            if base:
                lines = _site_lines(base) + [str(link) for link in links]
                (_purelib(python) / "_odoo_found.pth").write_text(
                    "\n".join(lines) + "\n"
                )
            marker.write_text(identity)
    req = REPO / requirements
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    stamp = venv / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text() != digest:
        with step(f"installing {requirements} into var/{name}"):
            env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
            run([python, "-m", "pip", "install", "-q", "-r", req], env=env)
        stamp.write_text(digest)
    return python


# --- Odoo --------------------------------------------------------------------

ODOO_UPSTREAM = "https://github.com/odoo/odoo.git"
ODOO_HOME = VAR / "odoo"
# Held back so that Odoo 19.0's requirements build on Python 3.11.
ODOO_CONSTRAINTS = REPO / "tools" / "odoo-constraints.txt"
# What Odoo runs from its tree: the top-level files, the odoo package without
# enterprise code, the community addons and setup.
ODOO_SPARSE = ("/*", "!/*/", "/odoo/", "!/odoo/enterprise/", "/addons/", "/setup/")
_PROBE = (
    "import odoo.release, os, sys; "
    "v = odoo.release.version_info; "
    "print(os.path.dirname(odoo.release.__file__)) if v[0] == 19 else sys.exit(3)"
)


class Odoo(NamedTuple):
    python: Path  # the interpreter that imports it
    package: Path  # the odoo package folder
    links: tuple  # folders to add to that interpreter's path (ODOO_SRC)
    origin: str


def _probe(python, links=()):
    env = dict(os.environ)
    if links:
        env["PYTHONPATH"] = os.pathsep.join([*links, env.get("PYTHONPATH", "")])
    try:
        res = subprocess.run(
            [str(python), "-c", _PROBE],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if res.returncode != 0:
        return None
    return Odoo(Path(python), Path(res.stdout.strip()), tuple(links), "")


def find_odoo(prepare=True):
    """Odoo 19, from the first place that has it: ODOO_SRC (a source tree run
    by this python3), ODOO_PYTHON or the active virtualenv, this python3, an
    Odoo prepared under var/odoo; else one is prepared there (`prepare`).
    Returns (Odoo, None) or (None, why not)."""
    places = []
    marker = VAR / "venv" / ".base"
    if Path(sys.prefix).resolve() == (VAR / "venv").resolve() and marker.exists():
        # Run by var/venv itself (the Odoo tier's live tests): the Odoo that
        # `make` found when it made this venv.
        base, links = json.loads(marker.read_text())
        places.append((base, tuple(links), "var/venv's"))
    if os.environ.get("ODOO_SRC"):
        src = str(Path(os.environ["ODOO_SRC"]).resolve())
        places.append((sys.executable, (src,), f"ODOO_SRC ({src})"))
    for var in ("ODOO_PYTHON", "VIRTUAL_ENV"):
        value = os.environ.get(var)
        if value:
            python = value if var == "ODOO_PYTHON" else Path(value) / "bin" / "python"
            places.append((python, (), f"{var} ({python})"))
    places.append((sys.executable, (), f"this python ({sys.executable})"))
    places.append((ODOO_HOME / "venv" / "bin" / "python", (), "var/odoo"))
    for python, links, origin in places:
        found = _probe(python, links)
        if found:
            return found._replace(origin=origin), None
    if not prepare:
        return None, "no Odoo 19 found"
    try:
        prepare_odoo()
    except (MissingSystemPackages, subprocess.CalledProcessError, OSError) as error:
        repo = os.environ.get("ODOO_REPO") or ODOO_UPSTREAM
        return None, f"no Odoo 19 found, and preparing one from {repo} failed: {error}"
    found = _probe(ODOO_HOME / "venv" / "bin" / "python")
    if not found:
        return None, "var/odoo was prepared but does not import Odoo 19"
    return found._replace(origin="var/odoo"), None


def _git(*args, cwd):
    run(["git", *args], cwd=cwd, stdout=subprocess.DEVNULL)


# A local copy serves a blob-less fetch only if its upload-pack allows it (git
# drops -c settings on its way to a local upload-pack; this one keeps them).
_UPLOAD_PACK = (
    "git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true "
    "upload-pack"
)


def prepare_odoo():
    """Odoo 19.0 community under var/odoo: a shallow sparse checkout of
    ODOO_REPO at ODOO_REF, and a virtualenv with its requirements. Each part
    is skipped when it is already there."""
    repo = os.environ.get("ODOO_REPO") or ODOO_UPSTREAM
    ref = os.environ.get("ODOO_REF") or ("19.0" if repo == ODOO_UPSTREAM else "HEAD")
    if Path(repo).is_dir():
        repo = Path(repo).resolve().as_uri()  # a shallow fetch needs a URL
    ensure_system_packages(ODOO_BUILD_PACKAGES, "preparing Odoo")
    src, venv = ODOO_HOME / "src", ODOO_HOME / "venv"
    fetched = ODOO_HOME / ".fetched"
    if not fetched.exists() or fetched.read_text() != f"{repo} {ref}":
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        with step(f"downloading Odoo ({repo} {ref}, shallow and sparse)"):
            _git("init", "-q", cwd=src)
            _git("sparse-checkout", "set", "--no-cone", *ODOO_SPARSE, cwd=src)
            _git("remote", "add", "origin", repo, cwd=src)
            _git("config", "remote.origin.uploadpack", _UPLOAD_PACK, cwd=src)
            _git(
                "fetch",
                "-q",
                "--depth",
                "1",
                "--filter=blob:none",
                "origin",
                ref,
                cwd=src,
            )
            _git("checkout", "-q", "FETCH_HEAD", cwd=src)
        fetched.write_text(f"{repo} {ref}")
    python = venv / "bin" / "python"
    if not python.exists():
        with step("creating var/odoo/venv"):
            run([sys.executable, "-m", "venv", venv])
    wanted = hashlib.sha256(
        (src / "requirements.txt").read_bytes() + ODOO_CONSTRAINTS.read_bytes()
    ).hexdigest()
    stamp = venv / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text() != wanted:
        with step("installing Odoo's requirements into var/odoo/venv (minutes, once)"):
            env = dict(
                os.environ,
                PIP_DISABLE_PIP_VERSION_CHECK="1",
                # Build isolation reads its constraints from here only.
                PIP_CONSTRAINT=str(ODOO_CONSTRAINTS),
            )
            run(
                [python, "-m", "pip", "install", "-q", "-r", src / "requirements.txt"],
                env=env,
            )
        stamp.write_text(wanted)
    (_purelib(python) / "odoo-src.pth").write_text(f"{src}\n")


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
            log("database: a private PostgreSQL cluster in var/pg (initdb)")
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
    with step(f"database: {BASE_DB} with point_of_sale (about a minute, once)"):
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
    with step(f"database: {db} with {modules}"):
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


def test_python(odoo):
    """var/venv: the test requirements, seeing `odoo` (None: no Odoo)."""
    if odoo is None:
        return ensure_venv("venv", "requirements-test.txt", base=sys.executable)
    return ensure_venv(
        "venv", "requirements-test.txt", base=odoo.python, links=odoo.links
    )


def odoo_with_base_db(command, packages=("postgresql",)):
    """The venv's python, Odoo's package folder and a running cluster that has
    the base database; exits naming what is missing and how to provide it."""
    odoo, why = find_odoo()
    if odoo is None:
        sys.exit(
            f"make {command} needs Odoo 19: {why}.\n"
            "Set ODOO_REPO to a git copy of Odoo 19.0 (a local path works "
            "offline), or ODOO_PYTHON to a python that imports Odoo 19, or "
            "ODOO_SRC to its source tree."
        )
    try:
        ensure_system_packages(packages, f"make {command}")
    except MissingSystemPackages as error:
        sys.exit(str(error))
    python = test_python(odoo)
    if Path(sys.prefix).resolve() != (VAR / "venv").resolve():
        # The command's own tools (requests, websocket-client) are var/venv's.
        os.execv(python, [str(python), *sys.argv])
    log(f"Odoo 19 from {odoo.origin}")
    pg = PgCluster()
    pg.ensure_running()
    conf = write_odoo_conf(VAR / "odoo-base.conf", pg, addons_path(odoo.package))
    ensure_base_db(python, pg, conf)
    return python, odoo.package, pg
