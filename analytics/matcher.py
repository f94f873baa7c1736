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
# Whitespace other than newlines becomes a plain space and Unicode hyphens an ASCII one,
# one character for one, so "Xi\u00a0Jinping" and "al\u2011Sudani" match and offsets
# still point into the original text (surfaces are then cut from the original). A NUL in
# untrusted text would shift every later offset (NULs mark the matches), so it becomes a
# space too. Few texts hold any of these: a fast literal test picks those out and only
# they pay for the regex.
_ODD_SPACE = "[\x00\t\r\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
_ODD_HYPHEN = "[\u2010\u2011]"
_ODD_COMMON = ("\x00", "\t", "\r", "\u00a0", "\u2010", "\u2011")


def _plain_spaces(texts: pl.LazyFrame) -> pl.LazyFrame:
    value = pl.col("value")
    odd = pl.any_horizontal(value.str.contains(c, literal=True) for c in _ODD_COMMON)
    return pl.concat(
        [
            texts.filter(~odd).with_columns(original=pl.lit(None, pl.String)),
            texts.filter(odd).with_columns(
                value.str.replace_all(_ODD_SPACE, " ").str.replace_all(_ODD_HYPHEN, "-"),
                original=value,
            ),
        ]
    )


CANDIDATE_SCHEMA = {
    "doc": pl.UInt32,
    "field": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "surface": pl.String,
    "before": pl.String,
    "after": pl.String,
    "gap_before": pl.Int64,
    "gap_after": pl.Int64,
}


def _context(side: str) -> pl.Expr:
    """Up to CONTEXT_CHARS characters before ('before') or after ('after') a match, over
    a frame of matches only: the gap on that side, then the neighbouring match and the
    gap beyond it when they belong to the same text."""
    gap = pl.col(f"gap_{side}_text")
    step = 1 if side == "before" else -1
    same = pl.col("row").shift(step) == pl.col("row")
    neighbour = pl.when(same).then(pl.col("piece").shift(step)).otherwise(pl.lit(""))
    beyond = pl.when(same).then(gap.shift(step)).otherwise(pl.lit(""))
    if side == "before":
        parts = [beyond.str.slice(-CONTEXT_CHARS), neighbour, gap.str.slice(-CONTEXT_CHARS)]
        return pl.concat_str(parts).str.slice(-CONTEXT_CHARS)
    parts = [gap.str.slice(0, CONTEXT_CHARS), neighbour, beyond.str.slice(0, CONTEXT_CHARS)]
    return pl.concat_str(parts).str.slice(0, CONTEXT_CHARS)


def candidate_spans(
    fields: pl.DataFrame, patterns: pl.Series, replacements: pl.Series
) -> pl.DataFrame:
    """Every match of ``patterns`` in each text, with its character offsets.

    Expects doc (row key), field ('title' or 'text'), value; ``patterns`` sorted
    longest first and ``replacements`` the same strings wrapped in NULs. Returns doc,
    field, start, end (character offsets into value, end exclusive), surface, and up
    to 80 characters of the text before and after the match (``before``, ``after``,
    running on through at most one neighbouring match), and the lengths of the gaps to
    the previous and next match (``gap_before``, ``gap_after``: 0 when they touch).
    """
    require_columns(fields, {"doc", "field", "value"})
    if fields.is_empty() or patterns.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    # Pieces of one text are contiguous after the explode, so offsets are a running
    # sum restarted at each text's first piece (no group-by needed), and a match's
    # neighbours are simply the previous and next rows: a match is never first or last.
    number = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.col("row") != pl.col("row").shift(1).fill_null(-1)
    texts = fields.lazy().filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
    pieces = (
        _plain_spaces(texts.select("doc", "field", "value"))
        .with_row_index("row")
        .select(
            "row",
            "doc",
            "field",
            "original",
            piece=pl.col("value")
            .str.replace_many(
                pl.lit(patterns).implode(), pl.lit(replacements).implode(), leftmost=True
            )
            .str.split(_MARK),
        )
        .explode("piece")
        .with_columns(length=pl.col("piece").str.len_chars().cast(pl.Int64))
        .with_columns(
            offset=pl.col("length").cum_sum() - pl.col("length"),
            number=number,
            first=first,
        )
        .with_columns(
            start=pl.col("offset") - pl.when(pl.col("first")).then(pl.col("offset")).forward_fill(),
            index=pl.col("number") - pl.when(pl.col("first")).then(pl.col("number")).forward_fill(),
            gap_before=pl.col("length").shift(1),
            gap_after=pl.col("length").shift(-1),
            gap_before_text=pl.col("piece").shift(1),
            gap_after_text=pl.col("piece").shift(-1),
        )
        .filter(pl.col("index") % 2 == 1)
        # The context runs on through the neighbouring match and the gap beyond it, so
        # "RO" + "US" found inside "ROUSE" still see the letters around them and "Biden"
        # sees the "Administration" after "-Harris".
        .with_columns(before=_context("before"), after=_context("after"))
        .select(
            pl.col("doc").cast(pl.UInt32),
            "field",
            "start",
            end=pl.col("start") + pl.col("length"),
            # A text whose odd spaces were made plain gives its surfaces as written.
            surface=pl.when(pl.col("original").is_null())
            .then(pl.col("piece"))
            .otherwise(pl.col("original").str.slice(pl.col("start"), pl.col("length"))),
            before=pl.col("before").fill_null(""),
            after=pl.col("after").fill_null(""),
            gap_before="gap_before",
            gap_after="gap_after",
        )
    )
    return pieces.collect()
