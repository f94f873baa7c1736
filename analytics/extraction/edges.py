"""The shapes a candidate's context holds at its edges, as bits: what they mean, and
the tables the compiled pass that sets them reads (``edge_kernels.edge_marks``).

Most checks of ``context`` look only at the last characters before a match or the
first after it ("of\\s$", "^\\s(?:Sea|Gulf|...)", "^['’]s", a title before a name), yet
a regular expression run by polars costs some 40 ns a row whatever it reads, and more
where the row's context is far from the last one read: a 31 MB chunk's 87,000 country
rows took 4 to 9 ms for each. The matcher marks each candidate's edges once, as it cuts
its context (the column ``edges``); a check's regular expression then runs on the rows
with its bit only (``context.marked``, ``context.only_marked``).

A bit is a necessary condition, never the check itself: set wherever the check can
hold, and also where a character outside ASCII stands in the bytes it reads and is not
decoded (a space may be a no-break one, a capital "É"), so the expression still decides
every case it decided before. Kept apart from the kernel: the rules import these bits,
and numba (a quarter of a second) loads only where the matcher first runs.
"""

from __future__ import annotations

import numpy as np

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
SPACE_NEXT = (
    AFTER_CAPITAL
    | AFTER_PARTICLE
    | AFTER_SUFFIX
    | AFTER_GOVERNMENT
    | AFTER_NAME_HEAD
    | AFTER_GEOGRAPHIC_HEAD
    | AFTER_PLACE_HEAD
)
# What a space at the end of before may follow, where it is not read.
SPACE_BEFORE = BEFORE_OF | BEFORE_INITIAL | BEFORE_TITLE | BEFORE_NAME | AMPERSAND


def _pairs() -> np.ndarray:
    """The bits the two bytes after a space allow, shifted down by eight
    (``pairs[first << 7 | second]``, both ASCII; 0 for a byte past the end or outside
    ASCII): a capital, or the first two letters of a word a check looks for there (all
    ASCII, none shorter than two); more spaces allow them all. 16 KB: in the first
    cache, as 64K entries of 32 bits were not (the pass took 7.4 ms a chunk)."""
    pairs = np.zeros(1 << 14, dtype=np.uint8)
    for first in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20):
        pairs[first << 7 : (first + 1) << 7] = SPACE_NEXT >> 8
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
