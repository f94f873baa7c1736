"""MinHash sketches of texts: word shingles, one-permutation MinHash, LSH band keys.

Each text gets two sketches of NUM_PERM uint32 values, over SHINGLE_WORDS-word and
LONG_SHINGLE_WORDS-word shingles; the share of equal values estimates the Jaccard
similarity of two texts' shingle sets. Everything is vectorised with numpy over a
whole batch, and deterministic and stable across runs, batches and library
versions: sketches are stored and compared with later batches.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import polars as pl

SHINGLE_WORDS = 5
LONG_SHINGLE_WORDS = 12
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
# Below this many shingles a text is too short to tell a reprint from a template.
MIN_SHINGLES = 12
_POLY = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_TOKEN_BYTES = 48
_PIECE = 1 << 20
_ZERO = np.zeros(1, dtype=np.uint64)
_BIN_BITS = 7  # 2**7 == NUM_PERM bins
_MIX = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.uint32(0xFFFFFFFF)


# Bytes that belong to words: ASCII letters (lower-cased already), digits, '_', and
# every byte of a non-ASCII character (so 'café' and 'Biden’s' stay one token), as a
# bytes.translate table (a byte-wide lookup in C; numpy's indexing widens every byte
# to an index first and is ten times slower).
_WORD_BYTE = np.zeros(256, dtype=np.uint8)
_WORD_BYTE[ord("a") : ord("z") + 1] = 1
_WORD_BYTE[ord("0") : ord("9") + 1] = 1
_WORD_BYTE[ord("_")] = 1
_WORD_BYTE[128:] = 1
_WORD_TABLE = _WORD_BYTE.tobytes()


@functools.cache
def _powers() -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i modulo 2**64 for i < _PIECE + _TOKEN_BYTES + 1 (P is odd, so invertible)."""
    size = _PIECE + _TOKEN_BYTES + 1
    inverse = pow(int(_POLY), -1, 1 << 64)
    with np.errstate(over="ignore"):
        forward = np.cumprod(np.full(size, _POLY, dtype=np.uint64)) * np.uint64(inverse)
        backward = np.cumprod(np.full(size, inverse, dtype=np.uint64)) * _POLY
    return forward, backward


def _tokens(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(document of each token, stable 64-bit hash of each token), tokens in text order.

    The texts are lower-cased and joined into one UTF-8 buffer; tokens are runs of
    word bytes. A token's hash is a polynomial over its first _TOKEN_BYTES bytes,
    read off prefix sums (sum of byte * P**i, unshifted by P**-start), mixed with its
    length: linear in the bytes, with no per-token Python work.
    """
    lowered = texts.fill_null("").str.to_lowercase()
    sizes = lowered.str.len_bytes().to_numpy().astype(np.int64)
    raw = "\x00".join(lowered.to_list()).encode("utf-8")
    data = np.frombuffer(raw, dtype=np.uint8)
    doc_starts = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))
    # 1 for word bytes, with a 0 before and after: words start and end at the changes,
    # which alternate (start, end, start, ...).
    word = np.frombuffer(b"\x00" + raw.translate(_WORD_TABLE) + b"\x00", dtype=np.int8)
    edges = np.flatnonzero(word[1:] != word[:-1])
    starts = edges[0::2]
    lengths = edges[1::2] - starts
    ends = starts + np.minimum(lengths, _TOKEN_BYTES)
    hashes = np.empty(starts.size, dtype=np.uint64)
    forward, backward = _powers()
    bounds = np.searchsorted(starts, np.arange(0, data.size + _PIECE, _PIECE))
    prefix = np.zeros(_PIECE + _TOKEN_BYTES + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for piece, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            if lo == hi:
                continue
            base = piece * _PIECE
            chunk = data[base : base + _PIECE + _TOKEN_BYTES].astype(np.uint64)
            np.multiply(chunk, forward[: chunk.size], out=chunk)
            np.cumsum(chunk, out=prefix[1 : chunk.size + 1])
            rel_start, rel_end = starts[lo:hi] - base, ends[lo:hi] - base
            hashes[lo:hi] = (prefix[rel_end] - prefix[rel_start]) * backward[rel_start]
        hashes = _mix64(hashes ^ (lengths.astype(np.uint64) * _MIX))
    doc_of = np.searchsorted(doc_starts, starts, side="right") - 1
    return doc_of, hashes


# A text whose first this many characters hold enough words needs no full count.
_WORDS_IN_HEAD = 2000


def shingle_text(titles: pl.Series, texts: pl.Series) -> pl.Series:
    """The text each signature is made of: the body, or title and body when the body is
    too short to carry a story on its own (headlines vary between reprints)."""
    enough = MIN_SHINGLES + SHINGLE_WORDS - 1
    text = pl.col("text")
    # Counting words in the head first: most bodies have enough there, and only the
    # others are counted whole (the same answer, a fifth of the regex work).
    words = (
        pl.when(text.str.slice(0, _WORDS_IN_HEAD).str.count_matches(r"\w+") >= enough)
        .then(pl.lit(enough))
        .otherwise(text.str.count_matches(r"\w+"))
    )
    return (
        pl.DataFrame({"title": titles.fill_null(""), "text": texts.fill_null("")})
        .select(
            pl.when(words >= enough)
            .then(text)
            .otherwise(pl.concat_str("title", "text", separator=" "))
        )
        .to_series()
    )


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole word."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def minhash_signatures(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(signatures, shingle counts) of each text.

    A signature row holds two MinHash sketches of NUM_PERM uint32 values: over
    SHINGLE_WORDS-word shingles (similarity and LSH bands) and over
    LONG_SHINGLE_WORDS-word shingles (edit pattern: a reprint's edits come in blocks
    such as a footer or a cut paragraph, which long shingles survive; a template
    filled with other names changes words all over, which long shingles do not).
    The counts row holds the two numbers of distinct shingles. A sketch of a text
    with fewer than MIN_SHINGLES shingles is all 0xFFFFFFFF (none).
    """
    n = texts.len()
    signatures = np.full((n, 2 * NUM_PERM), _EMPTY, dtype=np.uint32)
    sizes = np.zeros((n, 2), dtype=np.int64)
    if n == 0:
        return signatures, sizes
    token_doc, tokens = _tokens(texts)
    lengths = np.bincount(token_doc, minlength=n).astype(np.int64)
    # Any run of tokens hashes in O(1) from prefix sums of token * P**i (see _tokens).
    with np.errstate(over="ignore"):
        inverse = pow(int(_POLY), -1, 1 << 64)
        forward = np.cumprod(np.full(tokens.size, _POLY, dtype=np.uint64)) * np.uint64(inverse)
        backward = np.cumprod(np.full(tokens.size, inverse, dtype=np.uint64)) * _POLY
        prefix = np.concatenate((_ZERO, np.cumsum(tokens * forward)))
    for part, words in enumerate((SHINGLE_WORDS, LONG_SHINGLE_WORDS)):
        sketch, count = _sketch(prefix, backward, lengths, words)
        signatures[:, part * NUM_PERM : (part + 1) * NUM_PERM] = sketch
        sizes[:, part] = count
    return signatures, sizes


def _sketch(
    prefix: np.ndarray, backward: np.ndarray, lengths: np.ndarray, words: int
) -> tuple[np.ndarray, np.ndarray]:
    """One-permutation MinHash of ``words``-word shingles: each shingle is hashed once;
    the top bits pick one of NUM_PERM bins and the low 32 bits compete for that bin's
    minimum. Bins a short text leaves empty borrow from the next filled bin to the
    right (rotation densification), so equal bins still mean shared shingles."""
    n = lengths.size
    sketch = np.full((n, NUM_PERM), _EMPTY, dtype=np.uint32)
    sizes = np.zeros(n, dtype=np.int64)
    counts = np.maximum(lengths - words + 1, 0)
    if counts.sum() == 0:
        return sketch, sizes
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    doc_of = np.repeat(np.arange(n), counts)
    first = np.repeat(starts, counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    with np.errstate(over="ignore"):
        hashed = _mix64((prefix[first + words] - prefix[first]) * backward[first])
    distinct = (
        pl.DataFrame({"doc": doc_of, "shingle": hashed})
        .group_by("doc")
        .agg(pl.col("shingle").n_unique().alias("n"))
    )
    sizes[distinct.get_column("doc").to_numpy()] = distinct.get_column("n").to_numpy()
    flat = np.full(n * NUM_PERM, _EMPTY, dtype=np.uint32)
    cell = doc_of * NUM_PERM + (hashed >> np.uint64(64 - _BIN_BITS)).astype(np.int64)
    np.minimum.at(flat, cell, (hashed & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    usable = sizes >= MIN_SHINGLES
    sketch[usable] = _densified(flat.reshape(n, NUM_PERM)[usable])
    return sketch, sizes


def _densified(filled: np.ndarray) -> np.ndarray:
    """Each empty bin takes the value of the next filled bin to its right (circularly)
    plus a constant per step of distance."""
    empty = filled == _EMPTY
    if not empty.any():
        return filled
    k = filled.shape[1]
    doubled = np.concatenate([filled, filled], axis=1)
    column = np.where(doubled != _EMPTY, np.arange(2 * k)[None, :], 4 * k)
    nearest = np.minimum.accumulate(column[:, ::-1], axis=1)[:, ::-1][:, :k]
    rows = np.arange(filled.shape[0])[:, None]
    distance = (nearest - np.arange(k)[None, :]).astype(np.uint32)
    with np.errstate(over="ignore"):
        borrowed = doubled[rows, np.minimum(nearest, 2 * k - 1)] + distance * np.uint32(0x9E3779B1)
    return np.where(empty, borrowed, filled).astype(np.uint32)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """BANDS int64 keys per signature, from its short-shingle sketch (band index mixed
    in); rows without a signature get keys too, but callers drop them (see
    ``has_signature``)."""
    short = signatures[:, :NUM_PERM]
    n = signatures.shape[0]
    keys = np.zeros((n, BANDS), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(BANDS):
            key = np.full(n, np.uint64(band + 1) * _MIX, dtype=np.uint64)
            for row in range(ROWS):
                key = (key ^ short[:, band * ROWS + row].astype(np.uint64)) * _MIX
                key ^= key >> np.uint64(29)
            keys[:, band] = key
    return keys.view(np.int64)


def has_signature(signatures: np.ndarray) -> np.ndarray:
    """True for rows whose short-shingle sketch exists."""
    return ~np.all(signatures[:, :NUM_PERM] == _EMPTY, axis=1)


def has_long_signature(signatures: np.ndarray) -> np.ndarray:
    """True for rows whose long-shingle sketch exists."""
    return ~np.all(signatures[:, NUM_PERM:] == _EMPTY, axis=1)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of the short shingles of paired signature rows."""
    return (a[:, :NUM_PERM] == b[:, :NUM_PERM]).mean(axis=1)


def long_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of the long shingles of paired signature rows."""
    return (a[:, NUM_PERM:] == b[:, NUM_PERM:]).mean(axis=1)


def containment(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Estimated share of the smaller shingle set found in the larger, from the Jaccard
    estimate and both set sizes: |A & B| = J (|A| + |B|) / (1 + J)."""
    shared = jaccard / (1.0 + jaccard) * (size_a + size_b)
    return np.minimum(shared / np.maximum(np.minimum(size_a, size_b), 1), 1.0)
