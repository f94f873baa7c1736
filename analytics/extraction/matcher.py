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
# line inside a name) a character no alias holds. Odd spaces, tabs and NULs become plain
# spaces (as they always have: the context rules read them as spaces) and Unicode hyphens
# ASCII ones, so "Xi\u00a0Jinping" and "al\u2011Sudani" match. Offsets are mapped back to
# the text as written, and surfaces and context are cut from it (``copy_kernels``). Few
# texts need any of this (blank-line paragraphs and single spaces need nothing): a compiled
# test picks those out (``copy_kernels.needs_copy``) and only they are copied.
_PARAGRAPH_MARK = "\x01"


@dataclass(frozen=True)
class _Copies:
    """The texts as matched: plain texts as they are, then the copies of the changed ones
    (``texts``: row, doc, field, value), and the way back from the copies (``copy_kernels``)."""

    texts: pl.DataFrame
    plain: int  # how many texts come first as they are
    written: np.ndarray  # the changed texts as written: UTF-8 bytes
    written_starts: np.ndarray
    record_at: np.ndarray
    record_lost: np.ndarray
    record_starts: np.ndarray


def _matching_copies(texts: pl.DataFrame) -> _Copies:
    """The texts to match (row, doc, field, value): those that need no copy as they are,
    then the copies of the others."""
    from analytics.extraction.copy_kernels import needs_copy, plain_copy
    from analytics.extraction.span_kernels import as_words

    data, starts = utf8_buffer(texts.get_column("value"))
    odd = pl.Series(needs_copy(data, as_words(data), starts))
    plain = texts.filter(~odd)
    changed = texts.filter(odd)
    written, written_starts = utf8_buffer(changed.get_column("value"))
    copy, copy_starts, record_at, record_lost, record_starts = plain_copy(written, written_starts)
    copies = _strings(copy_starts, copy).alias("value")
    return _Copies(
        pl.concat([plain, changed.with_columns(copies)]),
        plain.height,
        written,
        written_starts,
        record_at,
        record_lost,
        record_starts,
    )


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


_SCANNED_SCHEMA = {
    "index": pl.UInt32,
    **{k: v for k, v in CANDIDATE_SCHEMA.items() if k != "before_written"},
    "copy_start": pl.Int64,
    "copy_end": pl.Int64,
    "row": pl.UInt32,
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


def _scan(copies: pl.DataFrame, automaton: Automaton, plain: int) -> pl.DataFrame:
    """The matches in ``copies`` (row, doc, field, value): offsets, surface, the
    gaps to the neighbouring matches, and up to CONTEXT_CHARS characters of context on
    each side that run on through at most one neighbouring match (so "RO" + "US" found
    inside "ROUSE" still see the letters around them and "Biden" sees the
    "Administration" after "-Harris"), never past the match beyond it; and the index of
    its text in ``copies``, and its bytes in that text (``copy_start``, ``copy_end``).
    The contexts of matches in texts past the first ``plain`` (copies) are left empty:
    they are read in the text as written.

    The texts are scanned as one UTF-8 buffer, each followed by a paragraph mark (no
    spelling holds one, so no match runs from one text into the next): Arrow's layout of
    the column, with no Python string made per text or per match. Compiled loops
    (``span_kernels``) turn byte offsets into characters and cut the contexts."""
    # Imported here: numba takes a quarter of a second to import, paid on first use.
    from analytics.extraction.edge_kernels import edge_marks
    from analytics.extraction.span_kernels import continuations, locate, neighbours

    values = copies.get_column("value")
    data, starts = utf8_buffer(values + _PARAGRAPH_MARK)
    pattern, hit_start, hit_end = automaton.scan(data)
    if not pattern.size:
        return pl.DataFrame(schema=_SCANNED_SCHEMA)
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
    pattern, hit_start, hit_end = pattern[free], hit_start[free], hit_end[free]
    index, start, end, gap_before, gap_after, before_from, after_to = (
        column[free] for column in located[:-1]
    )
    before_from = np.where(index < plain, before_from, hit_start)
    after_to = np.where(index < plain, after_to, hit_end)
    return pl.DataFrame(
        {
            "index": index,
            "start_pos": start,
            "end_pos": end,
            "surface": automaton.spellings.gather(pattern),
            "key": automaton.keys.gather(pattern),
            "pattern": pattern,
            "before": _cut(data, before_from, hit_start),
            "after": _cut(data, hit_end, after_to),
            "gap_before": gap_before,
            "gap_after": gap_after,
            "edges": edge_marks(data, before_from, hit_start, data, hit_end, after_to),
            "copy_start": hit_start - starts[index],
            "copy_end": hit_end - starts[index],
        },
        schema_overrides={"index": pl.UInt32, "pattern": pl.UInt32, "edges": pl.UInt32},
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
    texts = (
        fields.filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .select("doc", "field", "value")
        .with_row_index("row")
    )
    copies = _matching_copies(texts)
    scanned = _scan(copies.texts, automaton, copies.plain).with_columns(
        pl.col("doc").cast(pl.UInt32)
    )
    columns = list(CANDIDATE_SCHEMA)
    plain = pl.lit(None, pl.String).alias("before_written")
    if copies.plain == copies.texts.height:  # no text needed a copy
        return scanned.with_columns(plain).select(columns)
    # A text matched in a changed copy gives its offsets, surfaces and context as
    # written (its line breaks are what tells a speaker label or a sentence start).
    from analytics.extraction.copy_kernels import as_written, plain_text
    from analytics.extraction.edge_kernels import edge_marks
    from analytics.extraction.span_kernels import continuations

    in_copies = pl.col("index") >= copies.plain
    copied = scanned.filter(in_copies)
    data = copies.written
    start, end, before_from, start_byte, end_byte, after_to = as_written(
        data,
        *continuations(data),
        copies.written_starts,
        copies.record_at,
        copies.record_lost,
        copies.record_starts,
        copied.get_column("index").to_numpy().astype(np.int64) - copies.plain,
        copied.get_column("copy_start").to_numpy(),
        copied.get_column("copy_end").to_numpy(),
        CONTEXT_CHARS,
    )
    # The contexts as the rules read them (``copy_kernels.plain_text``), and their edges.
    before_offsets, before = plain_text(data, before_from, start_byte)
    after_offsets, after = plain_text(data, end_byte, after_to)
    edges = edge_marks(
        before,
        before_offsets[:-1],
        before_offsets[1:],
        after,
        after_offsets[:-1],
        after_offsets[1:],
    )
    written = copied.with_columns(
        start_pos=pl.Series(start),
        end_pos=pl.Series(end),
        surface=_cut(data, start_byte, end_byte),
        before_written=_cut(data, before_from, start_byte),
        before=_strings(before_offsets, before),
        after=_strings(after_offsets, after),
        edges=pl.Series(edges),
    )
    # The key of a surface as written is its spelling's key, but where NUL or \x01 (the
    # copy's spaces, not the key's) stand in it.
    controls = written.get_column("surface").str.contains("[\x00\x01]")
    if controls.any():
        written = written.with_columns(
            key=pl.when(controls).then(normalise_surface(pl.col("surface"))).otherwise("key"),
            pattern=pl.when(~controls).then("pattern"),
        )
    # In one chunk: the rules gather from these columns by row, three times as fast from
    # one chunk as from two.
    return pl.concat(
        [scanned.filter(~in_copies).with_columns(plain).select(columns), written.select(columns)],
        rechunk=True,
    )
