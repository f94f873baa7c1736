"""The loops that turn the automaton's byte matches into candidate spans, compiled (numba).

The texts of a batch are one UTF-8 buffer (Arrow's layout of their column: each text's
bytes right after the one before), the automaton finds byte offsets in it (none across a
text's end), and these loops give each
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


@njit(cache=True, nogil=True)
def _marks(word: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """The top bit of each continuation byte of ``word``: set, and the next one not."""
    return word & ~(word << np.uint64(1)) & _HIGH_BITS


@njit(cache=True, nogil=True)
def _count(marks: np.uint64) -> np.int64:  # pragma: no cover - compiled
    """How many bytes of ``marks`` have their top bit set. (An int64: added to one, a
    uint64 would make numba compute in floats.)"""
    return np.int64(((marks >> np.uint64(7)) * _BYTE_ONES) >> np.uint64(56))


def continuations(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``data`` (UTF-8 bytes) as 64-bit words (its whole ones: ``as_words``), and the
    continuation bytes before each word (``counts[w]``; ``counts[W]``, W the number of
    words, all of theirs), then before each of the last bytes, that make no whole word
    (``counts[W + 1 + k]``, k from 0 to 7): with these, the characters between any two
    bytes are counted in a step (``_chars``)."""
    words = as_words(data)
    # Four bytes a count where they hold any (a buffer under 2 GB): the counts are as
    # large as the buffer in eight.
    wide = np.int32 if data.size < 1 << 31 else np.int64
    counts = np.empty(words.size + 9, dtype=wide)
    _word_counts(data, words, counts)
    return words, counts


@njit(cache=True, nogil=True)
def _word_counts(
    data: np.ndarray, words: np.ndarray, counts: np.ndarray
) -> None:  # pragma: no cover - compiled
    seen = np.int64(0)
    for w in range(words.size):
        counts[w] = seen
        seen += _count(_marks(words[w]))
    counts[words.size] = seen
    for k in range(8):
        counts[words.size + 1 + k] = seen
        at = words.size * 8 + k
        if at < data.size and not _starts_char(data[at]):
            seen += 1


@njit(cache=True, nogil=True)
def _before(
    data: np.ndarray, words: np.ndarray, counts: np.ndarray, at: int
) -> int:  # pragma: no cover - compiled
    """The continuation bytes of ``data[:at]``: the word holding ``at`` masked, the last
    bytes, that make no whole word, looked up."""
    w = at >> 3
    if w < words.size:
        low_bytes = (np.uint64(1) << np.uint64((at & 7) << 3)) - np.uint64(1)
        return counts[w] + _count(_marks(words[w]) & low_bytes)
    return counts[w + 1 + (at & 7)]


@njit(cache=True, nogil=True)
def _chars(
    data: np.ndarray, words: np.ndarray, counts: np.ndarray, low: int, high: int
) -> int:  # pragma: no cover - compiled
    """The characters of ``data[low:high]``: its bytes less its continuation bytes,
    counted from ``continuations``' counts. (This and the helpers it calls are left to
    LLVM to inline: inlined by numba, ``inline="always"``, a count took 20 times
    longer.)"""
    return (high - low) - (_before(data, words, counts, high) - _before(data, words, counts, low))


@njit(cache=True, nogil=True)
def chars_back(
    data: np.ndarray, words: np.ndarray, counts: np.ndarray, end: int, low: int, count: int
) -> int:  # pragma: no cover - compiled
    """Where the ``count`` characters before byte ``end`` start (``low`` if fewer lie
    between): the bytes before are counted a stretch at a time, each stretch as long as
    the characters still wanted (a character is a byte or more)."""
    p = end
    counted = 0
    while p > low and counted < count:
        step = min(count - counted, p - low)
        counted += _chars(data, words, counts, p - step, p)
        p -= step
    while p < end and not _starts_char(data[p]):  # inside the character before: past it
        p += 1
    return p


@njit(cache=True, nogil=True)
def chars_ahead(
    data: np.ndarray, words: np.ndarray, counts: np.ndarray, start: int, high: int, count: int
) -> int:  # pragma: no cover - compiled
    """Where the ``count`` characters from byte ``start`` end (``high`` if fewer lie
    between), counted as ``chars_back`` counts them."""
    p = start
    counted = 0
    while p < high and counted < count:
        step = min(count - counted, high - p)
        counted += _chars(data, words, counts, p, p + step)
        p += step
    while p < high and not _starts_char(data[p]):  # the last character's other bytes
        p += 1
    return p


@njit(cache=True, nogil=True)
def locate(
    data: np.ndarray,
    words: np.ndarray,
    counts: np.ndarray,
    text_starts: np.ndarray,
    hit_starts: np.ndarray,
    hit_ends: np.ndarray,
    context_chars: int,
) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    """For matches ``hit_starts``/``hit_ends`` (byte offsets into ``data``, in order,
    none overlapping, none across a text's end): the index of each match's text, its
    start and end in characters of that text, the character gaps to the previous and
    next match of the text (to the text's edges for its first and last), and the byte
    bounds of its context: up to ``context_chars`` characters before the start and after
    the end, running on through at most one neighbouring match, never past the match
    beyond it. Last, whether an ASCII letter, digit or underscore stands right before or
    after the match (it is then glued inside a longer word: "Chad" in "Chadwick"); a
    match next to another character of a word (a non-ASCII letter) is left to the caller
    to tell.

    Text ``t`` is ``data[text_starts[t] : text_starts[t + 1]]``; ``words`` and
    ``counts`` are ``continuations(data)``: characters are counted in a step, a
    context's a stretch at a time (``chars_back``, ``chars_ahead``; counted eight bytes
    at a time, and a context holding a curly quote a byte at a time, the loop took 38 ms
    on a 31 MB chunk's 182,000 matches)."""
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
        chars += _chars(data, words, counts, pos, hit_starts[i])
        start[i] = chars
        chars += _chars(data, words, counts, hit_starts[i], hit_ends[i])
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
        ) or (hit_ends[i] < text_starts[t + 1] and _ascii_word_byte(data[hit_ends[i]]))
        previous_end = end[i - 1] if i >= 1 and text[i - 1] == t else 0
        gap_before[i] = start[i] - previous_end
        if i + 1 < n and text[i + 1] == t:
            gap_after[i] = start[i + 1] - end[i]
        else:  # the text's last match: to its end
            gap_after[i] = _chars(data, words, counts, hit_ends[i], text_starts[t + 1])

        low = hit_ends[i - 2] if i >= 2 and text[i - 2] == t else text_starts[t]
        before_from[i] = chars_back(data, words, counts, hit_starts[i], low, context_chars)
        high = hit_starts[i + 2] if i + 2 < n and text[i + 2] == t else text_starts[t + 1]
        after_to[i] = chars_ahead(data, words, counts, hit_ends[i], high, context_chars)
    return text, start, end, gap_before, gap_after, before_from, after_to, glued


def as_words(data: np.ndarray) -> np.ndarray:
    """``data`` (bytes) read as 64-bit words, its last bytes that make no whole word left
    out: a view, no copy (it need not be aligned)."""
    return data[: data.size // 8 * 8].view(np.uint64)


@njit(cache=True, nogil=True)
def neighbours(
    data: np.ndarray,
    text_starts: np.ndarray,
    text: np.ndarray,
    hit_starts: np.ndarray,
    hit_ends: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The code point of the character right before each match and right after it in its
    text (``locate``'s layout and ``text``), or -1 where the text has none."""
    n = hit_starts.size
    before = np.full(n, -1, dtype=np.int64)
    after = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        low = text_starts[text[i]]
        p = hit_starts[i]
        if p > low:
            p -= 1
            while p > low and not _starts_char(data[p]):
                p -= 1
            before[i] = _code_point(data, p)
        if hit_ends[i] < text_starts[text[i] + 1]:
            after[i] = _code_point(data, hit_ends[i])
    return before, after


@njit(cache=True, nogil=True)
def _code_point(data: np.ndarray, at: int) -> np.int64:  # pragma: no cover - compiled
    """The code point of the UTF-8 character that starts at ``at``."""
    lead = np.int64(data[at])
    if lead < 0x80:
        return lead
    if lead < 0xE0:
        width, point = 2, lead & 0x1F
    elif lead < 0xF0:
        width, point = 3, lead & 0x0F
    else:
        width, point = 4, lead & 0x07
    for k in range(1, width):
        point = (point << 6) | (np.int64(data[at + k]) & 0x3F)
    return point


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


# An Arrow string view holds a string of up to this many bytes in itself.
VIEW_INLINE = 12


@njit(cache=True, nogil=True)
def string_views(
    data: np.ndarray, lows: np.ndarray, highs: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """``data[lows[i] : highs[i]]`` for every i as the views of an Arrow string-view
    array over ``data`` (its one data buffer; every offset under 2**31): 16 bytes a
    string, its length, then the string itself where it holds VIEW_INLINE bytes or
    fewer, else its first four bytes, buffer 0 and its offset (little endian). No byte
    of a string is copied but those."""
    n = lows.size
    out = np.zeros(n * 16, dtype=np.uint8)
    for i in range(n):
        low = lows[i]
        size = highs[i] - low
        at = i * 16
        for k in range(4):
            out[at + k] = (size >> (8 * k)) & 0xFF
        if size <= VIEW_INLINE:
            for k in range(size):
                out[at + 4 + k] = data[low + k]
        else:
            for k in range(4):
                out[at + 4 + k] = data[low + k]
                out[at + 12 + k] = (low >> (8 * k)) & 0xFF
    return out


@njit(cache=True, nogil=True)
def meaning_rows(
    spellings: np.ndarray, offsets: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Each span (by its spelling, ``spellings``) with each of its meanings, a pair each:
    the span's index and the meaning's row, ``rows[offsets[p] : offsets[p + 1]]`` for
    spelling p (``resolve._Spelled``). (By numpy's repeats, gathers and sums, a 31 MB
    chunk's 132,000 spans took 4 ms for each kind; so, under 1.)"""
    total = 0
    for i in range(spellings.size):
        total += offsets[spellings[i] + 1] - offsets[spellings[i]]
    span_rows = np.empty(total, dtype=np.int64)
    meanings = np.empty(total, dtype=np.int64)
    k = 0
    for i in range(spellings.size):
        for m in range(offsets[spellings[i]], offsets[spellings[i] + 1]):
            span_rows[k] = i
            meanings[k] = rows[m]
            k += 1
    return span_rows, meanings
