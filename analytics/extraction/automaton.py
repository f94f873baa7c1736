"""The candidate automaton: every spelling of the gazetteer in one compiled trie.

It finds the leftmost match at each place, and of the spellings matching there the
longest (the first in the gazetteer's order, which is longest first): what an
Aho-Corasick machine with leftmost-first matching finds, which ``ahocorasick_rs`` did
before (its DFA scanned 252 MB/s of text per core after a 1.07 s, 250 MB build; its
contiguous NFA, which an ingest's workers kept, 135 MB/s). This trie and its filters are
built in 0.03 s into 3.4 MB (compiled: ``trie_kernels``), and it scans about 300 MB/s of
the benchmark's text (230 before its anchors were filtered once for all their leads): it
walks only from the places where a spelling can start. It scans UTF-8 bytes (a
batch's texts in one buffer, ``analytics.extraction.matcher``): a spelling is whole
characters, so every match starts and ends on a character's boundary.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.extraction.gazetteer import Gazetteer, per_version
from analytics.extraction.spelling import normalise_surface

_NO_WORDS = np.empty(0, dtype=np.uint64)


class Automaton:
    """Finds the spellings of ``patterns`` in texts: leftmost, then longest (of equal
    spellings, the first)."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = patterns
        self.spellings = pl.Series("surface", patterns, dtype=pl.String)  # by pattern index
        # The key each spelling is looked up by (``normalise_surface``), made once here
        # rather than for each of its matches.
        self.keys = self.spellings.to_frame().select(key=normalise_surface(pl.col("surface")))[
            "key"
        ]
        encoded = [p.encode("utf-8") for p in patterns]
        if not all(encoded):
            raise ValueError("a spelling of the automaton is empty")
        self._tables = _tables(encoded) if encoded else None
        from analytics.extraction.trie_kernels import by_words  # numba, as ``_tables``

        # Whether the scan looks for anchors eight bytes at a time.
        self._by_words = self._tables is not None and by_words(self._tables[0])

    def scan(
        self,
        data: np.ndarray,
        text_starts: np.ndarray | None = None,
        skip: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every match in ``data`` (UTF-8 bytes, ``uint8``), in order: the pattern index,
        start and end (byte offsets, end exclusive) of each. A match starts and ends
        on character boundaries (a spelling is whole characters). Given
        ``text_starts``, ``data`` is texts (text t is ``data[text_starts[t] :
        text_starts[t + 1]]``): no match runs from one into the next, and the texts
        where ``skip`` holds are not read."""
        if text_starts is None:
            text_starts = np.array([0, data.size], dtype=np.int64)
        if skip is None:
            skip = np.zeros(text_starts.size - 1, dtype=np.bool_)
        if self._tables is None or not data.size:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy()
        # numba: imported on first use
        from analytics.extraction.span_kernels import as_words
        from analytics.extraction.trie_kernels import scan

        words = as_words(data) if self._by_words else _NO_WORDS
        return scan(data, text_starts, skip, words, *self._tables)


def _tables(encoded: list[bytes]) -> tuple[np.ndarray, ...]:
    """The tables ``trie_kernels.scan`` takes, in its order: the filters (anchor,
    leads, before, starts, lengths, tri, quad, quint, tails), then the trie (nodes,
    label, root, pair_node)."""
    from analytics.extraction.trie_kernels import build_trie, filter_tables

    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    order = np.array(sorted(range(len(encoded)), key=encoded.__getitem__), dtype=np.int64)
    parent, made_label, depth, made_terminal = build_trie(buffer, offsets, order)
    # Renumbered breadth first: by depth, and within a depth as made (in byte order), so
    # a node's children are consecutive nodes. nodes[2v] is v's first child (the next
    # node's first child ends v's run), nodes[2v + 1] the spelling ending at v or -1.
    made = np.argsort(depth, kind="stable")
    rank = np.empty_like(made)
    rank[made] = np.arange(made.size)
    children = np.bincount(rank[parent[made[1:]]], minlength=made.size)
    nodes = np.empty(2 * made.size + 2, dtype=np.int32)
    nodes[0::2] = 1 + np.concatenate(([0], np.cumsum(children)))
    nodes[1:-1:2] = made_terminal[made]
    nodes[-1] = -1
    label = made_label[made]
    root = np.full(256, -1, dtype=np.int32)  # the node one byte down
    root[label[nodes[0] : nodes[2]]] = np.arange(nodes[0], nodes[2], dtype=np.int32)
    pair_node = np.full(1 << 16, -1, dtype=np.int32)  # two bytes down (little endian key)
    for first in np.flatnonzero(root >= 0):
        lo, hi = nodes[2 * root[first]], nodes[2 * root[first] + 2]
        pair_node[first | (label[lo:hi].astype(np.int64) << 8)] = np.arange(lo, hi)

    return (
        *filter_tables(buffer, offsets),
        nodes,
        label,
        root,
        pair_node,
    )


@per_version
def automaton(gazetteer: Gazetteer) -> Automaton:
    """The automaton of ``gazetteer``'s patterns, built once per process and version."""
    return Automaton(gazetteer.patterns.to_list())
