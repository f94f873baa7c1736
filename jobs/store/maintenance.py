"""Maintenance: checkpoint the database, tidy the daily counts, and publish a read-only
snapshot of it.

Long analyst queries on the live file would keep the scheduler from writing (DuckDB
lets nobody write while anyone reads). ``mentions sql --snapshot`` reads a copy
instead: the file is checkpointed, then copied byte for byte while a read-only
connection keeps every writer out, to a temporary file renamed over the old snapshot.
On POSIX a reader of the old snapshot keeps reading the old file until it closes it.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jobs.settings import Settings
from jobs.store.aggregates import AGGREGATE_TABLES, compact_table, scattered_tables
from jobs.store.check import Check, CheckReport, DatabaseCorruptError, recovery, verify
from jobs.store.connect import DatabaseBusyError, DatabaseMissingError, connect, transaction

log = logging.getLogger(__name__)

CHECKPOINT_SQL = "CHECKPOINT"
# Rewriting the daily counts a million articles left in 500 row groups each: a connection
# per table at 512 MB took 2.4 s and peaked at 440 MiB (one for all three at 1 GB: 3.0 s,
# 971 MiB; one at 256 MB failed to pin a block). DuckDB keeps what it read until closed.
COMPACT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "memory_limit": "512MB",
    "allocator_flush_threshold": "16MB",
}


@dataclass(frozen=True)
class SnapshotResult:
    """Where the snapshot went, how big it is and how long the copy held the file."""

    path: Path
    size: int
    seconds: float


def checkpoint(settings: Settings) -> None:
    """Write the WAL into the database file."""
    if not settings.db_path.exists():
        raise DatabaseMissingError(settings.db_path)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        con.execute(CHECKPOINT_SQL)


# Tables every batch adds a row group to and that are read whole: the daily counts (by
# the timeline) and the articles' digests (by every batch: jobs.store.articles).
COMPACTED_TABLES = (*AGGREGATE_TABLES, "article_keys")


def compact_tables(settings: Settings) -> list[str]:
    """Rewrite the daily counts and the articles' digests where batches left them
    scattered over many row groups (an ingest's end calls this; a no-op otherwise). They
    are right either way, so a failure or a busy file is only logged. Returns the tables
    rewritten."""
    done: list[str] = []
    try:
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            tables = scattered_tables(con, COMPACTED_TABLES)
        for table in tables:
            with connect(
                settings.db_path, timeout=settings.lock_timeout, config=COMPACT_CONFIG
            ) as con:
                with transaction(con):
                    compact_table(con, table, in_order=table in AGGREGATE_TABLES)
            done.append(table)
    except (duckdb.Error, DatabaseBusyError) as exc:
        log.warning(
            "%s: daily counts and article digests left as they are (%s)", settings.db_path, exc
        )
    return done


def write_snapshot(settings: Settings) -> SnapshotResult:
    """Replace the snapshot file with a consistent copy of the database, once it has
    passed ``mentions check`` (else DatabaseCorruptError, and the old snapshot stays)."""
    source, target = settings.db_path, settings.snapshot_file
    checkpoint(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # The read-only connection holds a shared lock: no process can write while we copy.
    with connect(source, read_only=True, timeout=settings.lock_timeout) as con:
        checks = [Check("open", True, "the file opens read-only"), *verify(con)]
        report = CheckReport(source, checks, recovery(settings))
        if not report.ok:
            raise DatabaseCorruptError(
                report, " The file was not snapshotted: the last one is kept."
            )
        started = time.monotonic()
        try:
            with source.open("rb") as src, temporary.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        seconds = time.monotonic() - started
    size = target.stat().st_size
    log.debug("snapshot of %s: %d bytes in %.3f s -> %s", source, size, seconds, target)
    return SnapshotResult(path=target, size=size, seconds=seconds)
