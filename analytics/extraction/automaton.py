"""The candidate automaton: every spelling of the gazetteer in one Aho-Corasick machine.

``ahocorasick_rs`` (a wrapper of the Rust ``aho-corasick`` crate) finds the leftmost
match at each place, and of the spellings matching there the first in the gazetteer's
order (longest first, so the longest): the semantics polars' ``str.replace_many(...,
leftmost=True)`` had, with offsets in characters and no rewritten copy of the text.

The machine starts as a contiguous NFA (built in 0.15 s for the full gazetteer, about
80 MB/s of text per core) and becomes a DFA (built in 1.6 s, 250 MB, about 160 MB/s)
once a process has scanned enough text for the faster scan to pay for the build: a
test or a small ingest never pays for it, a corpus does.
"""

from __future__ import annotations

import threading

import ahocorasick_rs

from analytics.extraction.gazetteer import Gazetteer

# Characters scanned with the NFA before the DFA is built (about 1.3 s of scanning);
# ingest workers, several to a machine, keep the NFA (see jobs.ingest.workers).
DFA_AFTER_CHARS = 100_000_000

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
        self.is_dfa = False

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
        if self.is_dfa or self._scanned < self._dfa_after:
            return
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
