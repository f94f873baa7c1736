"""What a candidate's context holds at its edges, read once as it is cut (numba).

Most checks of ``context`` look only at the first characters after a match or the last
before it ("^\\s(?:Sea|Gulf|...)", "of\\s$", "^['’]s"), yet a regular expression run by
polars costs some 40 ns a row whatever it reads: a 31 MB chunk's 87,000 country rows
took 4 to 9 ms for each. ``edge_marks`` reads those few bytes of every context in one
compiled pass and sets a bit for each shape a check needs; the check's regular
expression then runs on the rows with its bit only (``context.only_marked``).

A bit is a necessary condition, never the check itself: set wherever the check can
hold, and also where a character outside ASCII stands in the bytes it reads (a
no-break space is a ``\\s``, a capital may be "É"), so the expression still decides
every case it decided before.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# The bits, and the checks each one gates.
AFTER_DASH = 1  # after starts with "-", "‐" or "‑" (hyphen_joined, government_after)
BEFORE_DASH = 2  # before ends with one (hyphen_joined)
AFTER_COMMA = 4  # after starts with "," (us_town)
AFTER_APOSTROPHE = 8  # after starts with "'" or "’" (possessive_after)
AFTER_CAPITAL = 16  # after: a space, then a capital (geographic_name, thing_name)
BEFORE_OF = 32  # before ends with "of" and a space (geographic_name, place_name)
AFTER_PARTICLE = 128  # after: a space, then a, e, b or i (name_goes_on: al-, bin)
AFTER_SUFFIX = 256  # after: a comma or not, a space, then J, S or I (Jr., Sr., III)
AFTER_GOVERNMENT = 512  # after: "'s", a dash, or spaces then A, a, R or r (government_after)
TICKER = 1024  # before ends with "<" and after starts with ">"


_SPACE_NEXT = AFTER_CAPITAL | AFTER_PARTICLE | AFTER_SUFFIX | AFTER_GOVERNMENT


def _pairs() -> np.ndarray:
    """The bits the two bytes after a space allow (``pairs[first << 8 | second]``; 0 for
    a byte past the end): a capital; the start of a particle (al, el, bin, ibn, ben),
    a suffix (Jr, Sr, II, IV) or a government (Administration, Regime), all ASCII words;
    more spaces, or a character outside ASCII, allow all four."""
    pairs = np.zeros(1 << 16, dtype=np.uint16)
    for first in [*range(0x80, 0x100), 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]:
        pairs[first << 8 : (first + 1) << 8] = _SPACE_NEXT
    pairs[0x41 << 8 : 0x5B << 8] |= AFTER_CAPITAL
    for bit, starts in (
        (AFTER_PARTICLE, "al Al AL el El EL bi Bi BI ib Ib IB be Be"),
        (AFTER_SUFFIX, "Jr JR Sr SR II IV"),
        (AFTER_GOVERNMENT, "Ad ad AD Re re RE"),
    ):
        for pair in starts.split():
            pairs[ord(pair[0]) << 8 | ord(pair[1])] |= bit
    return pairs


PAIRS = _pairs()


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
def _point(
    data: np.ndarray, i: np.int64, end: np.int64
) -> tuple[np.int64, np.int64]:  # pragma: no cover
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


@njit(cache=True, nogil=True)
def _after_marks_wide(
    data: np.ndarray, i: np.int64, end: np.int64, pairs: np.ndarray
) -> int:  # pragma: no cover - compiled
    if i >= end:
        return 0
    point, width = _point(data, i, end)
    if _is_space(point):
        j = i + width
        return int(pairs[_byte(data, j, end) << 8 | _byte(data, j + 1, end)])
    if point == 0x2C:  # ",": then a space and a suffix (Malta, N.Y.; Trump, Jr.)
        marks = AFTER_COMMA
        space, width = _point(data, i + 1, end) if i + 1 < end else (np.int64(0), np.int64(1))
        if _is_space(space):
            j = i + 1 + width
            marks |= int(pairs[_byte(data, j, end) << 8 | _byte(data, j + 1, end)]) & AFTER_SUFFIX
        return marks
    if point == 0x27 or point == 0x2019:  # "'", "’"
        return AFTER_APOSTROPHE | AFTER_GOVERNMENT
    if point == 0x2D or point == 0x2010 or point == 0x2011:
        return AFTER_DASH | AFTER_GOVERNMENT
    if point == 0x3E:  # ">"
        return TICKER
    return 0


@njit(cache=True, nogil=True)
def _before_marks_wide(data: np.ndarray, start: np.int64, end: np.int64) -> int:  # pragma: no cover
    if start >= end:
        return 0
    lead = end - 1
    while lead > start and (data[lead] & 0xC0) == 0x80:
        lead -= 1
    point, _ = _point(data, lead, end)
    if point == 0x2D or point == 0x2010 or point == 0x2011:
        return BEFORE_DASH
    if point == 0x3C:  # "<"
        return TICKER
    if not _is_space(point):
        return 0
    if lead - 2 >= start and data[lead - 2] == 0x6F and data[lead - 1] == 0x66:  # "of"
        return BEFORE_OF
    return 0


@njit(cache=True, nogil=True, inline="always")
def _ascii_space(byte: np.int64) -> bool:  # pragma: no cover - compiled
    return bool(byte == 0x20 or 0x09 <= byte <= 0x0D)


@njit(cache=True, nogil=True)
def edge_marks(
    before_data: np.ndarray,
    before_lows: np.ndarray,
    before_highs: np.ndarray,
    after_data: np.ndarray,
    after_lows: np.ndarray,
    after_highs: np.ndarray,
    pairs: np.ndarray = PAIRS,
) -> np.ndarray:  # pragma: no cover - compiled
    """The bits of each candidate's context: ``before`` is
    ``before_data[before_lows[i] : before_highs[i]]``, ``after`` likewise (UTF-8)."""
    n = before_lows.size
    out = np.empty(n, dtype=np.uint16)
    # Read at once where the edge is ASCII (most are: the loop that reads any
    # character, for all of them, took five times as long).
    for i in range(n):
        start, end = before_lows[i], before_highs[i]
        before = 0
        if start < end:
            last = np.int64(before_data[end - 1])
            if last >= 0x80:
                before = _before_marks_wide(before_data, start, end)
            elif last == 0x2D:
                before = BEFORE_DASH
            elif last == 0x3C:  # "<"
                before = TICKER
            elif _ascii_space(last):
                if (
                    end - 3 >= start
                    and before_data[end - 3] == 0x6F
                    and before_data[end - 2] == 0x66
                ):
                    before = BEFORE_OF  # "of "
        start, end = after_lows[i], after_highs[i]
        after = 0
        if start < end:
            first = np.int64(after_data[start])
            if first >= 0x80:
                after = _after_marks_wide(after_data, start, end, pairs)
            elif first == 0x2C:  # ",": then a space, and a suffix (Trump, Jr.)
                second = _byte(after_data, start + 1, end)
                if second >= 0x80:
                    after = _after_marks_wide(after_data, start, end, pairs)
                else:
                    after = AFTER_COMMA
                    if _ascii_space(second):
                        pair = _byte(after_data, start + 2, end) << 8 | _byte(
                            after_data, start + 3, end
                        )
                        after |= pairs[pair] & AFTER_SUFFIX
            elif _ascii_space(first):
                after = pairs[
                    _byte(after_data, start + 1, end) << 8 | _byte(after_data, start + 2, end)
                ]
            elif first == 0x27:  # "'"
                after = AFTER_APOSTROPHE | AFTER_GOVERNMENT
            elif first == 0x2D:
                after = AFTER_DASH | AFTER_GOVERNMENT
            elif first == 0x3E:  # ">"
                after = TICKER
        # TICKER needs both sides.
        out[i] = ((before | after) & ~TICKER) | (before & after & TICKER)
    return out
