"""HTTP server: routing, auth, faults, request log, and EmulatorServer for tests."""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from . import (  # noqa: F401 - importing registers the routes
    admin,
    catalog,
    customer_page,
    instore_v2,
    orders_api,
    payments_api,
    reports,
)
from .errors import ApiError, error_body
from .faults import Faults
from .money import dumps
from .notifier import Notifier
from .payflow import Engine
from .sites import SITES
from .state import State, iso
from .web import Request, Response, match

if TYPE_CHECKING:  # annotations only: nothing imported at run time
    from typing_extensions import Self

_logger = logging.getLogger(__name__)

API_STYLES = ("legacy", "catalog", "instore", "orders")
_UNAUTHORIZED = {
    "legacy": ("unauthorized", "invalid access token"),
    "catalog": ("unauthorized", "invalid access token"),
    "instore": ("invalid_access_token", "Access denied."),
    "orders": ("unauthorized", "invalid access token"),
}


class App:
    """Everything a handler needs: state, engine, notifier, faults."""

    def __init__(self, state: State, faults: Faults):
        self.state = state
        self.faults = faults
        self.notifier = Notifier(state, faults)
        self.engine = Engine(state, self.notifier, faults)
        self.stopping = threading.Event()

    # --- accounts (also used by EmulatorServer.create_account) ---------------------
    def create_account(
        self,
        site_id: str = "MLA",
        webhook_url: str | None = None,
        access_token: str | None = None,
        user_id: int | str | None = None,
        webhook_secret: str | None = None,
        nickname: str | None = None,
        test: bool = True,
        email: str | None = None,
    ) -> dict:
        state = self.state
        with state.lock:
            if site_id not in SITES:
                raise ValueError(f"site_id must be one of {sorted(SITES)}")
            if user_id is None:
                user_id = state.next_id("user")
                while state.account(user_id):
                    user_id = state.next_id("user")
            elif not str(user_id).isdigit():
                raise ValueError("user_id must be numeric")
            user_id = int(user_id)
            if state.account(user_id):
                raise KeyError(f"user_id {user_id} already exists")
            app_id = str(state.next_id("application"))
            if access_token is None:
                stamp = state.now().strftime("%m%d%y")
                access_token = (
                    f"APP_USR-{app_id}-{stamp}-{state.token_hex(16)}-{user_id}"
                )
            if state.account_by_token(access_token):
                raise KeyError("access_token already exists")
            nickname = nickname or f"TESTUSER{user_id}"
            acc = {
                "user_id": user_id,
                "access_token": access_token,
                "site_id": site_id,
                "nickname": nickname,
                "email": email or f"test_user_{user_id}@testuser.com",
                "webhook_url": webhook_url,
                "webhook_secret": webhook_secret or state.token_hex(32),
                "test": bool(test),
                "live_mode": not test,
                "application_id": app_id,
                "disabled": False,
                "date_created": iso(state.now()),
            }
            state.data["accounts"][str(user_id)] = acc
            state.dirty = True
            state.save_if_dirty()
            return dict(acc)

    def reset(self, keep_accounts: bool = False) -> None:
        with self.state.lock:
            self.notifier.clear()
            self.state.reset(keep_accounts=keep_accounts)
            self.state.clear_logs()
            self.faults.clear(self.faults.seed)
            self.state.save_if_dirty()

    # --- one request ------------------------------------------------------------------
    def authenticate(self, req: Request) -> dict:
        header = req.headers.get("Authorization") or ""
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if not token and self.state.config["accept_query_token"]:
            token = req.q("access_token") or ""
        account = self.state.account_by_token(token) if token else None
        if not account or account.get("disabled"):
            code, message = _UNAUTHORIZED[req.style]
            if not token:
                message = "missing access token"
            raise ApiError(401, code, message)
        return account

    def dispatch(self, route, req: Request) -> Response:
        with self.state.lock:
            try:
                if route.auth:
                    req.account = self.authenticate(req)
                self.engine.sweep()
                resp = route.handler(self, req)
            except ApiError as exc:
                style = "emulator" if route.style == "page" else route.style
                resp = Response(exc.status, error_body(style, exc), headers=exc.headers)
            except Exception as exc:  # a bug here must answer, not drop the socket
                _logger.exception("emulator bug on %s %s", req.method, req.path)
                err = ApiError(500, "internal_error", f"emulator bug: {exc!r}")
                style = "emulator" if route.style == "page" else route.style
                resp = Response(500, error_body(style, err))
            self.state.save_if_dirty()
        return resp

    def tick(self) -> None:
        """Background expiry, so order.expired goes out with nobody asking."""
        with self.state.lock:
            self.engine.sweep()
            self.state.save_if_dirty()


def _fault_status(fault: dict, resp: Response | None):
    """What the request log says the client got."""
    kind = fault["fault"]
    if kind in ("error", "api_error", "locked"):
        return fault["status"]
    if kind == "rate_limit":
        return 429
    if kind == "timeout":
        return "timeout" if resp is None else f"timeout_then_{resp.status}"
    return "dropped"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    # Headers and body leave in two writes: with Nagle on, the body waits for
    # the client's delayed ACK (~40 ms per request on a kept-alive connection).
    disable_nagle_algorithm = True
    server_version = "MercadoPagoEmulator/1.0"
    timeout = 120  # idle keep-alive connections end eventually

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            return super().log_message(format, *args)
        return None

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self):
        app: App = self.server.app
        started = time.monotonic()
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        body = self._read_body()
        route, params, known = match(self.command, path)
        bound = self.server.server_address[:2]
        host = self.headers.get("Host") or f"{bound[0]}:{bound[1]}"
        req = Request(
            method=self.command,
            path=path,
            query=urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            base_url=f"http://{host}",
            params=params,
            style=route.style if route else "legacy",
        )
        if route is None:
            status = 405 if known else 404
            err = ApiError(
                status,
                "not_found" if status == 404 else "method_not_allowed",
                f"{self.command} {path} not found",
            )
            self._send(Response(status, error_body("legacy", err)))
            return
        if route.style not in API_STYLES:
            self._send(app.dispatch(route, req))
            return
        self._serve_api(app, route, req, started)

    def _serve_api(self, app: App, route, req: Request, started: float):
        entry = {
            "time": iso(app.state.now()),
            "method": req.method,
            "path": req.path,
            "query": {k: v if len(v) > 1 else v[0] for k, v in req.query.items()},
            "route": route.name,
            "idempotency_key": req.idempotency_key,
            "status": None,
            "fault": None,
        }
        delay = app.faults.latency_ms(req.method, req.path)
        if delay:
            app.stopping.wait(delay / 1000.0)
            entry["latency_ms"] = delay
        fault = app.faults.pick(req.method, req.path)
        resp = None
        if fault is None or fault["when"] == "after":
            resp = app.dispatch(route, req)  # the write happens here
        if fault:
            entry["fault"] = fault["fault"]
            entry["fault_when"] = fault["when"]
            entry["applied"] = resp is not None
            entry["status"] = _fault_status(fault, resp)
        else:
            entry["status"] = resp.status
        entry["user_id"] = req.account["user_id"] if req.account else None
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        # Logged before answering: a client that reads the log right after its
        # call must find the call there.
        app.state.log_request(entry)
        if fault:
            self._fault(app, fault, req, resp)
        else:
            self._send(resp)

    def _fault(self, app: App, fault: dict, req: Request, resp: Response | None):
        kind = fault["fault"]
        if kind == "error":
            err = ApiError(fault["status"], "internal_error", "emulated server error")
            if req.style == "instore":
                err.code = "in_store_order_creation_error"
            self._send(Response(err.status, error_body(req.style, err)))
        elif kind in ("api_error", "locked"):
            message = fault["message"] or f"emulated {fault['code']}"
            err = ApiError(fault["status"], fault["code"], message)
            self._send(Response(err.status, error_body(req.style, err)))
        elif kind == "rate_limit":
            err = ApiError(429, "too_many_requests", "emulated rate limit")
            headers = {"Retry-After": str(fault["retry_after"])}
            self._send(Response(429, error_body(req.style, err), headers=headers))
        elif kind == "timeout":
            app.stopping.wait(fault["ms"] / 1000.0)
            if resp is None:
                self._drop()
            else:  # the answer comes late; the client has usually given up
                with contextlib.suppress(OSError):
                    self._send(resp)
        else:
            self._drop()

    def _drop(self):
        """Close the socket without answering: the client sees a reset/EOF."""
        self.close_connection = True
        # linger 0: close() sends a reset, like a crashed load balancer
        with contextlib.suppress(OSError):
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        self.wfile = io.BytesIO()  # later flushes must not touch the dead socket
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, resp: Response):
        headers = dict(resp.headers)
        data = b""
        if resp.status != 204 and resp.body is not None:
            if isinstance(resp.body, bytes):
                data = resp.body
                ctype = resp.content_type or "application/octet-stream"
            elif isinstance(resp.body, str):
                data = resp.body.encode("utf-8")
                ctype = resp.content_type or "text/html; charset=utf-8"
            else:
                data = dumps(resp.body).encode("utf-8")
                ctype = resp.content_type or "application/json; charset=utf-8"
            headers.setdefault("Content-Type", ctype)
        self.send_response(resp.status)
        headers.setdefault("X-Request-Id", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def finish(self):
        # A dropped connection cannot be flushed.
        with contextlib.suppress(OSError, ValueError):
            return super().finish()
        return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, app: App, verbose: bool):
        self.app = app
        self.verbose = verbose
        self.open_sockets: set = set()
        self.sockets_lock = threading.Lock()
        super().__init__(addr, handler)

    def handle_error(self, request, client_address):
        if self.verbose:
            return super().handle_error(request, client_address)
        return None

    def process_request(self, request, client_address):
        with self.sockets_lock:
            self.open_sockets.add(request)
        return super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.sockets_lock:
            self.open_sockets.discard(request)
        return super().shutdown_request(request)

    def close_all(self):
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class EmulatorServer:
    """Run the emulator in a background thread.

    >>> srv = EmulatorServer(port=0).start()
    >>> srv.url          # e.g. "http://127.0.0.1:54321"
    >>> srv.stop()
    """

    def __init__(
        self,
        port: int = 0,
        state_file: str | None = None,
        host: str = "127.0.0.1",
        *,
        seed: int | None = None,
        config: dict | None = None,
        faults: dict | None = None,
        tick_seconds: float = 0.25,
        verbose: bool = False,
    ):
        from . import config as config_mod

        self.state = State(state_file=state_file, seed=seed)
        if config:
            self.state.data["config"] = config_mod.merged(self.state.config, config)
        self.faults = Faults(seed)
        if faults:
            self.faults.load(faults)
        self.app = App(self.state, self.faults)
        self.host, self.port = host, port
        self.tick_seconds = tick_seconds
        self.verbose = verbose
        self.httpd: _HTTPServer | None = None
        self.threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        if not self.httpd:
            raise RuntimeError("server not started")
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EmulatorServer:
        self.httpd = _HTTPServer(
            (self.host, self.port), Handler, self.app, self.verbose
        )
        self.state.server_url = self.url
        self.app.stopping.clear()
        self.app.notifier.start()
        serve = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="emulator-http",
            daemon=True,
        )
        ticker = threading.Thread(target=self._tick, name="emulator-tick", daemon=True)
        self.threads = [serve, ticker]
        for t in self.threads:
            t.start()
        return self

    def _tick(self) -> None:
        while not self.app.stopping.wait(self.tick_seconds):
            try:
                self.app.tick()
            except Exception:  # the ticker must survive a bad record
                _logger.exception("emulator expiry sweep failed")

    def stop(self) -> None:
        self.app.stopping.set()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.close_all()
            self.httpd.server_close()
        self.app.notifier.stop()
        for t in self.threads:
            t.join(timeout=2)
        with self.state.lock:
            self.state.save_if_dirty()

    # Conveniences for tests in other tiers.
    def create_account(self, site_id: str = "MLA", **kwargs) -> dict:
        return self.app.create_account(site_id=site_id, **kwargs)

    def reset(self, keep_accounts: bool = False) -> None:
        self.app.reset(keep_accounts=keep_accounts)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
