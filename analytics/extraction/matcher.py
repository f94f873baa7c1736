"""Candidate spans: every alias found in a batch of texts, with character offsets.

One Aho-Corasick pass over a batch's texts (``automaton``: leftmost-first over
spellings sorted longest first, so the leftmost match is also the longest) gives every
match with its byte offsets; compiled loops turn them into character offsets and gaps
between neighbouring matches, and cut the context strings. Word boundaries are not the
automaton's business: the compiled loop drops matches glued to an ASCII letter, digit or
underscore ("Kimberly", "AMBUSH"), the resolver those glued to any other letter
("Chadé").
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from analytics.extraction.automaton import Automaton
from analytics.extraction.spelling import normalise_surface, one_space
from analytics.frames import require_columns
from analytics.utf8 import utf8_buffer

CONTEXT_CHARS = 80
# Wire copy wraps lines mid-name ("Yasuhiro\nNakasone", "West\n    Germany"), so names are
# matched in a copy of the text where every whitespace run is one character: a space, or
# for a paragraph break (a run holding two line breaks or more: wrapping never puts a blank
# line inside a name) a character no alias holds. Odd spaces, tabs and NULs become plain
# spaces (as they always have: the context rules read them as spaces) and Unicode hyphens
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


def _matching_copies(texts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The texts to match (row, doc, field, value, original: the text as written where
    value is a changed copy, else null), and the collapsed whitespace runs of the
    changed ones (row, at: the run's position in the copy, shift: how many characters
    the copy lost up to and including it). Both are computed here, once: the runs are
    read twice (for starts and ends), and as a lazy plan each read would test every
    text again."""
    value = pl.col("value")
    odd = texts.select(
        pl.any_horizontal(
            *(value.str.contains(c, literal=True) for c in _ODD_COMMON),
            value.str.contains(_WRAPPED_LINE),
        )
    ).to_series()
    plain = texts.filter(~odd).with_columns(original=pl.lit(None, pl.String))
    # NULs and the paragraph mark (it splits runs) are spaces in the text.
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
        changed.lazy()
        .select(
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
        .collect()
    )
    return pl.concat([plain, copies]), runs


def _plain_context(text: pl.Expr) -> pl.Expr:
    """Context as the rules read it, as in a text that needs no copy: a wrapped line is
    one space ("Prime\\n    Minister Trudeau", "Kennedy\\n    Space Center"), any other
    whitespace run too, a paragraph break a blank line; ASCII hyphens."""
    return (
        text.str.replace_all(_CONTROL, " ")
        .str.replace_all(_PARAGRAPH, _PARAGRAPH_MARK)
        .pipe(one_space)
        .str.replace_all(_PARAGRAPH_MARK, "\n\n", literal=True)
        .str.replace_all(_ODD_HYPHEN, "-")
    )


def _as_written(matches: pl.LazyFrame, runs: pl.DataFrame, column: str) -> pl.LazyFrame:
    """``column`` (an offset into the matching copy) mapped to the text as written: plus
    the characters lost in the runs before it (for an end, before its last character)."""
    at = pl.col(column) - (1 if column == "end_pos" else 0)
    shifted = (
        matches.with_columns(_at=at)
        .sort("_at")
        .join_asof(
            runs.lazy().sort("at"),
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
    "key": pl.String,
    "before": pl.String,
    "after": pl.String,
    "gap_before": pl.Int64,
    "gap_after": pl.Int64,
    "before_written": pl.String,
}


def _scan(copies: pl.DataFrame, automaton: Automaton) -> pl.DataFrame:
    """The matches in ``copies`` (row, doc, field, value, original): offsets, surface, the
    gaps to the neighbouring matches, and up to CONTEXT_CHARS characters of context on
    each side that run on through at most one neighbouring match (so "RO" + "US" found
    inside "ROUSE" still see the letters around them and "Biden" sees the
    "Administration" after "-Harris"), never past the match beyond it.

    The texts are scanned as one UTF-8 buffer, each followed by a paragraph mark (no
    spelling holds one, so no match runs from one text into the next): Arrow's layout of
    the column, with no Python string made per text or per match. Compiled loops
    (``span_kernels``) turn byte offsets into characters and cut the contexts."""
    # Imported here: numba takes a quarter of a second to import, paid on first use.
    from analytics.extraction.span_kernels import as_words, gather, locate

    values = copies.get_column("value")
    data, starts = utf8_buffer(values + _PARAGRAPH_MARK)
    pattern, hit_start, hit_end = automaton.scan(data)
    if not pattern.size:
        return pl.DataFrame(schema={**CANDIDATE_SCHEMA, "row": pl.UInt32})
    chars = values.str.len_chars().to_numpy().astype(np.int64)
    located = locate(data, as_words(data), starts, chars, hit_start, hit_end, CONTEXT_CHARS)
    # A match glued to an ASCII letter or digit ("Chad" in "Chadwick", "US" in "USE": 27%
    # of the matches in the benchmark's text) is no candidate: dropped before its context
    # is cut.
    # It still bounded its neighbours' gaps and contexts, as every match does.
    free = ~located[-1]
    pattern, hit_start, hit_end = pattern[free], hit_start[free], hit_end[free]
    index, start, end, gap_before, gap_after, before_from, after_to = (
        column[free] for column in located[:-1]
    )

    def strings(lows: np.ndarray, highs: np.ndarray) -> pl.Series:
        offsets, out = gather(data, lows, highs)
        cut = pa.LargeStringArray.from_buffers(len(lows), pa.py_buffer(offsets), pa.py_buffer(out))
        return pl.Series(cut)

    return pl.DataFrame(
        {
            "index": index,
            "start_pos": start,
            "end_pos": end,
            "surface": automaton.spellings.gather(pattern),
            "key": automaton.keys.gather(pattern),
            "before": strings(before_from, hit_start),
            "after": strings(hit_end, after_to),
            "gap_before": gap_before,
            "gap_after": gap_after,
        },
        schema_overrides={"index": pl.UInt32},
    ).join(
        copies.select("row", "doc", "field").with_row_index("index"),
        on="index",
        how="left",
        maintain_order="left",
    )


def candidate_spans(fields: pl.DataFrame, automaton: Automaton) -> pl.DataFrame:
    """Every match of ``patterns`` in each text, with its character offsets.

    Expects doc (row key), field ('title' or 'text'), value, and the gazetteer's
    automaton (``automaton.automaton``). Returns doc,
    field, start_pos, end_pos (character offsets into value, end exclusive), surface, key
    (the surface as the gazetteer's aliases are looked up: ``normalise_surface``), and up
    to 80 characters of the text before and after the match (``before``, ``after``,
    running on through at most one neighbouring match). Whitespace runs are matched as
    one space except paragraph breaks ("United\\nStates" is a match, offsets and surface
    as written); a match glued to an ASCII letter, digit or underscore inside a longer
    word is none (it still bounds its neighbours' gaps and contexts). Also the lengths of
    the gaps to the previous and next match (``gap_before``, ``gap_after``: 0 when they touch);
    ``before_written`` is the text before as written where the context had its
    whitespace made plain (a title's span is cut from it), else null.
    """
    require_columns(fields, {"doc", "field", "value"})
    if fields.is_empty() or not automaton.patterns:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    texts = (
        fields.filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .select("doc", "field", "value")
        .with_row_index("row")
    )
    copies, runs = _matching_copies(texts)
    matches = _scan(copies, automaton).select(
        "row",
        pl.col("doc").cast(pl.UInt32),
        "field",
        "start_pos",
        "end_pos",
        "surface",
        "key",
        "before",
        "after",
        "gap_before",
        "gap_after",
    )
    # A text matched in a changed copy gives its offsets, surfaces and context as
    # written (its line breaks are what tells a speaker label or a sentence start). Its
    # text joins the matches only once they are mapped: a sort of rows that carry
    # whole articles copies them.
    changed = copies.filter(pl.col("original").is_not_null()).select("row", "original")
    original = pl.col("original")
    before_from = pl.max_horizontal(pl.col("start_pos") - CONTEXT_CHARS, pl.lit(0))
    in_copies = matches.lazy().join(changed.lazy().select("row"), on="row", how="semi")
    written = (
        _as_written(_as_written(in_copies, runs, "start_pos"), runs, "end_pos")
        .join(changed.lazy(), on="row", how="left")
        .with_columns(
            surface=original.str.slice(
                pl.col("start_pos"), pl.col("end_pos") - pl.col("start_pos")
            ),
            before=_plain_context(
                original.str.slice(before_from, pl.col("start_pos") - before_from)
            ),
            after=_plain_context(original.str.slice(pl.col("end_pos"), CONTEXT_CHARS)),
            before_written=original.str.slice(before_from, pl.col("start_pos") - before_from),
        )
        .with_columns(key=normalise_surface(pl.col("surface")))
    )
    return (
        pl.concat(
            [
                matches.lazy()
                .join(changed.lazy().select("row"), on="row", how="anti")
                .with_columns(before_written=pl.lit(None, pl.String)),
                written.drop("original"),
            ]
        )
        .drop("row")
        .collect()
    )
