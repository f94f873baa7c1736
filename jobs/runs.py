"""Every job run leaves a row in ``job_runs``: started, finished, outcome, counts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jobs.scheduler.processes import close_dead_runs, start_job_run
from jobs.settings import Settings
from jobs.store.connect import DatabaseBusyError, connect
from jobs.store.runs import finish_job_run, insert_job_run
from jobs.store.schema import ensure_schema

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The current time as naive UTC, the form every timestamp in the store takes."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class RunRecord:
    """Filled in by the job while it runs; written to ``job_runs`` when it ends."""

    job: str
    counts: dict[str, int] = field(default_factory=dict)
    message: str | None = None
    run_id: int | None = None
    # Read when the run ends, however it ends: a failed ingest keeps the counts of the
    # batches it committed.
    counts_from: Callable[[], dict[str, int]] | None = None


@contextmanager
def recorded_run(settings: Settings, job: str) -> Iterator[RunRecord]:
    """Record a job run: a 'running' row first, then 'ok', 'failed' or 'skipped' (the
    database stayed busy) with the error.

    A run that cannot even open the database (held by a reader for the whole
    wait) is re-raised; the caller decides whether that is a skipped run.
    """
    record = RunRecord(job=job)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        ensure_schema(con)
        for run_id, dead in close_dead_runs(con, utc_now()):
            log.warning("run %d of %s was cut short; marked interrupted", run_id, dead)
        record.run_id = start_job_run(con, job, utc_now())
    try:
        yield record
    except BaseException as exc:
        status = "failed"
        if isinstance(exc, KeyboardInterrupt):
            status = "interrupted"
        elif isinstance(exc, DatabaseBusyError):
            status = "skipped"  # held by a reader for the whole wait; the next run catches up
        _finish(settings, record, status, record.message or f"{type(exc).__name__}: {exc}")
        raise
    _finish(settings, record, "ok", record.message)


def _finish(settings: Settings, record: RunRecord, status: str, message: str | None) -> None:
    assert record.run_id is not None
    if record.counts_from is not None:
        record.counts = record.counts_from()
    try:
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            finish_job_run(con, record.run_id, utc_now(), status, record.counts, message)
    except DatabaseBusyError:
        log.error(
            "could not record the end of run %d of %s (%s): database busy",
            record.run_id,
            record.job,
            status,
        )


def record_skipped_run(settings: Settings, job: str, started_at: datetime, reason: str) -> None:
    """A run that could not start (database busy): one 'skipped' row, best effort."""
    try:
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            ensure_schema(con)
            insert_job_run(con, job, started_at, utc_now(), "skipped", reason)
    except DatabaseBusyError:
        log.error("%s skipped and not recorded: %s", job, reason)
