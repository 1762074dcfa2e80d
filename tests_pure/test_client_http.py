"""MercadoPagoSession against a real local HTTP server: headers, retries, errors."""

import contextlib
import email.utils
import logging

import pytest
from client_fixtures import TOKEN, Reply, refused_url

from mercado_pago.errors import (
    AuthenticationError,
    ConflictError,
    MercadoPagoError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
)
from mercado_pago.http import MercadoPagoSession, parse_retry_after

ORDER = {"id": "ORD01", "status": "created"}


def test_sends_bearer_json_and_platform_headers(mp_server):
    mp_server.script("POST", "/v1/things", Reply(201, {"ok": True}))
    session = mp_server.session(platform_id="dev_platform")
    answer = session.request(
        "POST", "/v1/things", json={"amount": "1.00"}, idempotency_key="key-1"
    )
    assert answer == {"ok": True}
    [call] = mp_server.received
    assert call.header("authorization") == f"Bearer {TOKEN}"
    assert call.header("x-idempotency-key") == "key-1"
    assert call.header("x-platform-id") == "dev_platform"
    assert call.header("content-type") == "application/json"
    assert call.json == {"amount": "1.00"}


def test_get_sends_params_and_no_idempotency_key(mp_server):
    mp_server.script("GET", "/pos", Reply(200, {"results": []}))
    mp_server.session().request("GET", "/pos", params={"external_id": "ABC"})
    [call] = mp_server.received
    assert call.query == {"external_id": "ABC"}
    assert call.header("x-idempotency-key") is None
    assert call.body == b""


def test_204_and_empty_body_return_none(mp_server):
    mp_server.script("PUT", "/x", Reply(204))
    mp_server.script("GET", "/y", Reply(200, body=b""))
    session = mp_server.session()
    assert session.request("PUT", "/x", json={}, idempotent=True) is None
    assert session.request("GET", "/y") is None


def test_repr_masks_token_and_close_is_safe(mp_server):
    session = mp_server.session()
    assert TOKEN not in repr(session)
    assert "***" in repr(session)
    session.close()
    session.close()


def test_the_environments_proxy_is_used_and_a_netrc_never_replaces_the_token(
    mp_server, monkeypatch, tmp_path
):
    """A shop behind a proxy sets HTTPS_PROXY (requests' documented environment
    variables); the environment is read when the session is made."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.mp.invalid login someone password secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", mp_server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    mp_server.script("GET", "/pos", Reply(200, {"results": []}))
    session = mp_server.session(base_url="http://api.mp.invalid")
    assert session.request("GET", "/pos") == {"results": []}
    [call] = mp_server.received
    assert call.header("authorization") == f"Bearer {TOKEN}"

    monkeypatch.setenv("NO_PROXY", "api.mp.invalid")
    direct = mp_server.session(base_url="http://api.mp.invalid", max_attempts=1)
    with pytest.raises(UnavailableError):
        direct.request("GET", "/pos")
    assert len(mp_server.received) == 1


def test_rejects_missing_token_and_bad_arguments():
    with pytest.raises(ValueError):
        MercadoPagoSession("")
    with pytest.raises(ValueError):
        MercadoPagoSession(TOKEN, max_attempts=0)
    session = MercadoPagoSession(TOKEN, base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError):
        session.request("GET", "no-slash")


@pytest.mark.parametrize("key", ["", "k" * 65, "has space", "tab\tkey", "ñandú", 42])
def test_idempotency_key_is_validated_before_sending(mp_server, key):
    with pytest.raises(ValidationError) as info:
        mp_server.session().request("POST", "/v1/orders", json={}, idempotency_key=key)
    assert info.value.field == "idempotency_key"
    assert mp_server.received == []


def test_idempotency_key_of_64_chars_is_accepted(mp_server):
    mp_server.script("POST", "/v1/orders", Reply(201, ORDER))
    key = "k" * 64
    mp_server.session().request("POST", "/v1/orders", json={}, idempotency_key=key)
    assert mp_server.received[0].header("x-idempotency-key") == key


# -- retries -----------------------------------------------------------------


def test_post_with_key_retries_5xx_with_the_same_key(mp_server):
    mp_server.script(
        "POST",
        "/v1/orders",
        Reply(500, {"message": "internal"}),
        Reply(503, {"message": "unavailable"}),
        Reply(201, ORDER),
    )
    session = mp_server.session()
    answer = session.request("POST", "/v1/orders", json={}, idempotency_key="abc")
    assert answer == ORDER
    calls = mp_server.calls("POST", "/v1/orders")
    assert [c.header("x-idempotency-key") for c in calls] == ["abc"] * 3
    # full jitter with rng=0.5: 0.5 * min(8, 0.5 * 2**(n-1))
    assert mp_server.sleeps == [0.25, 0.5]


def test_post_without_key_is_not_retried_and_outcome_is_unknown(mp_server):
    mp_server.script("POST", "/pos", Reply(500, {"message": "boom"}))
    with pytest.raises(UnavailableError) as info:
        mp_server.session().request("POST", "/pos", json={"name": "x"})
    assert info.value.unknown_outcome is True
    assert info.value.status == 500
    assert info.value.attempts == 1
    assert len(mp_server.calls("POST", "/pos")) == 1
    assert mp_server.sleeps == []


def test_idempotent_put_is_retried(mp_server):
    mp_server.script("PUT", "/orders", Reply(502), Reply(204))
    assert (
        mp_server.session().request("PUT", "/orders", json={}, idempotent=True) is None
    )
    assert len(mp_server.calls("PUT")) == 2


def test_get_retries_are_bounded(mp_server):
    mp_server.script("GET", "/v1/orders/ORD1", *[Reply(503)] * 3)
    session = mp_server.session(max_attempts=3)
    with pytest.raises(UnavailableError) as info:
        session.request("GET", "/v1/orders/ORD1")
    assert info.value.attempts == 3
    assert info.value.unknown_outcome is False  # a read changes nothing
    assert len(mp_server.received) == 3
    assert len(mp_server.sleeps) == 2


def test_backoff_is_exponential_capped_and_jittered(mp_server):
    mp_server.script("GET", "/slow", *[Reply(500)] * 6)
    draws = iter([1.0, 1.0, 1.0, 1.0, 0.0])
    session = mp_server.session(
        max_attempts=6, backoff_base=1.0, backoff_max=3.0, rng=lambda: next(draws)
    )
    with pytest.raises(UnavailableError):
        session.request("GET", "/slow")
    assert mp_server.sleeps == [1.0, 2.0, 3.0, 3.0, 0.0]


def test_501_is_not_retried(mp_server):
    mp_server.script("GET", "/nope", Reply(501))
    with pytest.raises(UnavailableError):
        mp_server.session().request("GET", "/nope")
    assert len(mp_server.received) == 1


def test_429_honours_retry_after_seconds(mp_server):
    mp_server.script(
        "GET",
        "/users/me",
        Reply(429, {"message": "too many"}, headers={"Retry-After": "3"}),
        Reply(200, {"id": 1}),
    )
    assert mp_server.session().request("GET", "/users/me") == {"id": 1}
    assert mp_server.sleeps == [3.0]


def test_429_honours_retry_after_http_date(mp_server):
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    mp_server.script(
        "GET",
        "/users/me",
        Reply(429, headers={"Retry-After": date}),
        Reply(200, {"id": 1}),
    )
    session = mp_server.session(clock=lambda: now)
    session.request("GET", "/users/me")
    assert mp_server.sleeps == [7.0]


def test_429_beyond_the_cap_raises_without_sleeping(mp_server):
    mp_server.script("GET", "/users/me", Reply(429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as info:
        mp_server.session().request("GET", "/users/me")
    assert info.value.retry_after == 120.0
    assert info.value.status == 429
    assert mp_server.sleeps == []
    assert len(mp_server.received) == 1


def test_429_without_retry_after_uses_backoff_then_gives_up(mp_server):
    mp_server.script("GET", "/users/me", *[Reply(429, {"message": "slow down"})] * 2)
    session = mp_server.session(max_attempts=2)
    with pytest.raises(RateLimitedError) as info:
        session.request("GET", "/users/me")
    assert info.value.retry_after is None
    assert info.value.unknown_outcome is False
    assert mp_server.sleeps == [0.25]


def test_429_on_post_without_key_is_not_retried(mp_server):
    mp_server.script("POST", "/pos", Reply(429, headers={"Retry-After": "1"}))
    with pytest.raises(RateLimitedError) as info:
        mp_server.session().request("POST", "/pos", json={})
    assert info.value.unknown_outcome is False
    assert len(mp_server.received) == 1


def test_dropped_connection_on_get_is_retried(mp_server):
    mp_server.script("GET", "/v1/orders/ORD1", Reply(close=True), Reply(200, ORDER))
    assert mp_server.session().request("GET", "/v1/orders/ORD1") == ORDER
    assert len(mp_server.received) == 2


def test_dropped_connection_on_post_without_key_is_unknown(mp_server):
    mp_server.script("POST", "/pos", Reply(close=True))
    with pytest.raises(UnavailableError) as info:
        mp_server.session().request("POST", "/pos", json={"name": "x"})
    assert info.value.unknown_outcome is True
    assert len(mp_server.received) == 1


def test_read_timeout_on_post_with_key_is_retried_with_same_key(mp_server):
    mp_server.script(
        "POST", "/v1/orders", Reply(201, ORDER, delay=0.6), Reply(201, ORDER)
    )
    session = mp_server.session(read_timeout=0.2)
    answer = session.request("POST", "/v1/orders", json={}, idempotency_key="same")
    assert answer == ORDER
    keys = [c.header("x-idempotency-key") for c in mp_server.calls("POST")]
    assert keys == ["same", "same"]


def test_read_timeout_exhausted_is_unknown_outcome(mp_server):
    mp_server.script("POST", "/v1/orders", *[Reply(201, ORDER, delay=0.6)] * 2)
    session = mp_server.session(read_timeout=0.2, max_attempts=2)
    with pytest.raises(UnavailableError) as info:
        session.request("POST", "/v1/orders", json={}, idempotency_key="k1")
    assert info.value.unknown_outcome is True
    assert info.value.attempts == 2


def test_connection_refused_is_retried_even_for_post_and_not_unknown():
    sleeps = []
    session = MercadoPagoSession(
        TOKEN, base_url=refused_url(), max_attempts=3, sleep=sleeps.append
    )
    with pytest.raises(UnavailableError) as info:
        session.request("POST", "/pos", json={})
    # Nothing was sent, so nothing can have been created.
    assert info.value.unknown_outcome is False
    assert info.value.attempts == 3
    assert len(sleeps) == 2


def test_non_json_success_body_is_unavailable_unknown(mp_server):
    mp_server.script("POST", "/v1/orders", Reply(201, body=b"<html>proxy</html>"))
    with pytest.raises(UnavailableError) as info:
        mp_server.session().request("POST", "/v1/orders", json={}, idempotency_key="k")
    assert info.value.unknown_outcome is True


def test_redirect_is_an_error(mp_server):
    mp_server.script("GET", "/moved", Reply(302, headers={"Location": "/elsewhere"}))
    with pytest.raises(MercadoPagoError) as info:
        mp_server.session().request("GET", "/moved")
    assert info.value.status == 302


# -- typed errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "cls", "code", "field"),
    [
        (
            401,
            {"message": "invalid token", "error": "unauthorized"},
            AuthenticationError,
            "unauthorized",
            None,
        ),
        (403, {"message": "forbidden", "status": 403}, AuthenticationError, None, None),
        (
            400,
            {"errorKey": "invalid_access_token", "message": "bad token"},
            AuthenticationError,
            "invalid_access_token",
            None,
        ),
        (
            404,
            {
                "errors": [
                    {"code": "pos_not_found", "message": "Point of sale not found"}
                ]
            },
            NotFoundError,
            "pos_not_found",
            "config.qr.external_pos_id",
        ),
        (
            400,
            {
                "message": "invalid city",
                "error": "bad_request",
                "status": 400,
                "cause": [{"code": "INVALID_CITY_NAME", "description": "city"}],
            },
            ValidationError,
            "INVALID_CITY_NAME",
            "location.city_name",
        ),
        (
            422,
            {"errorKey": "invalid_items.unit_price", "message": "bad price"},
            ValidationError,
            "invalid_items.unit_price",
            "items.unit_price",
        ),
        (
            409,
            {"errors": [{"code": "idempotency_key_already_used", "message": "used"}]},
            ConflictError,
            "idempotency_key_already_used",
            None,
        ),
        (429, {"message": "rate"}, RateLimitedError, None, None),
        (
            500,
            {"message": "in_store_order_creation_error"},
            UnavailableError,
            None,
            None,
        ),
    ],
)
def test_error_types_from_http(mp_server, status, body, cls, code, field):
    mp_server.script("GET", "/thing", *[Reply(status, body)] * 4)
    with pytest.raises(cls) as info:
        mp_server.session(max_attempts=1).request("GET", "/thing")
    error = info.value
    assert error.status == status
    assert error.code == code
    assert error.field == field
    assert error.method == "GET" and error.path == "/thing"
    assert str(status) in str(error)


def test_error_with_plain_text_body(mp_server):
    mp_server.script("GET", "/thing", Reply(404, body=b"Not Found"))
    with pytest.raises(NotFoundError) as info:
        mp_server.session().request("GET", "/thing")
    assert info.value.message == "Not Found"


def test_token_never_logged_nor_in_errors(mp_server, caplog):
    caplog.set_level(logging.DEBUG)
    echo = {"message": f"invalid token Bearer {TOKEN}", "error": f"bad {TOKEN}"}
    mp_server.script(
        "POST",
        "/v1/orders",
        Reply(500, echo),
        Reply(close=True),
        Reply(401, echo),
    )
    with pytest.raises(AuthenticationError) as info:
        mp_server.session().request(
            "POST", "/v1/orders", json={"token": "no"}, idempotency_key="idem-1"
        )
    texts = [caplog.text, str(info.value), repr(info.value), info.value.message]
    texts.append(str(info.value.code))
    for text in texts:
        assert TOKEN not in text
        assert TOKEN.split("-")[3] not in text  # not even the secret part
    assert "idem-1" in caplog.text  # the key is logged: it is not a secret
    assert "/v1/orders" in caplog.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("soon", None),
        (None, None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=2_000_000_000) == expected


def test_unknown_outcome_sticks_across_attempts(mp_server):
    # Attempt 1 may have created the order (answer lost); attempt 2 is rejected
    # before processing. The call as a whole is still "unknown", never "failed".
    mp_server.script(
        "POST",
        "/v1/orders",
        Reply(201, ORDER, delay=0.6),
        Reply(429, {"message": "slow"}, headers={"Retry-After": "90"}),
    )
    session = mp_server.session(read_timeout=0.2)
    with pytest.raises(RateLimitedError) as info:
        session.request("POST", "/v1/orders", json={}, idempotency_key="k-sticky")
    assert info.value.unknown_outcome is True
    assert info.value.attempts == 2
    mp_server.script(
        "POST",
        "/v1/orders",
        Reply(close=True),
        Reply(409, {"errors": [{"code": "idempotency_key_already_used"}]}),
    )
    with pytest.raises(ConflictError) as info:
        session.request("POST", "/v1/orders", json={}, idempotency_key="k-sticky2")
    assert info.value.unknown_outcome is True


def test_download_sends_no_token_and_retries_5xx(mp_server):
    mp_server.script(
        "GET",
        "/qr/1.png",
        Reply(503, {"message": "busy"}),
        Reply(200, body=b"\x89PNG-bytes", headers={"Content-Type": "image/png"}),
    )
    session = mp_server.session()
    assert session.download(f"{mp_server.url}/qr/1.png") == b"\x89PNG-bytes"
    assert len(mp_server.received) == 2
    assert all(call.header("authorization") is None for call in mp_server.received)
    assert len(mp_server.sleeps) == 1


def test_download_not_found_and_bounded_attempts(mp_server):
    mp_server.script("GET", "/qr/missing.png", Reply(404, {"message": "nope"}))
    session = mp_server.session()
    with pytest.raises(NotFoundError):
        session.download(f"{mp_server.url}/qr/missing.png")
    mp_server.script("GET", "/qr/down.png", *[Reply(500, {}) for _ in range(4)])
    with pytest.raises(UnavailableError):
        session.download(f"{mp_server.url}/qr/down.png")
    assert len([c for c in mp_server.received if c.path == "/qr/down.png"]) == 4
    with pytest.raises(ValidationError):
        session.download("file:///etc/passwd")


# -- downloads: no redirect, https only, a size cap while streaming ------------
# Mercado Pago's API is https://api.mercadopago.com (e.g. GET
# https://api.mercadopago.com/pos/{id}, "Get point of sale" in its API
# reference), and the QR files it links to in `qr.image` and
# `qr.template_document` are fetched without the token.


def test_download_does_not_follow_a_redirect(mp_server):
    mp_server.script(
        "GET", "/qr/1.png", Reply(302, headers={"Location": "/internal/secret"})
    )
    mp_server.script("GET", "/internal/secret", Reply(200, body=b"secret"))
    with pytest.raises(MercadoPagoError) as info:
        mp_server.session().download(f"{mp_server.url}/qr/1.png")
    assert info.value.status == 302
    assert [call.path for call in mp_server.received] == ["/qr/1.png"]
    # Leave the fake's queue empty: the redirect's target was never asked.
    assert mp_server.session().download(f"{mp_server.url}/internal/secret")


@pytest.mark.parametrize(
    "url",
    [
        "http://{fake}/qr/1.png",  # plain http, not the API's host
        "ftp://{fake}/qr/1.png",
        "https:///qr/1.png",  # no host
        "https://{fake}:port/qr/1.png",  # not a port
        None,
    ],
)
def test_download_refuses_plain_http_off_the_api_host(mp_server, url):
    session = mp_server.session(base_url="https://api.mercadopago.com")
    if url:
        url = url.format(fake=mp_server.url.removeprefix("http://"))
    with pytest.raises(ValidationError) as info:
        session.download(url)
    assert info.value.field == "url"
    assert mp_server.received == []


def test_download_http_only_on_the_same_host_and_port(mp_server):
    # The emulator's own host and port: plain http is what it speaks.
    mp_server.script("GET", "/qr/1.png", Reply(200, body=b"png"))
    assert mp_server.session().download(f"{mp_server.url}/qr/1.png") == b"png"
    other_port = mp_server.url.rsplit(":", 1)[0] + ":1"
    with pytest.raises(ValidationError):
        mp_server.session(base_url=other_port).download(f"{mp_server.url}/qr/1.png")
    assert len(mp_server.received) == 1


class _Hoarder:
    """A loopback server whose body never ends on time: it writes what a test
    asks, then holds the connection open well past the client's read timeout.
    A client that reads the whole body before checking its size waits there."""

    def __init__(self, declared, sent, status=200, hold=True):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        stop = self.stop = threading.Event()
        self.requests = 0
        hoarder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def do_GET(self):
                hoarder.requests += 1
                self.send_response(status)
                self.send_header("Content-Type", "image/png")
                if declared is not None:
                    self.send_header("Content-Length", str(declared))
                self.end_headers()
                try:
                    self.wfile.write(b"x" * sent)
                    self.wfile.flush()
                except OSError:
                    return
                if hold:
                    stop.wait(5)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        threading.Thread(
            target=self.server.serve_forever, args=(0.02,), daemon=True
        ).start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}"

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def _hoarded_download(*hoarder_args, **download_kwargs):
    """Download from a _Hoarder with 1 s timeouts and no real sleeps; yields
    (the error raised, the hoarder, the sleeps) once the download has failed.
    A client that waits for the hoarder's body fails with a read timeout
    instead, which the tests tell apart by the error's type and status."""
    hoarder = _Hoarder(*hoarder_args)
    sleeps = []
    session = MercadoPagoSession(
        TOKEN,
        base_url=hoarder.url,
        connect_timeout=1,
        read_timeout=1,
        max_attempts=2,
        sleep=sleeps.append,
    )
    try:
        with pytest.raises(MercadoPagoError) as info:
            session.download(f"{hoarder.url}/qr/1.png", **download_kwargs)
        yield info.value, hoarder, sleeps
    finally:
        session.close()
        hoarder.close()


@pytest.mark.parametrize(
    ("declared", "sent"),
    [
        (None, 200_000),  # no Content-Length: streamed until past the cap
        (10**9, 10),  # a Content-Length past the cap: refused before reading
    ],
)
def test_download_stops_as_soon_as_the_file_is_too_large(declared, sent):
    with _hoarded_download(declared, sent, max_bytes=1000) as (error, hoarder, sleeps):
        assert "larger than expected" in str(error)
        assert not isinstance(error, UnavailableError)
        assert hoarder.requests == 1 and sleeps == []


# -- 423 Locked / resource_locked (issue #14, item 5) ---------------------------------


def test_423_on_a_keyed_write_is_retried_with_backoff(mp_server):
    """Every official SDK types HTTP 423 as retryable: sdk-python
    mercadopago/errors/exceptions.py ("HTTP 423 Locked — idempotency key
    temporarily locked (retryable)."), sdk-java src/main/java/com/mercadopago/net/
    HttpStatus.java (LOCKED = 423), sdk-go pkg/mperror/typed_errors.go."""
    mp_server.script(
        "POST",
        "/v1/orders",
        Reply(423, {"errors": [{"code": "resource_locked", "message": "locked"}]}),
        Reply(423, {"message": "locked", "error": "resource_locked", "status": 423}),
        Reply(201, ORDER),
    )
    answer = mp_server.session().request(
        "POST", "/v1/orders", json={}, idempotency_key="k-423"
    )
    assert answer == ORDER
    calls = mp_server.calls("POST", "/v1/orders")
    assert [c.header("x-idempotency-key") for c in calls] == ["k-423"] * 3
    assert mp_server.sleeps == [0.25, 0.5]


def test_423_exhausted_is_a_rate_limit_with_unknown_outcome(mp_server):
    """The key is locked because its first request is still running (sdk-python
    mercadopago/errors/exceptions.py): that request may yet be applied."""
    mp_server.script(
        "POST",
        "/v1/orders/ORD1/refund",
        *[Reply(423, headers={"Retry-After": "2"})] * 2,
    )
    session = mp_server.session(max_attempts=2)
    with pytest.raises(RateLimitedError) as info:
        session.request("POST", "/v1/orders/ORD1/refund", idempotency_key="k")
    assert info.value.status == 423 and info.value.retry_after == 2.0
    assert info.value.unknown_outcome is True
    assert mp_server.sleeps == [2.0]


def test_423_on_get_is_retried_and_without_key_is_not(mp_server):
    """GETs are always retryable; a POST without an idempotency key is not."""
    mp_server.script("GET", "/v1/orders/ORD1", Reply(423), Reply(200, ORDER))
    assert mp_server.session().request("GET", "/v1/orders/ORD1") == ORDER
    mp_server.script("POST", "/pos", Reply(423))
    with pytest.raises(RateLimitedError) as info:
        mp_server.session().request("POST", "/pos", json={})
    assert info.value.unknown_outcome is False
    assert len(mp_server.calls("POST", "/pos")) == 1


def test_409_resource_locked_is_retried_like_423(mp_server):
    """sdk-python mercadopago/errors/constants.py lists ``resource_locked`` among
    the Orders API's 409 codes (class MPOrderErrors); it means "later", not a
    final conflict."""
    locked = {"errors": [{"code": "resource_locked", "message": "try later"}]}
    mp_server.script(
        "POST", "/v1/orders/ORD1/cancel", Reply(409, locked), Reply(200, ORDER)
    )
    answer = mp_server.session().request(
        "POST", "/v1/orders/ORD1/cancel", idempotency_key="k"
    )
    assert answer == ORDER and mp_server.sleeps == [0.25]


def test_424_is_retried(mp_server):
    """The SDKs type 424 Failed Dependency as retryable (sdk-python
    mercadopago/errors/exceptions.py)."""
    mp_server.script("GET", "/v1/orders/ORD1", Reply(424), Reply(200, ORDER))
    assert mp_server.session().request("GET", "/v1/orders/ORD1") == ORDER
    mp_server.script("GET", "/v1/orders/ORD2", *[Reply(424)] * 2)
    with pytest.raises(UnavailableError):
        mp_server.session(max_attempts=2).request("GET", "/v1/orders/ORD2")


def test_download_does_not_wait_for_an_error_body():
    """A 5xx from the file's host whose body never ends: its body is not read
    (it is not Mercado Pago's API), the download is tried again, then fails
    as unreachable with the status."""
    with _hoarded_download(None, 10, 503) as (error, hoarder, sleeps):
        assert isinstance(error, UnavailableError) and error.status == 503
        assert hoarder.requests == 2 == len(sleeps) + 1


def test_download_whose_body_stalls_is_tried_again_then_unreachable():
    """A file announced as 500 bytes of which 10 arrive: the read times out,
    which is Mercado Pago being unreachable (typed, tried again), not a
    traceback."""
    with _hoarded_download(500, 10) as (error, hoarder, sleeps):
        assert isinstance(error, UnavailableError) and error.status == 200
        assert hoarder.requests == 2 == len(sleeps) + 1


def test_download_cut_short_is_tried_again_then_unreachable():
    """A file announced as 500 bytes whose connection closes after 10: not a
    file of 10 bytes (urllib3 1.26 does not check the length), but Mercado
    Pago unreachable, tried again."""
    with _hoarded_download(500, 10, 200, False) as (error, hoarder, sleeps):
        assert isinstance(error, UnavailableError) and error.status == 200
        assert "incomplete" in error.message
        assert hoarder.requests == 2 == len(sleeps) + 1


@pytest.mark.parametrize("status", [400, 401, 403, 409, 410])
def test_download_refused_by_the_files_host_is_no_api_error(mp_server, status):
    """The file's host answers about the file, not about the token or a field
    (no token is sent to it): a plain error, not the API's typed ones."""
    mp_server.script("GET", "/qr/1.png", Reply(status, {"message": "AccessDenied"}))
    with pytest.raises(MercadoPagoError) as info:
        mp_server.session().download(f"{mp_server.url}/qr/1.png")
    assert type(info.value) is MercadoPagoError
    assert info.value.status == status
    assert str(status) in info.value.message
