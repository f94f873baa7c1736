"""Change over time: rolling averages, change against the previous period and against
a trailing baseline, and which of those changes are real.

Shares are compared as proportions of articles (an article mentions an entity or it
does not), with a two-proportion z-test: a move from 1 article in 10 to 3 in 12 is
noise, a move from 20 in 200 to 90 in 300 is not. A move also needs a minimum number
of articles behind it, so a handful of articles never makes a mover.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.frames import require_columns

_FREQ_COLUMNS = {"entity_id", "kind", "name", "bucket", "mentions", "articles", "total_articles"}
Z_MIN = 3.0  # two-sided p < 0.003: few false movers when dozens of entities are tested
MIN_ARTICLES = 5


def two_proportion_z(x1: pl.Expr, n1: pl.Expr, x0: pl.Expr, n0: pl.Expr) -> pl.Expr:
    """z of the difference between x1/n1 and x0/n0 with the pooled standard error.

    0 when both proportions are equal (also when both are 0 or 1); null when either
    side has no articles at all.
    """
    pooled = (x1 + x0) / (n1 + n0)
    se = (pooled * (1 - pooled) * (1 / n1 + 1 / n0)).sqrt()
    return (
        pl.when((n1 == 0) | (n0 == 0))
        .then(None)
        .when(se == 0)
        .then(0.0)
        .otherwise((x1 / n1 - x0 / n0) / se)
    )


def _share(articles: pl.Expr, total: pl.Expr) -> pl.Expr:
    return pl.when(total > 0).then(articles / total).otherwise(0.0)


def _share_or_null(articles: pl.Expr, total: pl.Expr) -> pl.Expr:
    """No article at all has no share: null, never a 0% to compare against."""
    return pl.when(total > 0).then(articles / total)


def rolling_attention(frequencies: pl.DataFrame, window: int) -> pl.DataFrame:
    """Trailing averages over ``window`` buckets per entity (fewer at the start).

    Expects entity_id, bucket, mentions, articles, total_articles (every bucket
    present, as ``entity_frequencies`` makes them). Adds rolling_mentions and
    rolling_articles (means per bucket) and rolling_share (articles summed over the
    window divided by total articles summed over it, never a mean of shares; null
    when the window holds no article).
    """
    require_columns(frequencies, _FREQ_COLUMNS)
    return (
        frequencies.sort("entity_id", "bucket")
        .with_columns(
            rolling_mentions=pl.col("mentions")
            .rolling_mean(window, min_samples=1)
            .over("entity_id"),
            rolling_articles=pl.col("articles")
            .rolling_mean(window, min_samples=1)
            .over("entity_id"),
            _a=pl.col("articles").rolling_sum(window, min_samples=1).over("entity_id"),
            _t=pl.col("total_articles").rolling_sum(window, min_samples=1).over("entity_id"),
        )
        .with_columns(rolling_share=_share_or_null(pl.col("_a"), pl.col("_t")))
        .drop("_a", "_t")
        .sort("bucket", "entity_id")
    )


def period_changes(
    frequencies: pl.DataFrame,
    current: date,
    baseline_periods: int,
    *,
    z_min: float = Z_MIN,
    min_articles: int = MIN_ARTICLES,
) -> pl.DataFrame:
    """Each entity's share of articles in the ``current`` bucket against the bucket
    before it and against the ``baseline_periods`` buckets before it (summed).

    Expects one row per entity and bucket at the period's grain (entity_id, kind,
    name, bucket, mentions, articles, total_articles), zero-filled. Returns per
    entity: articles, mentions, total_articles, share; previous_articles,
    previous_total, previous_share (null when the previous bucket holds no article),
    change_previous (share points, null likewise), z_previous;
    baseline_articles, baseline_total, baseline_share, change_baseline,
    ratio_baseline (null when the baseline share is 0), z_baseline; expected (the
    articles the baseline share predicts); and mover: 'rising' when z_baseline >=
    ``z_min`` with at least ``min_articles`` articles now, 'falling' when z_baseline
    <= -``z_min`` with at least ``min_articles`` expected, else null. Sorted by
    articles (descending), then entity_id.
    """
    require_columns(frequencies, _FREQ_COLUMNS)
    earlier = sorted(b for b in frequencies["bucket"].unique().to_list() if b < current)
    baseline = earlier[-baseline_periods:] if baseline_periods > 0 else []
    previous = earlier[-1:]
    keys = ["entity_id", "kind", "name"]

    def summed(buckets: list[date], prefix: str) -> pl.DataFrame:
        return (
            frequencies.filter(pl.col("bucket").is_in(buckets))
            .group_by("entity_id")
            .agg(
                pl.col("articles").sum().alias(f"{prefix}_articles"),
                pl.col("total_articles").sum().alias(f"{prefix}_total"),
            )
        )

    now = frequencies.filter(pl.col("bucket") == current).select(
        *keys, "articles", "mentions", "total_articles"
    )
    a, n = pl.col("articles"), pl.col("total_articles")
    out = (
        now.join(summed(previous, "previous"), on="entity_id", how="left")
        .join(summed(baseline, "baseline"), on="entity_id", how="left")
        .with_columns(
            pl.col("previous_articles", "previous_total", "baseline_articles", "baseline_total")
            .fill_null(0)
            .cast(pl.Int64)
        )
        .with_columns(
            share=_share(a, n),
            previous_share=_share_or_null(pl.col("previous_articles"), pl.col("previous_total")),
            baseline_share=_share_or_null(pl.col("baseline_articles"), pl.col("baseline_total")),
            z_previous=two_proportion_z(
                a, n, pl.col("previous_articles"), pl.col("previous_total")
            ),
            z_baseline=two_proportion_z(
                a, n, pl.col("baseline_articles"), pl.col("baseline_total")
            ),
        )
        .with_columns(
            change_previous=pl.col("share") - pl.col("previous_share"),
            change_baseline=pl.col("share") - pl.col("baseline_share"),
            ratio_baseline=pl.when(pl.col("baseline_share") > 0).then(
                pl.col("share") / pl.col("baseline_share")
            ),
            expected=pl.col("baseline_share") * n,
        )
        .with_columns(
            mover=pl.when((pl.col("z_baseline") >= z_min) & (a >= min_articles))
            .then(pl.lit("rising"))
            .when((pl.col("z_baseline") <= -z_min) & (pl.col("expected") >= min_articles))
            .then(pl.lit("falling"))
        )
    )
    return out.select(
        *keys,
        "articles",
        "mentions",
        "total_articles",
        "share",
        "previous_articles",
        "previous_total",
        "previous_share",
        "change_previous",
        "z_previous",
        "baseline_articles",
        "baseline_total",
        "baseline_share",
        "change_baseline",
        "ratio_baseline",
        "z_baseline",
        "expected",
        "mover",
    ).sort(["articles", "entity_id"], descending=[True, False])


def movers(changes: pl.DataFrame, n: int | None = None) -> pl.DataFrame:
    """The rising movers (strongest first), then the falling ones (strongest first),
    at most ``n`` of each. Expects the frame of ``period_changes``."""
    require_columns(changes, {"mover", "z_baseline", "entity_id"})
    rising = changes.filter(pl.col("mover") == "rising").sort(
        ["z_baseline", "entity_id"], descending=[True, False]
    )
    falling = changes.filter(pl.col("mover") == "falling").sort(["z_baseline", "entity_id"])
    if n is not None:
        rising, falling = rising.head(n), falling.head(n)
    return pl.concat([rising, falling])


def largest_changes(changes: pl.DataFrame, n: int) -> pl.DataFrame:
    """The ``n`` largest changes against the baseline (either way), for a period without
    a significant mover, each marked 'not significant'. Expects ``period_changes``."""
    require_columns(changes, {"change_baseline", "entity_id", "mover"})
    return (
        changes.filter(pl.col("change_baseline").is_not_null())
        .sort([pl.col("change_baseline").abs(), pl.col("entity_id")], descending=[True, False])
        .head(n)
        .with_columns(mover=pl.lit("not significant"))
    )


def spikes(
    frequencies: pl.DataFrame,
    start: date,
    end: date,
    window: int,
    *,
    z_min: float = Z_MIN,
    min_articles: int = MIN_ARTICLES,
) -> pl.DataFrame:
    """Buckets in [start, end) where an entity's share of articles jumps above its
    share over the ``window`` buckets before (summed, the bucket itself excluded).

    Expects the columns of ``entity_frequencies`` at a grain finer than the period,
    every bucket present. Returns entity_id, kind, name, bucket, articles,
    total_articles, share, baseline_share, z for the significant jumps with at least
    ``min_articles`` articles, strongest first.
    """
    require_columns(frequencies, _FREQ_COLUMNS)
    return (
        frequencies.sort("entity_id", "bucket")
        .with_columns(
            _ba=pl.col("articles").shift(1).rolling_sum(window, min_samples=1).over("entity_id"),
            _bt=pl.col("total_articles")
            .shift(1)
            .rolling_sum(window, min_samples=1)
            .over("entity_id"),
        )
        .with_columns(pl.col("_ba", "_bt").fill_null(0))
        .filter((pl.col("bucket") >= start) & (pl.col("bucket") < end))
        .with_columns(
            share=_share(pl.col("articles"), pl.col("total_articles")),
            baseline_share=_share(pl.col("_ba"), pl.col("_bt")),
            z=two_proportion_z(
                pl.col("articles"), pl.col("total_articles"), pl.col("_ba"), pl.col("_bt")
            ),
        )
        .filter((pl.col("z") >= z_min) & (pl.col("articles") >= min_articles))
        .select(
            "entity_id",
            "kind",
            "name",
            "bucket",
            "articles",
            "total_articles",
            "share",
            "baseline_share",
            "z",
        )
        .sort(["z", "entity_id", "bucket"], descending=[True, False, False])
    )
