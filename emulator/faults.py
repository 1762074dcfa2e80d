"""Fault injection: HTTP faults on API routes, notification faults, payment faults.

All random draws come from one seeded RNG so a run with the same `seed` and the
same request sequence misbehaves the same way.
"""

from __future__ import annotations

import copy
import random
import re
import threading
from decimal import Decimal, InvalidOperation

HTTP_FAULTS = (
    "latency",
    "error",
    "rate_limit",
    "timeout",
    "drop",
    "api_error",
    "locked",
)

_NOTIFY_DEFAULTS = {
    "lose": 0.0,  # probability a delivery is never sent
    "duplicate": 0.0,  # probability a delivery is sent twice
    "delay_ms": 0,  # extra wait before the first attempt
    "reorder": False,  # hold deliveries and release them newest first
    "reorder_batch": 2,
    "reorder_window_ms": 300,
    "unknown_ids": 0.0,  # probability of an extra notification about a bogus id
    "kinds": None,  # restrict the above to these kinds (order, ipn, webhook)
}


def _prob(value, name: str) -> float:
    try:
        prob = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between 0 and 1") from None
    if not 0 <= prob <= 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return prob


def _rule(raw: dict) -> dict:
    if not isinstance(raw, dict):
        raise TypeError("each rule must be an object")
    kind = raw.get("fault")
    if kind not in HTTP_FAULTS:
        raise ValueError(f"fault must be one of {HTTP_FAULTS}")
    unknown = set(raw) - {
        "fault",
        "method",
        "path",
        "probability",
        "times",
        "when",
        "status",
        "retry_after",
        "ms",
        "jitter_ms",
        "code",
        "message",
    }
    if unknown:
        raise ValueError(f"unknown rule keys {sorted(unknown)}")
    rule = {
        "fault": kind,
        "method": (raw.get("method") or "").upper() or None,
        "path": raw.get("path"),
        "probability": _prob(raw.get("probability", 1.0), "probability"),
        "times": raw.get("times"),
        "when": raw.get("when", "before"),
        "status": int(raw.get("status", {"locked": 423}.get(kind, 500))),
        "retry_after": int(raw.get("retry_after", 1)),
        "ms": int(raw.get("ms", 30000 if kind == "timeout" else 0)),
        "jitter_ms": int(raw.get("jitter_ms", 0)),
        # api_error/locked: the code and message the route's error body carries.
        "code": raw.get("code", "resource_locked" if kind == "locked" else None),
        "message": raw.get("message"),
        "fired": 0,
    }
    if rule["path"] is not None:
        re.compile(rule["path"])
    if rule["when"] not in ("before", "after"):
        raise ValueError("when must be 'before' or 'after'")
    if rule["times"] is not None and int(rule["times"]) < 0:
        raise ValueError("times must be >= 0")
    if kind == "error" and not 500 <= rule["status"] <= 599:
        raise ValueError("error status must be 5xx")
    if kind in ("api_error", "locked"):
        if not 400 <= rule["status"] <= 599:
            raise ValueError(f"{kind} status must be 4xx or 5xx")
        if not isinstance(rule["code"], str) or not rule["code"]:
            raise ValueError("api_error needs a code, e.g. resource_locked")
    return rule


def _pay_rule(raw: dict) -> dict:
    if not isinstance(raw, dict):
        raise TypeError("each pay rule must be an object")
    unknown = set(raw) - {"pos", "user_id", "reject_first", "amount", "times"}
    if unknown:
        raise ValueError(f"unknown pay rule keys {sorted(unknown)}")
    amount = raw.get("amount")
    if amount is not None:
        try:
            Decimal(str(amount))
        except InvalidOperation:
            raise ValueError("pay amount must be a decimal string") from None
    return {
        "pos": raw.get("pos"),
        "user_id": raw.get("user_id"),
        "reject_first": bool(raw.get("reject_first", False)),
        "amount": None if amount is None else str(amount),
        "times": raw.get("times", 1),
        "fired": 0,
    }


class Faults:
    def __init__(self, seed: int | None = None):
        self.lock = threading.Lock()
        self.clear(seed)

    def clear(self, seed: int | None = None) -> None:
        with self.lock:
            self.seed = seed
            self.rng = random.Random(seed)
            self.rules: list[dict] = []
            self.notify = dict(_NOTIFY_DEFAULTS)
            self.pay: list[dict] = []

    # --- configuration --------------------------------------------------------
    def load(self, doc: dict) -> None:
        """Replace every fault with `doc` (validated first: all or nothing)."""
        if not isinstance(doc, dict):
            raise TypeError("faults must be a JSON object")
        unknown = set(doc) - {"seed", "rules", "notifications", "pay"}
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}")
        rules = [_rule(r) for r in doc.get("rules", [])]
        notify = dict(_NOTIFY_DEFAULTS)
        for key, value in (doc.get("notifications") or {}).items():
            if key not in notify:
                raise ValueError(f"unknown notifications key {key!r}")
            if key in ("lose", "duplicate", "unknown_ids"):
                value = _prob(value, key)
            elif key in ("delay_ms", "reorder_batch", "reorder_window_ms"):
                value = int(value)
            elif key == "reorder":
                value = bool(value)
            elif key == "kinds" and value is not None:
                value = list(value)
            notify[key] = value
        pay = [_pay_rule(r) for r in doc.get("pay", [])]
        seed = doc.get("seed", self.seed)
        with self.lock:
            self.seed = seed
            self.rng = random.Random(seed)
            self.rules, self.notify, self.pay = rules, notify, pay

    def add_rule(self, raw: dict) -> None:
        rule = _rule(raw)
        with self.lock:
            self.rules.append(rule)

    def to_json(self) -> dict:
        with self.lock:
            return {
                "seed": self.seed,
                "rules": copy.deepcopy(self.rules),
                "notifications": dict(self.notify),
                "pay": copy.deepcopy(self.pay),
            }

    # --- HTTP faults ------------------------------------------------------------
    @staticmethod
    def _matches(rule: dict, method: str, path: str) -> bool:
        if rule["method"] and rule["method"] != method:
            return False
        if rule["path"] and not re.search(rule["path"], path):
            return False
        return rule["times"] is None or rule["fired"] < int(rule["times"])

    def latency_ms(self, method: str, path: str) -> int:
        total = 0
        with self.lock:
            for rule in self.rules:
                if rule["fault"] != "latency" or not self._matches(rule, method, path):
                    continue
                if self.rng.random() < rule["probability"]:
                    rule["fired"] += 1
                    jitter = rule["jitter_ms"]
                    total += rule["ms"] + (self.rng.randint(0, jitter) if jitter else 0)
        return total

    def pick(self, method: str, path: str) -> dict | None:
        """First failing rule that matches and wins its draw (a copy), or None."""
        with self.lock:
            for rule in self.rules:
                if rule["fault"] == "latency" or not self._matches(rule, method, path):
                    continue
                if self.rng.random() < rule["probability"]:
                    rule["fired"] += 1
                    return dict(rule)
        return None

    # --- notification faults ------------------------------------------------------
    def notification_plan(self, kind: str) -> dict:
        with self.lock:
            cfg = self.notify
            applies = cfg["kinds"] is None or kind in cfg["kinds"]
            plan = {
                "lose": applies and self.rng.random() < cfg["lose"],
                "duplicate": applies and self.rng.random() < cfg["duplicate"],
                "unknown": applies and self.rng.random() < cfg["unknown_ids"],
                "delay_s": (cfg["delay_ms"] / 1000.0) if applies else 0.0,
                "reorder": applies and cfg["reorder"],
                "reorder_batch": max(1, cfg["reorder_batch"]),
                "reorder_window_s": cfg["reorder_window_ms"] / 1000.0,
            }
        return plan

    def random_digits(self, n: int) -> str:
        with self.lock:
            return "".join(str(self.rng.randint(0, 9)) for _ in range(n))

    # --- payment faults --------------------------------------------------------------
    def take_pay_fault(self, user_id: int, external_pos_id: str) -> dict | None:
        with self.lock:
            for rule in self.pay:
                if rule["pos"] not in (None, external_pos_id):
                    continue
                if rule["user_id"] not in (None, user_id):
                    continue
                if rule["times"] is not None and rule["fired"] >= int(rule["times"]):
                    continue
                rule["fired"] += 1
                return dict(rule)
        return None


def parse_cli_fault(text: str) -> dict:
    """`KIND=VALUE[,key=value...]`, e.g. `error=0.1,path=^/v1/orders,when=after`.

    VALUE is a probability for error/rate_limit/timeout/drop and milliseconds
    for latency. A JSON object is accepted as is.
    """
    text = text.strip()
    if text.startswith("{"):
        import json

        return json.loads(text)
    head, *rest = text.split(",")
    kind, _, value = head.partition("=")
    rule: dict = {"fault": kind.strip()}
    if value:
        if rule["fault"] == "latency":
            rule["ms"] = int(value)
        else:
            rule["probability"] = float(value)
    for part in rest:
        key, _, val = part.partition("=")
        key = key.strip()
        if key in ("status", "retry_after", "ms", "times", "jitter_ms"):
            rule[key] = int(val)
        elif key == "probability":
            rule[key] = float(val)
        else:
            rule[key] = val
    _rule(rule)  # validate early so a typo fails at startup
    return rule
