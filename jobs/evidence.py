"""Read what the evidence section quotes: the sentences around counted mentions.

Only the chosen articles' mention offsets leave the store, then only a window of
text around the first few counted mentions of each (article, entity): whole texts
(transcripts run to 100,000 characters) stay in DuckDB.
"""

from __future__ import annotations

import duckdb
import polars as pl

from analytics.evidence import Evidence, snippets
from analytics.forms import counted_rows
from jobs.store.articles import read_article_cards, read_mention_windows, read_mentions_of

WINDOW_CHARS = 400
MENTIONS_PER_ARTICLE = 8
SENTENCES_PER_ARTICLE = 2


def read_evidence(
    con: duckdb.DuckDBPyConnection,
    chosen: pl.DataFrame,
    entities: pl.DataFrame,
    forms: tuple[str, ...],
) -> Evidence:
    """The cards and sentences for the articles of ``evidence_articles``, counting
    mentions under the same ``forms`` as the numbers they explain."""
    ids = chosen["article_id"].unique().sort().to_list()
    cards = read_article_cards(con, ids).select("article_id", "url", "title", "source_id")
    articles = chosen.join(cards, on="article_id", how="left", maintain_order="left")
    wanted = chosen.select("article_id", "entity_id").unique()
    counted = (
        counted_rows(read_mentions_of(con, ids), entities, forms)
        .join(wanted, on=["article_id", "entity_id"], how="semi")
        .sort("article_id", "entity_id", pl.col("field") != "text", "start_pos")
        .with_columns(n=pl.int_range(pl.len()).over("article_id", "entity_id"))
        .filter(pl.col("n") < MENTIONS_PER_ARTICLE)
        .select("article_id", "entity_id", "field", "start_pos", "end_pos")
    )
    windows = read_mention_windows(con, counted, WINDOW_CHARS)
    located = counted.join(windows, on=["article_id", "field", "start_pos", "end_pos"], how="left")
    return Evidence(articles=articles, sentences=snippets(located, SENTENCES_PER_ARTICLE))
