"""Everything one period's report shows, computed as frames from the stored rows.

The report job reads rows from the store for the trend window (which covers the
period, the previous period and the trailing baseline), and this module turns them
into the numbers behind every chart and table; nothing here draws or writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from analytics.comentions import comention_matrix, comention_pairs, strongest_pairs
from analytics.evidence import evidence_articles
from analytics.forms import article_entities, counted_rows, form_split
from analytics.frequencies import (
    as_datetime,
    bucket_counts,
    entity_frequencies,
    every_for,
    top_entities,
)
from analytics.trends import (
    largest_changes,
    movers,
    period_changes,
    rolling_attention,
    spikes,
)

# How far back each report looks (in periods), at what grain its trend charts are
# drawn, how many grain buckets a rolling average spans, how many periods make the
# trailing baseline movers are measured against, and how many grain buckets before
# a bucket a spike is measured against. A quarter is seen over two years of weeks
# against the year before it; a year over five years of months against the three
# before it (a longer baseline would mostly measure how the sources changed).
WINDOWS = {
    "day": (30, "day"),
    "week": (12, "day"),
    "month": (12, "week"),
    "quarter": (8, "week"),
    "year": (5, "month"),
}
ROLLING = {"day": 7, "week": 1}
BASELINE = {"day": 28, "week": 8, "month": 6, "quarter": 4, "year": 3}
SPIKE_WINDOW = {"day": 7, "week": 4, "month": 6}
HEATMAP = {"country": 8, "leader": 4}
EVIDENCE_SPIKES = 6
EVIDENCE_ARTICLES = 3


@dataclass(frozen=True)
class PeriodAnalysis:
    """The frames of one report. Shares are of all articles of the bucket or period."""

    period: str
    grain: str
    start: date
    end: date
    trend_start: date
    articles: int
    stories: int
    counted: pl.DataFrame
    trend: pl.DataFrame
    changes: pl.DataFrame
    movers: pl.DataFrame
    movers_shown: pl.DataFrame
    spikes: pl.DataFrame
    top: dict[str, pl.DataFrame]
    pairs: pl.DataFrame
    strongest: pl.DataFrame
    matrix: pl.DataFrame
    forms: pl.DataFrame
    world: pl.DataFrame
    targets: pl.DataFrame
    evidence: pl.DataFrame
    data_end: date | None = None
    # The top entities of the whole trend window (for a period where none reaches
    # min_articles, the attention chart shows these instead of nothing).
    window_top: dict[str, pl.DataFrame] = field(default_factory=dict)
    min_articles: int = 1

    @property
    def rolling(self) -> int:
        """Grain buckets in the trend charts' rolling average (1: none)."""
        return ROLLING.get(self.grain, 1)


def rows_start(period: str, trend_start: date) -> date:
    """The first day of the rows a report reads: the trend window's first day, less the
    days before it that the window's first rolling average spans (a 7-day average of
    the window's first day covers the six before it)."""
    _, grain = WINDOWS[period]
    lead = ROLLING.get(grain, 1) - 1
    if lead == 0:
        return trend_start
    unit = every_for(grain)[1:]
    first: date = pl.select(pl.lit(trend_start).dt.offset_by(f"-{lead}{unit}")).item()
    return first


def rows_from(period: str, start: date) -> date:
    """The first day whose rows the analysis of the period starting on ``start`` reads
    one by one when ``EarlierCounts`` are handed in: the start of the grain's bucket
    holding ``start`` (a month's trend is weekly, and the week holding its first day may
    start in the month before: its stories are counted from rows, not added up)."""
    _, grain = WINDOWS[period]
    first: date = pl.select(pl.lit(start).dt.truncate(every_for(grain))).item()
    return first


@dataclass(frozen=True)
class EarlierCounts:
    """The trend window's buckets before the rows the analysis reads one by one, counted
    already (by the store, in SQL, where a year of rows need not travel). Both have
    ``bucket_counts``' columns under the counting policy: ``fine`` at the trend's grain,
    of the rows from ``rows_start`` to ``rows_from``; ``coarse`` by period, of the rows
    from the trend window's start to the period's."""

    fine: pl.DataFrame
    coarse: pl.DataFrame


def earlier_buckets(
    articles: pl.DataFrame, *, period: str, start: date, trend_start: date
) -> pl.DataFrame:
    """Which earlier bucket each article of the window counts in: article_id, fine (its
    bucket at the trend's grain, or null from ``rows_from`` on) and coarse (its period,
    or null before ``trend_start`` and from ``start`` on), for the articles in one of them.
    ``articles`` has article_id and published_at (as the report buckets it: local time).
    The store counts the mentions of these articles by these buckets
    (``jobs.store.window.count_earlier``)."""
    _, grain = WINDOWS[period]
    day = pl.col("published_at").cast(pl.Date)
    return articles.select(
        "article_id",
        fine=pl.when(day < rows_from(period, start)).then(day.dt.truncate(every_for(grain))),
        coarse=pl.when((day >= trend_start) & (day < start)).then(
            day.dt.truncate(every_for(period))
        ),
    ).filter(pl.col("fine").is_not_null() | pl.col("coarse").is_not_null())


def count_earlier(
    article_entities: pl.DataFrame, *, period: str, start: date, trend_start: date
) -> EarlierCounts:
    """``EarlierCounts`` from counted rows (``article_entities``' columns) of the window
    (the same the store counts in SQL)."""
    _, grain = WINDOWS[period]
    buckets = earlier_buckets(
        article_entities.select("article_id", "published_at").unique("article_id"),
        period=period,
        start=start,
        trend_start=trend_start,
    )
    rows = article_entities.join(buckets, on="article_id")

    def counts(column: str, every: str) -> pl.DataFrame:
        chosen = rows.filter(pl.col(column).is_not_null())
        return bucket_counts(chosen.with_columns(published_at=pl.col(column)), every)

    return EarlierCounts(
        fine=counts("fine", every_for(grain)), coarse=counts("coarse", every_for(period))
    )


def analyse_period(
    entity_forms: pl.DataFrame,
    articles: pl.DataFrame,
    entities: pl.DataFrame,
    *,
    forms: tuple[str, ...],
    period: str,
    start: date,
    end: date,
    trend_start: date,
    top: int,
    min_articles: int = 1,
    data_end: date | None = None,
    earlier: EarlierCounts | None = None,
) -> PeriodAnalysis:
    """The analysis of the period [start, end) with the trend window from trend_start.

    ``entity_forms`` has one row per (article, entity, form) from ``rows_start(period,
    trend_start)`` to ``end`` (or, with ``earlier``, from ``rows_from(period, start)``;
    earlier rows are then left out): article_id, entity_id, kind, country,
    published_at, story_id, form, mentions (names come from ``entities``).
    ``articles`` has every article from ``rows_start`` to ``end`` (article_id,
    published_at, story_id); the days before trend_start only feed the first rolling
    averages of the trend. ``entities`` has entity_id, kind, name, country. ``forms`` is
    the counting policy (see ``analytics.forms``). Top lists hold entities in at least
    ``min_articles`` articles of the period; ``data_end`` is the day after the newest
    article (buckets past it are partial). ``earlier`` holds the buckets before
    ``rows_from`` counted under ``forms`` (default: counted here, from the rows).
    Article and story ids may be strings or integer keys (the report job passes keys,
    ``jobs.store.window``, which group faster); articles tied in the evidence are taken
    in the order of their ids.
    """
    _, grain = WINDOWS[period]
    every = every_for(grain)
    all_counted = article_entities(counted_rows(entity_forms, entities, forms))
    if earlier is None:
        earlier = count_earlier(all_counted, period=period, start=start, trend_start=trend_start)
    recent = all_counted.filter(pl.col("published_at") >= as_datetime(rows_from(period, start)))
    in_window = pl.col("published_at") >= as_datetime(trend_start)
    first_bucket = pl.lit(trend_start).dt.truncate(every)  # may start before the window
    # One count at the grain serves the trend (whose rolling averages reach back to
    # rows_start) and, from the window's first bucket on, the spikes.
    grained = entity_frequencies(
        recent, articles, every, rows_start(period, trend_start), end, counted=earlier.fine
    )
    trend = rolling_attention(grained, ROLLING.get(grain, 1)).filter(
        pl.col("bucket") >= first_bucket
    )
    fine = _seen_from(grained, first_bucket)
    articles = articles.filter(in_window)
    since = pl.col("published_at") >= as_datetime(start)
    entity_forms = entity_forms.filter(since)
    period_articles = articles.filter(since)
    period_counted = recent.filter(since).sort("published_at", "article_id", "entity_id")
    total = period_articles.height

    coarse = entity_frequencies(
        period_counted, articles, every_for(period), trend_start, end, counted=earlier.coarse
    )
    changes = period_changes(coarse, start, BASELINE[period])
    current = coarse.filter(pl.col("bucket") == start)
    change_columns = [
        "entity_id",
        "previous_share",
        "change_previous",
        "z_previous",
        "baseline_share",
        "ratio_baseline",
        "z_baseline",
        "mover",
    ]
    tops = {
        kind: top_entities(current, kind, top, min_articles=min_articles).join(
            changes.select(change_columns), on="entity_id", how="left", maintain_order="left"
        )
        for kind in ("country", "leader")
    }
    window_top = {
        kind: top_entities(coarse, kind, top, min_articles=min_articles)
        for kind in ("country", "leader")
    }
    found_spikes = (
        spikes(fine, start, end, SPIKE_WINDOW[grain])
        if grain != period
        else fine.clear().select("entity_id", "kind", "name", "bucket")
    )
    if grain != period:
        found_spikes = found_spikes.head(EVIDENCE_SPIKES)

    pairs = comention_pairs(period_counted, total)
    home = entities.select("entity_id", "country")
    strongest = strongest_pairs(pairs, top, countries=home)
    heat_ids = [
        e
        for kind, n in HEATMAP.items()
        for e in top_entities(current, kind, n, min_articles=min_articles)["entity_id"].to_list()
    ]
    matrix = comention_matrix(period_counted, heat_ids, total)
    split = form_split(entity_forms, tops["country"]["entity_id"].to_list(), forms, total)
    world = (
        current.filter(pl.col("kind") == "country")
        .select("entity_id", "name", "articles", "mentions", "share")
        .sort(["articles", "entity_id"], descending=[True, False])
    )
    found_movers = movers(changes, top)
    targets = _targets(found_movers, found_spikes, start, end, grain, period)
    evidence = evidence_articles(period_counted, targets, EVIDENCE_ARTICLES)
    return PeriodAnalysis(
        period=period,
        grain=grain,
        start=start,
        end=end,
        trend_start=trend_start,
        articles=total,
        stories=period_articles["story_id"].n_unique(),
        counted=period_counted,
        trend=trend,
        changes=changes,
        movers=found_movers,
        movers_shown=found_movers if found_movers.height else largest_changes(changes, top),
        spikes=found_spikes,
        top=tops,
        pairs=pairs,
        strongest=strongest,
        matrix=matrix,
        forms=split,
        world=world,
        targets=targets,
        evidence=evidence,
        data_end=data_end,
        window_top=window_top,
        min_articles=min_articles,
    )


def _seen_from(frequencies: pl.DataFrame, first_bucket: pl.Expr) -> pl.DataFrame:
    """The rows of ``frequencies`` from ``first_bucket`` on, of the entities in an
    article there: the frequencies of the rows published from that bucket on. (The
    rows before the trend window only reach into a bucket of their own: they exist
    where the grain is a day.)"""
    shown = frequencies.filter(pl.col("bucket") >= first_bucket)
    return shown.filter(pl.col("articles").sum().over("entity_id") > 0)


TARGET_SCHEMA: dict[str, pl.DataType] = {
    "target_id": pl.Int64(),
    "entity_id": pl.String(),
    "name": pl.String(),
    "kind": pl.String(),
    "reason": pl.String(),
    "start_at": pl.Datetime("us"),
    "end_at": pl.Datetime("us"),
    "share": pl.Float64(),
    "baseline_share": pl.Float64(),
    "z": pl.Float64(),
}


def _targets(
    found_movers: pl.DataFrame,
    found_spikes: pl.DataFrame,
    start: date,
    end: date,
    grain: str,
    period: str,
) -> pl.DataFrame:
    """What needs evidence: each rising mover over the whole period, then each spike
    over its bucket (cut to the period)."""
    rising = found_movers.filter(pl.col("mover") == "rising").select(
        "entity_id",
        "name",
        "kind",
        reason=pl.lit("mover"),
        start_at=pl.lit(as_datetime(start)),
        end_at=pl.lit(as_datetime(end)),
        share="share",
        baseline_share="baseline_share",
        z="z_baseline",
    )
    parts = [rising]
    if grain != period and not found_spikes.is_empty():
        parts.append(
            found_spikes.select(
                "entity_id",
                "name",
                "kind",
                reason=pl.lit("spike"),
                start_at=pl.col("bucket").cast(pl.Datetime("us")),
                end_at=pl.min_horizontal(
                    pl.col("bucket").dt.offset_by(every_for(grain)).cast(pl.Datetime("us")),
                    pl.lit(as_datetime(end)),
                ),
                share="share",
                baseline_share="baseline_share",
                z="z",
            )
        )
    frame = pl.concat([p.cast({"start_at": pl.Datetime("us")}) for p in parts], how="vertical")
    return (
        frame.with_row_index("target_id")
        .cast({"target_id": pl.Int64})
        .select(list(TARGET_SCHEMA))
        .cast(pl.Schema(TARGET_SCHEMA))
    )
