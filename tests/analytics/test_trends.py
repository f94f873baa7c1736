from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.trends import movers, period_changes, rolling_attention, spikes, two_proportion_z


def _freq(entity: str, articles: list[int], totals: list[int], start: int = 1) -> pl.DataFrame:
    n = len(articles)
    return pl.DataFrame(
        {
            "entity_id": [entity] * n,
            "kind": ["country"] * n,
            "name": [entity.title()] * n,
            "bucket": [date(2022, m, 1) for m in range(start, start + n)],
            "mentions": [a * 2 for a in articles],
            "articles": articles,
            "total_articles": totals,
        }
    )


def test_two_proportion_z_matches_a_hand_computation() -> None:
    # 30 of 100 now against 10 of 100 before: pooled p = 0.2,
    # se = sqrt(0.2 * 0.8 * (1/100 + 1/100)) = 0.05657; z = 0.2 / 0.05657 = 3.5355.
    z = pl.select(two_proportion_z(pl.lit(30), pl.lit(100), pl.lit(10), pl.lit(100))).item()
    assert z == pytest.approx(0.2 / math.sqrt(0.2 * 0.8 * 0.02))
    assert z == pytest.approx(3.5355, abs=1e-4)
    same = pl.select(two_proportion_z(pl.lit(0), pl.lit(10), pl.lit(0), pl.lit(50))).item()
    assert same == 0.0
    assert pl.select(two_proportion_z(pl.lit(1), pl.lit(10), pl.lit(0), pl.lit(0))).item() is None


def test_rolling_share_is_sum_over_sum() -> None:
    freq = _freq("RUS", [1, 3, 0], [10, 10, 20])
    rolled = rolling_attention(freq, 2)
    assert rolled["rolling_articles"].to_list() == [1.0, 2.0, 1.5]
    assert rolled["rolling_mentions"].to_list() == [2.0, 4.0, 3.0]
    # window of 2: (1)/(10), (1+3)/(10+10), (3+0)/(10+20) -- not the mean of 0.3 and 0.0
    assert rolled["rolling_share"].to_list() == pytest.approx([0.1, 0.2, 0.1])


def _changes_frame() -> pl.DataFrame:
    # Six months; the last (June) is the period. RUS jumps, CHN falls, GEO is small.
    totals = [100, 100, 100, 100, 100, 100]
    return pl.concat(
        [
            _freq("RUS", [10, 10, 10, 10, 10, 40], totals),
            _freq("CHN", [30, 30, 30, 30, 30, 10], totals),
            _freq("GEO", [0, 0, 0, 0, 0, 3], totals),
        ]
    )


def test_period_changes_against_previous_and_baseline() -> None:
    changes = period_changes(_changes_frame(), date(2022, 6, 1), baseline_periods=4)
    rus = changes.filter(pl.col("entity_id") == "RUS").row(0, named=True)
    assert (rus["articles"], rus["total_articles"], rus["share"]) == (40, 100, 0.4)
    assert (rus["previous_articles"], rus["previous_total"]) == (10, 100)
    assert rus["change_previous"] == pytest.approx(0.3)
    # baseline: Feb..May, 40 of 400 = 0.1; pooled (40+40)/(500) = 0.16
    assert (rus["baseline_articles"], rus["baseline_total"]) == (40, 400)
    assert rus["ratio_baseline"] == pytest.approx(4.0)
    expected_z = 0.3 / math.sqrt(0.16 * 0.84 * (1 / 100 + 1 / 400))
    assert rus["z_baseline"] == pytest.approx(expected_z)
    assert rus["expected"] == pytest.approx(10.0)
    assert rus["mover"] == "rising"
    chn = changes.filter(pl.col("entity_id") == "CHN").row(0, named=True)
    assert chn["mover"] == "falling" and chn["z_baseline"] < -3
    # 3 of 100 after nothing is significant by z but below the minimum count.
    geo = changes.filter(pl.col("entity_id") == "GEO").row(0, named=True)
    assert geo["z_baseline"] > 3
    assert geo["mover"] is None
    assert geo["ratio_baseline"] is None
    assert changes["entity_id"].to_list() == ["RUS", "CHN", "GEO"]


def test_movers_orders_rising_then_falling() -> None:
    changes = period_changes(_changes_frame(), date(2022, 6, 1), baseline_periods=4)
    assert movers(changes)["entity_id"].to_list() == ["RUS", "CHN"]
    assert movers(changes, 0).is_empty()


def test_first_period_has_no_baseline_and_no_movers() -> None:
    changes = period_changes(_freq("RUS", [5], [10]), date(2022, 1, 1), baseline_periods=3)
    row = changes.row(0, named=True)
    assert row["baseline_total"] == 0 and row["z_baseline"] is None and row["mover"] is None


def test_spikes_compare_each_bucket_with_the_buckets_before() -> None:
    freq = _freq("RUS", [2, 2, 2, 2, 12, 2], [100, 100, 100, 100, 100, 100])
    found = spikes(freq, date(2022, 4, 1), date(2022, 7, 1), window=3)
    # May: 12 of 100 against 6 of 300 before; June falls back and is not a spike.
    expected_z = (0.12 - 0.02) / math.sqrt((18 / 400) * (1 - 18 / 400) * (1 / 100 + 1 / 300))
    assert_frame_equal(
        found.select("bucket", "articles", "baseline_share"),
        pl.DataFrame({"bucket": [date(2022, 5, 1)], "articles": [12], "baseline_share": [0.02]}),
    )
    assert found["z"][0] == pytest.approx(expected_z)
