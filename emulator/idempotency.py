"""X-Idempotency-Key: same key + same request -> same answer; other body -> 409.

Only successful (2xx) answers are remembered: a rejected request can be fixed
and retried with the same key. Keys are scoped per account and expire after
`idempotency_ttl_seconds` (24 h). A key longer than 128 characters is
`400 invalid_idempotency_key_length` (docs/mercado-pago-api.md §1.2).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from .errors import ApiError
from .money import dumps, loads
from .state import iso, parse_iso
from .web import Response

# Mercado Pago's limit on X-Idempotency-Key (docs/mercado-pago-api.md §1.2).
MAX_KEY_LENGTH = 128


def fingerprint(req) -> str:
    try:
        body = json.dumps(loads(req.body), sort_keys=True, default=str)
    except ValueError:
        body = req.body.decode("utf-8", "replace")
    if not req.body.strip():
        body = ""
    text = f"{req.method} {req.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def run(app, req, handler, *, required: bool, render_current=None) -> Response:
    """Run `handler()` at most once per (account, key, request)."""
    key = req.idempotency_key
    if key is None:
        if required:
            raise ApiError(
                400,
                "empty_required_header",
                "The header X-Idempotency-Key is required",
                details=["X-Idempotency-Key"],
            )
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            400,
            "invalid_idempotency_key_length",
            f"X-Idempotency-Key length exceeds {MAX_KEY_LENGTH} characters",
            details=["X-Idempotency-Key"],
        )
    state = app.state
    slot = f"{req.account['user_id']}:{key}"
    stored = state.data["idempotency"].get(slot)
    ttl = timedelta(seconds=float(state.config["idempotency_ttl_seconds"]))
    if stored and parse_iso(stored["created"]) + ttl <= state.now():
        # Expired: forgotten here, whenever the background sweep runs.
        del state.data["idempotency"][slot]
        stored = None
    fp = fingerprint(req)
    if stored:
        if stored["fingerprint"] != fp:
            raise ApiError(
                409,
                "idempotency_key_already_used",
                "The X-Idempotency-Key was already used with another request",
            )
        if state.config["idempotency_replay"] == "current" and render_current:
            current = render_current(stored.get("resource"))
            if current is not None:
                return Response(200, current, headers={"X-Idempotent-Replay": "true"})
        return Response(
            stored["status"],
            loads(stored["body"]),
            headers={"X-Idempotent-Replay": "true"},
        )
    resp = handler()
    if 200 <= resp.status < 300:
        state.data["idempotency"][slot] = {
            "fingerprint": fp,
            "status": resp.status,
            "body": dumps(resp.body),  # text: Decimals survive the state file
            "resource": resp.resource,
            "created": iso(state.now()),
            "method": req.method,
            "path": req.path,
        }
        state.dirty = True
    return resp
