"""Running one scheduled job: record it, survive it, and say what happened in one line.

The same ``JobRunner.run`` serves the scheduler and ``mentions run-job``. A run that
cannot get the database (a reader held it for the whole wait) is a 'skipped' row; a
run that raises is a 'failed' row; neither stops the scheduler. Skips that could not
be written at once (the file was busy: that is why they were skipped) are kept and
written at the next chance.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)

from jobs.extract import run_extract
from jobs.ingest import run_ingest
from jobs.ingest.result import IngestResult, InputsFailedError, raise_for_failed_inputs
from jobs.runs import RunRecord, recorded_run, utc_now
from jobs.scheduler.catch_up import run_due_reports
from jobs.scheduler.specs import JobSpec, job_specs
from jobs.settings import Settings
from jobs.store.connect import DatabaseBusyError, connect, one_duckdb, transaction
from jobs.store.maintenance import checkpoint, write_snapshot
from jobs.store.runs import insert_job_run
from jobs.store.schema import ensure_schema
from reports.words import plural

log = logging.getLogger(__name__)

# Skips waiting to be written; beyond this many the oldest are only logged.
MAX_UNRECORDED = 1000


class UnknownJobError(KeyError):
    """``run-job NAME`` with a name no job has."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        super().__init__(f"no job named {name!r}; jobs: {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class RunOutcome:
    """How one run ended: ok, failed, skipped or not-started (the scheduler was stopping)."""

    job: str
    status: str
    seconds: float
    summary: str


@dataclass(frozen=True)
class _Skip:
    job: str
    started_at: datetime
    finished_at: datetime
    reason: str


@dataclass
class _Blocked:
    """Firings of one job while one run of another held the worker: one row, one line."""

    skip: _Skip
    holder: str
    times: int = 1


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class JobRunner:
    """Runs declared jobs by name, one at a time, and records every run in ``job_runs``."""

    def __init__(
        self,
        settings: Settings,
        specs: Iterable[JobSpec] | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.specs = {s.name: s for s in (job_specs(settings) if specs is None else specs)}
        self.clock = clock
        self.stopping = threading.Event()
        self._one_at_a_time = threading.Lock()
        self._skips_lock = threading.Lock()
        self._unrecorded: deque[_Skip] = deque(maxlen=MAX_UNRECORDED)
        self.running: str | None = None  # the job running now, for the stop message
        self._serial = 0  # counts runs, so firings are grouped by the run that blocked them
        self._blocked: dict[tuple[str, int], _Blocked] = {}
        self._waiting: dict[str, tuple[str, int]] = {}  # job queued -> (holder, serial)

    def spec(self, name: str) -> JobSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise UnknownJobError(name, self.specs) from None

    def run(self, name: str) -> RunOutcome:
        """Run the job ``name`` now; never raises for a failed run (it is recorded)."""
        spec = self.spec(name)
        if self.stopping.is_set():
            log.info("job %s not started: the scheduler is stopping", name)
            return RunOutcome(name, "not-started", 0.0, "the scheduler is stopping")
        with self._one_at_a_time:
            self.running = name
            self._serial += 1
            self._waiting.pop(name, None)
            with self._skips_lock:
                self._blocked = {k: v for k, v in self._blocked.items() if k[1] == self._serial}
            try:
                return self._run(spec)
            finally:
                self.running = None

    def _run(self, spec: JobSpec) -> RunOutcome:
        started_at, started = utc_now(), time.monotonic()
        try:
            with ExitStack() as stack:
                if spec.kind == "report":  # its openings of the file: one DuckDB, as the CLI's
                    stack.enter_context(one_duckdb())
                try:
                    record = stack.enter_context(recorded_run(self.settings, spec.name))
                except DatabaseBusyError as exc:
                    self._keep_skip(_Skip(spec.name, started_at, utc_now(), str(exc)))
                    self.flush_skips(timeout=0.0)
                    return self._done(spec, "skipped", started, str(exc))
                self.flush_skips(timeout=0.0)
                summary = self._execute(spec, record)
        except DatabaseBusyError as exc:
            return self._done(spec, "skipped", started, str(exc))
        except Exception as exc:  # a failed run is recorded and logged; the scheduler goes on
            log.debug("job %s failed", spec.name, exc_info=True)
            return self._done(spec, "failed", started, f"{type(exc).__name__}: {exc}")
        return self._done(spec, "ok", started, summary)

    def _execute(self, spec: JobSpec, record: RunRecord) -> str:
        settings = self.settings
        if spec.kind == "ingest":
            sources = list(spec.sources) if spec.sources is not None else None
            result = IngestResult()
            record.counts_from = result.as_counts
            run_ingest(settings, sources, now=self.clock(), result=result)
            if result.errors:
                record.message = f"{plural(result.errors, 'input')} refused; see ingest_errors"
            try:
                raise_for_failed_inputs(result)  # the others were ingested; the run failed
            except InputsFailedError as exc:
                record.message = str(exc)
                raise
            return (
                f"{result.articles_seen:,} seen, {plural(result.articles_new, 'new article')}, "
                f"{plural(result.mentions_new, 'new mention')}, {plural(result.errors, 'error')}"
            )
        if spec.kind == "report":
            assert spec.period is not None
            reports = run_due_reports(
                settings,
                spec.period,
                self.clock(),
                catch_up=spec.catch_up,
                stop=self.stopping.is_set,
            )
            record.counts = {"articles_seen": sum(r.articles for r in reports)}
            if not reports:
                record.message = f"{spec.period} reports up to date"
            else:
                first, last = reports[0], reports[-1]
                what = f"{spec.period} report {first.start_on}"
                if len(reports) > 1:
                    what = (
                        f"{len(reports)} {spec.period} reports {first.start_on} to {last.start_on}"
                    )
                record.message = f"{what} -> {last.path}"
            return record.message
        if spec.kind == "maintenance":
            done = []
            if "snapshot" in spec.tasks:
                snapshot = write_snapshot(settings)  # checkpoints first
                done.append(
                    f"snapshot of {snapshot.size / 1e6:.1f} MB in {snapshot.seconds:.2f} s "
                    f"-> {snapshot.path}"
                )
            elif "checkpoint" in spec.tasks:
                checkpoint(settings)
            if "checkpoint" in spec.tasks:
                done.insert(0, "checkpoint")
            record.message = "; ".join(done)
            return record.message
        if spec.kind == "extract":
            extracted = run_extract(settings)
            record.counts = {
                "articles_seen": extracted.articles,
                "mentions_new": extracted.mentions,
            }
            articles = plural(extracted.articles, "article")
            return f"{articles} re-extracted, {plural(extracted.mentions, 'mention')}"
        raise AssertionError(f"unhandled job kind {spec.kind!r}")

    def _done(self, spec: JobSpec, status: str, started: float, summary: str) -> RunOutcome:
        seconds = time.monotonic() - started
        level = {"ok": logging.INFO, "skipped": logging.WARNING}.get(status, logging.ERROR)
        log.log(level, "job %s %s in %.2f s: %s", spec.name, status, seconds, summary)
        return RunOutcome(spec.name, status, seconds, summary)

    def on_event(self, event: JobEvent) -> None:
        """APScheduler listener. A run that fires while another job holds the (single)
        worker waits in the queue; if it then misses its grace time, or fires again
        meanwhile (max_instances), it is skipped: one warning and one 'skipped' row per
        blocking run, naming the job that held the worker."""
        holder = self.running
        if event.code == EVENT_JOB_SUBMITTED:
            if holder is not None and holder != event.job_id:
                self._waiting[event.job_id] = (holder, self._serial)
            return
        times = getattr(event, "scheduled_run_times", None) or [
            getattr(event, "scheduled_run_time", None)
        ]
        when = _naive(times[0]) if times[0] is not None else utc_now()
        if event.code == EVENT_JOB_MISSED:
            waited = self._waiting.pop(event.job_id, None)
            if waited is not None:
                self._blocked_firing(event.job_id, when, *waited)
                return
            late = utc_now() - when
            reason = (
                f"missed its run time {when:%Y-%m-%d %H:%M:%S} by {late.total_seconds():.0f} s "
                "(the scheduler was busy or suspended)"
            )
            log.warning("job %s skipped: %s", event.job_id, reason)
            self._keep_skip(_Skip(event.job_id, when, utc_now(), reason))
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            holder_now, serial = self._waiting.get(event.job_id, (holder, self._serial))
            self._blocked_firing(event.job_id, when, holder_now or event.job_id, serial)

    def _blocked_firing(self, job: str, when: datetime, holder: str, serial: int) -> None:
        what = "its previous run" if holder == job else holder
        with self._skips_lock:
            blocked = self._blocked.get((job, serial))
            if blocked is None:
                reason = f"fired while the worker was busy with {what} (one job at a time)"
                self._blocked[(job, serial)] = _Blocked(_Skip(job, when, utc_now(), reason), what)
                first = True
            else:
                blocked.times += 1
                reason = (
                    f"fired {blocked.times} times while the worker was busy with {what} "
                    "(one job at a time)"
                )
                updated = replace(blocked.skip, finished_at=utc_now(), reason=reason)
                for i, kept in enumerate(self._unrecorded):
                    if kept is blocked.skip:
                        self._unrecorded[i] = updated
                blocked.skip = updated
                first = False
        if first:
            log.warning("job %s skipped: %s", job, reason)
            self._keep_skip(self._blocked[(job, serial)].skip)

    def _keep_skip(self, skip: _Skip) -> None:
        with self._skips_lock:
            if len(self._unrecorded) == self._unrecorded.maxlen:
                dropped = self._unrecorded[0]
                log.error("skipped run of %s at %s not recorded", dropped.job, dropped.started_at)
            self._unrecorded.append(skip)

    def flush_skips(self, timeout: float | None = None) -> int:
        """Write the skipped runs kept so far; returns how many are still unwritten."""
        with self._skips_lock:
            skips = list(self._unrecorded)
        if not skips:
            return 0
        wait = self.settings.lock_timeout if timeout is None else timeout
        try:
            with connect(self.settings.db_path, timeout=wait) as con:
                ensure_schema(con)
                with transaction(con):
                    for skip in skips:
                        insert_job_run(
                            con, skip.job, skip.started_at, skip.finished_at, "skipped", skip.reason
                        )
        except DatabaseBusyError:
            return len(skips)
        written = {id(skip) for skip in skips}
        with self._skips_lock:
            kept = [skip for skip in self._unrecorded if id(skip) not in written]
            self._unrecorded = deque(kept, maxlen=MAX_UNRECORDED)
            return len(kept)
