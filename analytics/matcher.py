"""Candidate spans: every match of the gazetteer's pattern, found by polars in one pass.

polars' regex functions return matched strings but not offsets, so each match is
wrapped in NUL markers and the text split on them: the pieces alternate between
gaps and matches, and the running sum of piece lengths gives every offset. All of
it runs in Rust over a whole batch of texts at once.
"""

from __future__ import annotations

import polars as pl

from analytics.frames import require_columns

_MARK = "\x00"
CONTEXT_CHARS = 80

CANDIDATE_SCHEMA = {
    "doc": pl.UInt32,
    "field": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "surface": pl.String,
    "before": pl.String,
    "after": pl.String,
}


def candidate_spans(fields: pl.DataFrame, pattern: str) -> pl.DataFrame:
    """Every match of ``pattern`` in each text, with its character offsets.

    Expects doc (row key), field ('title' or 'text'), value. Returns doc, field,
    start, end (character offsets into value, end exclusive), surface, and up to
    80 characters of the text before and after the match (``before``, ``after``,
    cut short by a neighbouring match).
    """
    require_columns(fields, {"doc", "field", "value"})
    if fields.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    key = ["doc", "field"]
    pieces = (
        fields.lazy()
        .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .select(
            "doc",
            "field",
            piece=pl.col("value")
            # A NUL in untrusted text would shift every later offset: the marker
            # must be the only one, so the text's own NULs become spaces (same length).
            .str.replace_all(_MARK, " ", literal=True)
            .str.replace_all(pattern, f"{_MARK}${{0}}{_MARK}")
            .str.split(_MARK),
        )
        .explode("piece")
        .with_columns(
            index=pl.int_range(pl.len()).over(key),
            length=pl.col("piece").str.len_chars().cast(pl.Int64),
        )
        .with_columns(
            start=pl.col("length").cum_sum().over(key) - pl.col("length"),
            before=pl.col("piece").shift(1).over(key).str.slice(-CONTEXT_CHARS),
            after=pl.col("piece").shift(-1).over(key).str.slice(0, CONTEXT_CHARS),
        )
        .filter(pl.col("index") % 2 == 1)
        .select(
            pl.col("doc").cast(pl.UInt32),
            "field",
            "start",
            end=pl.col("start") + pl.col("length"),
            surface="piece",
            before=pl.col("before").fill_null(""),
            after=pl.col("after").fill_null(""),
        )
    )
    return pieces.collect()
