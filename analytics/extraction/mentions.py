"""Text in, mentions out: the extractor's public entry point."""

from __future__ import annotations

import polars as pl

from analytics.extraction.automaton import automaton
from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.matcher import candidate_spans
from analytics.extraction.resolve import resolve_candidates
from analytics.frames import MENTION_SCHEMA, require_columns

# The rows of ``mentions`` (the store inserts these columns as they are), and the
# entity's country, which `mentions extract` prints with each mention.
MENTIONS_OUT_SCHEMA = pl.Schema({**MENTION_SCHEMA, "country": pl.String()})


def extract_mentions(articles: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """Every country and leader mention in a batch of articles.

    Expects article_id, title, text and optionally published_at (Datetime or Date;
    leaders named by surname alone are resolved by it). Returns the columns of the
    ``mentions`` table (``analytics.frames.MENTION_SCHEMA``: article_id, entity_id,
    kind, field ('title' or 'text'), start_pos, end_pos (character offsets into that
    field, end exclusive), surface, form, rule) and the entity's country, sorted by
    article, field and position.
    """
    require_columns(articles, {"article_id", "title", "text"})
    if articles.is_empty():
        return pl.DataFrame(schema=MENTIONS_OUT_SCHEMA)
    published = (
        pl.col("published_at").cast(pl.Date)
        if "published_at" in articles.columns
        else pl.lit(None, pl.Date)
    )
    docs = articles.select(
        "article_id",
        pl.col("title").fill_null(""),
        pl.col("text").fill_null(""),
        published_on=published,
    ).with_row_index("doc")
    fields = pl.concat(
        [
            docs.select("doc", field=pl.lit("title"), value="title"),
            docs.select("doc", field=pl.lit("text"), value="text"),
        ]
    )
    candidates = candidate_spans(fields, automaton(gazetteer))
    mentions = resolve_candidates(
        candidates, docs.select("doc", "published_on", "title", "text"), gazetteer
    )
    # ``doc`` is the article's row: its id is gathered, not joined.
    mentions = mentions.sort("doc", pl.col("field") != "title", "start_pos")
    return (
        mentions.with_columns(
            article_id=docs.get_column("article_id").gather(mentions.get_column("doc"))
        )
        .select(list(MENTIONS_OUT_SCHEMA))
        .cast(dict(MENTIONS_OUT_SCHEMA))  # type: ignore[arg-type]
    )
