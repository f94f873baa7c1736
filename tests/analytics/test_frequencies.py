from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.frames import MissingColumnsError
from analytics.frequencies import (
    OverlappingCountsError,
    UnknownPeriodError,
    article_totals,
    bucket_counts,
    entity_frequencies,
    every_for,
    period_bounds,
    rebucket,
    top_entities,
)


def _articles() -> pl.DataFrame:
    # Mon 2022-02-28 .. Sun 2022-03-06 is one ISO week; 2022-03-08 is the next.
    return pl.DataFrame(
        {
            "article_id": ["a1", "a2", "a3", "a4", "a5"],
            "published_at": [
                datetime(2022, 2, 28, 9),
                datetime(2022, 2, 28, 23),
                datetime(2022, 3, 1, 1),
                datetime(2022, 3, 8, 12),
                datetime(2022, 3, 8, 13),
            ],
            "story_id": ["s1", "s1", "s2", "s3", "s4"],
        }
    )


def _article_entities() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "article_id": ["a1", "a2", "a3", "a1", "a4"],
            "entity_id": ["RUS", "RUS", "RUS", "UKR", "UKR"],
            "kind": ["country"] * 5,
            "name": ["Russia", "Russia", "Russia", "Ukraine", "Ukraine"],
            "published_at": [
                datetime(2022, 2, 28, 9),
                datetime(2022, 2, 28, 23),
                datetime(2022, 3, 1, 1),
                datetime(2022, 2, 28, 9),
                datetime(2022, 3, 8, 12),
            ],
            "story_id": ["s1", "s1", "s2", "s1", "s3"],
            "mentions": [3, 1, 2, 1, 4],
        }
    )


def test_daily_frequencies_are_zero_filled() -> None:
    freq = entity_frequencies(
        _article_entities(), _articles(), "1d", date(2022, 2, 28), date(2022, 3, 9)
    )
    assert freq.height == 2 * 9  # two entities x nine days, empty days included
    ukr = freq.filter(pl.col("entity_id") == "UKR").sort("bucket")
    assert ukr["articles"].to_list() == [1, 0, 0, 0, 0, 0, 0, 0, 1]
    rus_day1 = freq.filter((pl.col("entity_id") == "RUS") & (pl.col("bucket") == date(2022, 2, 28)))
    assert rus_day1.select("mentions", "articles", "stories", "total_articles", "share").row(0) == (
        4,
        2,
        1,
        2,
        1.0,
    )


def test_weekly_share_is_sum_over_sum_not_mean_of_daily_shares() -> None:
    freq = entity_frequencies(
        _article_entities(), _articles(), "1w", date(2022, 2, 28), date(2022, 3, 14)
    )
    rus = freq.filter(pl.col("entity_id") == "RUS").sort("bucket")
    # Week 1: 3 of 3 articles mention Russia; week 2: 0 of 2.
    assert rus["share"].to_list() == [1.0, 0.0]
    ukr = freq.filter(pl.col("entity_id") == "UKR").sort("bucket")
    assert ukr["share"].to_list() == [pytest.approx(1 / 3), pytest.approx(1 / 2)]
    # Rebucketing daily counts gives the same weekly shares as bucketing weekly.
    daily = entity_frequencies(
        _article_entities(), _articles(), "1d", date(2022, 2, 28), date(2022, 3, 14)
    )
    weekly = rebucket(daily, "1w")
    assert_frame_equal(
        weekly.select("entity_id", "bucket", "articles", "total_articles", "share").sort(
            "entity_id", "bucket"
        ),
        freq.select("entity_id", "bucket", "articles", "total_articles", "share").sort(
            "entity_id", "bucket"
        ),
    )


def test_article_totals_cover_every_bucket() -> None:
    totals = article_totals(_articles(), "1d", date(2022, 3, 2), date(2022, 3, 4))
    assert totals.to_dicts() == [
        {"bucket": date(2022, 3, 2), "total_articles": 0, "total_stories": 0},
        {"bucket": date(2022, 3, 3), "total_articles": 0, "total_stories": 0},
    ]


def test_top_entities_ranks_by_articles() -> None:
    freq = entity_frequencies(
        _article_entities(), _articles(), "1w", date(2022, 2, 28), date(2022, 3, 14)
    )
    top = top_entities(freq, "country", n=1)
    assert top.select("entity_id", "articles", "mentions").row(0) == ("RUS", 3, 6)
    assert top["share"][0] == pytest.approx(3 / 5)


def test_period_bounds() -> None:
    assert period_bounds("week", date(2022, 3, 2)) == (date(2022, 2, 28), date(2022, 3, 7))
    assert period_bounds("month", date(2022, 3, 31)) == (date(2022, 3, 1), date(2022, 4, 1))
    assert period_bounds("day", date(2022, 3, 31)) == (date(2022, 3, 31), date(2022, 4, 1))
    with pytest.raises(UnknownPeriodError):
        every_for("decade")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (date(2022, 1, 1), (date(2022, 1, 1), date(2022, 4, 1))),
        (date(2022, 3, 31), (date(2022, 1, 1), date(2022, 4, 1))),
        (date(2022, 5, 17), (date(2022, 4, 1), date(2022, 7, 1))),
        (date(2022, 8, 2), (date(2022, 7, 1), date(2022, 10, 1))),
        (date(2022, 12, 31), (date(2022, 10, 1), date(2023, 1, 1))),
    ],
)
def test_quarters_start_on_the_first_of_january_april_july_october(
    at: date, expected: tuple[date, date]
) -> None:
    assert period_bounds("quarter", at) == expected


def test_year_bounds() -> None:
    assert period_bounds("year", date(2022, 3, 1)) == (date(2022, 1, 1), date(2023, 1, 1))
    assert period_bounds("year", date(2024, 12, 31)) == (date(2024, 1, 1), date(2025, 1, 1))


def test_missing_columns_are_named() -> None:
    with pytest.raises(MissingColumnsError, match="story_id"):
        article_totals(pl.DataFrame({"published_at": []}), "1d", date(2022, 1, 1), date(2022, 1, 2))


def test_buckets_counted_elsewhere_join_the_rows_own_and_never_overlap_them() -> None:
    rows, articles = _article_entities(), _articles()
    start, end = date(2022, 2, 28), date(2022, 3, 14)
    every_row = entity_frequencies(rows, articles, "1w", start, end)
    # The first week counted elsewhere (as the store counts a report's earlier weeks),
    # the second from its rows: the same frequencies, stories included.
    first_week = pl.col("published_at") < datetime(2022, 3, 7)
    earlier = bucket_counts(rows.filter(first_week), "1w")
    split = entity_frequencies(
        rows.filter(~first_week), articles, "1w", start, end, counted=earlier
    )
    assert_frame_equal(split, every_row)
    russia = every_row.filter(
        (pl.col("bucket") == date(2022, 2, 28)) & (pl.col("entity_id") == "RUS")
    )
    assert russia.select("articles", "stories").row(0) == (3, 2)  # a1 and a2 are one story
    # A bucket counted both ways would add its stories from two parts: refused.
    with pytest.raises(OverlappingCountsError, match="2022, 2, 28"):
        entity_frequencies(rows, articles, "1w", start, end, counted=earlier)
