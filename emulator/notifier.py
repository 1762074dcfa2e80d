"""Outgoing notifications: built at the event, delivered later by one thread.

Like Mercado Pago, nothing is sent inside the request that caused it. A failed
delivery (non-2xx, timeout, connection error) is retried on the configured
schedule. Kinds:
- "order":   Orders API webhook, signed, `?data.id=ORD...&type=order`
  (docs/mercado-pago-api.md §8.1)
- "ipn":     legacy IPN, unsigned, `?topic=payment|merchant_order&id=N`
  (docs/mercado-pago-api.md §8.2)
- "webhook": legacy topics as JSON webhooks, signed
  (docs/mercado-pago-api.md §8.2)
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import hmac
import itertools
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from .money import dumps
from .state import FIRST_IDS, State, iso

USER_AGENT = "MercadoPago-Emulator Feed v2.0"


def add_query(url: str, params: dict) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, str(v)) for k, v in params.items()]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def manifest(data_id: str | None, request_id: str | None, ts: str | None) -> str:
    """The signed string of docs/mercado-pago-api.md §8.3; pairs whose value is
    absent are omitted."""
    out = ""
    if data_id:
        out += f"id:{data_id};"
    if request_id:
        out += f"request-id:{request_id};"
    if ts:
        out += f"ts:{ts};"
    return out


def sign(secret: str, data_id: str | None, request_id: str, ts: str, lower: bool):
    """HMAC-SHA256 hex of the manifest. lower=True is the docs' rule (data.id
    lowercased); False signs data.id as received, as every official SDK's
    validator checks it since their PRs of 2026-06-17 (knob
    `signature_lowercase_id`)."""
    if data_id and lower and data_id.isalnum():
        data_id = data_id.lower()
    text = manifest(data_id, request_id, ts)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def signature_headers(
    secret: str, data_id: str | None, request_id: str, ts: str, lower: bool = False
) -> dict:
    """The x-signature and x-request-id headers of a signed notification."""
    digest = sign(secret, data_id, request_id, ts, lower)
    return {"x-request-id": request_id, "x-signature": f"ts={ts},v1={digest}"}


_PAID_STATUSES = ("processed", "refunded")


def _webhook_payment(txn: dict) -> dict:
    """A payment transaction as published in QR webhooks (W1, W6): the
    operation number is `reference: {id}`, not the REST `reference_id`."""
    out = {"amount": txn.get("amount"), "id": txn.get("id")}
    if txn.get("paid_amount") is not None:
        out["paid_amount"] = txn["paid_amount"]
    if txn.get("payment_method"):
        out["payment_method"] = copy.deepcopy(txn["payment_method"])
    if txn.get("reference_id") is not None:
        out["reference"] = {"id": str(txn["reference_id"])}
    out["status"] = txn.get("status")
    out["status_detail"] = txn.get("status_detail")
    return out


def order_webhook_body(account: dict, order: dict, action: str, now: str) -> dict:
    """An Orders API (QR) webhook body, field for field as the published
    examples W1-W4 (MP QR "Configurar notificações" page): total_paid_amount
    only once paid (processed, refunded); transactions only while processed;
    application_id and user_id strings; data.version an integer."""
    payments = order.get("transactions", {}).get("payments", [])
    data = {
        "external_reference": order["external_reference"],
        "id": order["id"],
        "status": order["status"],
        "status_detail": order["status_detail"],
        "total_amount": order["total_amount"],
    }
    if order["status"] in _PAID_STATUSES:
        # A QR order holds one payment: what the customer paid for it.
        paid = [t["paid_amount"] for t in payments if t.get("paid_amount")]
        data["total_paid_amount"] = paid[0] if paid else order["total_amount"]
    if order["status"] == "processed":
        data["transactions"] = {"payments": [_webhook_payment(t) for t in payments]}
    data["type"] = "qr"
    data["version"] = int(order["_version"])
    return {
        "action": action,
        "api_version": "v1",
        "application_id": str(account["application_id"]),
        "data": data,
        "date_created": now,
        "live_mode": account["live_mode"],
        "type": "order",
        "user_id": str(account["user_id"]),
    }


def _swap(value, old, new):
    """Deep-replace an id (as str or int) to fabricate a notification about `new`."""
    if isinstance(value, dict):
        return {k: _swap(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    if isinstance(value, str) and value == str(old):
        return str(new)
    if isinstance(value, int) and not isinstance(value, bool) and str(value) == old:
        return int(new)
    return value


class Notifier:
    def __init__(self, state: State, faults):
        self.state = state
        self.faults = faults
        self.cond = threading.Condition()
        self.heap: list = []
        self.held: list = []  # reorder fault: waiting to be released newest-first
        self.held_since = 0.0
        self.reorder_batch = 2
        self.reorder_window = 0.3
        self.seq = itertools.count()
        self.nids = itertools.count(FIRST_IDS["notification"] + 1)
        self.stopping = False
        self.in_flight = 0
        self.thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------
    def start(self) -> None:
        self.stopping = False
        self.thread = threading.Thread(
            target=self._run, name="emulator-notifier", daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        if self.thread:
            self.thread.join(timeout=2)

    def clear(self) -> None:
        with self.cond:
            self.heap.clear()
            self.held.clear()

    def pending(self) -> int:
        with self.cond:
            return len(self.heap) + len(self.held) + self.in_flight

    # --- building -----------------------------------------------------------------
    def next_nid(self) -> int:
        return next(self.nids)

    def order_event(self, account: dict, order: dict, action: str) -> None:
        url = account.get("webhook_url")
        if not url:
            return  # no panel webhook configured: Mercado Pago sends nothing
        sign = self.state.config["sign_order_webhooks"]
        self.submit(
            {
                "kind": "order",
                "event": action,
                "url": add_query(url, {"data.id": order["id"], "type": "order"}),
                "body": order_webhook_body(account, order, action, self._now()),
                "secret": account["webhook_secret"] if sign else None,
                "data_id": order["id"],
                "user_id": account["user_id"],
            }
        )

    def legacy_event(
        self, account: dict, notification_url: str | None, topic: str, res: dict
    ) -> None:
        """A payment or merchant_order changed: IPN, or webhook when asked for."""
        use_webhook = (
            notification_url and "source_news=webhook" in notification_url
        ) or (self.state.config["legacy_webhooks"] and account.get("webhook_url"))
        if use_webhook:
            url = (
                notification_url
                if notification_url and "source_news=webhook" in notification_url
                else account["webhook_url"]
            )
            self._legacy_webhook(account, url, topic, res)
        elif notification_url:
            rid = str(res["id"])
            base = self.state.base_url()
            path = "merchant_orders" if topic == "merchant_order" else "v1/payments"
            self.submit(
                {
                    "kind": "ipn",
                    "event": topic,
                    "url": add_query(notification_url, {"topic": topic, "id": rid}),
                    "body": {"resource": f"{base}/{path}/{rid}", "topic": topic},
                    "secret": None,
                    "data_id": rid,
                    "user_id": account["user_id"],
                }
            )

    def _legacy_webhook(self, account: dict, url: str, topic: str, res: dict) -> None:
        rid = str(res["id"])
        created = res.get("_notified", 0) == 0
        res["_notified"] = res.get("_notified", 0) + 1
        if topic == "payment":
            # As published (docs/mercado-pago-api.md §8.2): "id" is a string.
            body = {
                "id": str(self.next_nid()),
                "live_mode": account["live_mode"],
                "type": "payment",
                "date_created": self._now(),
                "user_id": account["user_id"],
                "api_version": "v1",
                "action": "payment.created" if created else "payment.updated",
                "data": {"id": rid},
            }
            wh_type = "payment"
        else:
            # Mercado Pago publishes no merchant-order webhook: these are the keys
            # of a third-party capture (docs/mercado-pago-api.md §8.2), with no
            # "api_version": "id" and "application_id" strings, "user_id" a
            # number, "version" 1.
            body = {
                "action": "create" if created else "update",
                "application_id": str(account["application_id"]),
                "data": {
                    "currency_id": res["currency_id"],
                    "marketplace": "NONE",
                    "status": res["status"],
                },
                "date_created": self._now(),
                "id": rid,
                "live_mode": account["live_mode"],
                "status": res["status"],
                "type": "topic_merchant_order_wh",
                "user_id": account["user_id"],
                "version": 1,
            }
            wh_type = "topic_merchant_order_wh"
        self.submit(
            {
                "kind": "webhook",
                "event": f"{wh_type}.{body['action']}",
                "url": add_query(url, {"data.id": rid, "type": wh_type}),
                "body": body,
                "secret": account["webhook_secret"],
                "data_id": rid,
                "user_id": account["user_id"],
            }
        )

    def _now(self) -> str:
        return iso(self.state.now())

    # --- queueing with faults ---------------------------------------------------------
    def submit(self, note: dict, *, apply_faults: bool = True) -> dict:
        note = dict(note)
        note.setdefault("nid", self.next_nid())
        note.setdefault("bogus", False)
        note["request_id"] = str(uuid.uuid4())
        note["attempt"] = 0
        cfg = self.state.config
        plan = (
            self.faults.notification_plan(note["kind"])
            if apply_faults
            else {"lose": False, "duplicate": False, "unknown": False, "delay_s": 0.0}
        )
        copies = [] if plan["lose"] else [note]
        if plan["lose"]:
            self._log(note, outcome="lost")
        if plan["duplicate"] and not plan["lose"]:
            dup = copy.deepcopy(note)
            dup["nid"] = self.next_nid()
            dup["duplicate_of"] = note["nid"]
            dup["request_id"] = str(uuid.uuid4())
            copies.append(dup)
        if plan["unknown"]:
            copies.append(self.fabricate(note))
        delay = float(cfg["notify_first_delay_seconds"]) + plan["delay_s"]
        with self.cond:
            for item in copies:
                item["due"] = time.monotonic() + delay
                if plan.get("reorder"):
                    if not self.held:
                        self.held_since = time.monotonic()
                    self.held.append(item)
                    self.reorder_batch = plan["reorder_batch"]
                    self.reorder_window = plan["reorder_window_s"]
                else:
                    heapq.heappush(self.heap, (item["due"], next(self.seq), item))
            self.cond.notify_all()
        return note

    def fabricate(self, note: dict) -> dict:
        """The same notification about an id Mercado Pago never issued."""
        old = note["data_id"]
        if old.startswith("ORD"):
            new = "ORD" + "".join(
                "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[int(d) * 3 % 32]
                for d in self.faults.random_digits(26)
            )
        else:
            new = "9" + self.faults.random_digits(len(old))
        fake = copy.deepcopy(note)
        fake["body"] = _swap(note["body"], old, new)
        fake["url"] = note["url"].replace(old, new)
        fake["data_id"] = new
        fake["nid"] = self.next_nid()
        fake["bogus"] = True
        fake["request_id"] = str(uuid.uuid4())
        return fake

    def _release_held(self, force: bool = False) -> None:
        if not self.held:
            return
        waited = time.monotonic() - self.held_since
        if (
            force
            or len(self.held) >= self.reorder_batch
            or waited >= self.reorder_window
        ):
            now = time.monotonic()
            for item in reversed(self.held):  # newest first: that's the fault
                item["due"] = max(item["due"], now)
                heapq.heappush(self.heap, (item["due"], next(self.seq), item))
                now += 0.001  # keep the reversed order in the heap
            self.held.clear()

    # --- delivery ---------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self.cond:
                item = None
                while item is None:
                    if self.stopping:
                        return
                    self._release_held()
                    now = time.monotonic()
                    if self.heap and self.heap[0][0] <= now:
                        item = heapq.heappop(self.heap)[2]
                        self.in_flight += 1
                        break
                    wait = 0.5
                    if self.heap:
                        wait = min(wait, self.heap[0][0] - now)
                    if self.held:
                        wait = min(wait, 0.02)
                    self.cond.wait(max(wait, 0.001))
            try:
                self._deliver(item)
            finally:
                with self.cond:
                    self.in_flight -= 1

    def _headers(self, note: dict) -> dict:
        cfg = self.state.config
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Retry": str(note["attempt"]),
            "X-Socket-Timeout": "22000",
        }
        if note["secret"] is None:
            # IPN is not signed (docs/mercado-pago-api.md §8.2); nor are QR
            # webhooks with the knob sign_order_webhooks off, which still carry
            # their request id.
            if note["kind"] != "ipn":
                headers["x-request-id"] = note["request_id"]
            return headers
        # Real time, not the emulated clock: receivers compare ts with their own
        # clock, and a test that jumps the emulator's clock must still verify.
        now = time.time()
        ts = str(int(now * 1000) if cfg["signature_ts_unit"] == "ms" else int(now))
        headers.update(
            signature_headers(
                note["secret"],
                note["data_id"],
                note["request_id"],
                ts,
                cfg["signature_lowercase_id"],
            )
        )
        return headers

    def _deliver(self, note: dict) -> None:
        cfg = self.state.config
        headers = self._headers(note)
        body = dumps(note["body"]).encode()
        req = urllib.request.Request(note["url"], data=body, method="POST")
        for key, value in headers.items():
            req.add_header(key, value)
        status, error = None, None
        started = time.monotonic()
        try:
            if not note["url"].startswith(("http://", "https://")):
                raise ValueError("notification URL is not http(s)")
            with urllib.request.urlopen(
                req, timeout=float(cfg["notify_timeout_seconds"])
            ) as resp:
                status = resp.status
                resp.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
        except Exception as exc:  # noqa: BLE001 - any failure is "not delivered"
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        schedule = cfg["notify_retry_schedule"]
        retry = not ok and note["attempt"] < len(schedule)
        self._log(
            note,
            outcome="delivered" if ok else ("retry_scheduled" if retry else "failed"),
            headers=headers,
            status=status,
            error=error,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
        if retry:
            delay = float(schedule[note["attempt"]])
            note = dict(note, attempt=note["attempt"] + 1)
            with self.cond:
                due = time.monotonic() + delay
                heapq.heappush(self.heap, (due, next(self.seq), note))
                self.cond.notify_all()

    def _log(self, note: dict, outcome: str, **extra) -> None:
        entry = {
            "nid": note["nid"],
            "time": iso(self.state.now()),
            "kind": note["kind"],
            "event": note["event"],
            "url": note["url"],
            "method": "POST",
            "attempt": note["attempt"],
            "request_id": note["request_id"],
            "data_id": note["data_id"],
            "user_id": note["user_id"],
            "bogus": note.get("bogus", False),
            "duplicate_of": note.get("duplicate_of"),
            "body": note["body"],
            "headers": extra.pop("headers", None),
            "status": extra.pop("status", None),
            "error": extra.pop("error", None),
            "outcome": outcome,
        }
        entry.update(extra)
        self.state.log_notification(entry)
