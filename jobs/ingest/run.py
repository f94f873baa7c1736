"""Run an ingest: read each source in batches, prepare them, store them in order.

Reading, parsing, extraction and signing happen before the database is opened (the
last two in worker processes when there is more than a batch: ``workers``); the
file is held only for the insert, so readers get in between batches. A batch is one
transaction, stored in the order read: a process killed mid-ingest leaves whole
batches, and running the ingest again stores exactly what is missing (ids and
content hashes dedupe).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from analytics.extraction.gazetteer import Gazetteer
from jobs.ingest.frames import PreparedBatch, records_frame
from jobs.ingest.result import (
    IngestProgress,
    IngestResult,
    ProgressCounter,
    input_bytes,
    records_bytes,
)
from jobs.ingest.workers import BatchPreparer, Preparing
from jobs.interrupts import interruptible
from jobs.reextract import reextract_stale
from jobs.settings import Settings, SourceConfig
from jobs.sources.dumps import EMPTY_DUMP
from jobs.sources.limits import FetchLimits
from jobs.sources.read import read_items, source_kind
from jobs.sources.records import BadInput, FileDone, ReadContext, Record, SourceError, SourceState
from jobs.sources.urls import is_url
from jobs.store.articles import (
    insert_new_articles,
    known_article_ids,
    known_urls,
    new_article_ids,
)
from jobs.store.connect import AttachingWriter, connect, transaction
from jobs.store.maintenance import compact_tables
from jobs.store.schema import ensure_schema
from jobs.store.seeds import load_gazetteer, load_seeds
from jobs.store.sources import (
    record_ingest_error,
    record_poll,
    remember_files,
    source_files,
    source_validators,
    upsert_source,
)
from jobs.stories import group_into_stories

log = logging.getLogger(__name__)

DUMP_KINDS = ("jsonl", "csv", "parquet")
# DuckDB may cache up to 80% of RAM; a batch's store needs far less, and the ingest
# (this process and its workers) must stay under 2 GB however large the file grows
# (256 MB stores as fast as 384 did, and this process peaked 190 MB lower at 46,000).
# It stores on one thread: the workers take a core each already, and two threads here
# cost memory for nothing (46,000 articles, five alternating rounds: this process peaked
# at 671-725 MiB instead of 721-794, the three processes at 1,560-1,612 instead of
# 1,645-1,725, in the same wall time, with 1-3% less CPU).
# A bulk batch's commit writes its rows into the file once, by a checkpoint at the commit,
# rather than into the write-ahead log first and the file again at the close (DuckDB
# estimates a commit's log from its rows and, past ``checkpoint_threshold``, checkpoints
# instead of logging: 2,000 rows of any width pass 1 MB). The log was 23 MB a batch of
# 2,000 articles, 40-50 ms to write (46,000 articles, two alternating rounds: 24.8-24.9 s
# against 25.5-26.6, 1.2 s less system time). A commit cut short leaves the file as it
# was before the batch, as a batch rolled back always did.
STORE_CONFIG: dict[str, str | int] = {
    "memory_limit": "256MB",
    "threads": 1,
    "allocator_flush_threshold": "16MB",
    "allocator_bulk_deallocation_flush_threshold": "16MB",
    "checkpoint_threshold": "1MB",
}
# Batches are stored merging no row groups (2,000-article row groups scan as fast, and
# merging them as they came cost most of a large ingest's checkpoints), except a source
# read in one batch of fewer than this many articles, a feed's poll: it merges at most
# one run of row groups a table (DuckDB's vacuum), so polls leave no trail of tiny ones.
BULK_ARTICLES = 1_000
# Files given by name holding this much that was never read start a worker before the
# first batch is read: a worker takes 0.9 s to start and load what it prepares with, and
# one started with the first full batch made that batch wait (46,000 articles: it came
# back 2.4 s after it was submitted). Several batches of news; a feed's poll, or a file
# read before and unchanged, starts nothing.
PRESTART_BYTES = 32_000_000
TIDY_CONFIG: dict[str, str | int] = {**STORE_CONFIG, "max_vacuum_tasks": 1}
# Clocks and time zones disagree a little; a date further ahead than this is an error.
FUTURE_SLACK = timedelta(days=1)


def _batches(
    items: Iterator[Record | FileDone], size: int
) -> Iterator[tuple[list[Record], list[FileDone]]]:
    """Up to ``size`` records at a time, with the files finished so far: a file's
    FileDone travels with its last records or a later batch, never an earlier one."""
    records: list[Record] = []
    done: list[FileDone] = []
    for item in items:
        if isinstance(item, FileDone):
            done.append(item)
        else:
            records.append(item)
        if len(records) >= size or len(done) >= size:
            yield records, done
            records, done = [], []
    if records or done:
        yield records, done


def run_ingest(
    settings: Settings,
    sources: Iterable[SourceConfig] | None = None,
    *,
    now: datetime | None = None,
    on_progress: Callable[[IngestProgress], None] | None = None,
    on_error: Callable[[BadInput], None] | None = None,
    result: IngestResult | None = None,
) -> IngestResult:
    """Ingest ``sources`` (default: the configured ones) into the database.

    Each bad input is logged as a warning, or handed to ``on_error`` if given. The
    counts are added to ``result`` (a new one if None) batch by batch as each commits,
    so a caller holding it knows what was stored even if the run fails later. Ctrl-C
    raises KeyboardInterrupt (also when DuckDB turned it into an error of its own), the
    batch in hand rolled back.
    """
    result = result if result is not None else IngestResult()
    with interruptible():
        _run_ingest(settings, sources, now, on_progress, on_error, result)
    return result


def _run_ingest(
    settings: Settings,
    sources: Iterable[SourceConfig] | None,
    now: datetime | None,
    on_progress: Callable[[IngestProgress], None] | None,
    on_error: Callable[[BadInput], None] | None,
    result: IngestResult,
) -> None:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    gazetteer = load_gazetteer(settings.seeds_dir)
    chosen = list(sources if sources is not None else settings.default_sources)
    preparer = BatchPreparer(
        gazetteer, workers=settings.ingest_workers, batch_size=settings.ingest_batch_size
    )
    with preparer, AttachingWriter() as writer:
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            ensure_schema(con)
            if _new_bytes(con, chosen) >= PRESTART_BYTES:
                preparer.start()  # a worker loads while the seeds are stored
            load_seeds(con, gazetteer)
        # Stored articles first catch up with the seeds, so new and old mentions never
        # come from two versions of the gazetteer (a no-op when nothing is stale).
        reextract_stale(settings, gazetteer)
        tick = None
        if on_progress is not None:
            tick = ProgressCounter(on_progress, input_bytes(chosen))
        for source in chosen:
            result.sources += 1
            try:
                _ingest_source(
                    settings, source, gazetteer, preparer, writer, now, result, tick, on_error
                )
            except SourceError as exc:
                _unreadable_source(settings, source, str(exc), now, result, on_error)
    compact_tables(settings)
    log.info(
        "ingest: %d seen, %d new articles, %d new mentions, %d errors",
        result.articles_seen,
        result.articles_new,
        result.mentions_new,
        result.errors,
    )


def _unreadable_source(
    settings: Settings,
    source: SourceConfig,
    message: str,
    now: datetime,
    result: IngestResult,
    report: Callable[[BadInput], None] | None,
) -> None:
    """A source that cannot be read at all (a missing path, an unknown kind) is one bad
    input, recorded like the others; the next sources are still ingested."""
    reason = message
    for prefix in (f"{source.location}: ", f"{source.location} "):
        if message.startswith(prefix):
            reason = message[len(prefix) :]
            break
    bad = BadInput(source.location, reason)
    if report is None:
        log.warning("%s: %s", bad.location, bad.reason)
    else:
        report(bad)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        _flush_errors(con, source.name, [bad], now, result)
    result.failed.append(bad)


def _same_place(location: str, other: str) -> bool:
    return location == other or (not is_url(location) and Path(location) == Path(other))


def fetch_limits(settings: Settings) -> FetchLimits:
    """The download limits the settings ask for."""
    return FetchLimits(
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_download_bytes,
        max_redirects=settings.max_redirects,
        allow_private_redirects=settings.allow_private_redirects,
    )


def plausible_dates(
    records: Iterator[Record], now: datetime, on_error: Callable[[BadInput], None]
) -> Iterator[Record]:
    """Records whose publication time lies in the future get the ingestion time instead."""
    limit = now + FUTURE_SLACK
    for record in records:
        if record.published_at is not None and record.published_at > limit:
            on_error(
                BadInput(
                    record.url,
                    f"published date {record.published_at:%Y-%m-%d %H:%M} is in the future; "
                    "using ingestion time",
                )
            )
            record = replace(record, published_at=None, date_source="ingested")
        yield record


def _new_bytes(con: duckdb.DuckDBPyConnection, sources: list[SourceConfig]) -> int:
    """The bytes of the files given as ``sources`` (not folders, not URLs) that an ingest
    would read: not those it read before and finds unchanged (same size and time)."""
    total = 0
    for source in sources:
        path = Path(source.location)
        try:
            if is_url(source.location) or not path.is_file():
                continue
            stat = path.stat()
        except OSError:  # reading it will say why, once
            continue
        known = source_files(con, source.name).get(str(path.resolve()))
        if known is None or known[:2] != (stat.st_size, stat.st_mtime_ns):
            total += stat.st_size
    return total


def _ingest_source(
    settings: Settings,
    source: SourceConfig,
    gazetteer: Gazetteer,
    preparer: BatchPreparer,
    writer: AttachingWriter,
    now: datetime,
    result: IngestResult,
    progress: ProgressCounter | None,
    report: Callable[[BadInput], None] | None = None,
) -> None:
    kind = source_kind(source.location) if source.kind == "auto" else source.kind
    tracked = kind != "url" and not is_url(source.location)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        upsert_source(con, source.name, source.name, kind, source.location)
        etag, last_modified = source_validators(con, source.name)
        files = source_files(con, source.name) if tracked else {}
    errors: list[BadInput] = []
    failed = 0
    seen = 0
    # An error about the source itself (not one of its items or files) with nothing
    # read from it: the input could not be read at all.
    unreadable: BadInput | None = None

    def on_error(bad: BadInput) -> None:
        nonlocal failed, unreadable
        if (
            unreadable is None
            and bad.reason != EMPTY_DUMP  # nothing to read is not a failure to read
            and _same_place(bad.location, source.location)
        ):
            unreadable = bad
        if report is None:
            log.warning("%s: %s", bad.location, bad.reason)
        else:
            report(bad)
        errors.append(bad)
        failed += 1

    def stored(urls: list[str]) -> set[str]:
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            return known_urls(con, urls)

    ctx = ReadContext(
        on_error=on_error,
        options=source.options,
        state=SourceState(etag=etag, last_modified=last_modified, files=files),
        limits=fetch_limits(settings),
        known_urls=stored,
        track_files=tracked,
    )
    items = read_items(source.location, kind, on_error, context=ctx)
    pending: deque[_Pending] = deque()

    def store_next() -> None:
        nonlocal seen
        batch = pending.popleft()
        poll = seen == 0 and batch.articles.height < BULK_ARTICLES
        new, new_mentions = _store_batch(
            writer,
            settings,
            source.name,
            preparer.outcome(batch.prepared, batch.articles),
            batch.done,
            gazetteer,
            now,
            errors,
            result,
            TIDY_CONFIG if poll else STORE_CONFIG,
        )
        result.articles_seen += batch.records
        seen += batch.records
        result.articles_new += new
        result.mentions_new += new_mentions
        log.debug("%s: batch of %d stored (%d new)", source.name, batch.records, new)
        if progress is not None and batch.records:
            progress.stored(batch.records, batch.nbytes)

    failed_run = True
    try:
        for records, done in _batches(items, settings.ingest_batch_size):
            articles = records_frame(
                plausible_dates(iter(records), now, on_error), source.name, now
            )
            if articles.height:
                articles = _not_stored(writer, settings, articles)
            pending.append(
                _Pending(
                    preparer.submit(articles),
                    articles,
                    len(records),
                    done,
                    records_bytes(records) if progress is not None else 0,
                )
            )
            # One batch in flight per worker: memory stays flat, the workers stay busy.
            while len(pending) > (preparer.workers if preparer.parallel else 0):
                store_next()
        while pending:
            store_next()
        failed_run = False
    finally:
        if failed_run:  # batches not stored are not prepared either
            for batch in pending:
                batch.prepared.cancel()
        ctx.close()
    state = ctx.state
    result.files_skipped += state.files_skipped
    if seen == 0 and unreadable is not None:
        result.failed.append(unreadable)
    elif seen == 0 and failed == 0 and kind in DUMP_KINDS and not state.files_skipped:
        on_error(BadInput(source.location, EMPTY_DUMP))
    validators = (state.new_etag, state.new_last_modified) if state.refreshed else None
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        _flush_errors(con, source.name, errors, now, result)
        record_poll(con, source.name, state.kind or kind, now, validators, clean=failed == 0)


@dataclass(frozen=True)
class _Pending:
    """A batch on its way: prepared (maybe in a worker), not stored yet."""

    prepared: Preparing
    articles: pl.DataFrame
    records: int
    done: list[FileDone]
    nbytes: int


def _not_stored(
    writer: AttachingWriter, settings: Settings, articles: pl.DataFrame
) -> pl.DataFrame:
    """``articles`` without those whose id is stored already (they are not prepared)."""
    with writer.connect(
        settings.db_path, timeout=settings.lock_timeout, config=STORE_CONFIG
    ) as con:
        known = known_article_ids(con, articles.get_column("article_id"))
    return articles.filter(~pl.col("article_id").is_in(list(known)))


def _store_batch(
    writer: AttachingWriter,
    settings: Settings,
    source_id: str,
    prepared: PreparedBatch,
    done: list[FileDone],
    gazetteer: Gazetteer,
    now: datetime,
    errors: list[BadInput],
    result: IngestResult,
    config: Mapping[str, str | int] = STORE_CONFIG,
) -> tuple[int, int]:
    """One prepared batch (extracted and signed outside the database) stored with its
    stories, finished files and the errors so far, in one transaction; what is stored
    already, by id or by content, is left alone. Returns (articles stored, mentions
    stored)."""
    articles = prepared.articles
    files = pl.DataFrame(
        [(f.path, f.size, f.mtime_ns, f.sha256) for f in done],
        schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String},
        orient="row",
    ).unique("path", keep="last", maintain_order=True)
    with writer.connect(settings.db_path, timeout=settings.lock_timeout, config=config) as con:
        with transaction(con):
            new_ids = new_article_ids(con, articles) if articles.height else set()
            rows = np.flatnonzero(articles.get_column("article_id").is_in(list(new_ids)).to_numpy())
            new = group_into_stories(
                con, articles[rows], prepared.signatures[rows], prepared.shingles[rows]
            )
            daily = prepared.counts
            counts = (
                insert_new_articles(
                    con,
                    new,
                    prepared.mentions,
                    gazetteer.version,
                    all_new=True,
                    # counted for every article prepared: right only if all are new
                    counts=(daily.forms, daily.entities)
                    if daily is not None and rows.size == articles.height
                    else None,
                )
                if rows.size
                else (0, 0)
            )
            remember_files(con, source_id, files, now)
            _flush_errors(con, source_id, errors, now, result)
    return counts


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
