"""What a candidate's context holds at its edges, read once as it is cut (numba).

Most checks of ``context`` look only at the last characters before a match or the
first after it ("of\\s$", "^\\s(?:Sea|Gulf|...)", "^['’]s", a title before a name), yet
a regular expression run by polars costs some 40 ns a row whatever it reads: a 31 MB
chunk's 87,000 country rows took 4 to 9 ms for each. ``edge_marks`` reads those few
bytes of every context in one compiled pass and sets a bit for each shape a check
needs; the check's regular expression then runs on the rows with its bit only
(``context.only_where`` with ``context.marked``).

A bit is a necessary condition, never the check itself: set wherever the check can
hold, and also where a character outside ASCII stands in the bytes it reads and is not
decoded (a space may be a no-break one, a capital "É"), so the expression still decides
every case it decided before.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from analytics.extraction.context import title_spellings
from analytics.extraction.inside_names import PLACE_HEADS, US_STATES
from analytics.extraction.word_lists import GEOGRAPHIC_HEADS, NAME_HEADS

# The bits, and the checks each one gates.
AFTER_DASH = 1  # after starts with "-", "‐" or "‑" (hyphen_joined, government_after)
BEFORE_DASH = 2  # before ends with one (hyphen_joined)
AFTER_APOSTROPHE = 8  # after starts with "'" or "’" (possessive_after)
BEFORE_OF = 16  # before ends with "of" and a space (geographic_name, place_name)
BEFORE_INITIAL = 32  # before ends with a capital, "." and a space (prev_is_initial)
TICKER = 64  # before ends with "<" and after starts with ">"
BEFORE_TITLE = 128  # before: a title's last word, then spaces (has_title, title_text)
# What the first two bytes after a space begin (``PAIRS``: these eight bits).
AFTER_CAPITAL = 1 << 8  # a capital (thing_name, next_word)
AFTER_PARTICLE = 1 << 9  # al, el, bin, ibn, ben (name_goes_on)
AFTER_SUFFIX = 1 << 10  # Jr, Sr, II, IV, also after a comma (relative_suffix)
AFTER_GOVERNMENT = 1 << 11  # Ad, Re ..., or "'s", a dash and Era ... (government_after)
AFTER_NAME_HEAD = 1 << 12  # a word of NAME_HEADS (thing_name)
AFTER_GEOGRAPHIC_HEAD = 1 << 13  # a word of GEOGRAPHIC_HEADS (geographic_name)
AFTER_PLACE_HEAD = 1 << 14  # a word of PLACE_HEADS (place_name)
AFTER_STATE = 1 << 15  # after a comma and a space: a U.S. state (us_town: Malta, N.Y.)
BEFORE_NAME = 1 << 16  # before: a capitalised word, then a space (word_before, prev_word)
AMPERSAND = 1 << 17  # an "&" next to the match, across spaces (firm_name)

# What the two bytes after a space may begin, where they are not read.
_SPACE_NEXT = (
    AFTER_CAPITAL
    | AFTER_PARTICLE
    | AFTER_SUFFIX
    | AFTER_GOVERNMENT
    | AFTER_NAME_HEAD
    | AFTER_GEOGRAPHIC_HEAD
    | AFTER_PLACE_HEAD
)
# What a space at the end of before may follow, where it is not read.
_SPACE_BEFORE = BEFORE_OF | BEFORE_INITIAL | BEFORE_TITLE | BEFORE_NAME | AMPERSAND


def _pairs() -> np.ndarray:
    """The bits the two bytes after a space allow, shifted down by eight
    (``pairs[first << 7 | second]``, both ASCII; 0 for a byte past the end or outside
    ASCII): a capital, or the first two letters of a word a check looks for there (all
    ASCII, none shorter than two); more spaces allow them all. 16 KB: in the first
    cache, as 64K entries of 32 bits were not (the pass took 7.4 ms a chunk)."""
    pairs = np.zeros(1 << 14, dtype=np.uint8)
    for first in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20):
        pairs[first << 7 : (first + 1) << 7] = _SPACE_NEXT >> 8
    pairs[0x41 << 7 : 0x5B << 7] |= AFTER_CAPITAL >> 8
    for bit, words in (
        (AFTER_PARTICLE, "al Al AL el El EL bin Bin BIN ibn Ibn IBN ben Ben".split()),
        (AFTER_SUFFIX, "Jr JR Sr SR II IV".split()),
        (AFTER_GOVERNMENT, "Ad ad AD Re re RE".split()),
        (AFTER_NAME_HEAD, NAME_HEADS),
        (AFTER_GEOGRAPHIC_HEAD, (*GEOGRAPHIC_HEADS, *(h.upper() for h in GEOGRAPHIC_HEADS))),
        (AFTER_PLACE_HEAD, PLACE_HEADS),
        (AFTER_STATE, US_STATES),
    ):
        for word in words:
            first, second = word.encode()[:2]
            assert first < 0x80 and second < 0x80, word  # read as ASCII by the pass
            pairs[first << 7 | second] |= bit >> 8
    return pairs


def _word_hash(word: bytes) -> int:
    """A word's slot in ``TITLE_ENDS``, hashed from its last byte back (FNV-1a): the
    compiled loop reads a word from its end and looks up each of its endings."""
    h = 2166136261
    for byte in reversed(word):
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return (h ^ (h >> 16)) & 0xFFFF


def _title_ends() -> np.ndarray:
    """Whether a word (by ``_word_hash``) can be the last word of a title, a bit each
    (8 KB): a superset, a slot of another word taken now and then for one."""
    ends = np.zeros(1 << 10, dtype=np.uint64)
    for title in title_spellings():
        slot = _word_hash(title.split()[-1].encode())
        ends[slot >> 6] |= np.uint64(1) << np.uint64(slot & 63)
    return ends


PAIRS = _pairs()
TITLE_ENDS = _title_ends()


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
        return _SPACE_NEXT
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
    return _SPACE_BEFORE if _is_space(point) else 0


@njit(cache=True, nogil=True)
def edge_marks(
    before_data: np.ndarray,
    before_lows: np.ndarray,
    before_highs: np.ndarray,
    after_data: np.ndarray,
    after_lows: np.ndarray,
    after_highs: np.ndarray,
    pairs: np.ndarray = PAIRS,
    title_ends: np.ndarray = TITLE_ENDS,
) -> np.ndarray:  # pragma: no cover - compiled
    """The bits of each candidate's context: ``before`` is
    ``before_data[before_lows[i] : before_highs[i]]``, ``after`` likewise (UTF-8)."""
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
