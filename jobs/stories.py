"""Stories in the store: find stored near duplicates of a batch's articles through their
LSH band keys (the articles signed by ``analytics.minhash.sign``, in the workers), give
each new article its story, keep the new signatures.

The grouping itself is pure (``analytics.stories``); this module moves signatures
between DuckDB and numpy. It runs inside the batch's transaction, so a story
assignment is stored together with the article it belongs to.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import polars as pl

from analytics.minhash import NUM_PERM, band_keys, has_signature
from analytics.stories import STORY_WINDOW, assign_stories
from jobs.store.stories import insert_signatures, story_candidates

_SIGNATURE_DTYPE = np.dtype("<u4")


def _decoded(blobs: pl.Series) -> np.ndarray:
    if blobs.len() == 0:
        return np.zeros((0, 2 * NUM_PERM), dtype=np.uint32)
    joined = b"".join(blobs.to_list())
    return np.frombuffer(joined, dtype=_SIGNATURE_DTYPE).astype(np.uint32).reshape(-1, 2 * NUM_PERM)


def group_into_stories(
    con: duckdb.DuckDBPyConnection,
    articles: pl.DataFrame,
    signatures: np.ndarray,
    shingles: np.ndarray,
) -> pl.DataFrame:
    """``articles`` (new ones, in arrival order, with published_at) with their story_id,
    after storing their signatures; call inside the batch's transaction."""
    if articles.is_empty():
        return articles
    valid = has_signature(signatures)
    keys = band_keys(signatures[valid])
    times = articles.get_column("published_at")
    first: datetime = times.min()  # type: ignore[assignment]
    last: datetime = times.max()  # type: ignore[assignment]
    candidates = story_candidates(
        con,
        pl.DataFrame({"band_key": np.unique(keys.reshape(-1))}),
        first - STORY_WINDOW,
        last + STORY_WINDOW,
    )
    new = articles.select("article_id", "published_at").with_columns(
        shingles=pl.Series(shingles[:, 0], dtype=pl.Int64),
        long_shingles=pl.Series(shingles[:, 1], dtype=pl.Int64),
    )
    stories = assign_stories(
        new, signatures, candidates, _decoded(candidates.get_column("signature"))
    )
    rows = np.flatnonzero(valid)
    signed = new[rows]
    per_band = np.repeat(np.arange(signed.height), keys.shape[1])
    insert_signatures(
        con,
        signed.with_columns(
            signature=pl.Series(
                [row.astype(_SIGNATURE_DTYPE).tobytes() for row in signatures[valid]],
                dtype=pl.Binary,
            )
        ),
        pl.DataFrame(
            {
                "band_key": keys.reshape(-1),
                "article_id": signed.get_column("article_id").gather(per_band),
                "day": signed.get_column("published_at").dt.date().gather(per_band),
            }
        ),
    )
    return articles.with_columns(story_id=stories.get_column("story_id"))
