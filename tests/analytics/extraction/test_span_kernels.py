"""``span_kernels.locate`` against the same counts made on Python strings: characters
counted eight bytes at a time, and ASCII contexts cut without counting, give what a
character-by-character reading gives, on text that mixes one- to four-byte characters."""

from __future__ import annotations

import random

import numpy as np

from analytics.extraction.span_kernels import continuations, locate

_ALPHABET = "abc XYZ.,-\n" + "éßñ" + "’—€中" + "😀"
_CONTEXT = 5


def _reference(texts: list[str], hits: list[tuple[int, int, int]]) -> list[tuple[int, ...]]:
    """Per hit (text, first byte, end byte in that text): text, start, end, gaps, context
    bounds (as absolute byte offsets) and glued, counted on Python strings."""
    starts = [0]
    for text in texts:
        starts.append(starts[-1] + len(text.encode()))
    rows = []
    for i, (t, low, high) in enumerate(hits):
        raw = texts[t].encode()

        def chars(upto: int, raw: bytes = raw) -> int:
            return len(raw[:upto].decode())

        same = [j for j, hit in enumerate(hits) if hit[0] == t]
        k = same.index(i)
        previous_end = chars(hits[same[k - 1]][2]) if k >= 1 else 0
        next_start = chars(hits[same[k + 1]][1]) if k + 1 < len(same) else len(texts[t])
        floor = hits[same[k - 2]][2] if k >= 2 else 0
        ceiling = hits[same[k + 2]][1] if k + 2 < len(same) else len(raw)
        before = raw[floor:low].decode()[-_CONTEXT:] if low > floor else ""
        after = raw[high:ceiling].decode()[:_CONTEXT]
        word = {*b"abcXYZ"}
        glued = (low > 0 and raw[low - 1] in word) or (high < len(raw) and raw[high] in word)
        rows.append(
            (
                t,
                chars(low),
                chars(high),
                chars(low) - previous_end,
                next_start - chars(high),
                starts[t] + low - len(before.encode()),
                starts[t] + high + len(after.encode()),
                glued,
            )
        )
    return rows


def test_locate_counts_as_python_counts_characters() -> None:
    rng = random.Random(5)
    for _ in range(40):
        texts = ["".join(rng.choices(_ALPHABET, k=rng.randint(0, 60))) for _ in range(4)]
        hits = []
        for t, text in enumerate(texts):
            # Matches on character edges, in order, none overlapping.
            edges = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, 8)))
            for low, high in zip(edges[::2], edges[1::2], strict=False):
                if high > low:
                    hits.append((t, len(text[:low].encode()), len(text[:high].encode())))
        # The texts' bytes one after the other, as a column holds them.
        data = np.frombuffer("".join(texts).encode(), np.uint8)
        # Unaligned, as a column's bytes may be: the words are read from any offset.
        data = np.concatenate([np.zeros(3, np.uint8), data])[3:]
        offsets = np.cumsum([0] + [len(text.encode()) for text in texts]).astype(np.int64)
        first = offsets[[t for t, _, _ in hits]]
        located = locate(
            data,
            *continuations(data),
            offsets,
            (first + np.array([low for _, low, _ in hits], np.int64)).astype(np.int64),
            (first + np.array([high for _, _, high in hits], np.int64)).astype(np.int64),
            _CONTEXT,
        )
        got = [tuple(int(column[i]) for column in located) for i in range(len(hits))]
        assert got == [tuple(int(v) for v in row) for row in _reference(texts, hits)]


def test_string_views_are_the_slices_they_view() -> None:
    """Strings cut as views into the buffer (inline up to 12 bytes, else by offset) are
    the bytes they bound, in one- to four-byte characters, empty ones included."""
    import polars as pl

    from analytics.extraction.matcher import _cut

    rng = random.Random(7)
    text = "".join(rng.choice(_ALPHABET) for _ in range(5_000))
    raw = text.encode()
    bounds = [0] + [len(text[:i].encode()) for i in range(1, len(text) + 1)]
    lows, highs = [], []
    for _ in range(3_000):
        a = rng.randrange(len(bounds))
        b = min(len(bounds) - 1, a + rng.choice([0, 1, 3, 4, 11, 12, 13, 40, 200]))
        lows.append(bounds[a])
        highs.append(bounds[b])
    data = np.frombuffer(raw, dtype=np.uint8)
    cut = _cut(data, np.array(lows, dtype=np.int64), np.array(highs, dtype=np.int64))
    expected = [raw[low:high].decode() for low, high in zip(lows, highs, strict=True)]
    assert cut.dtype == pl.String
    assert cut.to_list() == expected
    assert {len(s.encode()) <= 12 for s in expected} == {True, False}
    # Filtered and gathered like any column, after the buffer's array is gone.
    del data
    assert cut.gather([2, 0]).to_list() == [expected[2], expected[0]]


def test_meaning_rows_pair_each_span_with_each_meaning_of_its_spelling() -> None:
    """Spelling p means rows[offsets[p]:offsets[p + 1]]: a span of a spelling with none
    has no pair, one with two has two, in the spans' order then the meanings'."""
    from analytics.extraction.span_kernels import meaning_rows

    offsets = np.array([0, 2, 2, 3], dtype=np.int64)  # spelling 0: two, 1: none, 2: one
    rows = np.array([5, 7, 9], dtype=np.int64)
    spans, meanings = meaning_rows(np.array([2, 1, 0, 2], dtype=np.int64), offsets, rows)
    assert spans.tolist() == [0, 2, 2, 3]
    assert meanings.tolist() == [9, 5, 7, 9]
    empty = meaning_rows(np.array([1], dtype=np.int64), offsets, rows)
    assert [part.size for part in empty] == [0, 0]
