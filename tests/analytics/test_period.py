"""The period analysis counts its rows once at the trend's grain: the trend's rolling
averages reach back before the window, the spikes must not. What it shows equals
counting the window's own rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.forms import article_entities, counted_rows
from analytics.frequencies import as_datetime, entity_frequencies, every_for, period_bounds
from analytics.period import (
    EVIDENCE_SPIKES,
    SPIKE_WINDOW,
    WINDOWS,
    analyse_period,
    rows_start,
)
from analytics.trends import spikes
from jobs.report import window_start

ENTITIES = pl.DataFrame(
    {
        "entity_id": ["USA", "RUS", "FRA"],
        "kind": ["country"] * 3,
        "name": ["United States", "Russia", "France"],
        "country": ["USA", "RUS", "FRA"],
    }
)
SPIKE_DAY = date(2022, 6, 15)


def _rows(first: date, end: date, only_before: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Ten articles a day from ``first``: each names the United States, one a day
    Russia (all ten on SPIKE_DAY and the day after), and France is named on the two days before
    ``only_before`` and never again."""
    forms, articles = [], []
    day = first
    while day < end:
        for i in range(10):
            article = f"{day.isoformat()}-{i}"
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=3 + i, minutes=7)
            articles.append((article, at, f"story-{article}"))
            named = ["USA"]
            if i == 0 or SPIKE_DAY <= day <= SPIKE_DAY + timedelta(days=1):
                named.append("RUS")
            if only_before - timedelta(days=2) <= day < only_before and i < 2:
                named.append("FRA")
            forms += [
                (article, e, "country", e, at, f"story-{article}", "name", 1 + i) for e in named
            ]
        day += timedelta(days=1)
    entity_forms = pl.DataFrame(
        forms,
        schema=[
            "article_id",
            "entity_id",
            "kind",
            "country",
            "published_at",
            "story_id",
            "form",
            "mentions",
        ],  # fmt: skip
        orient="row",
    )
    return entity_forms, pl.DataFrame(
        articles, schema=["article_id", "published_at", "story_id"], orient="row"
    )


@pytest.mark.parametrize("period", ["week", "month", "quarter"])  # a day has no spikes
def test_spikes_count_only_the_window_and_the_trend_reaches_before_it(period: str) -> None:
    start, end = period_bounds(period, SPIKE_DAY)
    trend_start = window_start(period, start)
    first = rows_start(period, trend_start)
    entity_forms, articles = _rows(first, end, only_before=trend_start)
    if first == trend_start:  # no rolling average: the rows start with the window
        entity_forms = entity_forms.filter(pl.col("entity_id") != "FRA")
    analysis = analyse_period(
        entity_forms,
        articles,
        ENTITIES,
        forms=("name",),
        period=period,
        start=start,
        end=end,
        trend_start=trend_start,
        top=5,
    )

    in_window = pl.col("published_at") >= as_datetime(trend_start)
    counted = article_entities(counted_rows(entity_forms, ENTITIES, ("name",)))
    _, grain = WINDOWS[period]
    direct = entity_frequencies(
        counted.filter(in_window), articles.filter(in_window), every_for(grain), trend_start, end
    )
    expected = spikes(direct, start, end, SPIKE_WINDOW[grain]).head(EVIDENCE_SPIKES)
    assert_frame_equal(analysis.spikes, expected)
    assert "RUS" in analysis.spikes["entity_id"].to_list()
    assert "FRA" not in analysis.spikes["entity_id"].to_list()
    if first < trend_start:  # France's last days reach the first rolling averages
        shown = analysis.trend.filter(pl.col("entity_id") == "FRA")
        assert shown["share"].sum() == 0 and shown["rolling_share"].head(1).item() > 0
