"""A timeline of chosen entities: per bucket, the articles mentioning each, all articles,
the share and the mentions, exactly as ``mentions chart`` writes its CSV.

Every bucket of the range is a row for every chosen entity (zeros included); a share is
a sum over a sum (smoothing sums numerators and denominators over the window, never
averages shares); a bucket the range does not cover to both ends is flagged partial.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.frames import require_columns
from analytics.frequencies import article_totals, bucket_starts

EVERY = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}
MEASURES = ("share", "articles", "mentions")
MAX_ENTITIES = 12
TIMELINE_COLUMNS = (
    "bucket_start",
    "entity_id",
    "name",
    "articles",
    "total_articles",
    "share",
    "mentions",
    "partial",
)


class TimelineError(ValueError):
    """A timeline that cannot be drawn: a bad range, bucket, measure or entity list."""


def check_request(
    entity_ids: list[str], start: date, end: date, every: str, measure: str = "share"
) -> None:
    """Raise TimelineError naming the problem: ``start`` not before ``end`` (the range is
    [start, end)), an unknown bucket or measure, no entity or more than MAX_ENTITIES."""
    if start >= end:
        raise TimelineError(
            f"the range {start.isoformat()} to {end.isoformat()} is empty or reversed; "
            "--from must be on or before --to"
        )
    if every not in EVERY:
        raise TimelineError(f"unknown bucket {every!r}; use one of {', '.join(EVERY)}")
    if measure not in MEASURES:
        raise TimelineError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if not entity_ids:
        raise TimelineError("name at least one entity")
    if len(set(entity_ids)) > MAX_ENTITIES:
        raise TimelineError(
            f"{len(set(entity_ids))} entities are more than a chart can show; "
            f"name at most {MAX_ENTITIES}"
        )


def timeline_frame(
    article_entities: pl.DataFrame,
    articles: pl.DataFrame,
    entities: pl.DataFrame,
    start: date,
    end: date,
    every: str = "week",
    smooth: int | None = None,
) -> pl.DataFrame:
    """The timeline of ``entities`` (entity_id, name, in the order to show them) over
    [start, end) in ``every`` buckets (day, week, month, quarter, year).

    ``article_entities`` has one row per (article, entity) as counted under the forms
    policy: article_id, entity_id, published_at, mentions. ``articles`` has every
    article of the range: published_at, story_id. With ``smooth`` = N, each bucket's
    counts are the sums over it and the N - 1 buckets before (share = summed articles
    over summed totals), and it is partial when any of them is or when the range
    holds fewer than N - 1 buckets before it. Returns
    TIMELINE_COLUMNS, by bucket, then in the order of ``entities``.
    """
    require_columns(article_entities, {"article_id", "entity_id", "published_at", "mentions"})
    require_columns(entities, {"entity_id", "name"})
    interval = EVERY[every]
    totals = article_totals(articles, interval, start, end).select(
        bucket_start="bucket", total_articles="total_articles"
    )
    counts = (
        article_entities.filter(
            (pl.col("published_at").cast(pl.Date) >= start)
            & (pl.col("published_at").cast(pl.Date) < end)
        )
        .with_columns(bucket_start=pl.col("published_at").cast(pl.Date).dt.truncate(interval))
        .group_by("entity_id", "bucket_start")
        .agg(
            articles=pl.col("article_id").n_unique().cast(pl.Int64),
            mentions=pl.col("mentions").sum().cast(pl.Int64),
        )
    )
    return _timeline(counts, totals, entities, start, end, interval, smooth)


def daily_timeline_frame(
    daily: pl.DataFrame,
    daily_totals: pl.DataFrame,
    entities: pl.DataFrame,
    start: date,
    end: date,
    every: str = "week",
    smooth: int | None = None,
) -> pl.DataFrame:
    """``timeline_frame`` from per-day counts rather than per-article rows: equal to it
    when ``daily`` counts, per day in [start, end) and entity (day, entity_id, articles,
    mentions), what the forms policy counts. An article has one day, so distinct
    articles per day add up to distinct articles per bucket. ``daily_totals`` has day,
    articles for every day of the range with articles."""
    require_columns(daily, {"day", "entity_id", "articles", "mentions"})
    require_columns(daily_totals, {"day", "articles"})
    require_columns(entities, {"entity_id", "name"})
    interval = EVERY[every]
    in_range = (pl.col("day") >= start) & (pl.col("day") < end)
    bucket = pl.col("day").cast(pl.Date).dt.truncate(interval)
    counts = (
        daily.filter(in_range)
        .group_by("entity_id", bucket_start=bucket)
        .agg(pl.col("articles", "mentions").sum().cast(pl.Int64))
    )
    summed = (
        daily_totals.filter(in_range)
        .group_by(bucket_start=bucket)
        .agg(total_articles=pl.col("articles").sum())
    )
    totals = (
        bucket_starts(start, end, interval)
        .alias("bucket_start")
        .to_frame()
        .join(summed, on="bucket_start", how="left")
        .with_columns(pl.col("total_articles").fill_null(0).cast(pl.Int64))
    )
    return _timeline(counts, totals, entities, start, end, interval, smooth)


def _timeline(
    counts: pl.DataFrame,
    totals: pl.DataFrame,
    entities: pl.DataFrame,
    start: date,
    end: date,
    interval: str,
    smooth: int | None,
) -> pl.DataFrame:
    chosen = entities.select("entity_id", "name").unique("entity_id", maintain_order=True)
    order = chosen.with_row_index("_order")
    frame = (
        order.join(totals, how="cross")
        .join(counts, on=["entity_id", "bucket_start"], how="left")
        .with_columns(
            pl.col("articles", "mentions").fill_null(0),
            partial=(pl.col("bucket_start") < start)
            | (pl.col("bucket_start").dt.offset_by(interval) > end),
        )
        .sort("_order", "bucket_start")
    )
    if smooth is not None and smooth > 1:
        frame = frame.with_columns(
            pl.col("articles", "total_articles", "mentions")
            .rolling_sum(smooth, min_samples=1)
            .over("_order"),
            # A window reaching before the range sums fewer buckets: partial too.
            partial=(
                pl.col("partial").cast(pl.Int8).rolling_max(smooth, min_samples=1).over("_order")
                > 0
            )
            | (pl.int_range(pl.len()).over("_order") < smooth - 1),
        )
    return (
        frame.with_columns(
            share=pl.when(pl.col("total_articles") > 0)
            .then(pl.col("articles") / pl.col("total_articles"))
            .otherwise(0.0)
        )
        .sort("bucket_start", "_order")
        .select(TIMELINE_COLUMNS)
    )
