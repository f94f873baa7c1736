"""Sources and the files read from them: validators, polls, errors."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

UPSERT_SOURCE_SQL = """
INSERT INTO sources (source_id, name, kind, location) VALUES (?, ?, ?, ?)
ON CONFLICT (source_id) DO UPDATE SET kind = excluded.kind, location = excluded.location
"""


def upsert_source(
    con: duckdb.DuckDBPyConnection, source_id: str, name: str, kind: str, location: str
) -> None:
    """Register a source, or update where it points."""
    con.execute(UPSERT_SOURCE_SQL, [source_id, name, kind, location])


SOURCE_STATE_SQL = "SELECT etag, last_modified FROM sources WHERE source_id = ?"


def source_validators(
    con: duckdb.DuckDBPyConnection, source_id: str
) -> tuple[str | None, str | None]:
    """(etag, last_modified) remembered from the source's last successful poll."""
    rows = con.execute(SOURCE_STATE_SQL, [source_id]).fetchall()
    return (rows[0][0], rows[0][1]) if rows else (None, None)


RECORD_POLL_SQL = """
UPDATE sources SET last_polled_at = ?, kind = ?,
    etag = CASE WHEN ? THEN ? ELSE etag END,
    last_modified = CASE WHEN ? THEN ? ELSE last_modified END,
    last_error = CASE WHEN ? THEN NULL ELSE last_error END
WHERE source_id = ?
"""


def record_poll(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    kind: str,
    polled_at: datetime,
    validators: tuple[str | None, str | None] | None,
    clean: bool,
) -> None:
    """A finished read of a source: when, what kind it turned out to be, the new
    conditional-GET validators (None: keep the old ones), and clear last_error if
    the read had no error."""
    fresh = validators is not None
    etag, last_modified = validators or (None, None)
    con.execute(
        RECORD_POLL_SQL,
        [polled_at, kind, fresh, etag, fresh, last_modified, clean, source_id],
    )


SOURCE_FILES_SQL = "SELECT path, size, mtime_ns, sha256 FROM source_files WHERE source_id = ?"


def source_files(con: duckdb.DuckDBPyConnection, source_id: str) -> dict[str, tuple[int, int, str]]:
    """path -> (size, mtime_ns, sha256) of every file of the source read to its end."""
    rows = con.execute(SOURCE_FILES_SQL, [source_id]).fetchall()
    return {path: (int(size), int(mtime), digest) for path, size, mtime, digest in rows}


REMEMBER_FILES_SQL = """
INSERT INTO source_files BY NAME SELECT ? AS source_id, f.*, ? AS read_at FROM batch_files f
ON CONFLICT (source_id, path) DO UPDATE SET
    size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
    read_at = excluded.read_at
"""


def remember_files(
    con: duckdb.DuckDBPyConnection, source_id: str, files: pl.DataFrame, at: datetime
) -> None:
    """Record files (path, size, mtime_ns, sha256) as read to their end."""
    if files.is_empty():
        return
    con.register("batch_files", files.select("path", "size", "mtime_ns", "sha256"))
    try:
        con.execute(REMEMBER_FILES_SQL, [source_id, at])
    finally:
        con.unregister("batch_files")


INSERT_INGEST_ERROR_SQL = "INSERT INTO ingest_errors VALUES (?, ?, ?, ?)"


SET_SOURCE_ERROR_SQL = "UPDATE sources SET last_error = ? WHERE source_id = ?"


def record_ingest_error(
    con: duckdb.DuckDBPyConnection, source_id: str, location: str, reason: str, at: datetime
) -> None:
    """Keep one bad input and the reason it was refused."""
    con.execute(INSERT_INGEST_ERROR_SQL, [source_id, location, reason, at])
    con.execute(SET_SOURCE_ERROR_SQL, [f"{location}: {reason}", source_id])
