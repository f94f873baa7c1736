"""Near-duplicate articles -> stories: word shingles, MinHash signatures, LSH bands.

The same wire story reprinted with another headline, a footer or a paragraph
cut keeps most of its 5-word shingles; two different articles on one topic
share few. Each article gets a MinHash signature (NUM_PERM minima of hashed
shingles, vectorised with numpy) whose agreement estimates the Jaccard
similarity of the shingle sets; LSH bands (BANDS groups of ROWS minima) find
the candidates cheaply, and a near-duplicate published within STORY_WINDOW
joins the story of its most similar earlier article. Everything here is deterministic and
stable across runs and versions, since signatures are stored and compared
with later batches.
"""

from __future__ import annotations

import functools
import itertools
from datetime import timedelta

import numpy as np
import polars as pl

from analytics.frames import require_columns

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
MIN_CONTAINMENT = 0.85
MIN_JACCARD = 0.5
# Reprints of one story appear within days; the same text a year later is another
# story (annual notices, templates).
STORY_WINDOW = timedelta(days=7)
# Below this many shingles a text is too short to tell a reprint from a template.
MIN_SHINGLES = 12
_POLY = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_TOKEN_BYTES = 48
_PIECE = 1 << 20
_ZERO = np.zeros(1, dtype=np.uint64)
_BIN_BITS = 7  # 2**7 == NUM_PERM bins
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.uint32(0xFFFFFFFF)


def _word_bytes(data: np.ndarray) -> np.ndarray:
    """Bytes that belong to words: ASCII letters (lower-cased already), digits, '_', and
    every byte of a non-ASCII character (so 'café' and 'Biden’s' stay one token)."""
    return (
        ((data >= 97) & (data <= 122))
        | ((data >= 48) & (data <= 57))
        | (data == 95)
        | (data >= 128)
    )


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
    data = np.frombuffer("\x00".join(lowered.to_list()).encode("utf-8"), dtype=np.uint8)
    doc_starts = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))
    word = np.concatenate(([0], _word_bytes(data).astype(np.int8), [0]))
    edges = np.diff(word)
    starts = np.flatnonzero(edges == 1)
    lengths = np.flatnonzero(edges == -1) - starts
    ends = starts + np.minimum(lengths, _TOKEN_BYTES)
    hashes = np.empty(starts.size, dtype=np.uint64)
    forward, backward = _powers()
    bounds = np.searchsorted(starts, np.arange(0, data.size + _PIECE, _PIECE))
    with np.errstate(over="ignore"):
        for piece, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            if lo == hi:
                continue
            base = piece * _PIECE
            chunk = data[base : base + _PIECE + _TOKEN_BYTES].astype(np.uint64)
            prefix = np.concatenate((_ZERO, np.cumsum(chunk * forward[: chunk.size])))
            rel_start, rel_end = starts[lo:hi] - base, ends[lo:hi] - base
            hashes[lo:hi] = (prefix[rel_end] - prefix[rel_start]) * backward[rel_start]
        hashes = _mix64(hashes ^ (lengths.astype(np.uint64) * _MIX))
    doc_of = np.searchsorted(doc_starts, starts, side="right") - 1
    return doc_of, hashes


def shingle_text(titles: pl.Series, texts: pl.Series) -> pl.Series:
    """The text each signature is made of: the body, or title and body when the body is
    too short to carry a story on its own (headlines vary between reprints)."""
    words = texts.fill_null("").str.count_matches(r"\w+")
    return (
        pl.DataFrame({"title": titles.fill_null(""), "text": texts.fill_null(""), "n": words})
        .select(
            pl.when(pl.col("n") >= MIN_SHINGLES + SHINGLE_WORDS - 1)
            .then(pl.col("text"))
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
    """(signatures, shingle counts): one row of NUM_PERM uint32 values per text, and the
    number of distinct shingles of each text.

    One-permutation MinHash: each shingle is hashed once; the top bits pick one of
    NUM_PERM bins and the low 32 bits compete for that bin's minimum. Bins a short
    text leaves empty borrow from the next filled bin to the right (rotation
    densification), shifted by the distance, so equal bins still mean shared
    shingles. Texts with fewer than MIN_SHINGLES shingles get an all-0xFFFFFFFF row
    (no signature: they match nothing).
    """
    n = texts.len()
    signatures = np.full((n, NUM_PERM), _EMPTY, dtype=np.uint32)
    sizes = np.zeros(n, dtype=np.int64)
    if n == 0:
        return signatures, sizes
    token_doc, tokens = _tokens(texts)
    lengths = np.bincount(token_doc, minlength=n).astype(np.int64)
    counts = np.maximum(lengths - SHINGLE_WORDS + 1, 0)
    if counts.sum() == 0:
        return signatures, sizes
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    doc_of = np.repeat(np.arange(n), counts)
    first = np.repeat(starts, counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    with np.errstate(over="ignore"):
        shingles = np.zeros(first.size, dtype=np.uint64)
        for j in range(SHINGLE_WORDS):
            shingles = shingles * _MIX + tokens[first + j]
    hashed = _mix64(shingles)
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
    signatures[usable] = _densified(flat.reshape(n, NUM_PERM)[usable])
    return signatures, sizes


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
    """BANDS int64 keys per signature (band index mixed in); rows without a signature get
    keys too, but callers drop them (see ``has_signature``)."""
    n = signatures.shape[0]
    keys = np.zeros((n, BANDS), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(BANDS):
            key = np.full(n, np.uint64(band + 1) * _MIX, dtype=np.uint64)
            for row in range(ROWS):
                key = (key ^ signatures[:, band * ROWS + row].astype(np.uint64)) * _MIX
                key ^= key >> np.uint64(29)
            keys[:, band] = key
    return keys.view(np.int64)


def has_signature(signatures: np.ndarray) -> np.ndarray:
    """True for rows that carry a signature."""
    return ~np.all(signatures == _EMPTY, axis=1)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of paired signature rows."""
    return (a == b).mean(axis=1)


def containment(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Estimated share of the smaller shingle set found in the larger, from the Jaccard
    estimate and both set sizes: |A & B| = J (|A| + |B|) / (1 + J)."""
    shared = jaccard / (1.0 + jaccard) * (size_a + size_b)
    return np.minimum(shared / np.maximum(np.minimum(size_a, size_b), 1), 1.0)


def assign_stories(
    new: pl.DataFrame,
    new_signatures: np.ndarray,
    stored: pl.DataFrame,
    stored_signatures: np.ndarray,
    *,
    window: timedelta = STORY_WINDOW,
) -> pl.DataFrame:
    """The story of each new article, in arrival order.

    ``new`` has article_id, published_at and shingles (set size), one row per row
    of ``new_signatures``; ``stored`` has article_id, story_id, published_at and
    shingles of earlier articles (the band-lookup candidates), one row per row of
    ``stored_signatures``. A new article joins the story of its most similar
    earlier article (stored, or new and before it) published within ``window``
    when the two are near duplicates: estimated containment >= MIN_CONTAINMENT
    (a reprint keeps nearly all of the shorter version) and Jaccard >= MIN_JACCARD
    (neither is a small part of the other). Otherwise its own article_id starts a
    story. Returns article_id, story_id, similarity (None for a new story),
    matched_id.
    """
    require_columns(new, {"article_id", "published_at", "shingles"})
    require_columns(stored, {"article_id", "story_id", "published_at", "shingles"})
    ids = new.get_column("article_id").to_list()
    story = list(ids)
    best_sim: list[float | None] = [None] * len(ids)
    matched: list[str | None] = [None] * len(ids)
    valid_new = has_signature(new_signatures)
    if not valid_new.any():
        return _stories_frame(ids, story, best_sim, matched)
    new_bands = _bands_frame(band_keys(new_signatures), valid_new, "i")
    new_time = new.get_column("published_at").to_numpy()
    new_size = new.get_column("shingles").to_numpy().astype(np.float64)
    pairs = []
    if stored.height:
        stored_bands = _bands_frame(
            band_keys(stored_signatures), has_signature(stored_signatures), "j"
        )
        with_stored = new_bands.join(stored_bands, on="key").select("i", "j").unique()
        if with_stored.height:
            i = with_stored.get_column("i").to_numpy()
            j = with_stored.get_column("j").to_numpy()
            pairs.append(
                _scored(
                    i,
                    -1 - j,
                    similarity(new_signatures[i], stored_signatures[j]),
                    new_size[i],
                    stored.get_column("shingles").to_numpy().astype(np.float64)[j],
                    np.abs(new_time[i] - stored.get_column("published_at").to_numpy()[j]),
                    window,
                )
            )
    inside = (
        new_bands.join(new_bands.rename({"i": "k"}), on="key")
        .filter(pl.col("k") < pl.col("i"))
        .select("i", "k")
        .unique()
    )
    if inside.height:
        i = inside.get_column("i").to_numpy()
        k = inside.get_column("k").to_numpy()
        pairs.append(
            _scored(
                i,
                k,
                similarity(new_signatures[i], new_signatures[k]),
                new_size[i],
                new_size[k],
                np.abs(new_time[i] - new_time[k]),
                window,
            )
        )
    if not pairs:
        return _stories_frame(ids, story, best_sim, matched)
    # Best match per new article: most similar, then the earliest candidate (stored
    # ones came before the whole batch: their "other" is negative).
    best = (
        pl.concat(pairs, how="vertical_relaxed")
        .filter(pl.col("near"))
        .sort(["i", "sim", "other"], descending=[False, True, False])
        .unique("i", keep="first", maintain_order=True)
        .sort("i")
    )
    stored_ids = stored.get_column("article_id").to_list()
    stored_story = stored.get_column("story_id").to_list()
    for i, other, sim in best.select("i", "other", "sim").iter_rows():
        if other < 0:
            story[i] = stored_story[-1 - other]
            matched[i] = stored_ids[-1 - other]
        else:
            story[i] = story[other]  # final already: other < i
            matched[i] = ids[other]
        best_sim[i] = float(sim)
    return _stories_frame(ids, story, best_sim, matched)


def _scored(
    i: np.ndarray,
    other: np.ndarray,
    jaccard: np.ndarray,
    size_i: np.ndarray,
    size_other: np.ndarray,
    apart: np.ndarray,
    window: timedelta,
) -> pl.DataFrame:
    contained = containment(jaccard, size_i, size_other)
    near = (
        (contained >= MIN_CONTAINMENT)
        & (jaccard >= MIN_JACCARD)
        & (apart <= np.timedelta64(int(window.total_seconds() * 1e6), "us"))
    )
    return pl.DataFrame({"i": i, "other": other, "sim": contained, "near": near})


def _bands_frame(keys: np.ndarray, valid: np.ndarray, name: str) -> pl.DataFrame:
    rows = np.flatnonzero(valid)
    return pl.DataFrame(
        {
            name: np.repeat(rows, BANDS),
            "key": keys[rows].reshape(-1),
        }
    )


def _stories_frame(
    ids: list[str], story: list[str], sims: list[float | None], matched: list[str | None]
) -> pl.DataFrame:
    return pl.DataFrame(
        {"article_id": ids, "story_id": story, "similarity": sims, "matched_id": matched},
        schema={
            "article_id": pl.String,
            "story_id": pl.String,
            "similarity": pl.Float64,
            "matched_id": pl.String,
        },
    )
