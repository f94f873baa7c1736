"""The matching copy of texts with odd whitespace, and the way back to them, compiled (numba).

Wire copy wraps lines mid-name ("Yasuhiro\\nNakasone"), so names are matched in a copy of
such a text (``analytics.extraction.matcher``) where every whitespace run is one
character: a paragraph mark (``\\x01``) where the run holds two line breaks or more, else a
space; NULs and ``\\x01`` count as whitespace, and the hyphens U+2010 and U+2011 become
ASCII ones. Whitespace is what a regular expression's ``\\s`` matches in polars (Unicode's
White_Space). Each place where the copy is shorter in bytes than the text is recorded,
with the bytes the copy has lost up to and including it, so a match's bytes in the copy
map back to the text as written, where its offsets in characters, its surface and its
context are read.

The copy is made in one pass over the text's bytes: in polars (four regular expressions,
then the runs extracted, split and counted, and four slices by characters of the whole
text for each match) a 31 MB chunk of wrapped text took 1.4 s; a slice by characters
reads the text from its start. Compiled on first use and cached beside this file
(``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from analytics.extraction.span_kernels import _chars, _starts_char, chars_ahead, chars_back

PARAGRAPH_MARK = 0x01
SPACE = 0x20
HYPHEN = 0x2D


@njit(cache=True, nogil=True, inline="always")
def _regex_space_width(data: np.ndarray, at: int, end: int) -> int:  # pragma: no cover
    """The bytes of the whitespace character at ``at`` (``\\s``), or 0."""
    return 0 if np.int64(data[at]) <= 0x01 else _space_width(data, at, end)


@njit(cache=True, nogil=True, inline="always")
def _space_width(data: np.ndarray, at: int, end: int) -> int:  # pragma: no cover - compiled
    """The bytes of the whitespace character at ``at`` (``\\s``, NUL or ``\\x01``), or 0."""
    # Every byte compared as int64: compared as uint8, this took 20 ns a byte.
    byte = np.int64(data[at])
    if byte < 0x80:
        return 1 if byte == 0x20 or 0x09 <= byte <= 0x0D or byte <= 0x01 else 0
    if at + 1 >= end:
        return 0
    second = np.int64(data[at + 1])
    if byte == 0xC2:  # U+0085, U+00A0
        return 2 if second == 0x85 or second == 0xA0 else 0
    if at + 2 >= end:
        return 0
    third = np.int64(data[at + 2])
    if byte == 0xE1:  # U+1680
        return 3 if second == 0x9A and third == 0x80 else 0
    if byte == 0xE2:  # U+2000-U+200A, U+2028, U+2029, U+202F; U+205F
        if second == 0x80:
            return 3 if third <= 0x8A or third == 0xA8 or third == 0xA9 or third == 0xAF else 0
        return 3 if second == 0x81 and third == 0x9F else 0
    if byte == 0xE3:  # U+3000
        return 3 if second == 0x80 and third == 0x80 else 0
    return 0


_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)
_LOWS = np.uint64(0x7F7F7F7F7F7F7F7F)


@njit(cache=True, nogil=True, inline="always")
def _zero_bytes(word: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """The top bit of each byte of ``word`` that is 0, and no other bit."""
    return ~(((word & _LOWS) + _LOWS) | word | _LOWS)


@njit(cache=True, nogil=True, inline="always")
def _is(word: np.uint64, byte: int) -> np.uint64:  # pragma: no cover - compiled
    """The top bit of each byte of ``word`` that is ``byte``."""
    return _zero_bytes(word ^ (_ONES * np.uint64(byte)))


@njit(cache=True, nogil=True, inline="always")
def _odd_word(
    word: np.uint64, before: np.uint64, after: np.uint64
) -> np.uint64:  # pragma: no cover - compiled
    """The top bit of each byte of ``word`` that ends what ``needs_copy`` looks for
    (``_odd_at`` byte by byte), read with the word before it and the word after it
    (``before``, ``after``: all line breaks where the text has no byte)."""
    left = (word << np.uint64(8)) | (before >> np.uint64(56))  # each byte's byte before
    left2 = (word << np.uint64(16)) | (before >> np.uint64(48))
    right = (word >> np.uint64(8)) | (after << np.uint64(56))
    controls = _is(word, 0x00) | _is(word, 0x01) | _is(word, 0x09) | _is(word, 0x0D)
    wrapped = _is(word, 0x0A) & ~_is(left, 0x0A) & ~_is(right, 0x0A)
    spaces = _is(word, 0x20) & _is(left, 0x20)
    no_break = _is(word, 0xA0) & _is(left, 0xC2)
    hyphen = _is(word & (_ONES * np.uint64(0xFE)), 0x90) & _is(left, 0x80) & _is(left2, 0xE2)
    return controls | wrapped | spaces | no_break | hyphen


@njit(cache=True, nogil=True, inline="always")
def _odd_at(data: np.ndarray, at: int, low: int, high: int) -> bool:  # pragma: no cover
    """Whether the byte at ``at`` of the text ``data[low:high]`` ends or is one of what
    ``needs_copy`` looks for (each found at its last byte, so a word's bytes are read
    with the bytes before them)."""
    byte = np.int64(data[at])
    if byte == 0x00 or byte == 0x01 or byte == 0x09 or byte == 0x0D:
        return True
    # Each result an ``&`` of bools: returned as ``x and y``, a call took 17 ns, ten times
    # as long. Every byte compared as int64 (``_space_width``).
    if byte == 0x0A:  # a line break between two characters that are none
        if at <= low or at >= high - 1:
            return False
        return (np.int64(data[at - 1]) != 0x0A) & (np.int64(data[at + 1]) != 0x0A)
    if at <= low:
        return False
    previous = np.int64(data[at - 1])
    if byte == 0x20:
        return previous == 0x20
    if byte == 0xA0:
        return previous == 0xC2
    if byte == 0x90 or byte == 0x91:
        if at - 1 <= low:
            return False
        return (np.int64(data[at - 2]) == 0xE2) & (previous == 0x80)
    return False


@njit(cache=True, nogil=True)
def needs_copy(data: np.ndarray, words: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each text ``data[starts[t] : starts[t + 1]]`` (UTF-8; ``words``: ``data``'s
    64-bit words, ``span_kernels.as_words``), whether it holds what a matching copy
    changes: NUL, ``\\x01``, a tab, a carriage return, a no-break space (U+00A0), a
    Unicode hyphen (U+2010, U+2011), two spaces, or a line break with a character on each
    side that is none (a wrapped line; a blank line is a paragraph's end). Read a word at
    a time where it can be: most words hold none of the bytes these are made of. (Eight
    searches of polars over the texts took 40 ms of a 31 MB chunk.)"""  # pragma: no cover
    texts = starts.size - 1
    out = np.zeros(texts, dtype=np.bool_)
    none = _ONES * np.uint64(0x0A)  # no byte: as a line break, no character
    for t in range(texts):
        low, high = starts[t], starts[t + 1]
        first = (low + 7) >> 3  # the text's whole words
        last = max(first, high >> 3)
        head = min(high, first << 3)
        tail = max(head, last << 3)
        for at in range(low, head):
            out[t] |= _odd_at(data, at, low, high)
        if first < last:
            before = none
            if head > low:  # its last byte (the text's), the one before (any: see hyphen)
                before = np.uint64(data[head - 1]) << np.uint64(56)
                if head - 2 >= 0:
                    before |= np.uint64(data[head - 2]) << np.uint64(48)
            after = np.uint64(data[tail]) if tail < high else none
            if first + 1 == last:
                found = _odd_word(words[first], before, after)
            else:
                found = _odd_word(words[first], before, words[first + 1])
                found |= _odd_word(words[last - 1], words[last - 2], after)
                for w in range(first + 1, last - 1):  # no branch: vectorised by LLVM
                    found |= _odd_word(words[w], words[w - 1], words[w + 1])
            out[t] |= found != 0
        for at in range(tail, high):
            out[t] |= _odd_at(data, at, low, high)
    return out


def plain_copy(data: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, ...]:
    """The matching copies of the texts ``data[starts[t] : starts[t + 1]]`` (UTF-8): their
    bytes and offsets (text t's copy is ``copy[copy_starts[t] : copy_starts[t + 1]]``),
    and each text's records (``record_starts``, as the copies): the byte in the copy
    (from the copy's start) of each run or hyphen the copy writes shorter, and the bytes
    the copy has lost up to and including it."""
    texts = starts.size - 1
    copy = np.empty(data.size, dtype=np.uint8)  # a copy is never longer than its text
    copy_starts = np.empty(texts + 1, dtype=np.int64)
    record_starts = np.empty(texts + 1, dtype=np.int64)
    record_at = np.empty(data.size // 64 + 16, dtype=np.int64)
    record_lost = np.empty_like(record_at)
    state = np.zeros(5, dtype=np.int64)  # text, byte, byte of the copies, records, lost
    if texts:
        state[1] = starts[0]
    # The compiled loop stops where the records are full, and goes on with more room:
    # growing them inside it (an array variable assigned in the loop) made every byte
    # 25 times slower.
    while not _copy(data, starts, copy, copy_starts, record_at, record_lost, record_starts, state):
        record_at = np.concatenate([record_at, np.empty_like(record_at)])
        record_lost = np.concatenate([record_lost, np.empty_like(record_lost)])
    out, records = state[2], state[3]
    copy_starts[texts] = out
    record_starts[texts] = records
    return copy[:out], copy_starts, record_at[:records], record_lost[:records], record_starts


@njit(cache=True, nogil=True)
def _copy(
    data: np.ndarray,
    starts: np.ndarray,
    copy: np.ndarray,
    copy_starts: np.ndarray,
    record_at: np.ndarray,
    record_lost: np.ndarray,
    record_starts: np.ndarray,
    state: np.ndarray,
) -> bool:  # pragma: no cover - compiled
    """``plain_copy``'s loop, from ``state`` on (and kept there): True when every text is
    copied, False when the records are full."""
    t, i, out, records, lost = state[0], state[1], state[2], state[3], state[4]
    capacity = record_at.size
    texts = starts.size - 1
    while t < texts:
        if i == starts[t]:
            copy_starts[t] = out
            record_starts[t] = records
            lost = 0
        copy_from = copy_starts[t]
        end = starts[t + 1]
        while i < end:
            byte = np.int64(data[i])
            if 0x21 <= byte < 0x80:  # most bytes: printable ASCII, as they are
                copy[out] = byte
                out += 1
                i += 1
                continue
            if records == capacity:
                state[0], state[1], state[2], state[3], state[4] = t, i, out, records, lost
                return False
            width = _space_width(data, i, end)
            if width:
                run_from = i
                breaks = 0
                while width:
                    breaks += np.int64(data[i]) == 0x0A
                    i += width
                    width = _space_width(data, i, end) if i < end else 0
                copy[out] = PARAGRAPH_MARK if breaks >= 2 else SPACE
                shorter = i - run_from - 1
            elif (
                np.int64(data[i]) == 0xE2
                and i + 2 < end
                and np.int64(data[i + 1]) == 0x80
                and 0x90 <= np.int64(data[i + 2]) <= 0x91
            ):
                copy[out] = HYPHEN  # U+2010, U+2011
                i += 3
                shorter = 2
            else:
                copy[out] = data[i]
                i += 1
                shorter = 0
            if shorter:
                lost += shorter
                record_at[records] = out - copy_from
                record_lost[records] = lost
                records += 1
            out += 1
        t += 1
        if t < texts:
            i = starts[t]
    state[0], state[1], state[2], state[3], state[4] = t, i, out, records, lost
    return True


@njit(cache=True, nogil=True)
def as_written(
    data: np.ndarray,
    words: np.ndarray,
    counts: np.ndarray,
    starts: np.ndarray,
    record_at: np.ndarray,
    record_lost: np.ndarray,
    record_starts: np.ndarray,
    text: np.ndarray,
    copy_start: np.ndarray,
    copy_end: np.ndarray,
    context_chars: int,
) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    """For matches at bytes ``copy_start``/``copy_end`` (from the start of text
    ``text[i]``'s copy; in order of text, then place) of the copies ``plain_copy`` made of
    ``data`` (``words``, ``counts``: ``span_kernels.continuations(data)``): each one's
    start and end in characters of the text as written, and the byte bounds (in
    ``data``) of up to ``context_chars`` characters before it, of it, and of up to
    ``context_chars`` characters after it, within its text."""
    n = text.size
    start = np.empty(n, dtype=np.int64)
    end = np.empty(n, dtype=np.int64)
    before_from = np.empty(n, dtype=np.int64)
    start_byte = np.empty(n, dtype=np.int64)
    end_byte = np.empty(n, dtype=np.int64)
    after_to = np.empty(n, dtype=np.int64)
    current = -1
    pos = 0
    chars = 0
    record = 0
    for i in range(n):
        t = text[i]
        if t != current:
            current = t
            pos = starts[t]
            chars = 0
            record = record_starts[t]
        last = record_starts[t + 1]
        # A byte of the copy after a record lies that record's lost bytes further on.
        while record < last and record_at[record] < copy_start[i]:
            record += 1
        low = (
            starts[t]
            + copy_start[i]
            + (record_lost[record - 1] if record > record_starts[t] else 0)
        )
        ahead = record
        while ahead < last and record_at[ahead] < copy_end[i]:
            ahead += 1
        high = starts[t] + copy_end[i] + (record_lost[ahead - 1] if ahead > record_starts[t] else 0)
        chars += _chars(data, words, counts, pos, low)
        start[i] = chars
        chars += _chars(data, words, counts, low, high)
        end[i] = chars
        pos = high
        start_byte[i] = low
        end_byte[i] = high

        before_from[i] = chars_back(data, words, counts, low, starts[t], context_chars)
        after_to[i] = chars_ahead(data, words, counts, high, starts[t + 1], context_chars)
    return start, end, before_from, start_byte, end_byte, after_to


@njit(cache=True, nogil=True)
def plain_text(
    data: np.ndarray, lows: np.ndarray, highs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``data[lows[i] : highs[i]]`` (UTF-8, cut on characters) for every i as the rules
    read a context, as the offsets and bytes of an Arrow string array: every whitespace
    run one space, or a blank line (two line breaks) where it holds two line breaks or
    more; NULs and ``\\x01`` whitespace; the hyphens U+2010 and U+2011 ASCII ones.
    (Runs and hyphens are read as ``_copy`` reads them, written out again: the same steps
    as helper functions, inlined by numba or not, made both loops 1.6 to 3.5 times
    slower.)"""
    n = lows.size
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    size = 0
    for k in range(n):
        size += highs[k] - lows[k]
    out = np.empty(size, dtype=np.uint8)  # never longer: a blank line stands for 2+ bytes
    o = 0
    for k in range(n):
        i = lows[k]
        end = highs[k]
        while i < end:
            byte = np.int64(data[i])
            if 0x21 <= byte < 0x80:  # most bytes: printable ASCII, as they are
                out[o] = byte
                o += 1
                i += 1
                continue
            width = _space_width(data, i, end)
            if width:
                breaks = 0
                while width:
                    breaks += np.int64(data[i]) == 0x0A
                    i += width
                    width = _space_width(data, i, end) if i < end else 0
                if breaks >= 2:
                    out[o] = 0x0A
                    out[o + 1] = 0x0A
                    o += 2
                else:
                    out[o] = SPACE
                    o += 1
            elif (
                np.int64(data[i]) == 0xE2
                and i + 2 < end
                and np.int64(data[i + 1]) == 0x80
                and 0x90 <= np.int64(data[i + 2]) <= 0x91
            ):
                out[o] = HYPHEN
                i += 3
                o += 1
            else:
                out[o] = data[i]
                i += 1
                o += 1
        offsets[k + 1] = o
    return offsets, out[:o]


@njit(cache=True, nogil=True)
def title_starts(
    data: np.ndarray, offsets: np.ndarray, titles: np.ndarray, title_offsets: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """For each text ``data[offsets[k] : offsets[k + 1]]`` (a context before a name, as
    written) and title ``titles[title_offsets[k] : title_offsets[k + 1]]`` (as the rules
    read it, its whitespace made plain): the byte where the title starts in the text,
    the text's last characters holding as many that are not whitespace (``\\S``) as the
    title, or -1 where the text holds fewer."""
    n = offsets.size - 1
    found = np.full(n, -1, dtype=np.int64)
    for k in range(n):
        wanted = 0
        i = title_offsets[k]
        end = title_offsets[k + 1]
        while i < end:
            width = _regex_space_width(titles, i, end)
            if width:
                i += width
            else:
                wanted += 1
                i += 1
                while i < end and not _starts_char(titles[i]):
                    i += 1
        low = offsets[k]
        high = offsets[k + 1]
        q = high
        while wanted and q > low:
            c = q - 1
            while c > low and not _starts_char(data[c]):
                c -= 1
            if not _regex_space_width(data, c, high):
                wanted -= 1
                if not wanted:
                    found[k] = c
            q = c
    return found
