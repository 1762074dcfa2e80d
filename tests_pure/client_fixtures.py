"""A scripted fake Mercado Pago for the client's tests: real HTTP on 127.0.0.1.

Each test queues, per (method, path), the replies it wants in order: JSON answers,
faults (connection closed without an answer, an answer slower than the read
timeout), or a callable that builds the reply from the request. Everything the
server receives is recorded so tests can assert headers, bodies and attempt
counts. A request nobody scripted gets a 418 and fails the test at teardown.

This is deliberately not the project's emulator: the client's tests must not
share code with the thing they will later be checked against.
"""

import json
import socket
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

# `python -m pytest` puts the repository root on sys.path; plain `pytest` may not.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from mercado_pago.http import MercadoPagoSession

TOKEN = "APP_USR-1234567890123456-112233-0123456789abcdef0123456789abcdef-987654321"
USER_ID = "987654321"


@dataclass
class Reply:
    status: int = 200
    json: object = None
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    close: bool = False  # drop the connection without answering


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def header(self, name):
        return self.headers.get(name.lower())


class FakeMercadoPago:
    def __init__(self):
        self._routes = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.received = []
        self.unscripted = []
        self.sleeps = []
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, method, path, *replies):
        """Queue replies for METHOD PATH (path without query string)."""
        with self._lock:
            self._routes.setdefault((method.upper(), path), []).extend(replies)
        return self

    def calls(self, method=None, path=None):
        return [
            r
            for r in self.received
            if (method is None or r.method == method.upper())
            and (path is None or r.path == path)
        ]

    def session(self, **overrides):
        """A client session on this server with fast timeouts and recorded sleeps."""
        options = {
            "base_url": self.url,
            "connect_timeout": 1,
            "read_timeout": 1,
            "max_attempts": 4,
            "sleep": self.sleeps.append,
            "rng": lambda: 0.5,
        }
        options.update(overrides)
        return MercadoPagoSession(TOKEN, **options)

    def _next_reply(self, received):
        with self._lock:
            queue = self._routes.get((received.method, received.path))
            if queue:
                return queue.pop(0)
        self.unscripted.append(received)
        return Reply(418, {"message": f"unscripted {received.method} {received.path}"})

    def close(self):
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    fake = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # keep pytest output clean

    def _handle(self):
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        received = Received(
            method=self.command,
            path=split.path,
            query={k: v[0] for k, v in parse_qs(split.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.fake.received.append(received)
        reply = self.fake._next_reply(received)
        if callable(reply):
            reply = reply(received)
        if reply.delay and self.fake._stop.wait(reply.delay):
            self.close_connection = True
            return
        if reply.close:
            self.close_connection = True
            return
        payload = reply.body
        if payload is None and reply.json is not None:
            payload = json.dumps(reply.json).encode()
        payload = payload or b""
        try:
            self.send_response(reply.status)
            if reply.json is not None:
                self.send_header("Content-Type", "application/json")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up (read timeout)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class IdempotentCreates:
    """Answers creates the way MP treats X-Idempotency-Key.

    The first request with a key creates a resource (``build(received, n)``); any
    later request with the same key gets that same resource back. ``answer(**fault)``
    gives a scripted reply that does this and then applies the fault, e.g.
    ``delay=`` or ``close=True`` to create remotely but lose the answer, or
    ``status=500`` to create and then fail.
    """

    def __init__(self, build, status=201):
        self.build = build
        self.status = status
        self.by_key = {}
        self.created = []

    def answer(self, **fault):
        def reply(received):
            key = received.header("x-idempotency-key")
            if key is not None and key in self.by_key:
                body = self.by_key[key]
            else:
                body = self.build(received, len(self.created) + 1)
                self.created.append(body)
                if key is not None:
                    self.by_key[key] = body
            options = {"status": self.status, "json": body}
            options.update(fault)
            return Reply(**options)

        return reply


def refused_url():
    """A loopback URL on which nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def mp_server():
    fake = FakeMercadoPago()
    try:
        yield fake
    finally:
        fake.close()
    unscripted = [f"{r.method} {r.path}" for r in fake.unscripted]
    assert not unscripted, f"unscripted requests reached the fake: {unscripted}"


def verify_request(query, headers, secret, **kwargs):
    """verify_event for a request about the id its query names."""
    from types import SimpleNamespace

    from mercado_pago.notifications import signature_data_id, verify_event

    event = SimpleNamespace(resource_id=signature_data_id(query))
    verify_event(event, query, headers, secret, **kwargs)
