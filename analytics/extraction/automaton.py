"""The candidate automaton: every spelling of the gazetteer in one Aho-Corasick machine.

``ahocorasick_rs`` (a wrapper of the Rust ``aho-corasick`` crate) finds the leftmost
match at each place, and of the spellings matching there the first in the gazetteer's
order (longest first, so the longest): the semantics polars' ``str.replace_many(...,
leftmost=True)`` had, with no rewritten copy of the text. It scans UTF-8 bytes (a
batch's texts in one buffer, ``analytics.extraction.matcher``): a spelling is whole
characters, so every match starts and ends on a character's boundary.

The machine starts as a contiguous NFA (built in 0.07 s for the full gazetteer, about
135 MB/s of text per core) and becomes a DFA (built in 1.07 s, 250 MB, about 252 MB/s)
when the faster scan pays for the build: after about 300 MB. A caller that knows how
much text is coming says so (``expect``), and the DFA is built at once for a large
input and never for a smaller one; without that, the machine becomes a DFA once the
NFA has scanned for about as long as the build takes (the ski-rental rule: never much
more than twice the best cost). A test or a small ingest never pays for it.
"""

from __future__ import annotations

import sys
from itertools import chain

import ahocorasick_rs
import numpy as np
import polars as pl

from analytics.extraction.gazetteer import Gazetteer, per_version
from analytics.extraction.spelling import normalise_surface

# Bytes scanned with the NFA before the DFA is built, when the caller did not say how
# many are coming (about 1 s of scanning, as long as the build); ingest workers,
# several to a machine, keep the NFA (see jobs.ingest.workers).
DFA_AFTER_BYTES = 150_000_000
# Bytes to come for which the DFA's build (1.07 s) pays for itself: at 135 and 252
# MB/s, the DFA saves 3.4 ms per MB.
DFA_PAYS_AFTER_BYTES = 300_000_000

_KIND = ahocorasick_rs.MatchKind.LeftmostFirst


class Automaton:
    """Finds the spellings of ``patterns`` (in priority order) in texts."""

    def __init__(self, patterns: list[str], *, dfa_after_bytes: int | None = None) -> None:
        self.patterns = patterns
        self.spellings = pl.Series("surface", patterns, dtype=pl.String)  # by pattern index
        # The key each spelling is looked up by (``normalise_surface``), made once here
        # rather than for each of its matches.
        self.keys = self.spellings.to_frame().select(key=normalise_surface(pl.col("surface")))[
            "key"
        ]
        self._spellings = [p.encode("utf-8") for p in patterns]
        self._machine = ahocorasick_rs.BytesAhoCorasick(
            self._spellings,
            matchkind=_KIND,
            implementation=ahocorasick_rs.Implementation.ContiguousNFA,
        )
        self._dfa_after = DFA_AFTER_BYTES if dfa_after_bytes is None else dfa_after_bytes
        self._scanned = 0
        self._expected: int | None = None
        self.is_dfa = False

    def expect(self, size: int) -> None:
        """About ``size`` bytes of text are coming (an input file's size): build the DFA
        now if they pay for it, else keep the NFA to their end (no build after
        DFA_AFTER_BYTES that the rest of the input cannot pay for). Text scanned past
        them is unannounced.
        A machine that may never become a DFA (an ingest worker's) stays an NFA."""
        self._expected = self._scanned + size
        if not self.is_dfa and size >= DFA_PAYS_AFTER_BYTES and self._dfa_after < sys.maxsize:
            self._build_dfa()

    def scan(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every match in ``data`` (UTF-8 bytes, ``uint8``), in order: the pattern index,
        start and end (byte offsets, end exclusive) of each. A match starts and ends
        on character boundaries (a spelling is whole characters)."""
        self._upgrade(data.size)
        found = self._machine.find_matches_as_indexes(data.data)
        # (pattern, start, end) tuples, flattened: half the time of np.array(found).
        flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=3 * len(found))
        pattern, start, end = np.ascontiguousarray(flat.reshape(-1, 3).T)
        return pattern, start, end

    def _upgrade(self, size: int) -> None:
        self._scanned += size
        if self._expected is not None and self._scanned > self._expected:
            self._expected = None  # the announced input is done: what follows is unknown
        if self.is_dfa or self._scanned < self._dfa_after:
            return
        if self._expected is not None and self._expected - self._scanned < DFA_PAYS_AFTER_BYTES:
            return  # what is left of the announced input does not pay for the build
        self._build_dfa()

    def _build_dfa(self) -> None:
        self._machine = ahocorasick_rs.BytesAhoCorasick(
            self._spellings, matchkind=_KIND, implementation=ahocorasick_rs.Implementation.DFA
        )
        self.is_dfa = True


@per_version
def automaton(gazetteer: Gazetteer) -> Automaton:
    """The automaton of ``gazetteer``'s patterns, built once per process and version."""
    return Automaton(gazetteer.patterns.to_list())
