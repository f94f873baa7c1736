"""Which reports are due: every complete period since the newest complete report.

The watermark lives in the ``reports`` table, not in a scheduler job store: a report
counts once it was rendered after its period ended. A scheduler stopped over a
weekend renders Friday's, Saturday's and Sunday's daily reports when it starts again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

import duckdb

from analytics.frequencies import last_complete_period, period_bounds
from analytics.zones import local_of
from jobs.settings import Settings
from jobs.store.connect import connect
from jobs.store.periods import last_complete_report
from jobs.store.schema import ensure_schema

if TYPE_CHECKING:
    from jobs.report import ReportResult

log = logging.getLogger(__name__)


def report_starts(
    period: str, watermark: date | None, now: datetime, zone: str = "UTC"
) -> list[date]:
    """The first day of every complete ``period`` after the one starting on ``watermark``,
    oldest first; with no watermark (nothing rendered yet), only the last complete one.
    Periods are days of ``zone``; ``now`` is naive UTC."""
    last_start, _ = period_bounds(period, last_complete_period(period, local_of(now, zone)))
    if watermark is None:
        return [last_start]
    starts = []
    _, start = period_bounds(period, watermark)
    while start <= last_start:
        starts.append(start)
        _, start = period_bounds(period, start)
    return starts


def due_report_starts(
    con: duckdb.DuckDBPyConnection, period: str, now: datetime, zone: str = "UTC"
) -> list[date]:
    """The periods a report job has to render now (empty when it is up to date)."""
    return report_starts(period, last_complete_report(con, period, zone), now, zone)


def run_due_reports(
    settings: Settings,
    period: str,
    now: datetime,
    *,
    catch_up: bool = True,
    stop: Callable[[], bool] = lambda: False,
) -> list[ReportResult]:
    """Render every due report of ``period``, oldest first; without ``catch_up`` only the
    last complete period. Stops between reports when ``stop()`` turns true; the rest is
    still due at the next run, since the watermark moved with each report."""
    # The report job (and matplotlib with it) is loaded where it runs, not by everything
    # that imports the scheduler: `mentions jobs` and `mentions sql` start at once.
    from jobs.report import NoDataError, run_report

    if catch_up:
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            ensure_schema(con)
            starts = due_report_starts(con, period, now, settings.timezone)
    else:
        starts = report_starts(period, None, now, settings.timezone)
    if len(starts) > 1:
        log.debug("%d %s reports due, from %s to %s", len(starts), period, starts[0], starts[-1])
    results: list[ReportResult] = []
    for start in starts:
        if stop():
            log.info("stopping after %d of %d %s reports", len(results), len(starts), period)
            break
        try:
            results.append(run_report(settings, period, start, now=now))
        except NoDataError as exc:
            # No article yet in this period (nor in the later ones): due again next run.
            log.info("%s", exc)
            break
    return results
