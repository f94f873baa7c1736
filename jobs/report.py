"""The report job: read one period's rows, compute frequencies, write charts and pages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from analytics.frequencies import (
    as_datetime,
    entity_frequencies,
    every_for,
    period_bounds,
    top_entities,
)
from jobs.db import connect, ensure_schema
from jobs.settings import Settings
from jobs.store import (
    list_reports,
    published_range,
    read_article_entities,
    read_articles,
    record_report,
)
from reports.charts import attention_chart, save_chart, top_entities_chart
from reports.html import Chart, IndexEntry, ReportPage, Table, render_index, render_report

log = logging.getLogger(__name__)

# How far back the "over time" charts of each report look, and at what grain.
WINDOWS = {"day": (30, "day"), "week": (12, "day"), "month": (12, "week")}
KIND_TITLES = {"country": "Countries", "leader": "Leaders"}


class NoDataError(LookupError):
    """There is nothing to report on: no articles stored yet."""


@dataclass(frozen=True)
class ReportResult:
    """Where a report was written and for which days."""

    path: Path
    period: str
    start_on: date
    end_on: date
    articles: int


def last_complete_period(period: str, now: datetime) -> date:
    """A day inside the last period that ended before ``now``."""
    start, _ = period_bounds(period, now.date())
    return start - timedelta(days=1)


def window_start(period: str, start: date) -> date:
    """The first day of the trend window of a report starting on ``start``."""
    count, _ = WINDOWS[period]
    unit = every_for(period)[1:]
    start_of_window: date = pl.select(pl.lit(start).dt.offset_by(f"-{count - 1}{unit}")).item()
    return start_of_window


def run_report(
    settings: Settings,
    period: str | None = None,
    at: date | None = None,
    *,
    now: datetime | None = None,
    latest: bool = False,
) -> ReportResult:
    """Render the report of the ``period`` holding ``at`` (default: the last complete
    period before ``now``; with ``latest``, the period of the newest article)."""
    period = period or settings.default_period
    every_for(period)  # validates the name
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        ensure_schema(con)
        if at is None and latest:
            _, newest = published_range(con)
            if newest is None:
                raise NoDataError(f"{settings.db_path} holds no articles yet; run an ingest first")
            at = newest.date()
        at = at or last_complete_period(period, now)
        start, end = period_bounds(period, at)
        trend_start = window_start(period, start)
        article_entities = read_article_entities(con, as_datetime(trend_start), as_datetime(end))
        articles = read_articles(con, as_datetime(trend_start), as_datetime(end))
        reports = list_reports(con)
    folder = settings.reports_dir / period / start.isoformat()
    page = _build_page(
        folder,
        period,
        start,
        end,
        trend_start,
        article_entities,
        articles,
        reports,
        settings.top,
        now,
    )
    path = folder / "index.html"
    path.write_text(render_report(page), encoding="utf-8")
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        record_report(con, period, start, end - timedelta(days=1), str(path), now)
        reports = list_reports(con)
    write_index(settings.reports_dir, reports, now)
    log.info("report %s %s: %d articles -> %s", period, start, page.articles, path)
    return ReportResult(
        path=path,
        period=period,
        start_on=start,
        end_on=end - timedelta(days=1),
        articles=page.articles,
    )


def _build_page(
    folder: Path,
    period: str,
    start: date,
    end: date,
    trend_start: date,
    article_entities: pl.DataFrame,
    articles: pl.DataFrame,
    reports: pl.DataFrame,
    top_n: int,
    now: datetime,
) -> ReportPage:
    folder.mkdir(parents=True, exist_ok=True)
    _, grain = WINDOWS[period]
    trend = entity_frequencies(article_entities, articles, every_for(grain), trend_start, end)
    in_period = entity_frequencies(
        article_entities.filter(pl.col("published_at") >= as_datetime(start)),
        articles.filter(pl.col("published_at") >= as_datetime(start)),
        every_for(period),
        start,
        end,
    )
    charts: list[Chart] = []
    tables: list[Table] = []
    for kind, what in KIND_TITLES.items():
        top = top_entities(in_period, kind, top_n)
        ids = top["entity_id"].to_list()
        fig = attention_chart(
            trend, ids, what=f"Top {what.lower()}", bucket_name=grain, start=trend_start, end=end
        )
        stem = f"attention-{kind}"
        save_chart(fig, folder / f"{stem}.png")
        trend.filter(pl.col("entity_id").is_in(ids)).write_csv(folder / f"{stem}.csv")
        names = ", ".join(top["name"].to_list()) or "none"
        charts.append(
            Chart(
                image=f"{stem}.png",
                csv=f"{stem}.csv",
                title=f"{what} over time: share of articles mentioning each, per {grain}",
                alt=(
                    f"Line chart of the share of articles mentioning each of the top {len(ids)} "
                    f"{what.lower()} of the {period} per {grain} from {trend_start} to "
                    f"{end - timedelta(days=1)}: {names}."
                ),
            )
        )
        fig = top_entities_chart(top, what=what, start=start, end=end)
        stem = f"top-{kind}"
        save_chart(fig, folder / f"{stem}.png")
        top.write_csv(folder / f"{stem}.csv")
        charts.append(
            Chart(
                image=f"{stem}.png",
                csv=f"{stem}.csv",
                title=f"Top {what.lower()} of the {period}: articles mentioning each",
                alt=(
                    f"Bar chart of the articles mentioning each of the top {what.lower()}: {names}."
                ),
            )
        )
        tables.append(
            Table(
                title=f"Top {what.lower()} of the {period}",
                columns=["name", "articles", "share of articles", "mentions", "stories"],
                rows=[
                    [r["name"], r["articles"], f"{r['share']:.1%}", r["mentions"], r["stories"]]
                    for r in top.iter_rows(named=True)
                ],
                csv=f"{stem}.csv",
            )
        )
    period_articles = articles.filter(pl.col("published_at") >= as_datetime(start))
    previous, following = _neighbours(reports, period, start)
    return ReportPage(
        period=period,
        start_on=start,
        end_on=end - timedelta(days=1),
        generated_at=now,
        articles=period_articles.height,
        stories=period_articles["story_id"].n_unique(),
        undated_articles=period_articles.filter(pl.col("date_source") == "ingested").height,
        charts=charts,
        tables=tables,
        previous=previous,
        next=following,
    )


def _neighbours(reports: pl.DataFrame, period: str, start: date) -> tuple[str | None, str | None]:
    same = reports.filter(pl.col("period") == period).sort("start_on")
    before = same.filter(pl.col("start_on") < start)
    after = same.filter(pl.col("start_on") > start)
    previous = f"../{before['start_on'][-1].isoformat()}/index.html" if before.height else None
    following = f"../{after['start_on'][0].isoformat()}/index.html" if after.height else None
    return previous, following


def write_index(reports_dir: Path, reports: pl.DataFrame, now: datetime) -> Path:
    """(Re)write the index page listing every report in the ``reports`` table."""
    entries = [
        IndexEntry(
            period=r["period"],
            start_on=r["start_on"],
            end_on=r["end_on"],
            href=f"{r['period']}/{r['start_on'].isoformat()}/index.html",
            created_at=r["created_at"],
        )
        for r in reports.iter_rows(named=True)
    ]
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / "index.html"
    path.write_text(render_index(entries, now), encoding="utf-8")
    return path
