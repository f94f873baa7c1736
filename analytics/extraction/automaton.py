"""The candidate automaton: every spelling of the gazetteer in one Aho-Corasick machine.

``ahocorasick_rs`` (a wrapper of the Rust ``aho-corasick`` crate) finds the leftmost
match at each place, and of the spellings matching there the first in the gazetteer's
order (longest first, so the longest): the semantics polars' ``str.replace_many(...,
leftmost=True)`` had, with offsets in characters and no rewritten copy of the text.

The machine starts as a contiguous NFA (built in 0.07 s for the full gazetteer, about
116 MB/s of text per core) and becomes a DFA (built in 1.0 s, 250 MB, about 218 MB/s)
when the faster scan pays for the build: after about 250 M characters. A caller that
knows how much text is coming says so (``expect``), and the DFA is built at once for a
large input and never for a smaller one; without that, the machine becomes a DFA once
the NFA has scanned for about as long as the build takes (the ski-rental rule: never
much more than twice the best cost). A test or a small ingest never pays for it.
"""

from __future__ import annotations

import sys
import threading

import ahocorasick_rs

from analytics.extraction.gazetteer import Gazetteer

# Characters scanned with the NFA before the DFA is built, when the caller did not say
# how many are coming (about 1 s of scanning, as long as the build); ingest workers,
# several to a machine, keep the NFA (see jobs.ingest.workers).
DFA_AFTER_CHARS = 100_000_000
# Characters to come for which the DFA's build (1.0 s) pays for itself: at 116 and 218
# MB/s, the DFA saves 4.0 ms per million characters.
DFA_PAYS_AFTER_CHARS = 250_000_000

_KIND = ahocorasick_rs.MatchKind.LeftmostFirst
_LOCK = threading.Lock()
_CACHE: dict[str, Automaton] = {}


class Automaton:
    """Finds the spellings of ``patterns`` (in priority order) in texts."""

    def __init__(self, patterns: list[str], *, dfa_after_chars: int | None = None) -> None:
        self.patterns = patterns
        self._machine = ahocorasick_rs.AhoCorasick(
            patterns, matchkind=_KIND, implementation=ahocorasick_rs.Implementation.ContiguousNFA
        )
        self._dfa_after = DFA_AFTER_CHARS if dfa_after_chars is None else dfa_after_chars
        self._scanned = 0
        self._expected: int | None = None
        self.is_dfa = False

    def expect(self, chars: int) -> None:
        """About ``chars`` characters are coming (an input file's size): build the DFA now
        if they pay for it, else keep the NFA to their end (no build at 100 M that the
        rest of the input cannot pay for). Text scanned past them is unannounced.
        A machine that may never become a DFA (an ingest worker's) stays an NFA."""
        self._expected = self._scanned + chars
        if not self.is_dfa and chars >= DFA_PAYS_AFTER_CHARS and self._dfa_after < sys.maxsize:
            self._build_dfa()

    def find(self, texts: list[str]) -> tuple[list[tuple[int, int, int]], list[int]]:
        """Every match of every text, in text order: (pattern index, start, end) with
        character offsets, end exclusive; and the number of matches of each text."""
        self._upgrade(sum(map(len, texts)))
        find = self._machine.find_matches_as_indexes
        found: list[tuple[int, int, int]] = []
        counts = []
        for text in texts:
            hits = find(text)
            counts.append(len(hits))
            found.extend(hits)
        return found, counts

    def _upgrade(self, chars: int) -> None:
        self._scanned += chars
        if self._expected is not None and self._scanned > self._expected:
            self._expected = None  # the announced input is done: what follows is unknown
        if self.is_dfa or self._scanned < self._dfa_after:
            return
        if self._expected is not None and self._expected - self._scanned < DFA_PAYS_AFTER_CHARS:
            return  # what is left of the announced input does not pay for the build
        self._build_dfa()

    def _build_dfa(self) -> None:
        self._machine = ahocorasick_rs.AhoCorasick(
            self.patterns, matchkind=_KIND, implementation=ahocorasick_rs.Implementation.DFA
        )
        self.is_dfa = True


def automaton(gazetteer: Gazetteer) -> Automaton:
    """The automaton of ``gazetteer``'s patterns, built once per process and version."""
    with _LOCK:
        found = _CACHE.get(gazetteer.version)
        if found is None:  # the version is a digest of everything the patterns come from
            found = Automaton(gazetteer.patterns.to_list())
            _CACHE.clear()  # one version at a time: a seeds change replaces it
            _CACHE[gazetteer.version] = found
        return found
