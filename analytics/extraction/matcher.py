"""Candidate spans: every alias found in a batch of texts, with character offsets.

One pass of the candidate automaton over a batch's texts (``automaton``: leftmost first
over spellings sorted longest first, so the leftmost match is also the longest) gives
every match with its byte offsets; compiled loops turn them into character offsets and gaps
between neighbouring matches, and cut the context strings. Word boundaries are not the
automaton's business: the matches glued to a letter, digit or underscore ("Kimberly",
"AMBUSH", "Chadé") are dropped here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from analytics.extraction.automaton import Automaton
from analytics.extraction.spelling import normalise_surface
from analytics.frames import require_columns
from analytics.utf8 import utf8_buffer

CONTEXT_CHARS = 80
# Wire copy wraps lines mid-name ("Yasuhiro\nNakasone", "West\n    Germany"), so names are
# matched in a copy of the text where every whitespace run is one character: a space, or
# for a paragraph break (a run holding two line breaks or more: wrapping never puts a blank
# line inside a name) a character no alias holds (``\x01``). Odd spaces, tabs and NULs
# become plain spaces (as they always have: the context rules read them as spaces) and
# Unicode hyphens ASCII ones, so "Xi\u00a0Jinping" and "al\u2011Sudani" match. Offsets are
# mapped back to the text as written, and surfaces and context are cut from it
# (``copy_kernels``). Few texts need any of this (blank-line paragraphs and single spaces
# need nothing): a compiled test picks those out (``copy_kernels.needs_copy``), the scan
# of the batch's texts passes them by, and only they are copied and scanned as copies.


CANDIDATE_SCHEMA = {
    "doc": pl.UInt32,
    "field": pl.String,
    "start_pos": pl.Int64,
    "end_pos": pl.Int64,
    "surface": pl.String,
    "key": pl.String,
    "pattern": pl.UInt32,
    "before": pl.String,
    "after": pl.String,
    "gap_before": pl.Int64,
    "gap_after": pl.Int64,
    "edges": pl.UInt32,
    "before_written": pl.String,
}


def _cut(data: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> pl.Series:
    """``data[lows[i] : highs[i]]`` (UTF-8 bytes) for every i, as a string column.

    The strings are views into ``data`` (Arrow's string views, which polars takes as
    they are): only their 16-byte views are made, not a copy of their bytes (a 31 MB
    chunk's contexts, 132,000 each side: 1.7 ms against 16.8). The column keeps
    ``data`` alive while it lives."""
    from analytics.extraction.span_kernels import gather, string_views

    if data.size < 1 << 31:
        views = string_views(data, lows, highs)
        array = pa.Array.from_buffers(
            pa.string_view(), len(lows), [None, pa.py_buffer(views), pa.py_buffer(data)]
        )
        return pl.Series(array)
    return _strings(*gather(data, lows, highs))


def _strings(offsets: np.ndarray, data: np.ndarray) -> pl.Series:
    """The strings ``data[offsets[i] : offsets[i + 1]]`` (UTF-8), as a column."""
    array = pa.LargeStringArray.from_buffers(
        offsets.size - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )
    return pl.Series(array)


def _word_characters(points: np.ndarray) -> np.ndarray:
    """Whether each code point (-1: none) outside ASCII is a letter, a digit or an
    underscore, as a regular expression's ``[\\p{L}\\p{N}_]`` reads it in polars."""
    wide = np.unique(points[points >= 0x80])
    if not wide.size:
        return np.zeros(points.size, dtype=np.bool_)
    chars = pl.Series([chr(point) for point in wide.tolist()], dtype=pl.String)
    word = wide[chars.str.contains(r"^[\p{L}\p{N}_]$").to_numpy()]
    return np.isin(points, word)


@dataclass(frozen=True)
class _Matches:
    """The matches found in a buffer of texts that are candidates (none glued to a
    letter, digit or underscore): the text of each (its index among the buffer's texts),
    its spelling, its bytes, its characters in its text, the gaps to its neighbours, and
    the byte bounds of its context (``span_kernels.locate``)."""

    text: np.ndarray
    pattern: np.ndarray
    hit_start: np.ndarray
    hit_end: np.ndarray
    start: np.ndarray
    end: np.ndarray
    gap_before: np.ndarray
    gap_after: np.ndarray
    before_from: np.ndarray
    after_to: np.ndarray


def _matches(
    data: np.ndarray, starts: np.ndarray, skip: np.ndarray, automaton: Automaton
) -> _Matches:
    """The candidates in the texts ``data[starts[t] : starts[t + 1]]`` (UTF-8) but those
    where ``skip``: offsets, the gaps to the neighbouring matches, and the bounds of up to
    CONTEXT_CHARS characters of context on each side that run on through at most one
    neighbouring match (so "RO" + "US" found inside "ROUSE" still see the letters around
    them and "Biden" sees the "Administration" after "-Harris"), never past the match
    beyond it.

    The texts are scanned as one buffer, the column's own bytes (Arrow's layout), with
    no Python string made per text or per match; no match runs from one text into the
    next. Compiled loops (``span_kernels``) turn byte offsets into characters."""
    # Imported here: numba takes a quarter of a second to import, paid on first use.
    from analytics.extraction.span_kernels import continuations, locate, neighbours

    pattern, hit_start, hit_end = automaton.scan(data, starts, skip)
    located = locate(data, *continuations(data), starts, hit_start, hit_end, CONTEXT_CHARS)
    # A match glued to a letter, digit or underscore ("Chad" in "Chadwick", "US" in "USE":
    # 27% of the matches in the benchmark's text; "Chadé") is no candidate: dropped before
    # its context is cut. It still bounded its neighbours' gaps and contexts, as every
    # match does. An ASCII one the loop tells; any other character is read as polars
    # reads ``[\p{L}\p{N}_]``, once for each that stands next to a match.
    before_char, after_char = neighbours(data, starts, located[0], hit_start, hit_end)
    # (Gathered by their positions: ten columns taken by a mask, each reading the mask
    # anew, took 15 ms against 6.)
    free = np.flatnonzero(
        ~located[-1] & ~_word_characters(before_char) & ~_word_characters(after_char)
    )
    return _Matches(
        *(column[free] for column in (located[0], pattern, hit_start, hit_end)),
        *(column[free] for column in located[1:-1]),
    )


def _plain_candidates(
    texts: pl.DataFrame, data: np.ndarray, starts: np.ndarray, odd: np.ndarray, automaton: Automaton
) -> pl.DataFrame:
    """The candidates of the texts that need no matching copy (not ``odd``), read in
    the batch's buffer as they are (``candidate_spans``' columns)."""
    from analytics.extraction.edge_kernels import edge_marks

    found = _matches(data, starts, odd, automaton)
    return pl.DataFrame(
        {
            "doc": texts.get_column("doc").gather(found.text),
            "field": texts.get_column("field").gather(found.text),
            "start_pos": found.start,
            "end_pos": found.end,
            "surface": automaton.spellings.gather(found.pattern),
            "key": automaton.keys.gather(found.pattern),
            "pattern": found.pattern,
            "before": _cut(data, found.before_from, found.hit_start),
            "after": _cut(data, found.hit_end, found.after_to),
            "gap_before": found.gap_before,
            "gap_after": found.gap_after,
            "edges": edge_marks(
                data, found.before_from, found.hit_start, data, found.hit_end, found.after_to
            ),
            "before_written": pl.repeat(None, found.text.size, dtype=pl.String, eager=True),
        },
        schema=CANDIDATE_SCHEMA,
    )


def _copied_candidates(
    texts: pl.DataFrame, data: np.ndarray, starts: np.ndarray, odd: np.ndarray, automaton: Automaton
) -> pl.DataFrame:
    """The candidates of the ``odd`` texts, matched in their copies (``copy_kernels``):
    offsets, surfaces and context as written (its line breaks are what tells a speaker
    label or a sentence start); the context as the rules read it with its whitespace
    made plain, and as written (``before_written``: a title's span is cut from it)."""
    from analytics.extraction.copy_kernels import as_written, plain_copy, plain_text
    from analytics.extraction.edge_kernels import edge_marks
    from analytics.extraction.span_kernels import continuations, gather

    rows = np.flatnonzero(odd)
    written_starts, written = gather(data, starts[rows], starts[rows + 1])
    copy, copy_starts, record_at, record_lost, record_starts = plain_copy(written, written_starts)
    found = _matches(copy, copy_starts, np.zeros(rows.size, dtype=np.bool_), automaton)
    start, end, before_from, start_byte, end_byte, after_to = as_written(
        written,
        *continuations(written),
        written_starts,
        record_at,
        record_lost,
        record_starts,
        found.text,
        found.hit_start - copy_starts[found.text],
        found.hit_end - copy_starts[found.text],
        CONTEXT_CHARS,
    )
    # The contexts as the rules read them (``copy_kernels.plain_text``), and their edges.
    before_offsets, before = plain_text(written, before_from, start_byte)
    after_offsets, after = plain_text(written, end_byte, after_to)
    edges = edge_marks(
        before,
        before_offsets[:-1],
        before_offsets[1:],
        after,
        after_offsets[:-1],
        after_offsets[1:],
    )
    copied = pl.DataFrame(
        {
            "doc": texts.get_column("doc").gather(rows[found.text]),
            "field": texts.get_column("field").gather(rows[found.text]),
            "start_pos": start,
            "end_pos": end,
            "surface": _cut(written, start_byte, end_byte),
            "key": automaton.keys.gather(found.pattern),
            "pattern": found.pattern,
            "before": _strings(before_offsets, before),
            "after": _strings(after_offsets, after),
            "gap_before": found.gap_before,
            "gap_after": found.gap_after,
            "edges": edges,
            "before_written": _cut(written, before_from, start_byte),
        },
        schema=CANDIDATE_SCHEMA,
    )
    # The key of a surface as written is its spelling's key, but where NUL or \x01 (the
    # copy's spaces, not the key's) stand in it.
    controls = copied.get_column("surface").str.contains("[\x00\x01]")
    if controls.any():
        copied = copied.with_columns(
            key=pl.when(controls).then(normalise_surface(pl.col("surface"))).otherwise("key"),
            pattern=pl.when(~controls).then("pattern"),
        )
    return copied


def candidate_spans(fields: pl.DataFrame, automaton: Automaton) -> pl.DataFrame:
    """Every match of ``patterns`` in each text, with its character offsets.

    Expects doc (row key), field ('title' or 'text'), value, and the gazetteer's
    automaton (``automaton.automaton``). Returns doc,
    field, start_pos, end_pos (character offsets into value, end exclusive), surface, key
    (the surface as the gazetteer's aliases are looked up: ``normalise_surface``), pattern
    (the index of the automaton's spelling it matched, whose key it has: null where its
    surface as written holds a NUL or \\x01, and has a key of its own), and up
    to 80 characters of the text before and after the match (``before``, ``after``,
    running on through at most one neighbouring match). Whitespace runs are matched as
    one space except paragraph breaks ("United\\nStates" is a match, offsets and surface
    as written); a match glued to a letter, digit or underscore inside a longer word is
    none (it still bounds its neighbours' gaps and contexts). Also the lengths of
    the gaps to the previous and next match (``gap_before``, ``gap_after``: 0 when they touch);
    the shapes of the context's edges the rules check (``edges``: ``analytics.extraction.edges``);
    ``before_written`` is the text before as written where the context had its
    whitespace made plain (a title's span is cut from it), else null.
    """
    require_columns(fields, {"doc", "field", "value"})
    if fields.is_empty() or not automaton.patterns:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    # Imported here: numba takes a quarter of a second to import, paid on first use.
    from analytics.extraction.copy_kernels import needs_copy
    from analytics.extraction.span_kernels import as_words

    texts = fields.filter(pl.col("value").is_not_null() & (pl.col("value") != "")).select(
        pl.col("doc").cast(pl.UInt32), "field", "value"
    )
    data, starts = utf8_buffer(texts.get_column("value"))
    odd = needs_copy(data, as_words(data), starts)
    plain = _plain_candidates(texts, data, starts, odd, automaton)
    if not odd.any():
        return plain
    # In one chunk: the rules gather from these columns by row, three times as fast from
    # one chunk as from two.
    return pl.concat([plain, _copied_candidates(texts, data, starts, odd, automaton)], rechunk=True)
