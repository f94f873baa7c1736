"""The loops of MinHash, compiled (numba): token hashes, shingle hashes, bin minima.

Each is the arithmetic ``analytics.minhash`` describes, done in one pass with no
temporary arrays: a numpy version needed prefix sums, powers and index arrays the size
of the text, about four times the time. Integers wrap modulo 2**64 exactly as numpy's
do, so the signatures are the same bits (stored signatures stay comparable).
Compiled on first use and cached beside this file (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from analytics.utf8_kernels import code_point

_POLY = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_POLY_INVERSE = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX_A = np.uint64(0xBF58476D1CE4E5B9)
_MIX_B = np.uint64(0x94D049BB133111EB)
_LOW32 = np.uint64(0xFFFFFFFF)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)


@njit(cache=True, nogil=True)
def mix64(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """splitmix64's finaliser."""
    x = (x ^ (x >> np.uint64(30))) * _MIX_A
    x = (x ^ (x >> np.uint64(27))) * _MIX_B
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
def lowering_changes(
    data: np.ndarray, offsets: np.ndarray, changes: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """Per text ``t`` (``data[offsets[t]:offsets[t + 1]]``, valid UTF-8): whether it
    holds a character that ``changes`` (by code point) says lowering changes. ASCII is
    not looked up: its capitals are lowered by ``token_hashes`` itself."""
    texts = offsets.size - 1
    flagged = np.zeros(texts, dtype=np.bool_)
    for t in range(texts):
        at = offsets[t]
        end = offsets[t + 1]
        while at < end:
            byte = data[at]
            if byte < 0x80:
                at += 1
                continue
            point, size = code_point(data, at)
            if changes[point]:
                flagged[t] = True
                break
            at += size
    return flagged


@njit(cache=True, nogil=True, inline="always")
def _text_tokens(
    data: np.ndarray,
    start: int,
    end: int,
    folded: np.ndarray,
    token_bytes: int,
    hashes: np.ndarray,
    found: int,
) -> int:  # pragma: no cover - compiled
    """Hash the tokens of ``data[start:end]`` into ``hashes`` from ``found`` on; return
    the new ``found``."""
    i = start
    while i < end:
        if folded[data[i]] == 0:
            i += 1
            continue
        first = i
        h = _ZERO
        power = _ONE
        while i < end:
            byte = folded[data[i]]
            if byte == 0:
                break
            if i - first < token_bytes:
                h += np.uint64(byte) * power
                power *= _POLY
            i += 1
        hashes[found] = mix64(h ^ (np.uint64(i - first) * _MIX))
        found += 1
    return found


@njit(cache=True, nogil=True)
def token_hashes(
    data: np.ndarray,
    offsets: np.ndarray,
    lowered: np.ndarray,
    lowered_offsets: np.ndarray,
    replaced: np.ndarray,
    folded: np.ndarray,
    token_bytes: int,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """(tokens of each document, hash of each token in text order). Document ``d`` is
    ``data[offsets[d]:offsets[d + 1]]``, or where ``replaced[d] = r`` is not -1 its
    lowered copy ``lowered[lowered_offsets[r]:lowered_offsets[r + 1]]``. Bytes are read
    through ``folded``: 0 for a byte that is no part of a word, else the byte as lowered
    (an ASCII capital its small letter); tokens are runs of word bytes, never across a
    document's end. A token's hash is the sum of its first ``token_bytes`` (lowered)
    bytes times P**i, xor its length times a constant, mixed."""
    n = offsets.size - 1
    counts = np.zeros(n, dtype=np.int64)
    # At most one token per two bytes of a document, rounded up.
    hashes = np.empty((data.size + lowered.size + n) // 2 + 1, dtype=np.uint64)
    found = 0
    for doc in range(n):
        before = found
        copy = replaced[doc]
        if copy < 0:
            found = _text_tokens(
                data, offsets[doc], offsets[doc + 1], folded, token_bytes, hashes, found
            )
        else:
            found = _text_tokens(
                lowered,
                lowered_offsets[copy],
                lowered_offsets[copy + 1],
                folded,
                token_bytes,
                hashes,
                found,
            )
        counts[doc] = found - before
    return counts, hashes[:found]


@njit(cache=True, nogil=True)
def shingle_minima(
    tokens: np.ndarray, counts: np.ndarray, words: int, bin_bits: int, bins: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """(minimum per document and bin, distinct shingles per document) over every run of
    ``words`` tokens within a document: a shingle's hash (the sum of its tokens times
    P**i, rolled along the text with P's inverse, then mixed) picks a bin by its top
    ``bin_bits`` bits and competes with its low 32 for the bin's minimum."""
    n = counts.size
    minima = np.full(n * bins, np.uint32(0xFFFFFFFF), dtype=np.uint32)
    distinct = np.zeros(n, dtype=np.int64)
    shift = np.uint64(64 - bin_bits)
    top = _ONE  # P**(words - 1)
    for _ in range(words - 1):
        top *= _POLY
    most = int(counts.max()) if n else 0
    slots = 16
    while slots < 2 * most:
        slots *= 2
    table = np.zeros(slots, dtype=np.uint64)  # an open-addressing set of the hashes
    used = np.zeros(slots, dtype=np.int64)  # the document that last filled each slot
    used[:] = -1
    first_token = 0
    for doc in range(n):
        shingles = counts[doc] - words + 1
        if shingles > 0:
            mask = np.uint64(slots - 1)
            h = _ZERO
            power = _ONE
            for j in range(words):
                h += tokens[first_token + j] * power
                power *= _POLY
            unique = 0
            for k in range(shingles):
                if k:
                    gone = tokens[first_token + k - 1]
                    h = (h - gone) * _POLY_INVERSE + tokens[first_token + k + words - 1] * top
                mixed = mix64(h)
                cell = doc * bins + np.int64(mixed >> shift)
                low = np.uint32(mixed & _LOW32)
                if low < minima[cell]:
                    minima[cell] = low
                slot = np.int64(mixed & mask)
                while used[slot] == doc and table[slot] != mixed:
                    slot = (slot + 1) & (slots - 1)
                if used[slot] != doc:
                    used[slot] = doc
                    table[slot] = mixed
                    unique += 1
            distinct[doc] = unique
        first_token += counts[doc]
    return minima, distinct
