"""A report counts its trend window's earlier buckets in SQL (``count_earlier``) and
reads only its period's rows one by one: the same counts, and the same analysis, as
counting every row of the window in polars, whatever the period, the counting policy
and the reader's time zone."""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.form_policy import ALL_FORMS, COUNTRY_FORMS
from analytics.forms import article_entities, counted_rows
from analytics.frequencies import (
    as_datetime,
    entity_frequencies,
    every_for,
    period_bounds,
    top_entities,
)
from analytics.period import (
    BASELINE,
    ROLLING,
    WINDOWS,
    EarlierCounts,
    analyse_period,
    count_earlier,
    rows_from,
    rows_start,
)
from analytics.trends import period_changes, rolling_attention
from analytics.zones import local_times, utc_of
from jobs import report
from jobs.ingest import run_ingest
from jobs.report import ReportRows, read_report_rows, run_report, window_start
from jobs.settings import Settings, SourceConfig, load_settings
from jobs.store.connect import connect
from jobs.store.gazetteer import read_entities
from jobs.store.window import read_window_rows
from tests.store.same_analysis import assert_same_analysis

SENTENCES = [
    "Russia moved troops near the border.",
    "The Russian delegation left early.",
    "Officials in Moscow denied it.",
    "The Kremlin said nothing.",
    "President Vladimir Putin spoke on Tuesday.",
    "France offered to mediate.",
    "Paris called for calm.",
    "President Emmanuel Macron flew to Berlin.",
    "Germany held back.",
    "German exporters worried about gas.",
    "Ukraine asked for help.",
    "Ukrainian farmers planted late.",
    "Officials in Kyiv met diplomats.",
    "The United States sent an envoy.",
    "American officials were cautious.",
    "President Joe Biden called the allies.",
    "Markets were calm.",
    "Rain is expected over the weekend.",
]
FIRST, LAST = date(2021, 1, 1), date(2022, 4, 10)
BURST = (date(2022, 2, 20), date(2022, 3, 10))


def _corpus(path: Path) -> int:
    """Articles every day from FIRST to LAST at hours that cross the day, week and month
    in New York (02:30 UTC is the evening before there), each three to five sentences
    drawn from SENTENCES (Finland in every one during BURST, a spike and a mover, and
    in 3% of the others); every fifth is reprinted an hour later with a word more (a
    story of two), every tenth without its first sentence (a story of two whose
    articles mention different entities)."""
    rng = random.Random(20260105)
    lines = []
    day, n = FIRST, 0
    while day <= LAST:
        for hour in rng.sample([2, 9, 14, 23], k=rng.randint(1, 3)):
            n += 1
            text = " ".join(rng.sample(SENTENCES, k=rng.randint(3, 5)))
            if BURST[0] <= day <= BURST[1] or rng.random() < 0.03:
                text = f"Finland applied to join the alliance. {text}"
            text = f"{text} This is report number {n} of the desk, filed at {hour} hours."
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, minutes=30)
            copies = [(f"a{n}", at)]
            if n % 5 == 0:
                copies.append((f"a{n}-reprint", at + timedelta(hours=1)))
            for article_id, published in copies:
                record = {
                    "id": article_id,
                    "url": f"https://news.example/{article_id}",
                    "title": f"Report {n}",
                    "text": text if published == at else _reprinted(text, n),
                    "published": published.isoformat() + "Z",
                }
                lines.append(json.dumps(record))
        day += timedelta(days=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def _reprinted(text: str, n: int) -> str:
    if n % 10 == 0:
        text = text.split(". ", 1)[1]
    return f"{text} Reprinted."


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("earlier")
    settings = load_settings(
        None, environ={}, db_path=folder / "mentions.duckdb", reports_dir=folder / "reports"
    )
    written = _corpus(folder / "corpus.jsonl")
    result = run_ingest(
        settings, [SourceConfig(name="corpus", location=str(folder / "corpus.jsonl"))]
    )
    assert result.articles_new == written
    return settings


@dataclass(frozen=True)
class Both:
    """A report's rows as the job reads them, and every row of its window."""

    rows: ReportRows
    entity_forms: pl.DataFrame  # every row of the window, in local time
    articles: pl.DataFrame
    arguments: dict[str, Any]  # the rest of analyse_period's arguments


def _both(settings: Settings, period: str, at: date, forms: tuple[str, ...], zone: str) -> Both:
    start, end = period_bounds(period, at)
    trend_start = window_start(period, start)
    first = rows_start(period, trend_start)
    with connect(settings.db_path, read_only=True) as con:
        rows = read_report_rows(con, period, start, end, forms=forms, zone=zone)
        every_row = read_window_rows(con, utc_of(first, zone), utc_of(end, zone))
        entities = read_entities(con)
    return Both(
        rows=rows,
        entity_forms=local_times(every_row.entity_forms, zone),
        articles=local_times(every_row.articles, zone),
        arguments={
            "entities": entities,
            "forms": forms,
            "period": period,
            "start": start,
            "end": end,
            "trend_start": trend_start,
            "top": 5,
        },  # fmt: skip
    )


CASES = [
    ("day", date(2022, 3, 1), COUNTRY_FORMS, "America/New_York"),
    ("week", date(2022, 3, 2), ("name",), "UTC"),
    ("week", date(2022, 3, 2), ALL_FORMS, "America/New_York"),
    ("month", date(2022, 3, 4), COUNTRY_FORMS, "UTC"),
    ("month", date(2022, 3, 4), ALL_FORMS, "America/New_York"),
    ("month", date(2021, 12, 1), ("name", "capital"), "Asia/Tokyo"),
    ("quarter", date(2022, 1, 4), ALL_FORMS, "America/New_York"),
    ("year", date(2022, 1, 4), COUNTRY_FORMS, "Europe/Paris"),
]


@pytest.mark.parametrize(("period", "at", "forms", "zone"), CASES)
def test_the_store_counts_the_earlier_buckets_as_the_rows_do(
    store: Settings, period: str, at: date, forms: tuple[str, ...], zone: str
) -> None:
    both = _both(store, period, at, forms, zone)
    start, trend_start = both.arguments["start"], both.arguments["trend_start"]
    counted = article_entities(counted_rows(both.entity_forms, both.arguments["entities"], forms))
    expected = count_earlier(counted, period=period, start=start, trend_start=trend_start)
    earlier = both.rows.earlier
    for mine, theirs in ((earlier.fine, expected.fine), (earlier.coarse, expected.coarse)):
        assert_frame_equal(mine.sort("bucket", "entity_id"), theirs.sort("bucket", "entity_id"))
    assert earlier.fine.height > 0
    if period != "year":  # a year's window starts before the corpus: no earlier year
        assert earlier.coarse.height > 0
    # Stories of two: fewer stories than articles somewhere, so both are counted.
    assert (earlier.fine["stories"] < earlier.fine["articles"]).any()
    # Only the rows from rows_from travel one by one.
    assert both.rows.entity_forms["published_at"].min() >= as_datetime(rows_from(period, start))
    assert both.rows.entity_forms.height < both.entity_forms.height


@pytest.mark.parametrize(("period", "at", "forms", "zone"), CASES)
def test_the_analysis_with_the_store_s_counts_is_the_analysis_of_every_row(
    store: Settings, period: str, at: date, forms: tuple[str, ...], zone: str
) -> None:
    both = _both(store, period, at, forms, zone)
    by_rows = analyse_period(both.entity_forms, both.articles, **both.arguments)
    by_store = analyse_period(
        both.rows.entity_forms, both.rows.articles, earlier=both.rows.earlier, **both.arguments
    )
    assert by_rows.articles > 0 and by_rows.trend.height > 0
    if BURST[0] <= at <= BURST[1] and period != "day":  # a day has too few articles
        assert by_rows.evidence.height > 0  # the evidence's articles are compared too
    assert_same_analysis(by_store, by_rows)


def test_a_period_with_nothing_before_it_counts_no_earlier_bucket(store: Settings) -> None:
    start, end = period_bounds("week", FIRST)
    with connect(store.db_path, read_only=True) as con:
        rows = read_report_rows(con, "week", start, end, forms=COUNTRY_FORMS, zone="UTC")
    assert rows.earlier.fine.is_empty() and rows.earlier.coarse.is_empty()
    assert rows.earlier.fine.schema == rows.earlier.coarse.schema
    assert rows.entity_forms.height > 0


def test_entities_gone_from_the_gazetteer_count_as_the_rows_do(
    store: Settings, tmp_path: Path
) -> None:
    """A mention of an entity no longer in ``entities`` is left out by both, and a leader's
    mentions still count for a country no longer there (named by its id)."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(store.db_path, copy)
    with connect(copy) as con:
        [(leader,)] = con.execute(
            "SELECT entity_id FROM entities WHERE name LIKE '%Biden%'"
        ).fetchall()
        con.execute("DELETE FROM entities WHERE entity_id IN ($leader, 'FRA')", {"leader": leader})
        # Biden is gone but his mentions stay stored; Macron's country is gone.
        [(stored,)] = con.execute(
            "SELECT count(*) FROM mentions WHERE entity_id = $leader", {"leader": leader}
        ).fetchall()
        assert stored > 0
    moved = replace(store, db_path=copy)
    both = _both(moved, "month", date(2022, 3, 4), ALL_FORMS, "UTC")
    counted = article_entities(
        counted_rows(both.entity_forms, both.arguments["entities"], ALL_FORMS)
    )
    start, trend_start = both.arguments["start"], both.arguments["trend_start"]
    expected = count_earlier(counted, period="month", start=start, trend_start=trend_start)
    earlier = both.rows.earlier
    for mine, theirs in ((earlier.fine, expected.fine), (earlier.coarse, expected.coarse)):
        assert_frame_equal(mine.sort("bucket", "entity_id"), theirs.sort("bucket", "entity_id"))
    france = earlier.coarse.filter(pl.col("entity_id") == "FRA")
    assert france.height > 0 and set(france["name"]) == {"FRA"}
    assert leader not in set(earlier.coarse["entity_id"])


def test_a_report_reads_one_snapshot_while_another_connection_commits(
    store: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The period's rows, the earlier buckets' counts and the evidence are read in one
    transaction: every mention deleted by another connection between two of those reads
    is still counted, as it was when the report began."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(store.db_path, copy)
    settings = replace(store, db_path=copy, reports_dir=tmp_path / "reports")
    start, end = period_bounds("month", date(2022, 3, 4))
    with connect(copy, read_only=True) as con:
        before = read_report_rows(
            con, "month", start, end, forms=settings.forms, zone=settings.timezone
        )
    real, seen = report.count_earlier, []

    def deleted_meanwhile(con: duckdb.DuckDBPyConnection, *args: Any) -> EarlierCounts:
        with con.cursor() as other:  # another connection to the same database
            other.execute("DELETE FROM mentions")
        seen.append(real(con, *args))
        return seen[-1]

    monkeypatch.setattr(report, "count_earlier", deleted_meanwhile)
    result = run_report(settings, "month", start, now=datetime(2022, 4, 2))
    assert len(seen) == 1 and seen[0].fine.height > 0
    for mine, theirs in (
        (seen[0].fine, before.earlier.fine),
        (seen[0].coarse, before.earlier.coarse),
    ):
        assert_frame_equal(mine, theirs, check_row_order=False)
    assert result.articles > 0
    with connect(copy, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM mentions").fetchall() == [(0,)]


@pytest.mark.parametrize(("period", "at", "forms", "zone"), CASES)
def test_the_trend_and_the_changes_are_every_row_counted_directly(
    store: Settings, period: str, at: date, forms: tuple[str, ...], zone: str
) -> None:
    """Independently of how the earlier buckets are cut: the trend is every row of the
    window counted at the grain, and the changes and the window's top entities every row
    from the trend window's start counted by period, as the analysis counted them before
    the store did."""
    both = _both(store, period, at, forms, zone)
    args = both.arguments
    start, end, trend_start = args["start"], args["end"], args["trend_start"]
    analysis = analyse_period(
        both.rows.entity_forms, both.rows.articles, earlier=both.rows.earlier, **args
    )
    counted = article_entities(counted_rows(both.entity_forms, args["entities"], forms))
    _, grain = WINDOWS[period]
    every = every_for(grain)
    grained = entity_frequencies(
        counted, both.articles, every, rows_start(period, trend_start), end
    )
    first_bucket = pl.lit(trend_start).dt.truncate(every)
    trend = rolling_attention(grained, ROLLING.get(grain, 1)).filter(
        pl.col("bucket") >= first_bucket
    )
    assert_frame_equal(analysis.trend, trend)
    in_window = pl.col("published_at") >= as_datetime(trend_start)
    coarse = entity_frequencies(
        counted.filter(in_window),
        both.articles.filter(in_window),
        every_for(period),
        trend_start,
        end,
    )
    assert_frame_equal(analysis.changes, period_changes(coarse, start, BASELINE[period]))
    for kind in ("country", "leader"):  # the whole window's months, its first day included
        expected = top_entities(coarse, kind, args["top"])
        assert_frame_equal(analysis.window_top[kind], expected)
    assert analysis.trend.filter(pl.col("bucket") < start)["articles"].sum() > 0
