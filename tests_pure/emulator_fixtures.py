"""Fixtures for the emulator conformance tests: raw HTTP only, never our client.

- `emulator_server`: one in-process emulator for the session (port 0).
- `emu`: that emulator, reset, with fast retry knobs, plus raw-HTTP helpers.
- `sink`: a tiny HTTP server that records notifications (per-test path).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import uuid
from decimal import Decimal
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from emulator import EmulatorServer

FAST = {
    "notify_retry_schedule": [0.05, 0.1, 0.2],
    "notify_timeout_seconds": 1,
}

# A valid (state, latitude, longitude, gastronomy MCC) per site.
PLACES = {
    "MLA": ("Capital Federal", -34.60, -58.38, 621102),
    "MLB": ("São Paulo", -23.55, -46.63, 5611203),
    "MLM": ("Ciudad de México", 19.43, -99.13, 5812),
    "MLC": ("RM (Santiago)", -33.45, -70.66, 561000),
    "MCO": ("Bogotá D.C.", 4.71, -74.07, 5611),
    "MPE": ("Lima", -12.05, -77.04, 5520),
    "MLU": ("Montevideo", -34.90, -56.19, 56101),
}


# --- raw HTTP -------------------------------------------------------------------------


class Resp:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body, parse_float=Decimal) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def __repr__(self) -> str:
        return f"<Resp {self.status} {self.body[:300]!r}>"


def http(method, url, body=None, headers=None, timeout=5.0) -> Resp:
    """One request on a fresh connection (so faults never poison a pool)."""
    parts = urllib.parse.urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            # Decimal -> JSON number (float repr is exact for 2-decimal values).
            data = json.dumps(body, default=float).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, target, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        return Resp(resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload)
    finally:
        conn.close()


class Api:
    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token

    def call(self, method, path, body=None, headers=None, timeout=5.0, token=None):
        hdrs = dict(headers or {})
        tok = token if token is not None else self.token
        if tok:
            hdrs.setdefault("Authorization", f"Bearer {tok}")
        return http(method, self.base + path, body, hdrs, timeout)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


# --- signature check written from the public sources, independent of the emulator --


def check_signature(headers: dict, query: dict, secret: str, lower=False) -> bool:
    """lower=False: data.id as received (every official SDK's validator since
    the PRs of 2026-06-17, e.g. mercadopago/sdk-python
    mercadopago/webhook/validator.py); lower=True: the docs' lowercase rule."""
    parts = dict(p.split("=", 1) for p in headers["x-signature"].split(","))
    data_id = query.get("data.id")
    if data_id and lower and data_id.isalnum():
        data_id = data_id.lower()
    manifest = ""
    if data_id:
        manifest += f"id:{data_id};"
    manifest += f"request-id:{headers['x-request-id']};ts:{parts['ts']};"
    mac = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"])


# --- notification sink ---------------------------------------------------------------


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = urllib.parse.urlsplit(self.path)
        prefix = "/".join(parts.path.split("/")[:3])
        plan = server.plans.get(prefix)
        status = plan.pop(0) if plan else 200
        delay = server.delays.get(prefix, 0)
        with server.lock:
            server.received.append(
                {
                    "prefix": prefix,
                    "path": parts.path,
                    "query": dict(urllib.parse.parse_qsl(parts.query)),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": json.loads(body) if body else None,
                    "status": status,
                    "at": time.monotonic(),
                }
            )
        if delay:
            time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Sink:
    """A per-test view of the shared sink server: its own URL prefix."""

    def __init__(self, server):
        self.server = server
        self.prefix = f"/t/{uuid.uuid4().hex[:12]}"
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}{self.prefix}"

    def plan(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, then 200."""
        self.server.plans[self.prefix] = list(statuses)

    def delay(self, seconds: float) -> None:
        self.server.delays[self.prefix] = seconds

    def received(self, **filters) -> list:
        with self.server.lock:
            items = [r for r in self.server.received if r["prefix"] == self.prefix]
        for key, value in filters.items():
            items = [r for r in items if r["query"].get(key) == value]
        return items

    def wait(self, count: int = 1, timeout: float = 3.0, **filters) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = self.received(**filters)
            if len(items) >= count:
                return items
            time.sleep(0.01)
        return self.received(**filters)


@pytest.fixture(scope="session")
def sink_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SinkHandler)
    server.daemon_threads = True
    server.received, server.plans, server.delays = [], {}, {}
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sink(sink_server):
    return Sink(sink_server)


# --- the emulator ---------------------------------------------------------------------


class Emu:
    def __init__(self, server: EmulatorServer, sink: Sink):
        self.server = server
        self.url = server.url
        self.sink = sink
        self.admin = Api(self.url)

    def api(self, account_or_token=None) -> Api:
        token = account_or_token
        if isinstance(account_or_token, dict):
            token = account_or_token["access_token"]
        return Api(self.url, token)

    # admin helpers
    def config(self, **knobs) -> dict:
        resp = self.admin.patch("/emulator/v1/config", knobs)
        assert resp.status == 200, resp
        return resp.json

    def faults(self, doc: dict) -> dict:
        resp = self.admin.put("/emulator/v1/faults", doc)
        assert resp.status == 200, resp
        return resp.json

    def account(self, site: str = "MLA", webhook: str | None = "default", **kw):
        body = {"site_id": site, **kw}
        if webhook == "default":
            body["webhook_url"] = self.sink.url + "/orders"
        elif webhook:
            body["webhook_url"] = webhook
        resp = self.admin.post("/emulator/v1/accounts", body)
        assert resp.status == 201, resp
        return resp.json

    def cashbox(self, account: dict, pos="POS1", store="SUC1", **pos_fields):
        api = self.api(account)
        state, lat, lon, _ = PLACES[account["site_id"]]
        found = api.get(
            f"/users/{account['user_id']}/stores/search?external_id={store}"
        )
        if found.json["results"]:
            store_obj = found.json["results"][0]
        else:
            resp = api.post(
                f"/users/{account['user_id']}/stores",
                {
                    "name": f"Store {store}",
                    "external_id": store,
                    "location": {
                        "street_number": "100",
                        "street_name": "Main",
                        "city_name": "Center",
                        "state_name": state,
                        "latitude": lat,
                        "longitude": lon,
                    },
                },
            )
            assert resp.status == 200, resp
            store_obj = resp.json
        body = {
            "name": f"Cashbox {pos}",
            "fixed_amount": True,
            "store_id": store_obj["id"],
            "external_store_id": store,
            "external_id": pos,
            **pos_fields,
        }
        resp = api.post("/pos", body)
        assert resp.status == 200, resp
        return store_obj, resp.json

    def order(self, account, pos="POS1", amount="50.00", ref=None, key=None, **extra):
        body = {
            "type": "qr",
            "external_reference": ref or f"ref-{uuid.uuid4().hex[:10]}",
            "total_amount": amount,
            "config": {"qr": {"external_pos_id": pos, "mode": "static"}},
            "transactions": {"payments": [{"amount": amount}]},
        }
        body.update(extra)
        headers = {"X-Idempotency-Key": key or str(uuid.uuid4())}
        return self.api(account).post("/v1/orders", body, headers=headers)

    def v2_body(self, amount=100, ref=None, **extra) -> dict:
        body = {
            "external_reference": ref or f"v2-{uuid.uuid4().hex[:10]}",
            "title": "Venta Caja 1",
            "description": "Ticket",
            "notification_url": self.sink.url + "/ipn",
            "total_amount": amount,
            "items": [
                {
                    "title": "Pasta",
                    "unit_price": amount,
                    "quantity": 1,
                    "unit_measure": "unit",
                    "total_amount": amount,
                }
            ],
        }
        body.update(extra)
        return body

    def v2_put(self, account, pos="POS1", body=None, store=None) -> Resp:
        base = f"/instore/qr/seller/collectors/{account['user_id']}"
        path = (
            f"{base}/stores/{store}/pos/{pos}/orders"
            if store
            else (f"{base}/pos/{pos}/orders")
        )
        return self.api(account).put(path, body or self.v2_body())

    def pay(self, pos="POS1", outcome="approved", amount=None, user_id=None) -> Resp:
        body = {"outcome": outcome}
        if amount is not None:
            body["amount"] = amount
        if user_id is not None:
            body["user_id"] = user_id
        return self.admin.post(f"/emulator/v1/pos/{pos}/pay", body)

    def clock(self, seconds: float) -> None:
        resp = self.admin.post("/emulator/v1/clock", {"advance_seconds": seconds})
        assert resp.status == 200, resp

    def notifications(self, **filters) -> list:
        query = urllib.parse.urlencode(filters)
        return self.admin.get(f"/emulator/v1/notifications?{query}").json["attempts"]

    def requests(self, **filters) -> list:
        query = urllib.parse.urlencode(filters)
        return self.admin.get(f"/emulator/v1/requests?{query}").json["requests"]

    @staticmethod
    def wait(predicate, timeout: float = 3.0):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.01)


@pytest.fixture(scope="session")
def emulator_server():
    server = EmulatorServer(port=0, seed=1234, config=FAST, tick_seconds=0.05)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def emu(emulator_server, sink):
    emulator_server.reset()
    assert (
        http("PATCH", emulator_server.url + "/emulator/v1/config", FAST).status == 200
    )
    yield Emu(emulator_server, sink)
    http("DELETE", emulator_server.url + "/emulator/v1/faults")
