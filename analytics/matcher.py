"""Candidate spans: every alias found in a batch of texts, with character offsets.

One Aho-Corasick pass (polars ``str.replace_many``, leftmost-first over spellings
sorted longest first, so the leftmost match is also the longest) wraps each match
in NUL markers; the text is split on them, and the pieces alternate between gaps and
matches, so the running sum of piece lengths gives every offset. All of it runs in
Rust over the whole batch. Word boundaries are not the automaton's business: the
resolver drops matches glued to a letter ("Kimberly", "AMBUSH").
"""

from __future__ import annotations

import polars as pl

from analytics.frames import require_columns

_MARK = "\x00"
CONTEXT_CHARS = 80
# Whitespace other than newlines becomes a plain space, one character for one, so
# "Xi\u00a0Jinping" matches and offsets still point into the original text.
_ODD_SPACE = "[\t\r\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"

CANDIDATE_SCHEMA = {
    "doc": pl.UInt32,
    "field": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "surface": pl.String,
    "before": pl.String,
    "after": pl.String,
}


def candidate_spans(
    fields: pl.DataFrame, patterns: pl.Series, replacements: pl.Series
) -> pl.DataFrame:
    """Every match of ``patterns`` in each text, with its character offsets.

    Expects doc (row key), field ('title' or 'text'), value; ``patterns`` sorted
    longest first and ``replacements`` the same strings wrapped in NULs. Returns doc,
    field, start, end (character offsets into value, end exclusive), surface, and up
    to 80 characters of the text before and after the match (``before``, ``after``,
    cut short by a neighbouring match).
    """
    require_columns(fields, {"doc", "field", "value"})
    if fields.is_empty() or patterns.is_empty():
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
            .str.replace_all(_ODD_SPACE, " ")
            .str.replace_many(
                pl.lit(patterns).implode(), pl.lit(replacements).implode(), leftmost=True
            )
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
