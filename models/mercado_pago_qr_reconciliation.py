"""The reconciliation cron: settles what nobody is watching, reads the fees
not known yet and follows refunds."""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mercado_pago.errors import MercadoPagoError, RateLimitedError
from ..mercado_pago.money import to_minor_units
from ..mercado_pago.payments import PaymentsClient
from ..mercado_pago.transitions import FOLLOWED, MONEY, OPEN

_logger = logging.getLogger(__name__)

NOT_READ = object()  # the cron's step has not read the order yet


class MercadoPagoQrAttempt(models.Model):
    _inherit = "mercado.pago.qr.attempt"

    def _read_fee_minor(self):
        """Mercado Pago's fee on the payment in minor units, so the deposit
        matches the net; None when it cannot be read now."""
        number = next(
            (
                n
                for n in (self.operation_number, self.mp_payment_id)
                if n and n.isdigit()
            ),
            None,
        )
        if not number:
            return None
        try:
            payment = PaymentsClient(self.account_id._mp_session()).get_payment(number)
        except (MercadoPagoError, UserError) as error:
            _logger.info("Attempt %s: fee not read: %s", self.id, error)
            return None
        fee = sum(
            (
                Decimal(str(d.get("amount") or 0))
                for d in (payment or {}).get("fee_details") or []
                if d.get("fee_payer", "collector") == "collector"
            ),
            Decimal(0),
        )
        return to_minor_units(fee, self.currency_code)

    @api.model
    def _reconcile_domain(self, now):
        grace = now - timedelta(minutes=2)
        return [
            "|",
            "|",
            "&",
            ("state", "in", OPEN),
            "|",
            ("expires_at", "<", now),
            ("next_check_at", "<", grace),
            "&",
            ("state", "=", "failed"),
            ("push_unknown", "=", True),
            "&",
            "&",
            ("state", "in", FOLLOWED),
            ("closed_verified", "=", False),
            ("write_date", "<", grace),
        ]

    @api.model
    def _cron_reconcile(self, batch_size=50, readers=4):
        """Settle what nobody is watching: one Mercado Pago read per attempt per
        run, rows locked with SKIP LOCKED so a webhook never waits on the cron,
        progress committed batch by batch; Retry-After stops the run."""
        now = fields.Datetime.now()
        domain = self._reconcile_domain(now)
        # One account the cron cannot use (no token, an API URL refused) is
        # skipped, logged once and shown on its form; the others go on.
        checked = {}
        groups = self._read_group(domain, ["account_id"])
        skipped = self._cron_skip_accounts(
            self.env["mercado.pago.qr.account"].browse([a.id for (a,) in groups if a]),
            checked,
        )
        if skipped:
            domain = [*domain, ("account_id", "not in", skipped.ids)]
        ids = self.search(domain, order="id").ids
        cron = self.with_context(mp_qr_cron=True)
        done = 0
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            try:
                done += cron._reconcile_batch(chunk, now, readers)
            except RateLimitedError as error:
                _logger.info("Reconciliation paused: %s", error)
                self.env["ir.cron"]._commit_progress(len(chunk), remaining=0)
                self.env.ref(
                    "pos_mercado_pago_qr.ir_cron_mercado_pago_qr_reconcile"
                )._trigger(now + timedelta(seconds=error.retry_after or 60))
                return done
            time_left = self.env["ir.cron"]._commit_progress(
                len(chunk), remaining=max(0, len(ids) - start - batch_size)
            )
            if time_left <= 0:
                return done  # the next run goes on where this one stopped
        # Fees, then refunds, on rows taken like the batches' (SKIP LOCKED),
        # committed in between: two runs at once, or a run and a session's
        # closing, never wait on each other's rows (nor deadlock).
        fees_due = self.search(
            [("state", "in", MONEY), ("fee_known", "=", False)], limit=500
        )
        fees_due._read_fees(checked)
        refunds = self.env["mercado.pago.qr.refund"].search(
            [("state", "in", ("new", "pending"))]
        )
        free = set(self._lock_skip_locked(refunds.attempt_id.ids))
        skipped = self._cron_skip_accounts(refunds.attempt_id.account_id, checked)
        refunds.filtered(
            lambda r: r.attempt_id.id in free and r.attempt_id.account_id not in skipped
        )._follow_up()
        return done

    @api.model
    def _cron_skip_accounts(self, accounts, checked):
        """The accounts among `accounts` the cron cannot talk to Mercado Pago
        with. `checked` ({account id: problem or None}) lives for one run, so
        each bad account is logged once per run, not once per attempt."""
        skipped = accounts.browse()
        for account in accounts:
            if account.id not in checked:
                checked[account.id] = self._cron_account_problem(account)
            if checked[account.id]:
                skipped |= account
        return skipped

    @api.model
    def _cron_account_problem(self, account):
        try:
            account._mp_session()
        except UserError as error:
            problem = str(error)
        else:
            return None
        _logger.warning(
            "Reconciliation skips the Mercado Pago account %s (id %s): %s",
            account.name,
            account.id,
            problem,
        )
        message = self.env._(
            "The reconciliation skipped this account: %(problem)s",
            problem=problem,
        )
        if account.connection_state != "failed" or account.connection_message != (
            message
        ):
            try:
                with self.env.cr.savepoint():
                    account.sudo().write(
                        {
                            "connection_state": "failed",
                            "connection_message": message,
                            "connection_checked_at": fields.Datetime.now(),
                        }
                    )
            except psycopg2.errors.SerializationFailure:
                account.invalidate_recordset()  # written elsewhere: next run
        return problem

    def _read_fees(self, checked=None):
        """Mercado Pago's fee on each paid attempt not known yet, so the net
        matches the deposit: read by the cron (`checked` given) and at session
        close, never while a notification or a cashier waits. Asked with no row
        held, so no POS line or door waits on Mercado Pago; the cron then locks
        the row (SKIP LOCKED) only to write the fee, and commits; a held row's
        fee is read on the next run."""
        attempts = self.filtered(lambda a: a.state in MONEY and not a.fee_known)
        skipped = self._cron_skip_accounts(
            attempts.account_id, {} if checked is None else checked
        )
        for attempt in attempts.filtered(lambda a: a.account_id not in skipped):
            fee_minor = attempt._read_fee_minor()
            if fee_minor is None:
                continue
            if checked is not None and not self._lock_skip_locked(attempt.ids):
                continue
            attempt.write({"fee_minor": fee_minor, "fee_known": True})
            if checked is not None:
                self.env["ir.cron"]._commit_progress()

    def _lock_skip_locked(self, ids):
        """The rows of `ids` nobody else holds, locked as `_lock` does; the
        others are being settled by a webhook or the POS right now."""
        if not ids:
            return []
        cr = self.env.cr
        query = (
            "SELECT id FROM mercado_pago_qr_attempt WHERE id IN %s ORDER BY id "
            "FOR NO KEY UPDATE SKIP LOCKED"
        )
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, (tuple(ids),), log_exceptions=False)
                return [row[0] for row in cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # A row moved after this transaction's snapshot (a normal case,
            # not a failed query): lock row by row and leave the moved ones to
            # the next run (theirs is newer).
            _logger.debug("Reconciliation: a row moved, locking one by one")
        locked = []
        for attempt_id in ids:
            try:
                with cr.savepoint(flush=False):
                    cr.execute(query, ((attempt_id,),), log_exceptions=False)
                    locked += [row[0] for row in cr.fetchall()]
            except psycopg2.errors.SerializationFailure:
                continue
        return locked

    def _reconcile_batch(self, ids, now, readers):
        attempts = self.browse(self._lock_skip_locked(ids))
        attempts.invalidate_recordset()
        attempts.fetch()
        remotes = attempts.filtered(lambda a: a._reconcile_reads(now))._read_many(
            readers
        )
        moved = 0
        for attempt in attempts:
            remote = remotes.get(attempt.id, NOT_READ)
            if isinstance(remote, RateLimitedError):
                raise remote
            try:
                with self.env.cr.savepoint():
                    attempt._reconcile_one(now, remote)
            except psycopg2.errors.SerializationFailure:
                self.env.invalidate_all()
                continue
            except UserError as error:
                # Its account became unusable during the run: the next run
                # skips it (and says so on the account's form).
                _logger.info("Attempt %s: not reconciled: %s", attempt.id, error)
                continue
            moved += 1
        return moved

    def _reconcile_reads(self, now):
        """Whether the cron's step for this attempt starts with one read."""
        if self.state in FOLLOWED:
            return True
        if self.state != "waiting":
            return False  # "new" and "failed" find their order by its key
        return bool(self.mp_order_id) or self.api_mode == "v2"

    def _read_many(self, readers):
        """Read these attempts' orders, a few at a time: Mercado Pago's round
        trips add up over thousands of attempts. {id: remote, None or error}."""
        jobs = {}
        for attempt in self:
            try:
                client = attempt._client()
            except UserError:
                continue  # not read: the attempt's own step says why
            jobs[attempt.id] = (
                client,
                attempt._remote_ref(),
                attempt.cashbox_id.external_id,
            )

        def read(job):
            client, ref, external_pos_id = job
            try:
                return client.get(ref, external_pos_id=external_pos_id)
            except RateLimitedError as error:
                return error
            except MercadoPagoError as error:
                _logger.info("Order %s: re-read failed: %s", ref, error)
                return None

        if len(jobs) <= 1 or readers <= 1:
            return {key: read(job) for key, job in jobs.items()}
        with ThreadPoolExecutor(max_workers=readers) as pool:
            return dict(zip(jobs, pool.map(read, jobs.values()), strict=True))

    def _reconcile_one(self, now, remote=NOT_READ):
        """The cron's step for one locked attempt; `remote` is its order as
        just read (None if the read failed), or NOT_READ."""
        if self.state in FOLLOWED:
            if remote is NOT_READ:
                remote = self._read_remote()
            if remote is None:
                return
            self._apply_remote(remote, now)
            if self.state == "forced" and not remote.is_final:
                # Force done could not close it at Mercado Pago: again, so
                # nobody pays a line the cashier already recorded.
                remote = self._cancel_remote(reason="forced", reread=False)
            # A forced line is read until Mercado Pago's order is final.
            self.closed_verified = self.state != "forced" or bool(
                remote and remote.is_final
            )
            return
        if self.state in OPEN and self.expires_at and now > self.expires_at:
            # Past its expiry: close it at Mercado Pago, keep any money.
            if remote is NOT_READ and not self._reconcile_reads(now):
                self._cancel_remote(reason="expired")  # finds it by its key first
                return
            # Read first: most orders closed by themselves (expired, replaced,
            # paid), so one read settles them; only one still open is cancelled.
            if remote is NOT_READ:
                remote = self._read_remote()
            if remote is None:
                return  # unreachable: the next run tries again
            self._apply_remote(remote, now)
            if self.state in OPEN:
                self._cancel_remote(reason="expired", reread=False)
            return
        if remote is NOT_READ:
            self._settle()
        else:
            self._settle_with(remote, now)

    def _read_remote(self):
        try:
            return self._read_order()
        except RateLimitedError:
            raise
        except MercadoPagoError as error:
            _logger.info("Attempt %s: re-read failed: %s", self.id, error)
            return None
