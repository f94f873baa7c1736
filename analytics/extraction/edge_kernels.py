"""The compiled pass that marks each candidate's context at its edges (numba): the
bits and their tables are ``edges``'s."""

from __future__ import annotations

import numpy as np
from numba import njit

from analytics.extraction.edges import (
    AFTER_APOSTROPHE,
    AFTER_DASH,
    AFTER_GOVERNMENT,
    AFTER_STATE,
    AFTER_SUFFIX,
    AMPERSAND,
    BEFORE_DASH,
    BEFORE_INITIAL,
    BEFORE_NAME,
    BEFORE_OF,
    BEFORE_TITLE,
    PAIRS,
    SPACE_BEFORE,
    SPACE_NEXT,
    TICKER,
    TITLE_ENDS,
)


@njit(cache=True, nogil=True, inline="always")
def _is_space(point: np.int64) -> bool:  # pragma: no cover - compiled
    """``point`` is a regular expression's ``\\s`` (Unicode's White_Space)."""
    return bool(
        point == 0x20
        or 0x09 <= point <= 0x0D
        or point == 0x85
        or point == 0xA0
        or point == 0x1680
        or 0x2000 <= point <= 0x200A
        or point == 0x2028
        or point == 0x2029
        or point == 0x202F
        or point == 0x205F
        or point == 0x3000
    )


@njit(cache=True, nogil=True, inline="always")
def _ascii_space(byte: np.int64) -> bool:  # pragma: no cover - compiled
    return bool(byte == 0x20 or 0x09 <= byte <= 0x0D)


@njit(cache=True, nogil=True, inline="always")
def _letter(byte: np.int64) -> bool:  # pragma: no cover - compiled
    return bool(0x61 <= (byte | 0x20) <= 0x7A)


@njit(cache=True, nogil=True, inline="always")
def _point(
    data: np.ndarray, i: np.int64, end: np.int64
) -> tuple[np.int64, np.int64]:  # pragma: no cover - compiled
    """The code point that starts at byte ``i`` and its width in bytes (-1, 1 where the
    bytes are no well-formed character)."""
    lead = np.int64(data[i])
    if lead < 0x80:
        return lead, np.int64(1)
    width = 2 if lead < 0xE0 else (3 if lead < 0xF0 else 4)
    if lead < 0xC0 or i + width > end:
        return np.int64(-1), np.int64(1)
    point = lead & (0x1F if width == 2 else (0x0F if width == 3 else 0x07))
    for k in range(1, width):
        point = (point << 6) | (np.int64(data[i + k]) & 0x3F)
    return point, np.int64(width)


@njit(cache=True, nogil=True, inline="always")
def _byte(data: np.ndarray, i: np.int64, end: np.int64) -> np.int64:  # pragma: no cover
    return np.int64(data[i]) if i < end else np.int64(0)


@njit(cache=True, nogil=True, inline="always")
def _after_space(
    data: np.ndarray, i: np.int64, end: np.int64, pairs: np.ndarray
) -> int:  # pragma: no cover - compiled
    """The bits the two bytes at ``i``, right after a space, allow (``_pairs``)."""
    first = _byte(data, i, end)
    if first >= 0x80:
        return SPACE_NEXT
    second = _byte(data, i + 1, end)
    return int(np.int64(pairs[first << 7 | (second if second < 0x80 else 0)]) << 8)


@njit(cache=True, nogil=True, inline="always")
def _dash_government(data: np.ndarray, i: np.int64, end: np.int64) -> int:  # pragma: no cover
    """AFTER_GOVERNMENT where the byte after a dash, at ``i``, may start "Era", "era" or
    a capitalised name ("-Harris Administration")."""
    byte = _byte(data, i, end)
    return AFTER_GOVERNMENT if 0x41 <= byte <= 0x5A or (byte | 0x20) == 0x65 or byte >= 0x80 else 0


@njit(cache=True, nogil=True)
def _after_wide(
    data: np.ndarray, i: np.int64, end: np.int64, pairs: np.ndarray
) -> int:  # pragma: no cover - compiled
    """The bits of an ``after`` whose first or second character is outside ASCII."""
    point, width = _point(data, i, end)
    if _is_space(point):
        return _after_space(data, i + width, end, pairs) | AMPERSAND
    if point == 0x2C:  # ",": then a space, a suffix or a state (Trump, Jr.; Malta, N.Y.)
        if i + 1 >= end:
            return 0
        space, width = _point(data, i + 1, end)
        if not _is_space(space):
            return 0
        return _after_space(data, i + 1 + width, end, pairs) & (AFTER_SUFFIX | AFTER_STATE)
    if point == 0x2019:  # "’", and "s": a possessive, "’s administration"
        return AFTER_APOSTROPHE | (AFTER_GOVERNMENT if _byte(data, i + width, end) == 0x73 else 0)
    if point == 0x2010 or point == 0x2011:
        return AFTER_DASH | _dash_government(data, i + width, end)
    return 0


@njit(cache=True, nogil=True)
def _before_wide(data: np.ndarray, start: np.int64, end: np.int64) -> int:  # pragma: no cover
    """The bits of a ``before`` that ends with a character outside ASCII."""
    lead = end - 1
    while lead > start and (data[lead] & 0xC0) == 0x80:
        lead -= 1
    point, _ = _point(data, lead, end)
    if point == 0x2010 or point == 0x2011:
        return BEFORE_DASH
    return SPACE_BEFORE if _is_space(point) else 0


def edge_marks(*contexts: np.ndarray) -> np.ndarray:
    """The bits of each candidate's context (``analytics.extraction.edges``), given
    ``before_data, before_lows, before_highs, after_data, after_lows, after_highs``:
    ``before`` is ``before_data[before_lows[i] : before_highs[i]]``, ``after`` likewise
    (UTF-8). (The tables are passed, not defaults of the compiled loop: numba keys its
    cache by a default's value, and compiled the loop anew in every process, 1.3 s.)"""
    before_data, before_lows, before_highs, after_data, after_lows, after_highs = contexts
    return _edge_marks(
        before_data,
        before_lows,
        before_highs,
        after_data,
        after_lows,
        after_highs,
        PAIRS,
        TITLE_ENDS,
    )


@njit(cache=True, nogil=True)
def _edge_marks(
    before_data: np.ndarray,
    before_lows: np.ndarray,
    before_highs: np.ndarray,
    after_data: np.ndarray,
    after_lows: np.ndarray,
    after_highs: np.ndarray,
    pairs: np.ndarray,
    title_ends: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    n = before_lows.size
    out = np.empty(n, dtype=np.uint32)
    # One loop, each side read at once where it is ASCII (most are): the same steps as
    # helper functions, inlined by numba or not, took three to four times as long.
    for i in range(n):
        data, start, end = before_data, before_lows[i], before_highs[i]
        before = 0
        last = np.int64(data[end - 1]) if start < end else np.int64(0)
        if last >= 0x80:
            before = _before_wide(data, start, end)
        elif last == 0x2D:
            before = BEFORE_DASH
        elif last == 0x3C:  # "<"
            before = TICKER
        elif last == 0x26:  # "&"
            before = AMPERSAND
        elif _ascii_space(last):
            # One space: "of ", "T. ".
            p = end - 2
            if p - 1 >= start:
                c = np.int64(data[p])
                if c == 0x66 and data[p - 1] == 0x6F:  # "of"
                    before |= BEFORE_OF
                elif c == 0x2E and (0x41 <= data[p - 1] <= 0x5A or data[p - 1] >= 0x80):
                    before |= BEFORE_INITIAL
            # The word before the spaces, read back once: "&"; the last word of a title,
            # any of its endings (after "ex-", a quote, "former" without a space ...);
            # after one space, a capital in it (a name).
            q = end - 1
            while q > start and _ascii_space(np.int64(data[q - 1])):
                q -= 1
            one_space = q == end - 1
            if q > start and data[q - 1] == 0x26:
                before |= AMPERSAND
            # A name: a capital that starts the word's last run of letters, or follows
            # an apostrophe in it ("O'Neil").
            in_name = one_space
            capital = False
            h = np.int64(2166136261)
            k = q - 1
            while k >= start:
                b = np.int64(data[k])
                if b >= 0x80:
                    before |= BEFORE_TITLE | AMPERSAND | (BEFORE_NAME if in_name else 0)
                    in_name = False
                    break
                letter = _letter(b)
                if in_name and not letter:
                    if capital:
                        before |= BEFORE_NAME
                    in_name = bool(b == 0x27)
                capital = bool(0x41 <= b <= 0x5A)
                if not (letter or b == 0x2E or b == 0x2D or b == 0x27):
                    break
                h = ((h ^ b) * 16777619) & 0xFFFFFFFF
                slot = (h ^ (h >> 16)) & 0xFFFF
                if (title_ends[slot >> 6] >> np.uint64(slot & 63)) & np.uint64(1):
                    before |= BEFORE_TITLE
                k -= 1
            if in_name and capital and k < start:  # the run began the context
                before |= BEFORE_NAME
        data, start, end = after_data, after_lows[i], after_highs[i]
        after = 0
        first = np.int64(data[start]) if start < end else np.int64(0)
        if first >= 0x80:
            after = _after_wide(data, start, end, pairs)
        elif _ascii_space(first):
            after = _after_space(data, start + 1, end, pairs)
            k = start + 1
            while k < end and _ascii_space(np.int64(data[k])):
                k += 1
            if k < end and (data[k] == 0x26 or data[k] >= 0x80):  # "&"
                after |= AMPERSAND
        elif first == 0x2C:  # ",": then a space, a suffix or a state (Trump, Jr.)
            second = _byte(data, start + 1, end)
            if second >= 0x80:
                after = _after_wide(data, start, end, pairs)
            elif _ascii_space(second):
                after = _after_space(data, start + 2, end, pairs) & (AFTER_SUFFIX | AFTER_STATE)
        elif first == 0x27:  # "'", and "s": a possessive, "'s administration"
            after = AFTER_APOSTROPHE
            if _byte(data, start + 1, end) == 0x73:
                after |= AFTER_GOVERNMENT
        elif first == 0x2D:
            after = AFTER_DASH | _dash_government(data, start + 1, end)
        elif first == 0x3E:  # ">"
            after = TICKER
        elif first == 0x26:  # "&"
            after = AMPERSAND
        # A ticker needs both sides.
        out[i] = ((before | after) & ~TICKER) | (before & after & TICKER)
    return out
