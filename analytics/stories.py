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
LONG_SHINGLE_WORDS = 12
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
MIN_CONTAINMENT = 0.8
MIN_JACCARD = 0.5
MIN_LONG_CONTAINMENT = 0.8
# Cutting or adding a block of b words loses about b + 4 five-word shingles and b + 11
# twelve-word ones; swapping single words all through a text loses 5 and 12 per word.
# A long-shingle loss up to this many times the short one is a block edit.
LONG_LOSS_RATIO = 1.6
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
    for part, words in enumerate((SHINGLE_WORDS, LONG_SHINGLE_WORDS)):
        sketch, count = _sketch(tokens, lengths, words)
        signatures[:, part * NUM_PERM : (part + 1) * NUM_PERM] = sketch
        sizes[:, part] = count
    return signatures, sizes


def _sketch(tokens: np.ndarray, lengths: np.ndarray, words: int) -> tuple[np.ndarray, np.ndarray]:
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
        shingles = np.zeros(first.size, dtype=np.uint64)
        for j in range(words):
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


def _has_long(signatures: np.ndarray) -> np.ndarray:
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


def _sizes(frame: pl.DataFrame) -> np.ndarray:
    return frame.select("shingles", "long_shingles").to_numpy().astype(np.float64).reshape(-1, 2)


def assign_stories(
    new: pl.DataFrame,
    new_signatures: np.ndarray,
    stored: pl.DataFrame,
    stored_signatures: np.ndarray,
    *,
    window: timedelta = STORY_WINDOW,
) -> pl.DataFrame:
    """The story of each new article, in arrival order.

    ``new`` has article_id, published_at, shingles and long_shingles (the counts of
    ``minhash_signatures``), one row per row of ``new_signatures``; ``stored`` has
    the same and story_id, for earlier articles (the band-lookup candidates), one
    row per row of ``stored_signatures``. A new article joins the story of its most
    similar earlier article (stored, or new and before it) published within
    ``window`` when the two are near duplicates: estimated containment of the short
    shingles >= MIN_CONTAINMENT (a reprint keeps nearly all of the shorter
    version), their Jaccard >= MIN_JACCARD (neither is a small part of the other),
    and the edits come in blocks, not as names swapped all through a template: the
    long shingles' containment is >= MIN_LONG_CONTAINMENT or lost at most
    LONG_LOSS_RATIO times as much as the short ones'. Otherwise its own
    article_id starts a story. Returns article_id, story_id, similarity (short
    containment; None for a new story) and matched_id.
    """
    require_columns(new, {"article_id", "published_at", "shingles", "long_shingles"})
    require_columns(stored, {"article_id", "story_id", "published_at", "shingles", "long_shingles"})
    ids = new.get_column("article_id").to_list()
    story = list(ids)
    best_sim: list[float | None] = [None] * len(ids)
    matched: list[str | None] = [None] * len(ids)
    valid_new = has_signature(new_signatures)
    if not valid_new.any():
        return _stories_frame(ids, story, best_sim, matched)
    new_bands = _bands_frame(band_keys(new_signatures), valid_new, "i")
    new_side = (new_signatures, _sizes(new), new.get_column("published_at").to_numpy())
    pairs = []
    if stored.height:
        stored_side = (
            stored_signatures,
            _sizes(stored),
            stored.get_column("published_at").to_numpy(),
        )
        stored_bands = _bands_frame(
            band_keys(stored_signatures), has_signature(stored_signatures), "j"
        )
        with_stored = new_bands.join(stored_bands, on="key").select("i", "j").unique()
        if with_stored.height:
            i = with_stored.get_column("i").to_numpy()
            j = with_stored.get_column("j").to_numpy()
            pairs.append(_scored(i, new_side, j, stored_side, window, other=-1 - j))
    inside = (
        new_bands.join(new_bands.rename({"i": "k"}), on="key")
        .filter(pl.col("k") < pl.col("i"))
        .select("i", "k")
        .unique()
    )
    if inside.height:
        i = inside.get_column("i").to_numpy()
        k = inside.get_column("k").to_numpy()
        pairs.append(_scored(i, new_side, k, new_side, window, other=k))
    if not pairs:
        return _stories_frame(ids, story, best_sim, matched)
    # Best match per new article: most similar, ties to the smallest story_id, so the
    # outcome depends only on what came before, not on where batches were cut.
    near = (
        pl.concat(pairs, how="vertical_relaxed")
        .filter(pl.col("near"))
        .sort(["i", "sim"], descending=[False, True])
    )
    stored_ids = stored.get_column("article_id").to_list()
    stored_story = stored.get_column("story_id").to_list()
    for (i,), group in near.group_by("i", maintain_order=True):
        top = group.filter(pl.col("sim") == group.get_column("sim").max())
        choices = []
        for other in top.get_column("other").to_list():
            if other < 0:
                choices.append((stored_story[-1 - other], stored_ids[-1 - other]))
            else:
                choices.append((story[other], ids[other]))  # final already: other < i
        story[i], matched[i] = min(choices)
        best_sim[i] = float(top.get_column("sim")[0])
    return _stories_frame(ids, story, best_sim, matched)


Side = tuple[np.ndarray, np.ndarray, np.ndarray]  # signatures, sizes (n, 2), published_at


def _scored(
    left: np.ndarray,
    left_side: Side,
    right: np.ndarray,
    right_side: Side,
    window: timedelta,
    *,
    other: np.ndarray,
) -> pl.DataFrame:
    """Candidate pairs (rows ``left`` of one side, ``right`` of the other) scored;
    ``other`` is how the result names the right-hand article."""
    sig_a, size_a, time_a = left_side[0][left], left_side[1][left], left_side[2][left]
    sig_b, size_b, time_b = right_side[0][right], right_side[1][right], right_side[2][right]
    jaccard = similarity(sig_a, sig_b)
    contained = containment(jaccard, size_a[:, 0], size_b[:, 0])
    both_long = _has_long(sig_a) & _has_long(sig_b)
    long_contained = containment(long_similarity(sig_a, sig_b), size_a[:, 1], size_b[:, 1])
    near = (
        (contained >= MIN_CONTAINMENT)
        & (jaccard >= MIN_JACCARD)
        & (
            ~both_long
            | (long_contained >= MIN_LONG_CONTAINMENT)
            | (1.0 - long_contained <= LONG_LOSS_RATIO * (1.0 - contained))
        )
        & (np.abs(time_a - time_b) <= np.timedelta64(int(window.total_seconds() * 1e6), "us"))
    )
    return pl.DataFrame({"i": left, "other": other, "sim": contained, "near": near})


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
