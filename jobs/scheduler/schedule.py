"""``mentions schedule``: the APScheduler 3.x wiring, in the foreground, for months.

- Jobs come from ``[[jobs]]`` in ``mentions.toml`` (or the defaults in ``job_specs``),
  in a MemoryJobStore: catch-up state lives in the database (the ``reports``
  watermark), never in a pickled job store.
- One worker thread: runs never overlap inside the process, so the database is only
  ever opened by one job at a time, always read-write (DuckDB refuses a read-only and
  a read-write connection to one file in one process). Each job also has
  ``max_instances=1``, ``coalesce=True`` and an explicit ``misfire_grace_time``.
- SIGTERM / SIGINT: the handler only sets an event; a stopper thread shuts the
  scheduler down, which waits for the running job to commit (queued ones do not
  start), and the process exits 0. A second signal exits at once: DuckDB rolls back
  the open transaction, and the next run resumes.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from jobs.runs import utc_now
from jobs.scheduler.catch_up import report_starts
from jobs.scheduler.processes import close_orphaned_runs
from jobs.scheduler.runner import JobRunner
from jobs.settings import Settings
from jobs.store.connect import DatabaseBusyError, connect
from jobs.store.periods import last_complete_report
from jobs.store.schema import ensure_schema

log = logging.getLogger(__name__)

# Immediate runs at start are spaced by this much so they run in declaration order.
_START_SPACING = timedelta(milliseconds=1)


def build_scheduler(
    settings: Settings,
    runner: JobRunner | None = None,
    *,
    run_now: Collection[str] = (),
    now: datetime | None = None,
) -> BlockingScheduler:
    """The scheduler with every declared job, not started.

    Jobs with ``run_on_start`` and those named in ``run_now`` (reports missed while
    the scheduler was stopped) first run at ``now``; the rest at their trigger's time.
    """
    runner = runner or JobRunner(settings)
    scheduler = BlockingScheduler(
        timezone=UTC,
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    start = (now or datetime.now(UTC)).astimezone(UTC)
    immediate = 0
    for spec in runner.specs.values():
        if spec.note:
            log.warning("%s", spec.note)
        # Every first run time comes from ``start``, never from the wall clock when the
        # scheduler starts: a scheduler built for a given ``now`` behaves the same on any day.
        if spec.run_on_start or spec.name in run_now:
            first = start + immediate * _START_SPACING
            immediate += 1
        else:
            first = spec.trigger.get_next_fire_time(None, start)
        scheduler.add_job(
            runner.run,
            trigger=spec.trigger,
            args=[spec.name],
            id=spec.name,
            name=spec.name,
            misfire_grace_time=max(1, int(spec.grace.total_seconds())),
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            next_run_time=first,
        )
    scheduler.add_listener(
        runner.on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
    )
    return scheduler


def missed_reports(settings: Settings, runner: JobRunner, now: datetime) -> dict[str, int]:
    """Report jobs with periods that ended while no scheduler ran: name -> how many.

    A period counts as missed only after some complete report of that length exists;
    a fresh database waits for the first regular run instead of rendering at once.
    """
    specs = [s for s in runner.specs.values() if s.kind == "report" and s.catch_up]
    if not specs:
        return {}
    missed: dict[str, int] = {}
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        ensure_schema(con)
        for spec in specs:
            assert spec.period is not None
            watermark = last_complete_report(con, spec.period, settings.timezone)
            if watermark is not None:
                due = report_starts(spec.period, watermark, now, settings.timezone)
                if due:
                    missed[spec.name] = len(due)
    return missed


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Stopper:
    """Turns the first SIGTERM/SIGINT into a clean shutdown, a second into an exit.

    A Python signal handler runs only when the main thread runs bytecode, and the
    kernel may deliver the signal to a worker thread while the main thread sleeps in
    the scheduler's wait for the next job (up to hours): the handler could run that
    late. The C-level handler writes every signal to the wakeup fd at once, whatever
    thread gets it, so a watcher thread reading that pipe acts on it immediately.
    """

    def __init__(self, runner: JobRunner) -> None:
        self.runner = runner
        self.requested = threading.Event()
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._previous_fd = -1
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        """From the main thread: route SIGTERM/SIGINT to the watcher."""
        self._previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        for sig in _STOP_SIGNALS:
            # The Python-level handler only replaces the default action (exit or
            # KeyboardInterrupt); the watcher does the work.
            self._previous[sig] = signal.signal(sig, lambda signum, frame: None)
        threading.Thread(target=self._watch, name="mentions-signals", daemon=True).start()

    def uninstall(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        os.close(self._write)  # the watcher reads EOF and ends
        self._previous.clear()

    def _watch(self) -> None:
        seen = 0
        while data := os.read(self._read, 1):
            signum = data[0]
            if signum not in _STOP_SIGNALS:
                continue
            seen += 1
            if seen > 1:
                os.write(2, b"second signal: exiting now; the open transaction is rolled back\n")
                os._exit(128 + signum)
            self.requested.set()
        os.close(self._read)

    def wait_and_stop(self, scheduler: BlockingScheduler) -> None:
        self.requested.wait()
        self.runner.stopping.set()
        while not scheduler.running:  # a signal just before start(): wait for it
            time.sleep(0.01)
        running = self.runner.running
        if running:
            log.info("stopping: waiting for the running job (%s) to finish", running)
        else:
            log.info("stopping")
        scheduler.shutdown(wait=True)


def run_scheduler(settings: Settings, runner: JobRunner | None = None) -> None:
    """Run the scheduler in the foreground until SIGTERM or SIGINT; returns when the
    running job (if any) has finished."""
    runner = runner or JobRunner(settings)
    stopper = _Stopper(runner)
    stopper.install()
    try:
        try:
            for run_id, job in close_orphaned_runs(settings, utc_now()):
                log.warning("run %d of %s was cut short; marked interrupted", run_id, job)
            missed = missed_reports(settings, runner, runner.clock())
        except DatabaseBusyError as exc:
            log.warning("could not look for missed reports (%s); the next runs catch up", exc)
            missed = {}
        if stopper.requested.is_set():
            log.info("stopped before the scheduler started")
            return
        for name, count in missed.items():
            log.info("job %s: %d period(s) missed while stopped; catching up now", name, count)
        scheduler = build_scheduler(settings, runner, run_now=missed)
        thread = threading.Thread(
            target=stopper.wait_and_stop, args=(scheduler,), name="mentions-stopper", daemon=True
        )
        thread.start()
        log.info(
            "scheduler started with %d jobs (%s) on %s; SIGTERM or Ctrl-C stops it",
            len(runner.specs),
            ", ".join(f"{s.name}: {s.schedule}" for s in runner.specs.values()),
            settings.db_path,
        )
        scheduler.start()
        thread.join()
    finally:
        stopper.uninstall()
    unwritten = runner.flush_skips()
    if unwritten:
        log.error("%d skipped runs could not be recorded: the database stayed busy", unwritten)
    log.info("scheduler stopped")
