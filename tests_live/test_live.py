"""Against a live Odoo: the chaos and fuzz suites, reduced, with two HTTP
workers and a cron worker (see tools/chaos.py; `make chaos` is the full size),
and a notification racing the POS's poll for the attempt's row lock.

Odoo and the emulator run as subprocesses on a copy of the tier's
base database, where transactions really run side by side.
"""

import contextlib
import json
import threading
import time

import bench
import chaos
import devenv
import live
import psycopg2
import requests
from psycopg2 import sql


def test_chaos_and_fuzz_keep_the_books():
    report = chaos.run(
        checkouts=120, tours=0, fuzz_n=10000, seed=20261126, name="chaos_tier"
    )
    assert report["problems"] == [], report
    stats = report["stats"]
    # The run exercised what it claims: payments, rejections, cancels and
    # refunds. (Browser sales are in `make chaos`: a second Chromium does not
    # start inside the tier's pytest process, next to the tours' own.)
    assert stats["ended_paid"] > 40, stats
    assert stats["ended_rejected"] > 0 and stats["ended_cancelled"] > 0, stats
    assert stats["refunds_asked"] > 0, stats
    assert report["totals"]["payments"] >= stats["ended_paid"], report
    fuzz = report["fuzz"]
    assert fuzz["requests"] == 10000 and fuzz["server_errors"] == 0, fuzz
    assert not fuzz["changed"], fuzz


@contextlib.contextmanager
def threaded_till(name):
    """A threaded Odoo without cron (nothing settles a row behind the test's
    back), the emulator and a configured till; `hold(attempt_id)` locks an
    attempt's row from a second PostgreSQL connection, as another door would."""
    python, odoo_pkg, pg = devenv.odoo_with_base_db("test")
    conf = devenv.write_odoo_conf(
        devenv.VAR / f"odoo-{name}.conf", pg, devenv.addons_path(odoo_pkg)
    )
    db = f"{devenv.MODULE}_{name}"
    devenv.install_copy(python, pg, conf, db)
    http_port, emu_port = live.free_port(), live.free_port()
    log_path = devenv.VAR / f"{name}-odoo.log"
    emulator = live.start_emulator(python, emu_port)
    server = live.start_odoo(python, conf, db, http_port, log_path=log_path)
    holders = []

    def hold(attempt_id, nowait=False, mode="NO KEY UPDATE"):
        """The row locked in `mode` (the doors' lock by default); with nowait,
        a row another holds in a conflicting mode raises LockNotAvailable;
        with no attempt_id, a connection that holds nothing yet."""
        holder = psycopg2.connect(
            host=str(pg.socket_dir), port=pg.port, dbname=db, user=devenv.DB_USER
        )
        holders.append(holder)
        if attempt_id:
            holder.cursor().execute(
                f"SELECT id FROM mercado_pago_qr_attempt WHERE id = %s FOR {mode}"
                + (" NOWAIT" if nowait else ""),
                (attempt_id,),
            )
        return holder

    try:
        emu = f"http://127.0.0.1:{emu_port}"
        odoo = live.Odoo(f"http://127.0.0.1:{http_port}", db)
        odoo.login()
        yield odoo, emu, live.configure(odoo, emu), hold
    finally:
        for holder in holders:
            holder.close()
        live.stop(server, emulator)


def paid_sale(odoo, emu, till, name, amount="1500.00"):
    """A sale the customer pays; its notification records it."""
    attempt_id = bench.sale(odoo, till, name, amount=amount)["id"]
    requests.post(
        f"{emu}/emulator/v1/pos/{till['external_pos_id']}/pay",
        json={"outcome": "approved", "user_id": till["user_id"]},
        timeout=10,
    ).raise_for_status()
    devenv.wait_for(
        lambda: (
            odoo.call("mercado.pago.qr.attempt", "read", [attempt_id], ["state"])[0][
                "state"
            ]
            == "paid"
        ),
        30,
        "the payment",
    )
    return attempt_id


def reconciliation_cron(odoo):
    return odoo.call(
        "ir.model.data",
        "check_object_reference",
        devenv.MODULE,
        "ir_cron_mercado_pago_qr_reconcile",
    )[1]


def test_a_notification_waits_for_a_row_another_door_holds():
    """The POS's poll has locked the attempt, read the order just before the
    customer paid, and is about to record "still waiting". The notification
    of the payment arrives meanwhile: it must wait for the lock and re-read,
    not skip, or the line stays waiting until the next poll or the cron."""
    with threaded_till("lock_tier") as (odoo, emu, till, hold):
        # Mercado Pago's own notification is lost; this test sends it.
        requests.put(
            f"{emu}/emulator/v1/faults", json={"notifications": {"lose": 1}}, timeout=10
        ).raise_for_status()
        attempt_id = bench.sale(odoo, till, "lock")["id"]
        (attempt,) = odoo.call(
            "mercado.pago.qr.attempt", "read", [attempt_id], ["mp_order_id", "state"]
        )
        assert attempt["state"] == "waiting", attempt
        order_id = attempt["mp_order_id"]

        holder = hold(attempt_id)
        requests.post(
            f"{emu}/emulator/v1/pos/{till['external_pos_id']}/pay",
            json={"outcome": "approved", "user_id": till["user_id"]},
            timeout=10,
        ).raise_for_status()
        answer = {}

        def notify():
            answer["status"] = requests.post(
                till["webhook_url"],
                params={"type": "order", "data.id": order_id},
                data=json.dumps({"type": "order", "data": {"id": order_id}}),
                headers={
                    "Content-Type": "application/json",
                    **live.signature_headers(
                        till["webhook_secret"], order_id, "lock-test"
                    ),
                },
                timeout=30,
            ).status_code

        notification = threading.Thread(target=notify)
        notification.start()
        time.sleep(0.2)
        # The poll records what it read before the payment, and lets go.
        holder.cursor().execute(
            "UPDATE mercado_pago_qr_attempt "
            "SET check_count = COALESCE(check_count, 0) + 1 "
            "WHERE id = %s",
            (attempt_id,),
        )
        holder.commit()
        notification.join(30)
        assert answer.get("status") == 200, answer
        (attempt,) = odoo.call(
            "mercado.pago.qr.attempt", "read", [attempt_id], ["state", "check_count"]
        )
        assert attempt["state"] == "paid", attempt
        assert attempt["check_count"] >= 2, attempt
    # A lock that is busy is a normal case, not a failed query.
    log_path = devenv.VAR / "lock_tier-odoo.log"
    assert "bad query" not in log_path.read_text(), log_path


def test_two_refunds_of_one_payment_at_once_refund_it_once():
    """Two managers (or a double click) refund the whole payment at the same
    moment. Both requests queue on the attempt's row lock, held here from a
    second connection; the second must see the first once it gets the lock,
    not a snapshot taken before it, and refuse."""
    with threaded_till("refund_race") as (odoo, emu, till, hold):
        attempt_id = paid_sale(odoo, emu, till, "race", amount="100.00")
        wizards = [
            odoo.call(
                "mercado.pago.qr.refund.wizard",
                "create",
                {"attempt_id": attempt_id, "amount": 100.0},
            )
            for _ in range(2)
        ]
        holder = hold(attempt_id)
        answers = []

        def refund(wizard):
            try:
                answers.append(
                    odoo.call(
                        "mercado.pago.qr.refund.wizard", "action_refund", [wizard]
                    )
                )
            except Exception as error:  # noqa: BLE001 - the refused one
                answers.append(error)

        threads = [threading.Thread(target=refund, args=(w,)) for w in wizards]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # both wait for the lock
        holder.rollback()
        for thread in threads:
            thread.join(30)
        assert sum(isinstance(a, Exception) for a in answers) == 1, answers
        assert_refunded_once(odoo, emu, attempt_id, 10000)


def test_the_cron_leaves_a_row_another_door_holds_to_its_next_run():
    """`make chaos` runs two reconciliations at once (the cron worker and a
    second server). Each read fees row after row, waiting on rows the other
    held, and PostgreSQL broke the cycle with a deadlock. The fee reading now
    takes its rows as the batches do (SKIP LOCKED): a run never waits on a
    row another door holds, and reads that fee on its next run."""
    with threaded_till("cron_lock") as (odoo, emu, till, hold):
        # One after the other: a sale takes the cashbox from the one before.
        paid = [paid_sale(odoo, emu, till, f"cron-{name}") for name in ("held", "free")]

        def fees():
            rows = odoo.call(
                "mercado.pago.qr.attempt", "read", paid, ["state", "fee_known"]
            )
            return [(row["state"], row["fee_known"]) for row in rows]

        # The fee of a payment is the cron's to read.
        assert fees() == [("paid", False)] * 2
        cron = reconciliation_cron(odoo)
        holder = hold(paid[0])
        run = threading.Thread(
            target=odoo.call, args=("ir.cron", "method_direct_trigger", [cron])
        )
        run.start()
        run.join(30)
        finished_while_held = not run.is_alive()
        holder.rollback()
        run.join(30)
        assert finished_while_held, "the cron waited for the held row"
        assert fees() == [("paid", False), ("paid", True)]
        odoo.call("ir.cron", "method_direct_trigger", [cron])
        assert fees() == [("paid", True), ("paid", True)]


def wait_for_slowed_call(emu, call=1):
    """Until the emulator delays the `call`th call its first fault rule slows
    down (it counts the rule as the call arrives)."""

    def under_way():
        faults = requests.get(f"{emu}/emulator/v1/faults", timeout=10).json()
        return faults["rules"][0]["fired"] >= call

    devenv.wait_for(under_way, 10, "Mercado Pago's slowed answer")


def write_while_mercado_pago_answers(emu, hold, attempt_id, assignment, call=1):
    """While Mercado Pago answers the `call`th slowed call, another door takes
    the attempt's row without waiting (nobody may hold it then) and writes
    `assignment`."""
    wait_for_slowed_call(emu, call)
    door = hold(attempt_id, nowait=True)
    door.cursor().execute(
        sql.SQL("UPDATE mercado_pago_qr_attempt SET {} WHERE id = %s").format(
            sql.SQL(assignment)
        ),
        (attempt_id,),
    )
    door.commit()


def test_the_cron_holds_no_row_while_mercado_pago_answers_for_a_fee():
    """`make chaos` found a POS order's payment line waiting 26 s: the cron
    held the paid attempt's row while it asked Mercado Pago for the fee, with
    retries against a failing API, and the line, which references that row
    and then writes it, waited for the cron. The fee is now asked with no row
    held; the cron takes the row (SKIP LOCKED) only to write the fee, and
    leaves a row that moved meanwhile to its next run."""
    with threaded_till("cron_fee") as (odoo, emu, till, hold):
        attempt_id = paid_sale(odoo, emu, till, "cron-fee")
        slow = {"fault": "latency", "method": "GET", "path": "/v1/payments/"}
        requests.put(
            f"{emu}/emulator/v1/faults",
            json={"rules": [{**slow, "ms": 3000}]},
            timeout=10,
        ).raise_for_status()
        cron = reconciliation_cron(odoo)
        run = threading.Thread(
            target=odoo.call, args=("ir.cron", "method_direct_trigger", [cron])
        )
        run.start()

        # The POS links its line while Mercado Pago answers for the fee.
        write_while_mercado_pago_answers(emu, hold, attempt_id, "write_date = now()")
        run.join(30)

        def fee_known():
            (attempt,) = odoo.call(
                "mercado.pago.qr.attempt", "read", [attempt_id], ["fee_known"]
            )
            return attempt["fee_known"]

        # The row moved after the cron's snapshot: its fee waits for the next
        # run, and a moved row is a normal case, not a failed query.
        assert not fee_known()
        odoo.call("ir.cron", "method_direct_trigger", [cron])
        assert fee_known()
    log_path = devenv.VAR / "cron_fee-odoo.log"
    assert "bad query" not in log_path.read_text(), log_path


def assert_refunded_once(odoo, emu, attempt_id, amount_minor):
    """One refund of `amount_minor`, done in Odoo and made once at Mercado Pago."""
    refunds = odoo.call(
        "mercado.pago.qr.refund",
        "search_read",
        [("attempt_id", "=", attempt_id)],
        ["state", "amount_minor"],
    )
    assert [(r["state"], r["amount_minor"]) for r in refunds] == [
        ("done", amount_minor)
    ], refunds
    ledger = requests.get(f"{emu}/emulator/v1/ledger", timeout=10).json()
    assert [e["kind"] for e in ledger["entries"]] == ["payment", "refund"], ledger


def test_a_refund_whose_row_moved_during_the_call_is_recorded_not_refused():
    """`make chaos` found a manager told "At most 0.01 ARS can still be
    refunded" about a refund Mercado Pago had just made: while Mercado Pago
    answered, the cron wrote the attempt's fee, so recording the answer on the
    attempt failed on a stale snapshot, and the request, tried again from the
    start, counted its own stored refund against the balance. It now sends the
    stored refund again with its key, and Mercado Pago answers as before."""
    with threaded_till("refund_moved") as (odoo, emu, till, hold):
        attempt_id = paid_sale(odoo, emu, till, "moved", amount="100.00")
        slow = {"fault": "latency", "method": "POST", "path": "refund"}
        requests.put(
            f"{emu}/emulator/v1/faults",
            json={"rules": [{**slow, "ms": 2000, "times": 1}]},
            timeout=10,
        ).raise_for_status()
        wizard = odoo.call(
            "mercado.pago.qr.refund.wizard",
            "create",
            {"attempt_id": attempt_id, "amount": 40.0},
        )
        answers = []

        def refund():
            try:
                answers.append(
                    odoo.call(
                        "mercado.pago.qr.refund.wizard", "action_refund", [wizard]
                    )
                )
            except Exception as error:  # noqa: BLE001 - asserted below
                answers.append(error)

        run = threading.Thread(target=refund)
        run.start()

        # The cron records the payment's fee while Mercado Pago refunds.
        write_while_mercado_pago_answers(emu, hold, attempt_id, "fee_known = true")
        run.join(30)
        assert not any(isinstance(a, Exception) for a in answers), answers
        assert_refunded_once(odoo, emu, attempt_id, 4000)
    # `make chaos` (seed 455195) logged the refund's update of the attempt's
    # refunded amounts as a failed query: a row that moved is a normal case.
    log_path = devenv.VAR / "refund_moved-odoo.log"
    assert "bad query" not in log_path.read_text(), log_path


def test_two_notifications_writing_the_webhook_health_log_no_failed_query():
    """`make chaos` logged "bad query" for the webhook health's update: two
    notifications wrote the account's row at once and the second met a
    serialization failure. Health is informative: the second update is
    dropped quietly and the notification is answered as usual."""
    with threaded_till("health") as (_odoo, _emu, till, hold):
        door = hold(None)
        # Another notification is writing the account's health right now.
        door.cursor().execute(
            "UPDATE mercado_pago_qr_account SET last_notification_at = now()"
        )
        answer = {}

        def notify():
            answer["status"] = requests.post(
                till["webhook_url"],
                params={"type": "order", "data.id": "ORD01UNKNOWN"},
                json={"type": "order", "data": {"id": "ORD01UNKNOWN"}},
                headers=live.signature_headers(
                    till["webhook_secret"], "ORD01UNKNOWN", "health-test"
                ),
                timeout=30,
            ).status_code

        notification = threading.Thread(target=notify)
        notification.start()
        time.sleep(0.5)  # its health update waits for the row
        door.commit()
        notification.join(30)
        assert answer.get("status") == 200, answer
    log_path = devenv.VAR / "health-odoo.log"
    assert "bad query" not in log_path.read_text(), log_path


def test_a_refund_whose_answer_is_never_recorded_is_left_to_the_cron_not_refused():
    """The row moves during every one of the request's calls: the stored
    refund (which Mercado Pago made) is reported as being sent, not as
    "try again", which would have the manager ask for it a second time; the
    cron then records it, once."""
    with threaded_till("refund_moving") as (odoo, emu, till, hold):
        attempt_id = paid_sale(odoo, emu, till, "moving", amount="100.00")
        slow = {"fault": "latency", "method": "POST", "path": "refund", "ms": 1500}
        requests.put(
            f"{emu}/emulator/v1/faults", json={"rules": [slow]}, timeout=10
        ).raise_for_status()
        wizard = odoo.call(
            "mercado.pago.qr.refund.wizard",
            "create",
            {"attempt_id": attempt_id, "amount": 40.0},
        )
        answers = []
        run = threading.Thread(
            target=lambda: answers.append(
                odoo.call("mercado.pago.qr.refund.wizard", "action_refund", [wizard])
            )
        )
        run.start()
        for call in (1, 2, 3):
            write_while_mercado_pago_answers(
                emu, hold, attempt_id, f"check_count = {call}", call=call
            )
        run.join(30)
        assert answers, "the refund was refused"
        requests.delete(f"{emu}/emulator/v1/faults", timeout=10).raise_for_status()
        odoo.call("ir.cron", "method_direct_trigger", [reconciliation_cron(odoo)])
        assert_refunded_once(odoo, emu, attempt_id, 4000)


def test_a_pos_line_is_saved_while_the_cron_sends_a_refund_of_its_payment():
    """The cron re-sends a refund whose answer was lost, holding the
    attempt's row while Mercado Pago answers slowly. Meanwhile the POS saves
    a line that references that attempt: PostgreSQL's foreign key check takes
    a KEY SHARE lock on the row, which the doors' lock (NO KEY UPDATE, Odoo's
    lock_for_update(allow_referencing=True)) lets through; FOR UPDATE had the
    line wait for Mercado Pago's answer."""
    with threaded_till("cron_refund") as (odoo, emu, till, hold):
        attempt_id = paid_sale(odoo, emu, till, "cron-refund", amount="100.00")
        # Mercado Pago makes the refund, and every answer of it is lost.
        lost = {"fault": "error", "method": "POST", "path": "refund"}
        requests.put(
            f"{emu}/emulator/v1/faults",
            json={"rules": [{**lost, "when": "after", "times": 4}]},
            timeout=10,
        ).raise_for_status()
        wizard = odoo.call(
            "mercado.pago.qr.refund.wizard",
            "create",
            {"attempt_id": attempt_id, "amount": 40.0},
        )
        odoo.call("mercado.pago.qr.refund.wizard", "action_refund", [wizard])
        slow = {"fault": "latency", "method": "POST", "path": "refund", "ms": 2000}
        requests.put(
            f"{emu}/emulator/v1/faults", json={"rules": [slow]}, timeout=10
        ).raise_for_status()
        run = threading.Thread(
            target=odoo.call,
            args=("ir.cron", "method_direct_trigger", [reconciliation_cron(odoo)]),
        )
        run.start()
        wait_for_slowed_call(emu)
        # Raises LockNotAvailable if the cron's lock kept the line out.
        hold(attempt_id, nowait=True, mode="KEY SHARE").rollback()
        run.join(30)
        assert_refunded_once(odoo, emu, attempt_id, 4000)
