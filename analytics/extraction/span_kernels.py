"""The loops that turn the automaton's byte matches into candidate spans, compiled (numba).

The texts of a batch are one UTF-8 buffer (each text followed by a separator byte no
spelling holds), the automaton finds byte offsets in it, and these loops give each
match its text, its offsets in characters (code points, as Python and polars count
them) and the byte bounds of its context, then cut the context strings out of the
buffer. A character starts at every byte that is not a continuation byte (0b10xxxxxx).
Compiled on first use and cached beside this file (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _starts_char(byte: np.uint8) -> bool:  # pragma: no cover - compiled
    return (byte & 0xC0) != 0x80


@njit(cache=True, nogil=True, inline="always")
def _ascii_word_byte(byte: np.uint8) -> bool:  # pragma: no cover - compiled
    """An ASCII letter, digit or underscore: a character of a word (``[\\p{L}\\p{N}_]``)."""
    letter = byte | 0x20  # an ASCII capital's small letter
    return bool((0x61 <= letter <= 0x7A) or (0x30 <= byte <= 0x39) or byte == 0x5F)


_HIGH_BITS = np.uint64(0x8080808080808080)
_BYTE_ONES = np.uint64(0x0101010101010101)


@njit(cache=True, nogil=True, inline="always")
def _chars(data: np.ndarray, words: np.ndarray, low: int, high: int) -> int:  # pragma: no cover
    """The characters of ``data[low:high]``: its bytes less its continuation bytes, these
    counted eight at a time (``words`` is ``data`` read as 64-bit words): a byte is one
    where its top bit is set and the next is not."""
    continuations = 0
    p = low
    while p < high and p & 7:
        continuations += not _starts_char(data[p])
        p += 1
    while p + 8 <= high:
        word = words[p >> 3]
        marks = word & ~(word << np.uint64(1)) & _HIGH_BITS
        continuations += ((marks >> np.uint64(7)) * _BYTE_ONES) >> np.uint64(56)
        p += 8
    while p < high:
        continuations += not _starts_char(data[p])
        p += 1
    return (high - low) - continuations


@njit(cache=True, nogil=True, inline="always")
def _ascii(data: np.ndarray, words: np.ndarray, low: int, high: int) -> bool:  # pragma: no cover
    """Whether ``data[low:high]`` is all ASCII (a byte a character), read as ``_chars``
    reads it."""
    seen = np.uint64(0)
    p = low
    while p < high and p & 7:
        seen |= data[p]
        p += 1
    while p + 8 <= high:
        seen |= words[p >> 3]
        p += 8
    while p < high:
        seen |= data[p]
        p += 1
    return not seen & _HIGH_BITS


@njit(cache=True, nogil=True)
def locate(
    data: np.ndarray,
    words: np.ndarray,
    text_starts: np.ndarray,
    text_chars: np.ndarray,
    hit_starts: np.ndarray,
    hit_ends: np.ndarray,
    context_chars: int,
) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    """For matches ``hit_starts``/``hit_ends`` (byte offsets into ``data``, in order,
    none overlapping, none across a text's end): the index of each match's text, its
    start and end in characters of that text, the character gaps to the previous and
    next match of the text (to the text's edges for its first and last: ``text_chars``
    holds each text's length in characters), and the byte bounds of its context: up to
    ``context_chars`` characters before the start and after the end, running on
    through at most one neighbouring match, never past the match beyond it. Last, whether
    an ASCII letter, digit or underscore stands right before or after the match (it is
    then glued inside a longer word: "Chad" in "Chadwick"); a match next to another
    character of a word (a non-ASCII letter) is left to the caller to tell.

    Text ``t`` is ``data[text_starts[t] : text_starts[t + 1] - 1]`` (its last byte is
    the separator); ``words`` is ``data`` read as 64-bit words (its whole ones: see
    ``as_words``). Characters are counted eight bytes at a time, and a context of
    ASCII text is cut without counting (98% of the benchmark's bytes are ASCII: the
    loop took 43 ms on a 32 MB chunk's 188,000 matches, now 32)."""
    n = hit_starts.size
    text = np.empty(n, dtype=np.int64)
    start = np.empty(n, dtype=np.int64)
    end = np.empty(n, dtype=np.int64)
    t = 0
    pos = text_starts[0]
    chars = 0
    for i in range(n):
        while text_starts[t + 1] <= hit_starts[i]:
            t += 1
            pos = text_starts[t]
            chars = 0
        text[i] = t
        chars += _chars(data, words, pos, hit_starts[i])
        start[i] = chars
        chars += _chars(data, words, hit_starts[i], hit_ends[i])
        end[i] = chars
        pos = hit_ends[i]

    gap_before = np.empty(n, dtype=np.int64)
    gap_after = np.empty(n, dtype=np.int64)
    before_from = np.empty(n, dtype=np.int64)
    after_to = np.empty(n, dtype=np.int64)
    glued = np.empty(n, dtype=np.bool_)
    for i in range(n):
        t = text[i]
        glued[i] = (
            hit_starts[i] > text_starts[t] and _ascii_word_byte(data[hit_starts[i] - 1])
        ) or (hit_ends[i] < text_starts[t + 1] - 1 and _ascii_word_byte(data[hit_ends[i]]))
        previous_end = end[i - 1] if i >= 1 and text[i - 1] == t else 0
        next_start = start[i + 1] if i + 1 < n and text[i + 1] == t else text_chars[t]
        gap_before[i] = start[i] - previous_end
        gap_after[i] = next_start - end[i]

        low = hit_ends[i - 2] if i >= 2 and text[i - 2] == t else text_starts[t]
        p = hit_starts[i]
        if _ascii(data, words, max(low, p - context_chars), p):
            p = max(low, p - context_chars)
        else:
            counted = 0
            while p > low and counted < context_chars:
                p -= 1
                counted += _starts_char(data[p])
        before_from[i] = p

        high = hit_starts[i + 2] if i + 2 < n and text[i + 2] == t else text_starts[t + 1] - 1
        p = hit_ends[i]
        if _ascii(data, words, p, min(high, p + context_chars)):
            p = min(high, p + context_chars)
        else:
            counted = 0
            while p < high and counted < context_chars:
                p += 1
                while p < high and not _starts_char(data[p]):
                    p += 1
                counted += 1
        after_to[i] = p
    return text, start, end, gap_before, gap_after, before_from, after_to, glued


def as_words(data: np.ndarray) -> np.ndarray:
    """``data`` (bytes) read as 64-bit words, its last bytes that make no whole word left
    out: a view, no copy (it need not be aligned)."""
    return data[: data.size // 8 * 8].view(np.uint64)


@njit(cache=True, nogil=True)
def gather(
    data: np.ndarray, lows: np.ndarray, highs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``data[lows[i] : highs[i]]`` for every i, as the offsets and bytes of an Arrow
    string array."""
    n = lows.size
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    for i in range(n):
        offsets[i + 1] = offsets[i] + highs[i] - lows[i]
    out = np.empty(offsets[n], dtype=np.uint8)
    for i in range(n):
        out[offsets[i] : offsets[i + 1]] = data[lows[i] : highs[i]]
    return offsets, out
