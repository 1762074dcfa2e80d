"""Request/response types and the route table shared by all handler modules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ApiError
from .money import loads

_NO_BODY = object()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: object  # email.message.Message: case-insensitive .get()
    body: bytes
    base_url: str
    params: dict = field(default_factory=dict)
    account: dict | None = None
    style: str = "legacy"
    _json: object = _NO_BODY

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def has_body(self) -> bool:
        return bool(self.body.strip())

    def json(self, *, required: bool = True):
        """Body as JSON (fractions as Decimal); None when empty and not required."""
        if self._json is _NO_BODY:
            if not self.has_body():
                if required:
                    raise ApiError(400, *_empty_body(self.style))
                self._json = None
            else:
                try:
                    self._json = loads(self.body)
                except ValueError:
                    raise ApiError(400, *_bad_json(self.style)) from None
        return self._json

    @property
    def idempotency_key(self) -> str | None:
        value = self.headers.get("X-Idempotency-Key")
        return value.strip() if value and value.strip() else None


def _empty_body(style: str) -> tuple[str, str]:
    if style == "orders":
        return ("json_syntax_error", "request body is empty")
    if style == "instore":
        return ("invalid_body", "request body is empty")
    return ("MISSING_BODY", "request body is empty")


def _bad_json(style: str) -> tuple[str, str]:
    if style == "orders":
        return ("json_syntax_error", "request body is not valid JSON")
    if style == "instore":
        return ("invalid_body", "request body is not valid JSON")
    return ("bad_request", "request body is not valid JSON")


@dataclass
class Response:
    status: int = 200
    body: object = None  # dict/list -> JSON, str -> HTML, bytes -> raw
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    # For idempotent replays in "current" mode: how to re-render the resource.
    resource: dict | None = None


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable
    style: str  # legacy | instore | orders | emulator | page
    auth: bool
    name: str


ROUTES: list[Route] = []


def route(method: str, path: str, style: str, auth: bool = True):
    """Register a handler: `path` uses {name} placeholders for one segment."""
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"

    def deco(fn):
        ROUTES.append(Route(method, re.compile(regex), fn, style, auth, path))
        return fn

    return deco


def match(method: str, path: str) -> tuple[Route | None, dict, bool]:
    """(route, params, path_known): path_known tells 405 from 404."""
    known = False
    for r in ROUTES:
        m = r.pattern.match(path)
        if m:
            known = True
            if r.method == method:
                return r, m.groupdict(), True
    return None, {}, known


def ok(body=None, status: int = 200, **kw) -> Response:
    return Response(status=status, body=body, **kw)
