"""MinHash sketches of texts: word shingles, one-permutation MinHash, LSH band keys.

Each text gets two sketches of NUM_PERM uint32 values, over SHINGLE_WORDS-word and
LONG_SHINGLE_WORDS-word shingles; the share of equal values estimates the Jaccard
similarity of two texts' shingle sets. A whole batch is hashed at once (the loops
compiled: ``analytics.minhash_kernels``), deterministic and stable across runs,
batches and library versions: sketches are stored and compared with later batches.
"""

from __future__ import annotations

import sys
from functools import cache

import numpy as np
import polars as pl

from analytics.utf8 import utf8_buffer

SHINGLE_WORDS = 5
LONG_SHINGLE_WORDS = 12
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
# Below this many shingles a text is too short to tell a reprint from a template.
MIN_SHINGLES = 12
_TOKEN_BYTES = 48
_BIN_BITS = 7  # 2**7 == NUM_PERM bins
_MIX = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.uint32(0xFFFFFFFF)


# Each byte as a token reads it: 0 for a byte outside words, else the byte lowered.
# Words are ASCII letters (capitals read as small letters), digits, '_', and every byte
# of a non-ASCII character (so 'café' and 'Biden’s' stay one token).
_FOLDED = np.zeros(256, dtype=np.uint8)
_FOLDED[ord("a") : ord("z") + 1] = np.arange(ord("a"), ord("z") + 1)
_FOLDED[ord("A") : ord("Z") + 1] = np.arange(ord("a"), ord("z") + 1)
_FOLDED[ord("0") : ord("9") + 1] = np.arange(ord("0"), ord("9") + 1)
_FOLDED[ord("_")] = ord("_")
_FOLDED[128:] = np.arange(128, 256)
_BLOCK = 1024  # code points lowered together: most blocks hold no case at all


@cache
def lowering_table() -> np.ndarray:
    """Per code point, whether polars' ``str.to_lowercase`` changes it (ASCII aside).

    Built from polars itself (about 0.05 s, once per process): a block of code points
    that lowering leaves as it is is not looked at one by one. Lowering changes a
    character whatever surrounds it, or not at all (a final sigma is lowered either
    way), so a text holding none of these is lowered by lowering its ASCII capitals."""
    changes = np.zeros(sys.maxunicode + 1, dtype=np.bool_)
    codes = np.arange(0x80, sys.maxunicode + 1, dtype=np.uint32)
    codes = codes[(codes < 0xD800) | (codes > 0xDFFF)]  # surrogates are no characters
    every = codes.tobytes().decode("utf-32-le")
    starts = range(0, len(every), _BLOCK)
    blocks = pl.Series([every[i : i + _BLOCK] for i in starts], dtype=pl.String)
    cased = [i for i, has in zip(starts, blocks.str.to_lowercase() != blocks, strict=True) if has]
    single = pl.Series([c for i in cased for c in every[i : i + _BLOCK]], dtype=pl.String)
    points = np.concatenate([codes[i : i + _BLOCK] for i in cased]) if cased else codes[:0]
    changes[points[(single.str.to_lowercase() != single).to_numpy()]] = True
    return changes


def _tokens(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(tokens of each text, stable 64-bit hash of each token), tokens in text order.

    The texts are read lower-cased as one UTF-8 buffer (Arrow's layout of the column: no
    Python string is made; joined in Python, signing took 0.155 ms an article instead of
    0.123): the compiled loop lowers ASCII capitals as it reads, and only a text holding
    another character that lowering changes (É, Σ, İ: 2% of the benchmark's texts) is
    lowered by polars first (lowering every text took a quarter of the signing time).
    Tokens are runs of word bytes within a text. A token's hash is a polynomial over its
    first _TOKEN_BYTES bytes (sum of byte * P**i modulo 2**64) mixed with its length
    (``minhash_kernels.token_hashes``).
    """
    # Imported here: numba takes half a second to import, which only signing pays.
    from analytics.minhash_kernels import lowering_changes, token_hashes

    texts = texts.fill_null("")
    data, offsets = utf8_buffer(texts)
    flagged = np.flatnonzero(lowering_changes(data, offsets, lowering_table()))
    lowered, lowered_offsets = utf8_buffer(texts.gather(flagged).str.to_lowercase())
    replaced = np.full(texts.len(), -1, dtype=np.int64)
    replaced[flagged] = np.arange(flagged.size)
    return token_hashes(data, offsets, lowered, lowered_offsets, replaced, _FOLDED, _TOKEN_BYTES)


# A text whose first this many characters hold enough words needs no full count.
_WORDS_IN_HEAD = 256


def shingle_text(titles: pl.Series, texts: pl.Series) -> pl.Series:
    """The text each signature is made of: the body, or title and body when the body is
    too short to carry a story on its own (headlines vary between reprints)."""
    enough = MIN_SHINGLES + SHINGLE_WORDS - 1
    text = pl.col("text")
    # Counting words in the head first: most bodies have enough there (every one of the
    # benchmark's in 256 characters), and only the others are counted whole (the same
    # answer: a head holds no more words than its text; a ninth of the regex work of
    # a 2,000-character head, itself a fifth of counting whole texts).
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
    lengths, tokens = _tokens(texts)
    for part, words in enumerate((SHINGLE_WORDS, LONG_SHINGLE_WORDS)):
        sketch, count = _sketch(tokens, lengths, words)
        signatures[:, part * NUM_PERM : (part + 1) * NUM_PERM] = sketch
        sizes[:, part] = count
    return signatures, sizes


SIGN_CHUNK = 500  # articles signed at a time: bounds the token arrays of long texts


def sign(articles: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(signatures, shingle counts) of a frame with title and text, row for row."""
    texts = shingle_text(articles.get_column("title"), articles.get_column("text"))
    parts = [
        minhash_signatures(texts.slice(lo, SIGN_CHUNK)) for lo in range(0, len(texts), SIGN_CHUNK)
    ]
    if not parts:
        return minhash_signatures(texts)
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def _sketch(tokens: np.ndarray, lengths: np.ndarray, words: int) -> tuple[np.ndarray, np.ndarray]:
    """One-permutation MinHash of ``words``-word shingles: each shingle is hashed once
    (its tokens times P**i, mixed); the top bits pick one of NUM_PERM bins and the low
    32 bits compete for that bin's minimum (``minhash_kernels.shingle_minima``). Bins
    a short text leaves empty borrow from the next filled bin to the right (rotation
    densification), so equal bins still mean shared shingles."""
    from analytics.minhash_kernels import shingle_minima

    n = lengths.size
    sketch = np.full((n, NUM_PERM), _EMPTY, dtype=np.uint32)
    minima, sizes = shingle_minima(tokens, lengths, words, _BIN_BITS, NUM_PERM)
    usable = sizes >= MIN_SHINGLES
    sketch[usable] = _densified(minima.reshape(n, NUM_PERM)[usable])
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
