"""Ingest: sources -> article frames -> mentions -> one transaction per batch.

Reading, parsing and extraction happen before the database is opened; the file
is held only for the insert, so readers get in between batches. A batch is one
transaction: a process killed mid-ingest leaves whole batches, and running the
ingest again stores exactly what is missing (ids and content hashes dedupe).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

import duckdb
import polars as pl

from analytics.gazetteer import Gazetteer
from analytics.mentions import extract_mentions
from jobs.db import connect, ensure_schema
from jobs.reextract import reextract_stale
from jobs.seeds import load_gazetteer, load_seeds
from jobs.settings import Settings, SourceConfig
from jobs.sources import BadInput, Record, read_source, source_kind
from jobs.store import insert_articles, record_ingest_error, upsert_source

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
_SPACES = re.compile(r"\s+")

ARTICLE_SCHEMA: pl.Schema = pl.Schema(
    {
        "article_id": pl.String(),
        "source_id": pl.String(),
        "external_id": pl.String(),
        "url": pl.String(),
        "title": pl.String(),
        "text": pl.String(),
        "published_at": pl.Datetime("us"),
        "date_source": pl.String(),
        "story_id": pl.String(),
        "content_hash": pl.String(),
        "ingested_at": pl.Datetime("us"),
    }
)


@dataclass
class IngestResult:
    """What one ingest run did, summed over its sources."""

    articles_seen: int = 0
    articles_new: int = 0
    mentions_new: int = 0
    errors: int = 0
    bad_inputs: list[BadInput] = field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        return {
            "articles_seen": self.articles_seen,
            "articles_new": self.articles_new,
            "mentions_new": self.mentions_new,
            "errors": self.errors,
        }


def article_id_for(url: str) -> str:
    """A stable id from the article's canonical URL (or path)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def content_hash_for(title: str, text: str) -> str:
    """Equal for texts that differ only in case and whitespace."""
    body = text if text.strip() else title
    return hashlib.sha256(_SPACES.sub(" ", body).strip().lower().encode("utf-8")).hexdigest()[:32]


def articles_frame(records: Iterable[Record], source_id: str, now: datetime) -> pl.DataFrame:
    """Records as rows of ``articles``; duplicates inside the batch are dropped."""
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
                "content_hash": content_hash_for(record.title, record.text),
                "ingested_at": now,
            }
        )
    frame = pl.DataFrame(rows, schema=ARTICLE_SCHEMA)
    return frame.unique("article_id", keep="first", maintain_order=True).unique(
        "content_hash", keep="first", maintain_order=True
    )


def mention_rows(articles: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """Mentions of a batch of article rows, with the column names of ``mentions``."""
    return extract_mentions(articles, gazetteer).select(
        "article_id",
        "entity_id",
        "kind",
        "field",
        start_pos="start",
        end_pos="end",
        surface="surface",
        form="form",
        rule="rule",
    )


def _batches(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while batch := list(islice(records, size)):
        yield batch


def run_ingest(
    settings: Settings,
    sources: Iterable[SourceConfig] | None = None,
    *,
    now: datetime | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Ingest ``sources`` (default: the configured ones) into the database."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    gazetteer = load_gazetteer(settings.seeds_dir)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        ensure_schema(con)
        load_seeds(con, gazetteer)
    # Stored articles first catch up with the seeds, so new and old mentions never come
    # from two versions of the gazetteer (a no-op when nothing is stale).
    reextract_stale(settings, gazetteer)
    result = IngestResult()
    for source in sources if sources is not None else settings.default_sources:
        _ingest_source(settings, source, gazetteer, now, result, on_progress)
    log.info(
        "ingest: %d seen, %d new articles, %d new mentions, %d errors",
        result.articles_seen,
        result.articles_new,
        result.mentions_new,
        result.errors,
    )
    return result


def _ingest_source(
    settings: Settings,
    source: SourceConfig,
    gazetteer: Gazetteer,
    now: datetime,
    result: IngestResult,
    on_progress: Callable[[int], None] | None,
) -> None:
    kind = source_kind(source.location) if source.kind == "auto" else source.kind
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        upsert_source(con, source.name, source.name, kind, source.location)
    errors: list[BadInput] = []

    def on_error(bad: BadInput) -> None:
        log.warning("%s: %s", bad.location, bad.reason)
        errors.append(bad)

    for batch in _batches(read_source(source.location, kind, on_error), BATCH_SIZE):
        articles = articles_frame(batch, source.name, now)
        mentions = mention_rows(articles, gazetteer)
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            new, new_mentions = insert_articles(con, articles, mentions, gazetteer.version)
            _flush_errors(con, source.name, errors, now, result)
        result.articles_seen += len(batch)
        result.articles_new += new
        result.mentions_new += new_mentions
        if on_progress is not None:
            on_progress(len(batch))
    if errors:
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            _flush_errors(con, source.name, errors, now, result)


def _flush_errors(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    errors: list[BadInput],
    now: datetime,
    result: IngestResult,
) -> None:
    for bad in errors:
        record_ingest_error(con, source_id, bad.location, bad.reason, now)
    result.errors += len(errors)
    result.bad_inputs.extend(errors)
    errors.clear()
