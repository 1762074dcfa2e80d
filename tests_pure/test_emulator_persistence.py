"""State file persistence and the `python3 -m emulator` command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

from emulator_fixtures import FAST, PLACES, Api, http

from emulator import EmulatorServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _setup(url: str, acc: dict):
    api = Api(url, acc["access_token"])
    state, lat, lon, _ = PLACES[acc["site_id"]]
    store = api.post(
        f"/users/{acc['user_id']}/stores",
        {
            "name": "S",
            "external_id": "S1",
            "location": {
                "street_number": "1",
                "street_name": "A",
                "city_name": "B",
                "state_name": state,
                "latitude": lat,
                "longitude": lon,
            },
        },
    ).json
    api.post(
        "/pos",
        {
            "name": "P",
            "fixed_amount": True,
            "store_id": store["id"],
            "external_store_id": "S1",
            "external_id": "P1",
        },
    )
    body = {
        "type": "qr",
        "external_reference": "PERSIST-1",
        "total_amount": "80.00",
        "config": {"qr": {"external_pos_id": "P1"}},
        "transactions": {"payments": [{"amount": "80.00"}]},
    }
    order = api.post("/v1/orders", body, headers={"X-Idempotency-Key": "pk"}).json
    return api, body, order


def test_emulator_state_file_roundtrip(tmp_path):
    path = str(tmp_path / "state.json")
    first = EmulatorServer(port=0, state_file=path, config=FAST).start()
    try:
        acc = first.create_account("MLA")
        api, body, order = _setup(first.url, acc)
        http("POST", first.url + "/emulator/v1/pos/P1/pay", {})
        txn = order["transactions"]["payments"][0]["id"]
        api.post(
            f"/v1/orders/{order['id']}/refund",
            {"transactions": [{"id": txn, "amount": "30.00"}]},
            headers={"X-Idempotency-Key": "rk"},
        )
        http("POST", first.url + "/emulator/v1/clock", {"advance_seconds": 3600})
        http("PATCH", first.url + "/emulator/v1/config", {"legacy_webhooks": True})
        ledger_before = http("GET", first.url + "/emulator/v1/ledger").json
    finally:
        first.stop()
    with open(path, encoding="utf-8") as fh:
        saved = json.load(fh)
    assert saved["orders"][order["id"]]["status_detail"] == "partially_refunded"

    second = EmulatorServer(port=0, state_file=path).start()
    try:
        api2 = Api(second.url, acc["access_token"])
        assert api2.get("/users/me").json["id"] == acc["user_id"]  # token survives
        got = api2.get(f"/v1/orders/{order['id']}").json
        assert got["status"] == "processed"
        assert got["status_detail"] == "partially_refunded"
        # The idempotency record survived: same key, same order.
        replay = api2.post("/v1/orders", body, headers={"X-Idempotency-Key": "pk"})
        assert replay.status == 201 and replay.json["id"] == order["id"]
        assert http("GET", second.url + "/emulator/v1/ledger").json == ledger_before
        config = http("GET", second.url + "/emulator/v1/config").json
        assert config["legacy_webhooks"] is True
        clock = http("GET", second.url + "/emulator/v1/clock").json
        assert clock["offset_seconds"] >= 3600
        # Counters continue: a new cashbox does not reuse an id.
        pos = api2.get("/pos?external_id=P1").json["results"][0]
        new = api2.post(
            "/pos",
            {
                "name": "Q",
                "fixed_amount": True,
                "store_id": pos["store_id"],
                "external_store_id": "S1",
                "external_id": "P2",
            },
        )
        assert new.json["id"] == pos["id"] + 1
        # QR links follow the new server's address.
        assert new.json["qr"]["image"].startswith(second.url)
    finally:
        second.stop()


def test_emulator_reset_keeps_accounts(emulator_server):
    srv = emulator_server
    srv.reset()
    acc = srv.create_account("MPE")
    _setup(srv.url, acc)
    srv.reset(keep_accounts=True)
    api = Api(srv.url, acc["access_token"])
    assert api.get("/users/me").status == 200
    assert api.get("/pos").json["paging"]["total"] == 0
    srv.reset()
    assert api.get("/users/me").status == 401


def test_emulator_command_line(tmp_path):
    path = tmp_path / "cli-state.json"
    cmd = [
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--state-file",
        str(path),
        "--account",
        "MLB",
        "--seed",
        "3",
        "--fault",
        "error=1.0,path=^/users/me$,status=502,times=1",
        "--config",
        "pending_order_policy=replace",
        "--config",
        '{"signature_ts_unit": "s"}',
    ]
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "listening on" in line:
                break
        url = re.search(r"listening on (http://\S+)", lines[-1]).group(1)
        token = re.search(r"access_token=(\S+)", "".join(lines)).group(1)
        api = Api(url, token)
        assert api.get("/users/me").status == 502  # the CLI fault, once
        me = api.get("/users/me").json
        assert me["site_id"] == "MLB"
        config = http("GET", url + "/emulator/v1/config").json
        assert config["pending_order_policy"] == "replace"
        assert config["signature_ts_unit"] == "s"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert [a["site_id"] for a in saved["accounts"].values()] == ["MLB"]


def test_emulator_command_line_help():
    out = subprocess.run(
        [sys.executable, "-m", "emulator", "--help"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0
    for flag in (
        "--port",
        "--state-file",
        "--fault",
        "--faults",
        "--config",
        "--account",
        "--seed",
        "--host",
    ):
        assert flag in out.stdout
