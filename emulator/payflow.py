"""What happens to money: the customer pays, refunds, expiry, fees and the ledger.

Every method here runs with the state lock held by the caller, and changes the
Orders API order or the legacy merchant order, the payment, the ledger and the
notifications together, so they never disagree.
"""

from __future__ import annotations

import copy
import time
from datetime import timedelta
from decimal import Decimal

from .errors import ApiError
from .money import ZERO, D, fmt, round_money, to_decimal
from .sites import SITES
from .state import iso, parse_iso

IDEMPOTENCY_SWEEP_SECONDS = 60.0
# Expiries and refund settlements are looked for at most this often (of the
# emulated clock, so a clock jump is seen at once): a sweep reads every order,
# and a busy emulator asked on every request was CPU-bound. Mercado Pago's own
# expiry is not to the millisecond either.
SWEEP_EVERY = timedelta(milliseconds=100)

PAYABLE = ("created", "action_required")


class RefundRefused(Exception):
    """reason: not_refundable | already_refunded | exceeds | partial_not_allowed |
    invalid_amount | too_old"""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def public(record: dict) -> dict:
    """API view of a stored record: private keys start with "_"."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


class Engine:
    def __init__(self, state, notifier, faults):
        self.state = state
        self.notifier = notifier
        self.faults = faults
        self._idempotency_swept = 0.0
        self._swept_at = None

    @property
    def data(self) -> dict:
        return self.state.data

    @property
    def cfg(self) -> dict:
        return self.state.config

    def site_of(self, account: dict):
        return SITES[account["site_id"]]

    # --- what waits on a cashbox ---------------------------------------------------
    def pending_for_pos(self, pos: dict):
        """("instore", rec) | ("order", order) | None: what the QR shows now."""
        self.sweep()
        rec = self.data["instore"].get(str(pos["id"]))
        if rec:
            return ("instore", rec)
        for order in reversed(list(self.data["orders"].values())):
            if order["_pos_id"] == pos["id"] and order["status"] in PAYABLE:
                return ("order", order)
        return None

    def describe_pending(self, pending) -> dict | None:
        if not pending:
            return None
        kind, rec = pending
        account = self.state.account(rec["_user_id"])
        site = self.site_of(account)
        if kind == "order":
            return {
                "kind": "order",
                "id": rec["id"],
                "external_reference": rec["external_reference"],
                "total_amount": rec["total_amount"],
                "currency": rec["currency"],
                "status": rec["status"],
                "mode": rec["config"]["qr"]["mode"],
                "description": rec.get("description"),
                "items": [
                    {
                        "title": i.get("title"),
                        "quantity": i.get("quantity"),
                        "unit_price": i.get("unit_price"),
                    }
                    for i in rec.get("items", [])
                ],
                "expires_at": rec["_expires_at"],
            }
        return {
            "kind": "instore_v2",
            "id": None,
            "merchant_order_id": rec.get("mo_id"),
            "external_reference": rec["external_reference"],
            "total_amount": fmt(rec["total_amount"], site.decimals),
            "currency": site.currency,
            "status": "pending",
            "mode": "static",
            "description": rec.get("title"),
            "items": [
                {
                    "title": i.get("title"),
                    "quantity": i.get("quantity"),
                    "unit_price": i.get("unit_price"),
                }
                for i in rec.get("items", [])
            ],
            "expires_at": rec["_expires_at"],
        }

    # --- the customer pays ------------------------------------------------------------
    def pay(self, account: dict, pos: dict, outcome: str, amount: str | None) -> dict:
        if outcome not in ("approved", "rejected"):
            raise ApiError(400, "invalid_outcome", "outcome: approved or rejected")
        pending = self.pending_for_pos(pos)
        if not pending:
            raise ApiError(
                409,
                "nothing_to_pay",
                "There is no order on this cashbox: make an order first.",
            )
        outcomes = [outcome]
        fault = self.faults.take_pay_fault(account["user_id"], pos["external_id"])
        if fault and fault["reject_first"]:
            outcomes = ["rejected", "approved"]
        if fault and fault["amount"] is not None:
            amount = fault["amount"]
        site = self.site_of(account)
        kind, rec = pending
        requested = D(rec["total_amount"])
        paid = requested if amount in (None, "") else to_decimal(amount)
        if paid is None or not paid.is_finite():
            raise ApiError(400, "invalid_amount", "amount must be a decimal number")
        paid = round_money(paid, site.decimals)
        if paid <= ZERO:
            raise ApiError(400, "invalid_amount", "amount must be greater than zero")
        payments = []
        for oc in outcomes:
            if kind == "order":
                payments.append(self._pay_order(account, pos, rec, oc, paid))
            else:
                payments.append(self._pay_instore(account, pos, rec, oc, paid))
        last = payments[-1]
        result = {
            "flow": "orders_api" if kind == "order" else "instore_v2",
            "external_reference": rec["external_reference"],
            "requested_amount": fmt(requested, site.decimals),
            "currency": site.currency,
            "payments": [self.render_payment(p) for p in payments],
            "status": last["status"],
            "payment_id": last["id"],
        }
        if kind == "order":
            result["order_id"] = rec["id"]
            result["order_status"] = rec["status"]
            result["order_transaction_id"] = rec["transactions"]["payments"][0]["id"]
        else:
            mo = self.data["merchant_orders"][str(last["mo_id"])]
            result["merchant_order_id"] = mo["id"]
            result["merchant_order_status"] = mo["status"]
        return result

    def _new_payment(self, account, pos, rec, outcome, amount, **links) -> dict:
        site = self.site_of(account)
        now = self.state.now()
        approved = outcome == "approved"
        fee = ZERO
        if approved:
            pct = D(self.cfg["fee_percent"][site.site_id])
            fee = round_money(amount * pct / Decimal(100), site.decimals)
        pid = self.state.next_id("payment")
        payment = {
            "id": pid,
            "user_id": account["user_id"],
            "site_id": site.site_id,
            "currency_id": site.currency,
            "status": "approved" if approved else "rejected",
            "status_detail": "accredited" if approved else "cc_rejected_other_reason",
            "transaction_amount": fmt(amount, site.decimals),
            "fee": fmt(fee, site.decimals),
            "refunded": fmt(ZERO, site.decimals),
            "fee_returned": fmt(ZERO, site.decimals),
            "refunds": [],
            "external_reference": rec["external_reference"],
            "description": rec.get("title") or rec.get("description"),
            "date_created": iso(now),
            "date_approved": iso(now) if approved else None,
            "date_last_updated": iso(now),
            "money_release_date": iso(now) if approved else None,
            "pos_id": str(pos["id"]),
            "store_id": None if pos["store_id"] is None else str(pos["store_id"]),
            "live_mode": account["live_mode"],
            "mo_id": links.get("mo_id"),
            "order_id": links.get("order_id"),
            "_notified": 0,
        }
        self.data["payments"][str(pid)] = payment
        if approved:
            self._ledger(account, "payment", amount, fee, payment)
        return payment

    def _pay_order(self, account, pos, order, outcome, amount) -> dict:
        payment = self._new_payment(
            account, pos, order, outcome, amount, order_id=order["id"]
        )
        site = self.site_of(account)
        txn = order["transactions"]["payments"][0]
        now = iso(self.state.now())
        order["_payment_ids"].append(payment["id"])
        if outcome == "approved":
            detail = self.cfg["processed_status_detail"]
            order.update(status="processed", status_detail=detail)
            txn.update(
                status="processed",
                status_detail=detail,
                amount=fmt(amount, site.decimals),
                paid_amount=fmt(amount, site.decimals),
                reference_id=str(payment["id"]),
                payment_method={
                    "id": "account_money",
                    "installments": 1,
                    "type": "account_money",
                },
                date_approved=now,
            )
            self._touch(order)
            self.notifier.order_event(account, order, "order.processed")
        elif self.cfg["rejected_order_status"] == "action_required":
            order.update(status="action_required", status_detail="waiting_payment")
            txn.update(status="action_required", status_detail="waiting_payment")
            self._touch(order)
            self.notifier.order_event(account, order, "order.action_required")
        return payment

    def _pay_instore(self, account, pos, rec, outcome, amount) -> dict:
        mo = self._merchant_order_for(account, pos, rec)
        payment = self._new_payment(account, pos, rec, outcome, amount, mo_id=mo["id"])
        mo["payment_ids"].append(payment["id"])
        mo["last_updated"] = iso(self.state.now())
        paid = self._mo_paid(mo)
        if paid >= D(mo["total_amount"]):
            mo["status"] = "closed"
        if outcome == "approved":
            # The QR is free again once money arrived; a rejection keeps the order
            # so the customer can retry (docs/mercado-pago-api.md §4).
            self.data["instore"].pop(str(pos["id"]), None)
        self.notifier.legacy_event(account, mo["notification_url"], "payment", payment)
        self.notifier.legacy_event(
            account, mo["notification_url"], "merchant_order", mo
        )
        return payment

    def _merchant_order_for(self, account, pos, rec) -> dict:
        if rec.get("mo_id"):
            return self.data["merchant_orders"][str(rec["mo_id"])]
        site = self.site_of(account)
        now = iso(self.state.now())
        mo_id = self.state.next_id("merchant_order")
        mo = {
            "id": mo_id,
            "user_id": account["user_id"],
            "site_id": site.site_id,
            "currency_id": site.currency,
            "status": "opened",
            "cancelled": False,
            "external_reference": rec["external_reference"],
            "notification_url": rec.get("notification_url"),
            "total_amount": rec["total_amount"],
            "items": copy.deepcopy(rec.get("items", [])),
            "payment_ids": [],
            "pos_id": pos["id"],
            "store_id": pos["store_id"],
            "sponsor_id": (rec.get("sponsor") or {}).get("id"),
            "date_created": now,
            "last_updated": now,
            "_notified": 0,
        }
        self.data["merchant_orders"][str(mo_id)] = mo
        rec["mo_id"] = mo_id
        return mo

    def _mo_paid(self, mo: dict) -> Decimal:
        total = ZERO
        for pid in mo["payment_ids"]:
            p = self.data["payments"][str(pid)]
            if p["status"] in ("approved", "refunded"):
                total += D(p["transaction_amount"])
        return total

    def _touch(self, order: dict) -> None:
        order["_version"] += 1
        order["last_updated_date"] = iso(self.state.now())
        self.state.dirty = True

    # --- refunds ----------------------------------------------------------------------
    def refund(self, payment: dict, amount: Decimal | None) -> dict:
        account = self.state.account(payment["user_id"])
        site = self.site_of(account)
        if payment["status"] == "refunded":
            raise RefundRefused("already_refunded", "Payment already refunded")
        if payment["status"] != "approved":
            raise RefundRefused(
                "not_refundable", f"Payment in status {payment['status']}"
            )
        approved_at = parse_iso(payment["date_approved"])
        days = float(self.cfg["refund_window_days"])
        if approved_at + timedelta(days=days) < self.state.now():
            raise RefundRefused(
                "too_old",
                f"The maximum refund period has been exceeded. The limit is "
                f"{days:g} days from the payment date.",
            )
        gross = D(payment["transaction_amount"])
        refunded = D(payment["refunded"])
        remaining = gross - refunded
        if amount is None:
            amount = remaining
        amount = D(amount)
        if amount <= ZERO or amount != round_money(amount, site.decimals):
            raise RefundRefused(
                "invalid_amount",
                f"amount must be positive with at most {site.decimals} decimals",
            )
        if amount > remaining:
            raise RefundRefused(
                "exceeds", f"amount {amount} exceeds refundable {remaining}"
            )
        if site.site_id in self.cfg["no_partial_refund_sites"] and amount != gross:
            raise RefundRefused(
                "partial_not_allowed", f"only full refunds in {site.site_id}"
            )
        fee = D(payment["fee"])
        fee_back_so_far = D(payment["fee_returned"])
        if amount == remaining:  # the last refund returns what is left of the fee
            fee_back = fee - fee_back_so_far
        else:
            fee_back = round_money(fee * amount / gross, site.decimals)
        now = self.state.now()
        refund = {
            "id": self.state.next_id("refund"),
            "payment_id": payment["id"],
            "amount": fmt(amount, site.decimals),
            "fee_returned": fmt(fee_back, site.decimals),
            "status": "approved",
            "date_created": iso(now),
            "ref_id": self.state.ulid("REF"),
        }
        payment["refunds"].append(refund)
        payment["refunded"] = fmt(refunded + amount, site.decimals)
        payment["fee_returned"] = fmt(fee_back_so_far + fee_back, site.decimals)
        payment["date_last_updated"] = iso(now)
        if refunded + amount == gross:
            payment.update(status="refunded", status_detail="refunded")
        else:
            payment["status_detail"] = "partially_refunded"
        self._ledger(account, "refund", -amount, -fee_back, payment, refund)
        if payment.get("order_id"):
            self._refund_order(account, payment, refund)
        if payment.get("mo_id"):
            mo = self.data["merchant_orders"][str(payment["mo_id"])]
            mo["last_updated"] = iso(now)
            self.notifier.legacy_event(
                account, mo["notification_url"], "payment", payment
            )
            self.notifier.legacy_event(
                account, mo["notification_url"], "merchant_order", mo
            )
        return refund

    def _refund_order(self, account, payment, refund) -> None:
        order = self.data["orders"][payment["order_id"]]
        settle = float(self.cfg["refund_settle_seconds"])
        txn = order["transactions"]["payments"][0]
        entry = {
            "id": refund["ref_id"],
            "transaction_id": txn["id"],
            "reference_id": str(refund["id"]),
            "amount": refund["amount"],
            "status": "processing" if settle > 0 else "processed",
        }
        if settle > 0:
            entry["_settle_at"] = iso(self.state.now() + timedelta(seconds=settle))
        order["transactions"].setdefault("refunds", []).append(entry)
        if payment["status"] == "refunded":
            if self.cfg["full_refund_status"] == "refunded":
                order.update(status="refunded", status_detail="refunded")
            else:
                order.update(status="processed", status_detail="refunded")
            txn.update(status="refunded", status_detail="refunded")
        else:
            order.update(status="processed", status_detail="partially_refunded")
            txn["status_detail"] = "partially_refunded"
        self._touch(order)
        self.notifier.order_event(account, order, "order.refunded")

    def order_refunded_total(self, order: dict) -> Decimal:
        return sum(
            (D(r["amount"]) for r in order["transactions"].get("refunds", [])), ZERO
        )

    # --- cancel & expiry --------------------------------------------------------------
    def cancel_order(self, account: dict, order: dict, detail: str) -> None:
        order.update(status="canceled", status_detail="canceled")
        order["transactions"]["payments"][0].update(
            status="canceled", status_detail=detail
        )
        self._touch(order)
        self.notifier.order_event(account, order, "order.canceled")

    def close_instore(self, pos_id: int, reason: str) -> None:
        """The v2 order leaves the QR (DELETE, replaced, expired)."""
        rec = self.data["instore"].pop(str(pos_id), None)
        self.state.dirty = True
        if not rec or not rec.get("mo_id"):
            return
        mo = self.data["merchant_orders"][str(rec["mo_id"])]
        if mo["status"] == "opened" and self._mo_paid(mo) == ZERO:
            mo.update(status="expired", cancelled=True)
            mo["last_updated"] = iso(self.state.now())
            account = self.state.account(mo["user_id"])
            self.notifier.legacy_event(
                account, mo["notification_url"], "merchant_order", mo
            )

    def sweep(self, force: bool = False) -> None:
        now = self.state.now()
        last = self._swept_at
        if not force and last is not None and timedelta(0) <= now - last < SWEEP_EVERY:
            return
        self._swept_at = now
        for order in self.data["orders"].values():
            if order["status"] in PAYABLE and parse_iso(order["_expires_at"]) <= now:
                order.update(status="expired", status_detail="expired")
                order["transactions"]["payments"][0].update(
                    status="expired", status_detail="expired"
                )
                self._touch(order)
                account = self.state.account(order["_user_id"])
                self.notifier.order_event(account, order, "order.expired")
            for ref in order["transactions"].get("refunds", []):
                if "_settle_at" in ref and parse_iso(ref["_settle_at"]) <= now:
                    del ref["_settle_at"]
                    ref["status"] = "processed"
                    self._touch(order)
        for pos_id, rec in list(self.data["instore"].items()):
            if parse_iso(rec["_expires_at"]) <= now:
                self.close_instore(int(pos_id), "expired")
        # Keys live 24 h: forgetting them once a minute is plenty, and a sweep
        # of every key at every tick made a busy emulator CPU-bound.
        if time.monotonic() - self._idempotency_swept < IDEMPOTENCY_SWEEP_SECONDS:
            return
        self._idempotency_swept = time.monotonic()
        ttl = timedelta(seconds=float(self.cfg["idempotency_ttl_seconds"]))
        for key, rec in list(self.data["idempotency"].items()):
            if parse_iso(rec["created"]) + ttl <= now:
                del self.data["idempotency"][key]
                self.state.dirty = True

    # --- ledger -----------------------------------------------------------------------
    def _ledger(self, account, kind, gross, fee, payment, refund=None, source=None):
        """One movement of the account's balance. ``source``: the id of a
        movement that is no payment's (a payout)."""
        site = self.site_of(account)
        self.data["ledger"].append(
            {
                "seq": len(self.data["ledger"]) + 1,
                "time": iso(self.state.now()),
                "user_id": account["user_id"],
                "site_id": site.site_id,
                "currency": site.currency,
                "kind": kind,
                "payment_id": payment["id"] if payment else None,
                "source_id": source or payment["id"],
                "refund_id": refund["id"] if refund else None,
                "order_id": payment.get("order_id") if payment else None,
                "merchant_order_id": payment.get("mo_id") if payment else None,
                "gross": fmt(gross, site.decimals),
                "fee": fmt(fee, site.decimals),
                "net": fmt(gross - fee, site.decimals),
            }
        )
        self.state.dirty = True

    def ledger(self, user_id: int | None = None) -> dict:
        entries = [
            e for e in self.data["ledger"] if user_id is None or e["user_id"] == user_id
        ]
        totals: dict = {}
        for e in entries:
            key = (e["user_id"], e["currency"])
            t = totals.setdefault(
                key,
                {
                    "user_id": e["user_id"],
                    "site_id": e["site_id"],
                    "currency": e["currency"],
                    "gross": ZERO,
                    "fee": ZERO,
                    "net": ZERO,
                    "payments": 0,
                    "refunds": 0,
                },
            )
            for field in ("gross", "fee", "net"):
                t[field] += D(e[field])
            if e["kind"] in ("payment", "refund"):
                t[e["kind"] + "s"] += 1
        out = []
        for t in totals.values():
            dec = SITES[t["site_id"]].decimals
            out.append({**t, **{f: fmt(t[f], dec) for f in ("gross", "fee", "net")}})
        return {"entries": copy.deepcopy(entries), "totals": out}

    # --- rendering --------------------------------------------------------------------
    def render_payment(self, p: dict) -> dict:
        site = SITES[p["site_id"]]
        gross = D(p["transaction_amount"])
        fee = D(p["fee"])
        account = self.state.account(p["user_id"])
        if p["order_id"]:
            # ⚠ emulator: Orders API payments link back to their ORD order.
            order_link = {"id": p["order_id"], "type": "order"}
        else:
            order_link = {"id": p["mo_id"], "type": "mercadopago"}
        # Legacy payments repeat their merchant order's notification_url; the
        # Orders API has none (docs/mercado-pago-api.md §5.1).
        mo = self.data["merchant_orders"].get(str(p["mo_id"])) if p["mo_id"] else None
        fee_details = []
        if p["status"] in ("approved", "refunded") and fee > ZERO:
            fee_details = [
                {"type": "mercadopago_fee", "amount": fee, "fee_payer": "collector"}
            ]
        return {
            "id": p["id"],
            "status": p["status"],
            "status_detail": p["status_detail"],
            "operation_type": "pos_payment",
            "payment_method_id": "account_money",
            "payment_type_id": "account_money",
            "currency_id": p["currency_id"],
            "transaction_amount": gross,
            "transaction_amount_refunded": D(p["refunded"]),
            "coupon_amount": ZERO,
            "total_paid_amount": gross,
            "external_reference": p["external_reference"],
            "description": p["description"],
            "date_created": p["date_created"],
            "date_approved": p["date_approved"],
            "date_last_updated": p["date_last_updated"],
            "date_of_expiration": None,
            "money_release_date": p["money_release_date"],
            "notification_url": mo["notification_url"] if mo else None,
            "collector_id": p["user_id"],
            "live_mode": p["live_mode"],
            "order": order_link,
            "pos_id": p["pos_id"],
            "store_id": p["store_id"],
            "fee_details": fee_details,
            "transaction_details": {
                "net_received_amount": (
                    gross - fee if p["status"] != "rejected" else ZERO
                ),
                "total_paid_amount": gross,
                "installment_amount": gross,
                "overpaid_amount": ZERO,
            },
            "installments": 1,
            "refunds": [self.render_refund(p, r) for r in p["refunds"]],
            "payer": {"id": None, "email": None, "type": None},
            "site_id": site.site_id,
            "metadata": {},
            "additional_info": {},
            "captured": True,
            "binary_mode": False,
            "sponsor_id": None,
            "collector": {"id": p["user_id"], "nickname": account["nickname"]},
        }

    def render_refund(self, p: dict, r: dict) -> dict:
        return {
            "id": r["id"],
            "payment_id": p["id"],
            "amount": D(r["amount"]),
            "amount_refunded_to_payer": D(r["amount"]),
            "metadata": {},
            "source": {"id": str(p["user_id"]), "name": "", "type": "collector"},
            "date_created": r["date_created"],
            "unique_sequence_number": None,
            "refund_mode": "standard",
            "adjustment_amount": ZERO,
            "status": r["status"],
            "reason": None,
            "partition_details": [],
        }

    def render_mo(self, mo: dict) -> dict:
        site = SITES[mo["site_id"]]
        account = self.state.account(mo["user_id"])
        payments = [self.data["payments"][str(pid)] for pid in mo["payment_ids"]]
        paid = self._mo_paid(mo)
        refunded = sum((D(p["refunded"]) for p in payments), ZERO)
        total = D(mo["total_amount"])
        if mo["status"] == "expired":
            order_status = "expired"
        elif paid == ZERO:
            order_status = (
                "payment_in_process"
                if any(p["status"] == "in_process" for p in payments)
                else "payment_required"
            )
        elif refunded >= paid:
            order_status = "reverted"
        elif refunded > ZERO:
            order_status = "partially_reverted"
        elif paid < total:
            order_status = "partially_paid"
        else:
            order_status = "paid"
        return {
            "id": mo["id"],
            "status": mo["status"],
            "order_status": order_status,
            "external_reference": mo["external_reference"],
            "preference_id": None,
            "payments": [
                {
                    "id": p["id"],
                    "transaction_amount": D(p["transaction_amount"]),
                    "total_paid_amount": D(p["transaction_amount"]),
                    "shipping_cost": ZERO,
                    "currency_id": p["currency_id"],
                    "status": p["status"],
                    "status_detail": p["status_detail"],
                    "operation_type": "pos_payment",
                    "date_approved": p["date_approved"],
                    "date_created": p["date_created"],
                    "last_modified": p["date_last_updated"],
                    "amount_refunded": D(p["refunded"]),
                }
                for p in payments
            ],
            "shipments": [],
            "payouts": [],
            "collector": {
                "id": mo["user_id"],
                "email": account["email"],
                "nickname": account["nickname"],
            },
            "marketplace": "NONE",
            "notification_url": mo["notification_url"],
            "date_created": mo["date_created"],
            "last_updated": mo["last_updated"],
            "sponsor_id": mo["sponsor_id"],
            "shipping_cost": ZERO,
            "total_amount": total,
            "site_id": site.site_id,
            "paid_amount": paid,
            "refunded_amount": refunded,
            "payer": None,
            # Merchant-order items carry the site's currency (docs/mercado-pago-api.md
            # §6.1); in-store v2 items do not.
            "items": [
                {**self._render_v2_item(i), "currency_id": mo["currency_id"]}
                for i in mo["items"]
            ],
            "cancelled": mo["cancelled"],
            "additional_info": "",
            "application_id": None,
            "is_test": not account["live_mode"],
            "pos_id": mo["pos_id"],
            "store_id": mo["store_id"],
        }

    @staticmethod
    def _render_v2_item(item: dict) -> dict:
        out = dict(item)
        for key in ("unit_price", "quantity", "total_amount"):
            if out.get(key) is not None:
                out[key] = D(out[key])
        return out
