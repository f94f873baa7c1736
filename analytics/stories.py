"""Near-duplicate articles -> stories.

The same wire story reprinted with another headline, a footer or a paragraph cut
keeps most of its shingles; two different articles on one topic share few (see
``analytics.minhash`` for the sketches). LSH band keys find the candidates
cheaply; a near duplicate published within STORY_WINDOW joins the story of its
most similar earlier article. The outcome depends only on what came before an
article, not on how the articles were cut into batches.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from analytics.frames import require_columns
from analytics.minhash import (
    BANDS,
    band_keys,
    containment,
    has_long_signature,
    has_signature,
    long_similarity,
    similarity,
)

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
    both_long = has_long_signature(sig_a) & has_long_signature(sig_b)
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
