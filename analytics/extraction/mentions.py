"""Text in, mentions out: the extractor's public entry point."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.extraction.automaton import Automaton, automaton
from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.matcher import candidate_spans
from analytics.extraction.resolve import resolve_candidates
from analytics.frames import MENTION_SCHEMA, require_columns

# The rows of ``mentions`` (the store inserts these columns as they are), and the
# entity's country, which `mentions extract` prints with each mention.
MENTIONS_OUT_SCHEMA = pl.Schema({**MENTION_SCHEMA, "country": pl.String()})

# A batch's texts are matched this many bytes at a time, and the rules run once over all
# their candidates. The rules' cost is in good part fixed, a call's some 165 polars steps
# (about 50 ms), which a large batch pays once; the matching's is not, and its buffers
# (the characters' counts, half the texts' size) are fresh pages past a few tens of MB:
# 400 MB of the benchmark's text in batches of 100 MB, matched whole, took the rules
# 1.84-1.93 s against 2.31-2.35 in batches of 32 MB, and the matching 3.23-3.35 against
# 2.98-3.08.
MATCH_SLICE_BYTES = 32_000_000


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
    candidates = _candidates(docs, automaton(gazetteer))
    mentions = resolve_candidates(
        candidates, docs.select("doc", "published_on", "title", "text"), gazetteer
    )
    mentions = mentions.sort(_order(mentions))
    # ``doc`` is the article's row: its id is gathered, not joined.
    return (
        mentions.with_columns(
            article_id=docs.get_column("article_id").gather(mentions.get_column("doc"))
        )
        .select(list(MENTIONS_OUT_SCHEMA))
        .cast(dict(MENTIONS_OUT_SCHEMA))  # type: ignore[arg-type]
    )


def _candidates(docs: pl.DataFrame, machine: Automaton) -> pl.DataFrame:
    """The candidates of every title and text in ``docs`` (``matcher.candidate_spans``),
    matched a slice of articles at a time (about MATCH_SLICE_BYTES of text each), in one
    chunk."""
    sizes = docs.select(
        pl.col("title").str.len_bytes().cast(pl.Int64) + pl.col("text").str.len_bytes()
    ).to_series()
    ends = np.cumsum(sizes.to_numpy())
    cuts = np.searchsorted(ends, np.arange(MATCH_SLICE_BYTES, ends[-1], MATCH_SLICE_BYTES), "right")
    bounds = np.unique(np.concatenate([[0], cuts, [docs.height]]))
    found = []
    for low, high in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        part = docs.slice(low, high - low)
        fields = pl.concat(
            [
                part.select("doc", field=pl.lit("title"), value="title"),
                part.select("doc", field=pl.lit("text"), value="text"),
            ]
        )
        found.append(candidate_spans(fields, machine))
    # In one chunk: the rules gather from its columns by row (``candidate_spans``).
    return found[0] if len(found) == 1 else pl.concat(found, rechunk=True)


def _order(mentions: pl.DataFrame) -> pl.Expr | list[pl.Expr]:
    """By article, title before text, then position: one unsigned integer, the row in
    its 32 high bits, the field in the next and the start below, where every start fits
    (sorted by three keys, a 31 MB chunk's 108,000 mentions took 23-30 ms; by this one,
    8). No two mentions of a field start at the same place: the order is the same."""
    title_first = [pl.col("doc"), pl.col("field") != "title", pl.col("start_pos")]
    if mentions.is_empty() or mentions.get_column("start_pos").max() >= 1 << 31:  # type: ignore[operator]
        return title_first
    return (
        pl.col("doc").cast(pl.UInt64) * pl.lit(1 << 32, pl.UInt64)
        + (pl.col("field") != "title").cast(pl.UInt64) * pl.lit(1 << 31, pl.UInt64)
        + pl.col("start_pos").cast(pl.UInt64)
    )
