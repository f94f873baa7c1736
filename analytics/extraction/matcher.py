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
# Wire copy wraps lines mid-name ("Yasuhiro\nNakasone", "West\n    Germany"), so names are
# matched in a copy of the text where every whitespace run is one character: a space, or
# for a paragraph break (a run holding two line breaks or more: wrapping never puts a blank
# line inside a name) a character no alias holds. Odd spaces, tabs and NULs become plain
# spaces (a NUL would shift every later offset, NULs mark the matches) and Unicode hyphens
# ASCII ones, so "Xi\u00a0Jinping" and "al\u2011Sudani" match. Offsets are mapped back to
# the text as written, and surfaces and context are cut from it. Few texts need any of
# this (blank-line paragraphs and single spaces need nothing): a fast test picks those
# out and only they pay for the regexes.
_RUN = r"\s{2,}"
_ODD_CHAR = r"[\s&&[^ ]]"
_PARAGRAPH = r"\s*\n\s*\n\s*"
_PARAGRAPH_MARK = "\x01"
_CONTROL = "[\x00\x01]"
_ODD_HYPHEN = "[\u2010\u2011]"
_ODD_COMMON = ("\x00", "\x01", "\t", "\r", "\u00a0", "\u2010", "\u2011", "  ")
# A line break that is no paragraph break: the text was wrapped.
_WRAPPED_LINE = "[^\\n]\\n[^\\n]"


def _matching_copies(texts: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The texts to match (row, doc, field, value, original: the text as written where
    value is a changed copy, else null), and the collapsed whitespace runs of the
    changed ones (row, at: the run's position in the copy, shift: how many characters
    the copy lost up to and including it)."""
    value = pl.col("value")
    odd = pl.any_horizontal(
        *(value.str.contains(c, literal=True) for c in _ODD_COMMON),
        value.str.contains(_WRAPPED_LINE),
    )
    plain = texts.filter(~odd).with_columns(original=pl.lit(None, pl.String))
    # NULs mark matches and the paragraph mark splits runs: in the text they are spaces.
    changed = texts.filter(odd).with_columns(clean=value.str.replace_all(_CONTROL, " "))
    clean = pl.col("clean")
    copies = changed.select(
        "row",
        "doc",
        "field",
        value=clean.str.replace_all(_PARAGRAPH, _PARAGRAPH_MARK)
        .str.replace_all(f"{_RUN}|{_ODD_CHAR}", " ")
        .str.replace_all(_ODD_HYPHEN, "-"),
        original=value,
    )
    # Each run of two characters or more became one: its length in the text as written,
    # and the length of the text between runs, give each run's place in the copy.
    runs = (
        changed.select(
            "row",
            run=clean.str.extract_all(_RUN).list.eval(pl.element().str.len_chars()),
            gap=clean.str.replace_all(_RUN, _PARAGRAPH_MARK)
            .str.split(_PARAGRAPH_MARK)
            .list.eval(pl.element().str.len_chars()),
        )
        .filter(pl.col("run").list.len() > 0)
        .with_columns(pl.col("gap").list.head(pl.col("run").list.len()))
        .explode("run", "gap")
        .with_columns(
            at=(pl.col("gap").cum_sum() + pl.int_range(pl.len())).over("row").cast(pl.Int64),
            shift=(pl.col("run") - 1).cum_sum().over("row").cast(pl.Int64),
        )
        .select("row", "at", "shift")
    )
    return pl.concat([plain, copies]), runs


def _plain_context(text: pl.Expr) -> pl.Expr:
    """Context as the rules read it, as in a text that needs no copy: a wrapped line is
    one space ("Prime\\n    Minister Trudeau", "Kennedy\\n    Space Center"), any other
    whitespace run too, a paragraph break a blank line; ASCII hyphens."""
    return (
        text.str.replace_all(_CONTROL, " ")
        .str.replace_all(_PARAGRAPH, _PARAGRAPH_MARK)
        .str.replace_all(r"\s+", " ")
        .str.replace_all(_PARAGRAPH_MARK, "\n\n", literal=True)
        .str.replace_all(_ODD_HYPHEN, "-")
    )


def _as_written(matches: pl.LazyFrame, runs: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """``column`` (an offset into the matching copy) mapped to the text as written: plus
    the characters lost in the runs before it (for an end, before its last character)."""
    at = pl.col(column) - (1 if column == "end_pos" else 0)
    shifted = (
        matches.with_columns(_at=at)
        .sort("_at")
        .join_asof(
            runs.sort("at"),
            left_on="_at",
            right_on="at",
            by="row",
            strategy="backward",
            check_sortedness=False,  # sorted on the key just above; by row is a group
        )
        .with_columns(pl.col(column) + pl.col("shift").fill_null(0))
    )
    return shifted.drop("_at", "at", "shift")


CANDIDATE_SCHEMA = {
    "doc": pl.UInt32,
    "field": pl.String,
    "start_pos": pl.Int64,
    "end_pos": pl.Int64,
    "surface": pl.String,
    "before": pl.String,
    "after": pl.String,
    "gap_before": pl.Int64,
    "gap_after": pl.Int64,
    "before_written": pl.String,
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
    field, start_pos, end_pos (character offsets into value, end exclusive), surface, and up
    to 80 characters of the text before and after the match (``before``, ``after``,
    running on through at most one neighbouring match). Whitespace runs are matched as
    one space except paragraph breaks ("United\\nStates" is a match, offsets and surface
    as written). Also the lengths of the gaps to
    the previous and next match (``gap_before``, ``gap_after``: 0 when they touch);
    ``before_written`` is the text before as written where the context had its
    whitespace made plain (a title's span is cut from it), else null.
    """
    require_columns(fields, {"doc", "field", "value"})
    if fields.is_empty() or patterns.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    # Pieces of one text are contiguous after the explode, so offsets are a running
    # sum restarted at each text's first piece (no group-by needed), and a match's
    # neighbours are simply the previous and next rows: a match is never first or last.
    number = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.col("row") != pl.col("row").shift(1).fill_null(-1)
    texts = (
        fields.lazy()
        .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .select("doc", "field", "value")
        .with_row_index("row")
    )
    copies, runs = _matching_copies(texts)
    matches = (
        copies.select(
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
            start_pos=pl.col("offset")
            - pl.when(pl.col("first")).then(pl.col("offset")).forward_fill(),
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
            "row",
            pl.col("doc").cast(pl.UInt32),
            "field",
            "start_pos",
            end_pos=pl.col("start_pos") + pl.col("length"),
            surface="piece",
            before=pl.col("before").fill_null(""),
            after=pl.col("after").fill_null(""),
            gap_before="gap_before",
            gap_after="gap_after",
            original="original",
        )
        .collect()  # once: both halves below start from it
        .lazy()
    )
    # A text matched in a changed copy gives its offsets, surfaces and context as
    # written (its line breaks are what tells a speaker label or a sentence start).
    original = pl.col("original")
    before_from = pl.max_horizontal(pl.col("start_pos") - CONTEXT_CHARS, pl.lit(0))
    written = _as_written(
        _as_written(matches.filter(original.is_not_null()), runs, "start_pos"), runs, "end_pos"
    ).with_columns(
        surface=original.str.slice(pl.col("start_pos"), pl.col("end_pos") - pl.col("start_pos")),
        before=_plain_context(original.str.slice(before_from, pl.col("start_pos") - before_from)),
        after=_plain_context(original.str.slice(pl.col("end_pos"), CONTEXT_CHARS)),
        before_written=original.str.slice(before_from, pl.col("start_pos") - before_from),
    )
    return (
        pl.concat(
            [
                matches.filter(original.is_null()).with_columns(
                    before_written=pl.lit(None, pl.String)
                ),
                written,
            ]
        )
        .drop("row", "original")
        .collect()
    )
