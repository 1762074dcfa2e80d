"""tools/devenv.py: what a fresh machine is told, and what it is given."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import devenv


@pytest.fixture
def no_wrk(monkeypatch):
    monkeypatch.setitem(devenv.SYSTEM_PACKAGES, "wrk", lambda: None)


def test_a_missing_package_is_named_with_its_apt_line(no_wrk, monkeypatch):
    monkeypatch.setattr(devenv.os, "geteuid", lambda: 1000)
    with pytest.raises(devenv.MissingSystemPackages) as info:
        devenv.ensure_system_packages(("wrk", "git"), "make bench")
    assert "make bench needs these Debian packages: wrk" in str(info.value)
    assert "sudo apt-get install -y wrk" in str(info.value)


def test_root_with_apt_get_installs_it_and_says_so(no_wrk, monkeypatch, capsys):
    commands = []
    monkeypatch.setattr(devenv.os, "geteuid", lambda: 0)
    monkeypatch.setattr(devenv.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(devenv, "run", lambda cmd, **_kw: commands.append(cmd))
    devenv.ensure_system_packages(("wrk",), "make bench")
    assert commands[-1][:3] == ["apt-get", "install", "-y"]
    assert commands[-1][-1] == "wrk"
    assert "installing Debian packages wrk" in capsys.readouterr().err


def test_nothing_to_install(monkeypatch):
    monkeypatch.setitem(devenv.SYSTEM_PACKAGES, "wrk", lambda: "/usr/bin/wrk")
    monkeypatch.setattr(devenv, "run", lambda *_a, **_kw: pytest.fail("ran"))
    devenv.ensure_system_packages(("wrk",), "make bench")
