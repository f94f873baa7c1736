"""Maintenance: checkpoint the database, and publish a read-only snapshot of it.

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

from jobs.settings import Settings
from jobs.store.check import Check, CheckReport, DatabaseCorruptError, recovery, verify
from jobs.store.connect import DatabaseMissingError, connect

log = logging.getLogger(__name__)

CHECKPOINT_SQL = "CHECKPOINT"


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
