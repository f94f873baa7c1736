"""The report's rows with integer keys (``read_window_rows``): the same rows as the
stored ids give, keys that sort as the ids do, and the same analysis."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.frequencies import as_datetime, period_bounds
from analytics.period import PeriodAnalysis, analyse_period, rows_start
from jobs.report import window_start
from jobs.settings import Settings
from jobs.store.articles import read_articles, read_entity_forms
from jobs.store.connect import connect
from jobs.store.gazetteer import read_entities
from jobs.store.window import WindowRows, read_window_rows
from tests.store.same_analysis import assert_same_analysis

START, END = datetime(2022, 1, 1), datetime(2022, 4, 1)


@pytest.mark.parametrize("undated", [True, False])
def test_keyed_rows_are_the_stored_rows(report_settings: Settings, undated: bool) -> None:
    with connect(report_settings.db_path, read_only=True) as con:
        rows = read_window_rows(con, START, END, include_undated=undated)
        forms = read_entity_forms(con, START, END, include_undated=undated)
        articles = read_articles(con, START, END, include_undated=undated)
    assert rows.entity_forms.columns == forms.columns
    assert rows.articles.columns == articles.columns
    assert rows.entity_forms.schema["article_id"] == pl.Int64
    assert rows.entity_forms.schema["story_id"] == pl.Int64
    assert rows.articles.height == articles.height == 26
    # Keys sort as the stored ids do (the evidence breaks ties by id), one per article.
    assert rows.ids.to_list() == sorted(articles["article_id"].to_list())
    assert rows.articles["article_id"].sort().to_list() == list(range(26))
    # A story key names one stored story, and each stored story has one key.
    pairs = (
        rows.articles.sort("article_id")
        .select(key="story_id")
        .with_columns(stored=articles.sort("article_id")["story_id"])
    )
    assert pairs.unique().height == pairs["key"].n_unique() == pairs["stored"].n_unique()
    assert pairs["stored"].n_unique() < 26  # some articles share a story: keys are shared
    story_of = dict(pairs.unique().iter_rows())
    # With the ids put back, the same rows.
    stored = rows.stored(rows.entity_forms).with_columns(
        pl.col("story_id").replace_strict(story_of, return_dtype=pl.String)
    )
    assert_frame_equal(stored, forms, check_row_order=False)
    assert_frame_equal(
        rows.stored(rows.articles).with_columns(
            pl.col("story_id").replace_strict(story_of, return_dtype=pl.String)
        ),
        articles,
        check_row_order=False,
    )


def _analysis(
    report_settings: Settings, period: str, at: date, keyed: bool
) -> tuple[PeriodAnalysis, WindowRows | None]:
    start, end = period_bounds(period, at)
    trend_start = window_start(period, start)
    first, last = as_datetime(rows_start(period, trend_start)), as_datetime(end)
    with connect(report_settings.db_path, read_only=True) as con:
        entities = read_entities(con)
        rows = read_window_rows(con, first, last) if keyed else None
        forms = rows.entity_forms if rows else read_entity_forms(con, first, last)
        articles = rows.articles if rows else read_articles(con, first, last)
    analysis = analyse_period(
        forms, articles, entities, forms=report_settings.forms, period=period, start=start,
        end=end, trend_start=trend_start, top=report_settings.top, min_articles=1,
    )  # fmt: skip
    return analysis, rows


@pytest.mark.parametrize("period", ["week", "month", "quarter"])
def test_the_analysis_of_keyed_rows_is_the_analysis_of_the_ids(
    report_settings: Settings, period: str
) -> None:
    by_ids, _ = _analysis(report_settings, period, date(2022, 3, 4), keyed=False)
    by_keys, rows = _analysis(report_settings, period, date(2022, 3, 4), keyed=True)
    assert rows is not None
    assert by_ids.evidence.height > 0  # the evidence's articles are compared, not nothing

    def stored_ids(name: str, mine: Any, theirs: Any) -> tuple[Any, Any]:
        if name in ("evidence", "counted"):
            mine = rows.stored(mine)
        if name == "counted":  # its story ids are keys; the rest is compared
            mine, theirs = mine.drop("story_id"), theirs.drop("story_id")
        return mine, theirs

    assert_same_analysis(by_keys, by_ids, stored_ids)
