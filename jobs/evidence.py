"""Read what the evidence section quotes: the sentences around counted mentions.

Only the chosen articles' mention offsets leave the store, then only a window of
text around the first few counted mentions of each (article, entity): whole texts
(transcripts run to 100,000 characters) stay in DuckDB.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl

from analytics.evidence import Evidence, snippets
from analytics.forms import counted_rows
from jobs.store.articles import (
    EVER,
    read_article_cards,
    read_mention_windows,
    read_mentions_of,
)

WINDOW_CHARS = 400
MENTIONS_PER_ARTICLE = 8
SENTENCES_PER_ARTICLE = 2


def _published_bounds(chosen: pl.DataFrame) -> tuple[datetime, datetime]:
    """Bounds of the stored (UTC) published_at of the chosen articles, whose times may
    be a report zone's wall clock: a day's margin either side covers every zone
    (UTC-12 to UTC+14)."""
    times = chosen["published_at"].drop_nulls() if "published_at" in chosen.columns else None
    if times is None or times.is_empty():
        return EVER
    first, last = times.min(), times.max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    margin = timedelta(days=1)
    try:
        return first.replace(tzinfo=None) - margin, last.replace(tzinfo=None) + margin
    except OverflowError:  # a day from the ends of the calendar
        return EVER


def read_evidence(
    con: duckdb.DuckDBPyConnection,
    chosen: pl.DataFrame,
    entities: pl.DataFrame,
    forms: tuple[str, ...],
) -> Evidence:
    """The cards and sentences for the articles of ``evidence_articles``, counting
    mentions under the same ``forms`` as the numbers they explain."""
    ids = chosen["article_id"].unique().sort().to_list()
    published = _published_bounds(chosen)
    cards = read_article_cards(con, ids, published).select(
        "article_id", "url", "title", "source_id"
    )
    articles = chosen.join(cards, on="article_id", how="left", maintain_order="left")
    wanted = chosen.select("article_id", "entity_id").unique()
    counted = (
        counted_rows(read_mentions_of(con, ids, published), entities, forms)
        .join(wanted, on=["article_id", "entity_id"], how="semi")
        .sort("article_id", "entity_id", pl.col("field") != "text", "start_pos")
        .with_columns(n=pl.int_range(pl.len()).over("article_id", "entity_id"))
        .filter(pl.col("n") < MENTIONS_PER_ARTICLE)
        .select("article_id", "entity_id", "field", "start_pos", "end_pos")
    )
    windows = read_mention_windows(con, counted, WINDOW_CHARS, published)
    located = counted.join(windows, on=["article_id", "field", "start_pos", "end_pos"], how="left")
    return Evidence(articles=articles, sentences=snippets(located, SENTENCES_PER_ARTICLE))
