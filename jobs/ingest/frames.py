"""A batch of records as rows of ``articles``, and the work done on it before the
database is opened: content hashes, mentions and story signatures.

``prepare`` is pure (frames in, frames and arrays out), so it runs in the ingest
process or in a worker process (``jobs.ingest.workers``) alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.mentions import extract_mentions
from analytics.frames import ARTICLE_SCHEMA
from analytics.minhash import sign
from analytics.utf8 import utf8_buffer
from jobs.sources.records import Record


def article_id_for(url: str) -> str:
    """A stable id from the article's canonical URL (or path)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def content_hash_for(title: str, text: str) -> str:
    """Equal for texts that differ only in case and whitespace."""
    body = text if text.strip() else title
    # str.split() splits on exactly the characters r"\s" matches: same hash, 10x faster.
    return _digest(" ".join(body.split()))


def _digest(one_spaced: str) -> str:
    return hashlib.sha256(one_spaced.lower().encode("utf-8")).hexdigest()[:32]


def content_hashes(titles: pl.Series, texts: pl.Series) -> list[str]:
    """``content_hash_for`` of each (title, text), a batch at a time: the whitespace and
    ASCII case by a compiled loop over the column's bytes (``hash_kernels``), the rest of
    the case by Python for the texts that need it (0.098 ms an article before, 0.058 now)."""
    # Imported here: numba takes a quarter of a second to import, paid on first use.
    from jobs.ingest.hash_kernels import one_spaced_lower, tables

    is_space, changes = tables()
    text_bytes, text_ends, text_flagged = one_spaced_lower(
        *utf8_buffer(texts.fill_null("")), is_space, changes
    )
    title_bytes, title_ends, title_flagged = one_spaced_lower(
        *utf8_buffer(titles.fill_null("")), is_space, changes
    )
    text_view, title_view = text_bytes.data, title_bytes.data
    text_at, title_at = text_ends.tolist(), title_ends.tolist()
    hashes: list[str] = []
    slow: list[int] = []
    for row in range(len(texts)):
        low, high = text_at[row], text_at[row + 1]
        view, flagged = text_view, text_flagged[row]
        if low == high:  # a blank text: the title is the content
            low, high = title_at[row], title_at[row + 1]
            view, flagged = title_view, title_flagged[row]
        if flagged:
            slow.append(row)
            hashes.append("")
        else:
            hashes.append(hashlib.sha256(view[low:high]).hexdigest()[:32])
    if slow:
        pairs = zip(titles.gather(slow).to_list(), texts.gather(slow).to_list(), strict=True)
        for row, (title, text) in zip(slow, pairs, strict=True):
            hashes[row] = content_hash_for(title or "", text or "")
    return hashes


def records_frame(records: Iterable[Record], source_id: str, now: datetime) -> pl.DataFrame:
    """Records as rows of ``articles`` without their content hash (null until
    ``prepare``); a second record with the same id inside the batch is dropped."""
    rows = []
    for record in records:
        article_id = article_id_for(record.url)
        rows.append(
            {
                "article_id": article_id,
                "source_id": source_id,
                "external_id": record.external_id,
                "url": record.url,
                "title": record.title,
                "text": record.text,
                "published_at": record.published_at or now,
                "date_source": record.date_source if record.published_at else "ingested",
                "story_id": article_id,
                "ingested_at": now,
                "site_name": record.site_name,
            }
        )
    return pl.DataFrame(rows, schema=ARTICLE_SCHEMA).unique(
        "article_id", keep="first", maintain_order=True
    )


def with_content_hashes(articles: pl.DataFrame) -> pl.DataFrame:
    """``articles`` with their content hashes; a second article with the same content
    inside the batch is dropped."""
    # As content_hash_for, exactly: Python's own tables of whitespace and case decide
    # (polars' are a newer Unicode than Python's), and the stored hashes must not change.
    hashes = content_hashes(articles.get_column("title"), articles.get_column("text"))
    return articles.with_columns(content_hash=pl.Series(hashes, dtype=pl.String)).unique(
        "content_hash", keep="first", maintain_order=True
    )


def articles_frame(records: Iterable[Record], source_id: str, now: datetime) -> pl.DataFrame:
    """Records as rows of ``articles``; duplicates (by id or content) inside the batch
    are dropped."""
    return with_content_hashes(records_frame(records, source_id, now))


@dataclass(frozen=True)
class DailyCounts:
    """A batch's additions to ``daily_entity_forms`` and ``daily_entities``: per UTC day
    of publication, entity (and form), the distinct articles and the mentions, in those
    tables' columns."""

    forms: pl.DataFrame
    entities: pl.DataFrame


def daily_counts(articles: pl.DataFrame, mentions: pl.DataFrame) -> DailyCounts:
    """The daily counts of ``mentions`` of ``articles`` (article_id, published_at), as
    ``jobs.store.aggregates.ADD_BATCH_SQL`` counts a batch's new articles in SQL. Counted
    where the batch is prepared (a worker), the ingest process merges a few thousand rows
    into each table instead of grouping the batch's 80,000 mentions itself: the merge
    into ``daily_entity_forms`` took 46 ms from the mentions, 11 from the counts."""
    days = articles.select("article_id", day=pl.col("published_at").dt.date())
    dated = mentions.select("article_id", "entity_id", "kind", "form").join(
        days, on="article_id", how="inner"
    )

    def counted(keys: list[str]) -> pl.DataFrame:
        return dated.group_by(keys).agg(
            articles=pl.col("article_id").n_unique().cast(pl.Int64),
            mentions=pl.len().cast(pl.Int64),
        )

    return DailyCounts(
        forms=counted(["day", "entity_id", "kind", "form"]),
        entities=counted(["day", "entity_id", "kind"]),
    )


@dataclass(frozen=True)
class PreparedBatch:
    """A batch ready to store: its articles (with content hashes, duplicates inside
    the batch dropped), their mentions, their story signatures row for row, and the
    daily counts of all its articles (None: to be counted from what is stored)."""

    articles: pl.DataFrame
    mentions: pl.DataFrame
    signatures: np.ndarray
    shingles: np.ndarray
    counts: DailyCounts | None = None


# Articles extracted at a time: a chunk's candidate frames (about 70 matches an
# article, each with its context) cost memory, and each call a fixed 50 ms or so (some
# 165 polars steps, whatever their size). 8,000 articles on one polars thread, as a
# worker runs: 4.88-5.03 s of CPU and a 490-497 MiB peak at 500, 4.19-4.38 s and 543-544
# MiB at 1,000 (then 2,000 raised the peak 190 MiB). Since the rules carry less, 16,000
# articles: 2.94-3.08 s of CPU at 2,000 against 3.41-3.50 at 1,000, the peak 60-65 MiB
# higher; the ingest of 46,000 articles, five alternating rounds, 42.1-45.8 user CPU
# seconds against 42.6-47.7, each worker's peak 10-30 MiB higher, the summed peak within
# the same range (1,802-1,843 MiB against 1,782-1,866). A batch of 2,000 (the default
# ``[ingest] batch_size``) is one call.
EXTRACT_CHUNK = 2000


def prepare(articles: pl.DataFrame, gazetteer: Gazetteer) -> PreparedBatch:
    """Hash, extract and sign ``articles`` (rows of ``records_frame``)."""
    articles = with_content_hashes(articles)
    chunks = range(0, articles.height, EXTRACT_CHUNK)
    mentions = (
        pl.concat([extract_mentions(articles.slice(i, EXTRACT_CHUNK), gazetteer) for i in chunks])
        if articles.height > EXTRACT_CHUNK
        else extract_mentions(articles, gazetteer)
    )
    signatures, shingles = sign(articles)
    return PreparedBatch(articles, mentions, signatures, shingles, daily_counts(articles, mentions))
