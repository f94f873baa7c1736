"""The report job: read one period's rows, analyse them, write charts, pages and a PDF.

Rows are read in one short connection (the window's articles, the period's counts per
article, entity and form, the trend window's earlier buckets counted by the store, and
then only the sentences quoted as evidence); the charts are built on a thread while
the evidence is read, and drawn after the file is closed.
The index page and every report's previous/next links are rewritten whenever a report
is added.
"""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import duckdb
import polars as pl

from analytics.form_policy import describe_forms, parse_forms
from analytics.frequencies import as_datetime, every_for, last_complete_period, period_bounds
from analytics.period import (
    WINDOWS,
    EarlierCounts,
    PeriodAnalysis,
    analyse_period,
    earlier_buckets,
    rows_from,
    rows_start,
)
from analytics.zones import local_of, local_times, utc_of
from jobs.evidence import read_evidence
from jobs.preload import preload, wait_for_preload
from jobs.settings import Settings
from jobs.store.articles import published_range
from jobs.store.connect import DatabaseMissingError, connect, transaction
from jobs.store.gazetteer import read_entities
from jobs.store.periods import list_reports, record_report
from jobs.store.schema import ensure_schema
from jobs.store.window import (
    WindowArticles,
    count_earlier,
    read_keyed_entity_forms,
    read_window_articles,
)
from reports.html import Nav, render_index, render_report, replace_nav
from reports.navigation import PDF_NAME, index_entries, navigation, report_folder
from reports.words import period_label

if TYPE_CHECKING:
    from reports.page import ChartSections

log = logging.getLogger(__name__)

# What drawing a report imports (about 1 s in a fresh process), imported on a thread
# while the report's rows are read and analysed.
DRAWING_MODULES = (
    "reports.page",
    "jobs.report_files",
    "matplotlib.backends.backend_pdf",
    "pikepdf",
)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def gc_paused(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """``func`` run with Python's cyclic garbage collector paused (as it was after).

    A report makes tens of thousands of short-lived objects (matplotlib's artists,
    transforms and ticks) beside the 115,000 its imports leave tracked: each full
    collection walks them all (0.06 s at a time in a month's report) to find little.
    What its figures leave in cycles is collected after."""

    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


class NoDataError(LookupError):
    """There is nothing to report on: no articles stored yet."""


class ReportsFolderTakenError(ValueError):
    """The reports folder already holds another database's reports."""

    def __init__(self, folder: Path, owner: str, db_path: Path) -> None:
        super().__init__(
            f"{folder} holds the reports of {owner}, not of {db_path}; set [reports] dir "
            "(or MENTIONS_REPORTS_DIR) to another folder, or leave it unset for a folder "
            "per database."
        )


OWNER_FILE = ".database"


def claim_reports_folder(folder: Path, db_path: Path) -> None:
    """Make ``folder`` the reports folder of ``db_path``, or raise
    ``ReportsFolderTakenError`` if another database's reports live there: its pages
    would be overwritten and its index rewritten without them."""
    owner = str(db_path.resolve())
    marker = folder / OWNER_FILE
    if marker.is_file():
        recorded = marker.read_text(encoding="utf-8").strip()
        if recorded and recorded != owner:
            raise ReportsFolderTakenError(folder, recorded, db_path)
        return
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text(owner + "\n", encoding="utf-8")


class PeriodAfterDataError(NoDataError):
    """The period starts after the newest stored article: a report would be empty, and
    the newest entry of the index."""

    def __init__(self, period: str, start: date, end: date, newest: date, db_path: Path) -> None:
        super().__init__(
            f"the {period} of {period_label(start, end)} starts after the newest article "
            f"({newest.isoformat()}) in {db_path}; pick an earlier --at"
        )


def partial_note(period: str, start: date, end: date, newest: date) -> str | None:
    """'partial: 4 of 7 days (articles up to 2026-11-26)' when the articles stop before
    the period ends, else None."""
    covered = min(end, newest + timedelta(days=1))
    if covered >= end:
        return None
    return (
        f"This {period} is partial: {(covered - start).days} of {(end - start).days} days "
        f"(articles up to {newest.isoformat()})."
    )


@dataclass(frozen=True)
class ReportResult:
    """Where a report was written and for which days."""

    path: Path
    period: str
    start_on: date
    end_on: date
    articles: int
    pdf: Path | None = None


def window_start(period: str, start: date) -> date:
    """The first day of the trend window of a report starting on ``start``."""
    count, _ = WINDOWS[period]
    unit = every_for(period)[1:]
    start_of_window: date = pl.select(pl.lit(start).dt.offset_by(f"-{count - 1}{unit}")).item()
    return start_of_window


@dataclass(frozen=True)
class ReportRows:
    """What a report's analysis reads (``analyse_period``'s arguments): the period's
    rows one by one, from ``rows_from``, and every article of the trend window, both in
    local time and keyed; the window's earlier buckets counted by the store."""

    entity_forms: pl.DataFrame
    articles: pl.DataFrame
    earlier: EarlierCounts
    window: WindowArticles


def read_report_rows(
    con: duckdb.DuckDBPyConnection,
    period: str,
    start: date,
    end: date,
    *,
    forms: tuple[str, ...],
    zone: str,
) -> ReportRows:
    """The rows of the report of [start, end) in ``zone``, counting ``forms``. Only the
    days from ``rows_from`` travel as rows (a month's: 0.2 M of the trend window's 2.4
    M at a million articles); the store counts the window's earlier buckets."""
    trend_start = window_start(period, start)
    first = rows_start(period, trend_start)
    window = read_window_articles(con, utc_of(first, zone), utc_of(end, zone))
    articles = local_times(window.articles, zone)
    recent = articles.filter(pl.col("published_at") >= as_datetime(rows_from(period, start)))
    entity_forms = read_keyed_entity_forms(con, window, recent["article_id"])
    buckets = earlier_buckets(articles, period=period, start=start, trend_start=trend_start)
    return ReportRows(
        entity_forms=local_times(entity_forms, zone),
        articles=articles,
        earlier=count_earlier(con, window, buckets, forms),
        window=window,
    )


@gc_paused
def run_report(
    settings: Settings,
    period: str | None = None,
    at: date | None = None,
    *,
    now: datetime | None = None,
    latest: bool = False,
    forms: tuple[str, ...] | None = None,
) -> ReportResult:
    """Render the report of the ``period`` holding ``at`` (default: the last complete
    period before ``now``; with ``latest``, the period of the newest article), counting
    country mentions of ``forms`` (default: the settings').

    Periods are days of ``settings.timezone``: ``now`` (naive UTC) and every stored
    published_at are read as that zone's wall clock before anything is bucketed."""
    period = period or settings.default_period
    every_for(period)  # validates the name
    forms = parse_forms(forms) if forms is not None else settings.forms
    now = now or datetime.now(UTC).replace(tzinfo=None)
    zone = settings.timezone
    if not settings.db_path.exists():
        raise DatabaseMissingError(settings.db_path)
    preload(*DRAWING_MODULES)
    # The charts are built on a thread while the evidence is read (DuckDB leaves the
    # interpreter free): they need the analysis, not the evidence. The connection is
    # closed first, then the thread is waited for.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-charts") as charts_pool,
        connect(settings.db_path, timeout=settings.lock_timeout) as con,
    ):
        ensure_schema(con)
        # One snapshot for every read: the period's rows, the earlier buckets' counts and
        # the evidence agree even while an ingest or a re-extraction commits.
        with transaction(con):
            _, stored_newest = published_range(con)
            if stored_newest is None:
                raise NoDataError(f"{settings.db_path} holds no articles yet; run an ingest first")
            newest = local_of(stored_newest, zone)
            if at is None and latest:
                at = newest.date()
            at = at or last_complete_period(period, local_of(now, zone))
            start, end = period_bounds(period, at)
            if start > newest.date():
                raise PeriodAfterDataError(period, start, end, newest.date(), settings.db_path)
            trend_start = window_start(period, start)
            rows = read_report_rows(con, period, start, end, forms=forms, zone=zone)
            entities = read_entities(con)
            analysis = analyse_period(
                rows.entity_forms,
                rows.articles,
                entities,
                forms=forms,
                period=period,
                start=start,
                end=end,
                trend_start=trend_start,
                top=settings.top,
                min_articles=settings.min_articles,
                data_end=newest.date() + timedelta(days=1),
                earlier=rows.earlier,
            )
            charts = charts_pool.submit(_build_charts, analysis, forms, zone)
            evidence = read_evidence(con, rows.window.stored(analysis.evidence), entities, forms)
    from jobs.report_files import write_report_files  # noqa: PLC0415 (preloaded above)
    from reports.page import build_report  # noqa: PLC0415

    reports_dir = settings.reports_folder
    claim_reports_folder(reports_dir, settings.db_path)
    folder = report_folder(reports_dir, period, start)
    undated = rows.articles.filter(
        (pl.col("published_at") >= as_datetime(start)) & (pl.col("date_source") == "ingested")
    ).height
    built = build_report(
        analysis,
        evidence,
        forms=forms,
        undated=undated,
        generated_at=now,
        nav=Nav(period=period),
        timezone=zone,
        notes=[n for n in [partial_note(period, start, end, newest.date())] if n],
        charts=charts.result(),
    )
    pdf = write_report_files(folder, built)
    page = built.page
    del built  # its figures: nothing needs them once written
    path = folder / "index.html"
    path.write_text(render_report(page), encoding="utf-8")
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        record_report(
            con,
            period,
            start,
            end - timedelta(days=1),
            str(path),
            now,
            forms=",".join(forms),
            articles=analysis.articles,
        )
        reports = list_reports(con)
    write_index(reports_dir, reports, now)
    refresh_navigation(reports_dir, reports, period)
    log.info(
        "report %s %s (%s): %d articles -> %s",
        period,
        start,
        describe_forms(forms),
        analysis.articles,
        path,
    )
    return ReportResult(
        path=path,
        period=period,
        start_on=start,
        end_on=end - timedelta(days=1),
        articles=analysis.articles,
        pdf=pdf,
    )


def _build_charts(analysis: PeriodAnalysis, forms: tuple[str, ...], zone: str) -> ChartSections:
    wait_for_preload()
    from reports.page import build_charts  # noqa: PLC0415 (preloaded)

    return build_charts(analysis, forms=forms, timezone=zone)


def refresh_navigation(reports_dir: Path, reports: pl.DataFrame, period: str) -> int:
    """Rewrite the previous/next links of every report page of ``period`` that needs
    it (a new report changes its neighbours' links); return the pages rewritten."""
    rewritten = 0
    for start, nav in navigation(reports, period).items():
        page = report_folder(reports_dir, period, start) / "index.html"
        if not page.is_file():
            log.warning("report page %s is missing; its links were not updated", page)
            continue
        html = page.read_text(encoding="utf-8")
        updated = replace_nav(html, nav)
        if updated != html:
            page.write_text(updated, encoding="utf-8")
            rewritten += 1
    return rewritten


def write_index(reports_dir: Path, reports: pl.DataFrame, now: datetime) -> Path:
    """(Re)write the index page listing every report in the ``reports`` table."""
    with_pdf = {
        (period, start)
        for period, start in reports.select("period", "start_on").rows()
        if (report_folder(reports_dir, period, start) / PDF_NAME).is_file()
    }
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / "index.html"
    path.write_text(render_index(index_entries(reports, with_pdf), now), encoding="utf-8")
    return path
