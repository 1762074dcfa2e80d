"""One HTTP session per Mercado Pago account: timeouts, bounded retries, typed errors.

Retry policy
- GET and DELETE are retried on 429, 423 (and 409 ``resource_locked``), 424,
  5xx and connection errors.
- POST and PUT are retried only when idempotent: the caller passes the
  ``idempotency_key`` it stored before the call (MP then returns the first result for
  a repeated key), or says ``idempotent=True`` for a call that is idempotent by
  nature (a PUT that replaces a resource).
- Any method is retried when the connection could not even be opened: nothing was
  sent, so nothing can be duplicated.
- Backoff is exponential with full jitter, capped by ``backoff_max``; the
  ``Retry-After`` of a 429 or 423 is honoured up to ``RETRY_AFTER_CAP``; beyond
  that the error is raised at once with ``retry_after`` set so the caller can
  schedule a later try.

Nothing here logs a header, a body or the token.
"""

# English messages: this is not Odoo's ValidationError, which pylint-odoo assumes.
# pylint: disable=translation-required

import email.utils
import itertools
import json
import logging
import math
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import InitVar, dataclass
from functools import partial
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import (
    LOCKED_CODES,
    AuthenticationError,
    ConflictError,
    MercadoPagoError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
    error_from_response,
    parse_error_body,
    scrub,
)

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.mercadopago.com"
USER_AGENT = "pos_mercado_pago_qr (python-requests)"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
# 501/505 say the request itself is wrong for the server: retrying cannot help.
_NOT_RETRYABLE_5XX = frozenset({501, 505})
# A longer Retry-After is raised at once, with retry_after, for a later try.
RETRY_AFTER_CAP = 30.0


def check_idempotency_key(key):
    """MP accepts custom keys of 1 to 64 printable characters (SDK request_options)."""
    # [!-~] is printable ASCII but the space.
    if not (isinstance(key, str) and re.fullmatch(r"[!-~]{1,64}", key)):
        raise ValidationError(
            "The idempotency key must be 1 to 64 printable ASCII characters "
            "without spaces.",
            field="idempotency_key",
        )
    return key


def parse_retry_after(value, now):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - now
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def _never_sent(exc):
    """True when the connection was never established, so no byte reached MP."""
    stack, seen = [exc], set()
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(
            current,
            requests.exceptions.ConnectTimeout
            | NewConnectionError
            | ConnectTimeoutError,
        ):
            return True
        stack.append(getattr(current, "reason", None))
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        stack.extend((current.__cause__, current.__context__))
    return False


def _safe_json(response):
    try:
        return response.json()
    except ValueError:
        return scrub(response.text[:300]) if response.text else None


@dataclass(eq=False, repr=False)
class MercadoPagoSession:
    """Wraps one ``requests.Session`` bound to one access token."""

    access_token: InitVar[str]
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 5
    read_timeout: float = 15
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    platform_id: str | None = None
    sleep: Callable = time.sleep
    rng: Callable = random.random
    clock: Callable = time.time

    def __post_init__(self, access_token):
        if not access_token or not isinstance(access_token, str):
            raise ValueError("A Mercado Pago access token is required.")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1.")
        self._token = access_token
        self.base_url = self.base_url.rstrip("/")
        self._session = requests.Session()
        # The environment (proxies, CA bundle) is read once here, not on every
        # call as requests does; a ~/.netrc never replaces the token.
        self._session.trust_env = False
        self._session.proxies = requests.utils.get_environ_proxies(self.base_url)
        self._session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE")
            or os.environ.get("CURL_CA_BUNDLE")
            or True
        )
        self._session.headers.update(
            {
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
        )
        if self.platform_id:
            self._session.headers["X-Platform-Id"] = self.platform_id

    def __repr__(self):
        return f"<MercadoPagoSession base_url={self.base_url!r} token=***>"

    def close(self):
        self._session.close()

    def request(
        self,
        method,
        path,
        *,
        params=None,
        json=None,
        idempotency_key=None,
        idempotent=False,
        expect=(200, 201, 204),
        raw=False,
    ):
        """Send one logical call, retrying per the module policy.

        Returns the decoded JSON (dict or list), or None for 204/empty bodies;
        with ``raw``, the body's bytes (a report file).
        """
        method = method.upper()
        if not path.startswith("/"):
            raise ValueError("The path must start with '/'.")
        keyed = idempotency_key is not None
        retryable = method in IDEMPOTENT_METHODS or idempotent or keyed
        headers = {"Accept": "*/*"} if raw else {}
        if keyed:
            headers["X-Idempotency-Key"] = check_idempotency_key(idempotency_key)
        if json is not None:
            headers["Content-Type"] = "application/json"

        def send():
            return self._session.request(
                method,
                self.base_url + path,
                params=params,
                data=None if json is None else _dumps(json),
                headers=headers,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
            )

        return self._call(
            method,
            path,
            send,
            _raw_body if raw else _decode_json,
            expect=expect,
            retryable=retryable,
            keyed=keyed,
            label=f"{method} {path} (idempotency key {idempotency_key})",
        )

    def download(self, url, *, max_bytes=10_000_000):
        """GET a file Mercado Pago links to (a cashbox's QR image or template).

        The file may live on another host than the API, so the token is never
        sent with it. Only https is fetched, except on the session's own API
        host (an emulator on loopback); a redirect is an error, never followed;
        the body is streamed and the download stops as soon as it is larger
        than ``max_bytes``. Retried like `request`'s GET; the body of an
        error is not read.
        """
        self._check_download_url(url)
        path = urlsplit(url).path

        def send():
            return requests.get(
                url,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
                stream=True,
            )

        decode = partial(_read_capped, max_bytes=max_bytes)
        try:
            return self._call(
                "GET", path, send, decode, expect=(200,), label=path, read_body=False
            )
        except (AuthenticationError, ConflictError, ValidationError) as error:
            # The file's host is not the API: its 4xx says nothing about the
            # token or a field.
            raise MercadoPagoError(
                f"Unexpected answer (HTTP {error.status}).",
                status=error.status,
                method="GET",
                path=path,
                attempts=error.attempts,
            ) from None

    def _call(
        self,
        method,
        path,
        send,
        decode,
        *,
        expect,
        label,
        retryable=True,
        keyed=False,
        read_body=True,
    ):
        """`send` once per attempt; `decode` reads an expected answer, and the
        body of any other is read only with `read_body`."""
        context = {"method": method, "path": path}
        # Once one attempt may have been applied, the call's outcome stays unknown
        # whatever later attempts say (a refused reconnect proves nothing).
        maybe_applied = False
        for attempt in itertools.count(1):
            try:
                return self._attempt(
                    send, decode, expect, context, attempt, keyed, read_body
                )
            except MercadoPagoError as error:
                error.attempts = attempt
                error.unknown_outcome = error.unknown_outcome or maybe_applied
                raise
            except _Retry as retry:
                error = retry.error
                maybe_applied = maybe_applied or error.unknown_outcome
                allowed = retryable if retry.allowed is None else retry.allowed
                if attempt >= self.max_attempts or not allowed:
                    error.attempts, error.unknown_outcome = attempt, maybe_applied
                    _logger.warning(
                        "Mercado Pago %s gave up after %d attempt(s): %s",
                        label,
                        attempt,
                        error,
                    )
                    raise error from retry.cause
                delay = retry.wait
                if delay is None:  # exponential backoff with full jitter
                    ceiling = self.backoff_base * (2 ** (attempt - 1))
                    delay = self.rng() * min(self.backoff_max, ceiling)
                _logger.info(
                    "Mercado Pago %s attempt %d failed (%s); retrying in %.2fs",
                    label,
                    attempt,
                    error,
                    delay,
                )
                self.sleep(delay)

    def _check_download_url(self, url):
        """https anywhere; plain http only on the session's own API host."""
        try:
            parts = urlsplit(url if isinstance(url, str) else "")
            where, scheme = _host_port(parts), parts.scheme.lower()
            own = scheme == "http" and where == _host_port(urlsplit(self.base_url))
            ok = bool(where[0]) and (scheme == "https" or own)
        except ValueError:  # a port that is not a number
            ok = False
        if not ok:
            raise ValidationError(
                "A QR file is downloaded over https only (plain http only from "
                "the API's own host).",
                field="url",
            )

    def _attempt(self, send, decode, expect, context, attempt, keyed, read_body):
        method, path = context["method"], context["path"]
        is_write = method not in IDEMPOTENT_METHODS
        _logger.debug("Mercado Pago %s %s attempt %d", method, path, attempt)
        try:
            response = send()
        except requests.exceptions.RequestException as exc:
            sent = not _never_sent(exc)
            error = UnavailableError(
                f"Could not reach Mercado Pago ({type(exc).__name__}).",
                unknown_outcome=sent and is_write,
                **context,
            )
            # Nothing sent: retried whatever the method, nothing can be duplicated.
            raise _Retry(error, allowed=None if sent else True, cause=exc) from None
        status = response.status_code
        _logger.debug(
            "Mercado Pago %s %s attempt %d -> %d", method, path, attempt, status
        )
        try:
            with response:
                if status in expect:
                    return decode(response, context)
                body = _safe_json(response) if read_body else None
        except requests.exceptions.RequestException as exc:
            # A streamed body that stalled or broke off.
            error = UnavailableError(
                f"Mercado Pago's answer could not be read ({type(exc).__name__}).",
                status=status,
                unknown_outcome=is_write,
                **context,
            )
            raise _Retry(error, cause=exc) from None
        self._refuse(response, body, context, is_write, keyed)

    def _refuse(self, response, body, context, is_write, keyed):
        """Raise what a non-expected answer means: an error, or a retry."""
        status = response.status_code
        error = partial(
            error_from_response, status, body, secrets=(self._token,), **context
        )
        # 423 Locked (the SDKs' "retryable": the key's first request still
        # runs), or a 409 resource_locked (sdk-python MPOrderErrors): that
        # request may yet apply, so a keyed write's outcome is unknown.
        locked = status == 423 or (
            status == 409
            and str(parse_error_body(body)[0] or "").lower() in LOCKED_CODES
        )
        if status == 429 or locked:
            wait = parse_retry_after(
                response.headers.get("Retry-After"), now=self.clock()
            )
            # "Later", whatever code Mercado Pago puts in the body.
            later = error(
                cls=RateLimitedError,
                retry_after=wait,
                unknown_outcome=locked and keyed and is_write,
            )
            if wait is not None and wait > RETRY_AFTER_CAP:
                raise later
            raise _Retry(later, wait=wait)
        if status >= 500 or status == 424:
            failed = error(unknown_outcome=is_write)
            raise _Retry(
                failed, allowed=False if status in _NOT_RETRYABLE_5XX else None
            )
        if 300 <= status < 400:
            raise MercadoPagoError(
                f"Unexpected redirect (HTTP {status}).", status=status, **context
            )
        raise error()


@dataclass(eq=False)
class _Retry(Exception):
    """Internal: a failed attempt; `allowed` None leaves the retry to the call's
    policy (an idempotent method or call, or a key), a bool overrides it."""

    error: MercadoPagoError
    allowed: bool | None = None
    wait: float | None = None
    cause: BaseException | None = None


def _host_port(parts):
    """(host, port) of a split URL, the port defaulted by its scheme."""
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return (parts.hostname or "").lower(), parts.port or default


def _read_capped(response, context, max_bytes):
    """The body of a streamed response: refused as soon as it passes
    max_bytes, tried again when shorter than announced (urllib3 1.26 returns
    a body that a closed connection cut short)."""
    length = response.headers.get("Content-Length", "")
    declared = int(length) if length.isdigit() else 0
    body = bytearray()
    if declared <= max_bytes:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            body += chunk
            if len(body) > max_bytes:
                break
    status = response.status_code
    if max(declared, len(body)) > max_bytes:
        raise MercadoPagoError(
            "The file is larger than expected.", status=status, **context
        )
    if len(body) < declared:
        error = UnavailableError(
            "The file arrived incomplete.", status=status, **context
        )
        raise _Retry(error)
    return bytes(body)


def _dumps(body):
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _raw_body(response, _context):
    return response.content  # a file, as it came


def _decode_json(response, context):
    if response.status_code == 204 or not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        # A 2xx that is not JSON (a proxy page, a truncated body): a write may
        # well have happened, so its outcome is unknown.
        raise UnavailableError(
            "Mercado Pago answered with a body that is not JSON.",
            status=response.status_code,
            unknown_outcome=context["method"] not in IDEMPOTENT_METHODS,
            **context,
        ) from None
