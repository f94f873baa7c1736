"""What ``mentions jobs`` shows: each job, its trigger, its next run and its last outcome."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from jobs.scheduler.catch_up import report_starts
from jobs.scheduler.processes import close_orphaned_runs_if_free
from jobs.scheduler.specs import PERIODS, JobSpec
from jobs.settings import Settings
from jobs.store.connect import DatabaseMissingError, connect
from jobs.store.periods import last_complete_report
from jobs.store.runs import latest_job_runs
from reports.words import plural


@dataclass(frozen=True)
class LastRun:
    """The newest ``job_runs`` row of a job."""

    status: str
    started_at: datetime
    finished_at: datetime | None
    summary: str


@dataclass(frozen=True)
class JobStatus:
    """One line of ``mentions jobs``. Times are naive UTC."""

    name: str
    kind: str
    schedule: str
    next_run: datetime | None
    next_note: str
    last: LastRun | None = None
    reports_due: int | None = None


def next_run(
    spec: JobSpec, last_started_at: datetime | None, now: datetime
) -> tuple[datetime | None, str]:
    """When the job runs next if a scheduler is running, and how that was worked out."""
    interval = spec.interval
    if interval is None:
        fire = spec.trigger.get_next_fire_time(None, now.replace(tzinfo=UTC))
        return (fire.astimezone(UTC).replace(tzinfo=None) if fire else None), ""
    if last_started_at is None:
        return None, "at start" if spec.run_on_start else f"{spec.schedule} from start"
    steps = max(1, math.ceil((now - last_started_at) / interval))
    return last_started_at + steps * interval, "last run + interval"


def job_statuses(
    settings: Settings,
    specs: Iterable[JobSpec],
    now: datetime,
    *,
    on_wait: Callable[[str], None] | None = None,
) -> list[JobStatus]:
    """Every job with its next run and its newest ``job_runs`` row. Runs whose process
    died are marked 'interrupted' first, when no job holds the file; the rest is read-only."""
    close_orphaned_runs_if_free(settings, now)
    runs, watermarks = _history(settings, on_wait)
    statuses = []
    for spec in specs:
        last = runs.get(spec.name)
        when, note = next_run(spec, last.started_at if last else None, now)
        due = None
        if spec.period is not None and watermarks.get(spec.period) is not None:
            due = len(report_starts(spec.period, watermarks[spec.period], now, settings.timezone))
        statuses.append(
            JobStatus(
                name=spec.name,
                kind=spec.kind + (f" ({spec.period})" if spec.period else ""),
                schedule=spec.schedule,
                next_run=when,
                next_note=note,
                last=last,
                reports_due=due,
            )
        )
    return statuses


def _history(
    settings: Settings, on_wait: Callable[[str], None] | None
) -> tuple[dict[str, LastRun], dict[str, date | None]]:
    runs: dict[str, LastRun] = {}
    watermarks: dict[str, date | None] = {}
    try:
        with connect(
            settings.db_path, read_only=True, timeout=settings.lock_timeout, on_wait=on_wait
        ) as con:
            for row in latest_job_runs(con).iter_rows(named=True):
                summary = row["message"] or (
                    f"{row['articles_seen'] or 0:,} seen, {row['articles_new'] or 0:,} new, "
                    f"{plural(row['mentions_new'] or 0, 'mention')}, "
                    f"{plural(row['errors'] or 0, 'error')}"
                )
                runs[row["job"]] = LastRun(
                    row["status"], row["started_at"], row["finished_at"], summary
                )
            for period in PERIODS:
                watermarks[period] = last_complete_report(con, period, settings.timezone)
    except DatabaseMissingError:
        pass
    except duckdb.CatalogException:
        pass  # a file no job has written yet: no history
    return runs, watermarks
