"""All emulator state: one JSON-friendly dict guarded by one lock.

Money is stored as canonical decimal strings so the state can be written to a
file as is; arithmetic converts to Decimal. Logs (requests, notifications) are
kept in memory only.
"""

from __future__ import annotations

import collections
import json
import os
import random
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone

from . import config as config_mod

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOG_SIZE = 5000

FIRST_IDS = {
    # Realistic-looking magnitudes; deterministic so runs are reproducible.
    "user": 1234567000,
    "store": 55000000,
    "pos": 88000000,
    "merchant_order": 21000000000,
    "payment": 91000000000,
    "refund": 3100000000,
    "notification": 12000000000,
    "application": 5830000000000000,
    "payout": 61000000000,
    "report": 99336983000,
}


def iso(dt: datetime) -> str:
    """Mercado Pago style UTC timestamp with milliseconds: 2025-08-21T19:32:21.621Z."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_offset(dt: datetime, hours: int = -4) -> str:
    """Legacy APIs print local time with offset: 2023-08-22T16:34:56.559-04:00."""
    local = dt.astimezone(timezone(timedelta(hours=hours)))
    base = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    return base + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def parse_iso(text: str) -> datetime:
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError("timestamp needs a UTC offset")
    return dt


def empty_data() -> dict:
    return {
        "format": 1,
        "counters": dict(FIRST_IDS),
        "clock_offset_seconds": 0.0,
        "config": config_mod.defaults(),
        "accounts": {},
        "stores": {},
        "pos": {},
        "orders": {},
        "instore": {},  # pos id -> pending in-store v2 order
        "merchant_orders": {},
        "payments": {},
        "idempotency": {},
        "ledger": [],
        "release_reports": {},  # user id -> {"config", "tasks", "files"}
    }


class State:
    def __init__(self, state_file: str | None = None, seed: int | None = None):
        self.lock = threading.RLock()
        self.state_file = state_file
        self.rng = random.Random(seed)
        self.data = empty_data()
        self.dirty = False
        self.server_url = "http://127.0.0.1"  # set by the server once bound
        self.log_lock = threading.Lock()
        self.requests: collections.deque = collections.deque(maxlen=_LOG_SIZE)
        self.notifications: collections.deque = collections.deque(maxlen=_LOG_SIZE)
        if state_file and os.path.exists(state_file):
            self.load(state_file)

    # --- config & clock -------------------------------------------------
    @property
    def config(self) -> dict:
        return self.data["config"]

    def now(self) -> datetime:
        offset = self.data["clock_offset_seconds"]
        return datetime.now(timezone.utc) + timedelta(seconds=offset)

    def advance_clock(self, seconds: float) -> None:
        self.data["clock_offset_seconds"] += float(seconds)
        self.dirty = True

    def set_clock(self, when: datetime) -> None:
        real = datetime.now(timezone.utc)
        self.data["clock_offset_seconds"] = (when - real).total_seconds()
        self.dirty = True

    def base_url(self) -> str:
        return self.config["public_url"] or self.server_url

    # --- ids ----------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        self.data["counters"][kind] += 1
        self.dirty = True
        return self.data["counters"][kind]

    def ulid(self, prefix: str) -> str:
        """prefix + 26 uppercase alphanumerics, ULID-like (time then randomness)."""
        ms = int(self.now().timestamp() * 1000)
        head = "".join(_CROCKFORD[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
        tail = "".join(self.rng.choice(_CROCKFORD) for _ in range(16))
        return prefix + head + tail

    def token_hex(self, nbytes: int) -> str:
        return "".join(f"{self.rng.getrandbits(8):02x}" for _ in range(nbytes))

    # --- lookups ------------------------------------------------------------
    def account_by_token(self, token: str) -> dict | None:
        for acc in self.data["accounts"].values():
            if secrets.compare_digest(acc["access_token"], token):
                return acc
        return None

    def account(self, user_id) -> dict | None:
        return self.data["accounts"].get(str(user_id))

    def pos_by_external(self, user_id: int, external_id: str) -> dict | None:
        fold = self.config["pos_external_id_case_insensitive"]
        for pos in self.data["pos"].values():
            if pos["user_id"] != user_id:
                continue
            if pos["external_id"] == external_id or (
                fold and pos["external_id"].lower() == external_id.lower()
            ):
                return pos
        return None

    def store_by_external(self, user_id: int, external_id: str) -> dict | None:
        for store in self.data["stores"].values():
            if store["user_id"] == user_id and store.get("external_id") == external_id:
                return store
        return None

    # --- logs ---------------------------------------------------------------
    def log_request(self, entry: dict) -> None:
        with self.log_lock:
            self.requests.append(entry)

    def log_notification(self, entry: dict) -> None:
        with self.log_lock:
            self.notifications.append(entry)

    def clear_logs(self) -> None:
        with self.log_lock:
            self.requests.clear()
            self.notifications.clear()

    # --- reset & persistence --------------------------------------------------
    def reset(self, keep_accounts: bool = False) -> None:
        accounts = self.data["accounts"] if keep_accounts else {}
        counters = self.data["counters"]
        self.data = empty_data()
        self.data["accounts"] = accounts
        # Ids never restart: a late notification from before the reset must not
        # name a new object.
        self.data["counters"] = counters
        self.dirty = True

    def save(self) -> None:
        if not self.state_file:
            self.dirty = False
            return
        tmp = f"{self.state_file}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.data, fh, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, self.state_file)  # atomic: a crash never leaves half a file
        self.dirty = False

    def save_if_dirty(self) -> None:
        if self.dirty:
            self.save()

    def load(self, path: str) -> None:
        with open(path, encoding="utf-8") as fh:
            loaded = json.load(fh)
        data = empty_data()
        data.update({k: v for k, v in loaded.items() if k in data})
        data["counters"] = {**FIRST_IDS, **loaded.get("counters", {})}
        data["config"] = config_mod.merged(
            config_mod.defaults(), loaded.get("config", {})
        )
        self.data = data


def monotonic() -> float:
    return time.monotonic()
