"""``mentions export --lake DIR``: the DuckDB file as a month-partitioned Parquet lake.

Layout (shared with the Dask extraction, which reads and writes the same files)::

    DIR/_manifest.json
    DIR/articles/month=2022-03/data.parquet        the articles table's columns
    DIR/mentions/month=2022-03/data.parquet        mentions of articles published that month
    DIR/daily_mentions/month=2022-03/data.parquet  the daily_mentions view, by month of day
    DIR/entities/data.parquet
    DIR/leader_terms/data.parquet

Undated articles (published_at NULL) go to ``month=undated``. Every month that holds an
article has a file in each monthly table, empty if need be, so the
globs always match and a reader never needs to know which months exist.

Incremental: each partition has a fingerprint (its row count, the sum of DuckDB's hash of
every row, and its column names and types); a partition is rewritten only when its
fingerprint differs from the manifest's. Mentions and daily_mentions have fingerprints of
their own, so a re-extraction that changes mentions but no article rewrites the months
whose mentions changed. The manifest is written last, atomically: after a crash the next
export finds the partitions already rewritten still "changed", rewrites them again (same
bytes) and converges.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from jobs.lake.files import (
    DATA_NAME,
    export_lock,
    read_manifest,
    remove_partition,
    remove_stale_temporaries,
    write_manifest,
    write_parquet_atomically,
)
from jobs.store.connect import connect

log = logging.getLogger(__name__)

MANIFEST_FORMAT = 1

# The month of an article's publication is its partition (NULL: 'undated').
ARTICLES_FINGERPRINTS_SQL = """
SELECT coalesce(strftime(a.published_at, '%Y-%m'), 'undated') AS month,
       count(*) AS row_count, coalesce(sum(hash(a)), 0)::VARCHAR AS content
FROM articles a GROUP BY ALL
"""
ARTICLES_PARTITION_SQL = """
SELECT * FROM articles a
WHERE coalesce(strftime(a.published_at, '%Y-%m'), 'undated') = ?
ORDER BY a.published_at, a.article_id
"""
# Mentions are partitioned by their article's month: a mention has no date of its own.
MENTIONS_FINGERPRINTS_SQL = """
SELECT coalesce(strftime(a.published_at, '%Y-%m'), 'undated') AS month,
       count(*) AS row_count, coalesce(sum(hash(m)), 0)::VARCHAR AS content
FROM mentions m JOIN articles a USING (article_id) GROUP BY ALL
"""
MENTIONS_PARTITION_SQL = """
SELECT m.* FROM mentions m JOIN articles a USING (article_id)
WHERE coalesce(strftime(a.published_at, '%Y-%m'), 'undated') = ?
ORDER BY m.article_id, m.field, m.start_pos, m.end_pos, m.entity_id
"""
DAILY_MENTIONS_FINGERPRINTS_SQL = """
SELECT coalesce(strftime(d.day, '%Y-%m'), 'undated') AS month,
       count(*) AS row_count, coalesce(sum(hash(d)), 0)::VARCHAR AS content
FROM daily_mentions d GROUP BY ALL
"""
DAILY_MENTIONS_PARTITION_SQL = """
SELECT * FROM daily_mentions d
WHERE coalesce(strftime(d.day, '%Y-%m'), 'undated') = ?
ORDER BY d.day, d.entity_id, d.kind
"""


def _by_day_sql(table: str, order: str) -> tuple[str, str]:
    """Fingerprint and partition SQL of a per-day aggregate table (identifiers only:
    ``table`` and ``order`` are constants of this module, never user input)."""
    month = "coalesce(strftime(d.day, '%Y-%m'), 'undated')"
    return (
        f"SELECT {month} AS month, count(*) AS row_count, "
        f"coalesce(sum(hash(d)), 0)::VARCHAR AS content FROM {table} d GROUP BY ALL",
        f"SELECT * FROM {table} d WHERE {month} = ? ORDER BY {order}",
    )


# The per-day aggregates the explorer reads (kept exact at ingest and re-extraction).
DAILY_AGGREGATES: tuple[tuple[str, str], ...] = (
    ("daily_entity_forms", "d.day, d.entity_id, d.kind, d.form"),
    ("daily_entities", "d.day, d.entity_id, d.kind"),
    ("daily_totals", "d.day"),
)
# The small tables are one file each: one fingerprint row, even when empty.
ENTITIES_FINGERPRINTS_SQL = """
SELECT NULL AS month, count(*) AS row_count, coalesce(sum(hash(e)), 0)::VARCHAR AS content
FROM entities e
"""
ENTITIES_PARTITION_SQL = "SELECT * FROM entities ORDER BY entity_id"
LEADER_TERMS_FINGERPRINTS_SQL = """
SELECT NULL AS month, count(*) AS row_count, coalesce(sum(hash(t)), 0)::VARCHAR AS content
FROM leader_terms t
"""
LEADER_TERMS_PARTITION_SQL = (
    "SELECT * FROM leader_terms ORDER BY entity_id, country, role, office, start_on"
)
COLUMNS_SQL = """
SELECT column_name, data_type FROM information_schema.columns
WHERE table_name = ? ORDER BY ordinal_position
"""


@dataclass(frozen=True)
class LakeTable:
    """A table (or view) of the DuckDB file as the lake holds it."""

    name: str
    fingerprints_sql: str
    partition_sql: str
    monthly: bool


LAKE_TABLES: tuple[LakeTable, ...] = (
    LakeTable("articles", ARTICLES_FINGERPRINTS_SQL, ARTICLES_PARTITION_SQL, monthly=True),
    LakeTable("mentions", MENTIONS_FINGERPRINTS_SQL, MENTIONS_PARTITION_SQL, monthly=True),
    LakeTable(
        "daily_mentions",
        DAILY_MENTIONS_FINGERPRINTS_SQL,
        DAILY_MENTIONS_PARTITION_SQL,
        monthly=True,
    ),
    *(LakeTable(name, *_by_day_sql(name, order), monthly=True) for name, order in DAILY_AGGREGATES),
    LakeTable("entities", ENTITIES_FINGERPRINTS_SQL, ENTITIES_PARTITION_SQL, monthly=False),
    LakeTable(
        "leader_terms", LEADER_TERMS_FINGERPRINTS_SQL, LEADER_TERMS_PARTITION_SQL, monthly=False
    ),
)


@dataclass
class ExportResult:
    """What one export did, by partition key (``articles/month=2022-03``, ``entities``)."""

    lake: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rows_written: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Wanted:
    table: LakeTable
    month: str | None
    rows: int
    fingerprint: str


def partition_key(table: str, month: str | None) -> str:
    """The partition's folder relative to the lake: ``articles/month=2022-03``, ``entities``."""
    return table if month is None else f"{table}/month={month}"


def partition_path(lake: Path, key: str) -> Path:
    """The one Parquet file of a partition."""
    return lake / key / DATA_NAME


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[list[str]]]:
    """[name, type] of the columns of each table the lake holds, as the file has them."""
    return {
        table.name: [
            [name, kind] for name, kind in con.sql(COLUMNS_SQL, params=[table.name]).fetchall()
        ]
        for table in LAKE_TABLES
    }


def _columns_digest(columns: list[list[str]]) -> str:
    text = ",".join(f"{name} {kind}" for name, kind in columns)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _wanted_partitions(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[list[str]]]
) -> dict[str, _Wanted]:
    """Every partition the database holds now, with its row count and fingerprint."""
    wanted: dict[str, _Wanted] = {}
    months: set[str] = set()
    for table in LAKE_TABLES:
        digest = _columns_digest(columns[table.name])
        found = {
            month: (int(rows), content)
            for month, rows, content in con.sql(table.fingerprints_sql).fetchall()
        }
        if table.name == "articles":
            months = set(found)
        # Each month with articles gets a file in every monthly table (empty if need be);
        # mentions of an article that is gone are not exported.
        keys = sorted(months) if table.monthly else [None]
        for month in keys:
            rows, content = found.get(month, (0, "0"))
            fingerprint = f"{rows}:{content}:{digest}"
            wanted[partition_key(table.name, month)] = _Wanted(table, month, rows, fingerprint)
    return wanted


def export_lake(
    db_path: Path,
    lake: Path,
    *,
    now: datetime | None = None,
    timeout: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
    before_replace: Callable[[Path], None] | None = None,
) -> ExportResult:
    """Bring the Parquet lake at ``lake`` up to date with the DuckDB file at ``db_path``.

    Only partitions whose fingerprint changed are rewritten, each atomically; partitions
    no longer in the database are removed; the manifest is replaced last. ``now`` stamps
    the partitions written (default: the current time). ``before_replace(path)`` runs
    after each partition's temporary file is on disk and before it replaces the old one.
    """
    started = time.monotonic()
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    result = ExportResult(lake=lake)
    with export_lock(lake):
        remove_stale_temporaries(lake)
        before = read_manifest(lake) or {}
        old: dict[str, dict[str, Any]] = before.get("partitions", {})
        entries: dict[str, dict[str, Any]] = {}
        with connect(db_path, read_only=True, timeout=timeout, on_wait=on_wait) as con:
            columns = table_columns(con)
            wanted = _wanted_partitions(con, columns)
            for key, part in wanted.items():
                path = partition_path(lake, key)
                previous = old.get(key)
                if previous and previous["fingerprint"] == part.fingerprint and path.exists():
                    entries[key] = previous
                    result.unchanged.append(key)
                    continue
                params = [part.month] if part.table.monthly else None
                frame = con.sql(part.table.partition_sql, params=params).pl()
                write_parquet_atomically(frame, path, before_replace)
                entries[key] = {
                    "table": part.table.name,
                    "month": part.month,
                    "rows": frame.height,
                    "fingerprint": part.fingerprint,
                    "exported_at": stamp,
                }
                result.written.append(key)
                result.rows_written += frame.height
                log.debug("wrote %s (%d rows)", key, frame.height)
        for key in sorted(set(old) - set(wanted)):
            remove_partition(lake, key)
            result.removed.append(key)
        # Nothing changed: the manifest stays as it is (its exported_at is the last change).
        # "tables" lets a reader type a table that has no file yet (a file with no articles).
        manifest: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "tables": columns,
            "partitions": entries,
        }
        if any(before.get(key) != value for key, value in manifest.items()):
            write_manifest(lake, {**manifest, "exported_at": stamp})
    result.seconds = time.monotonic() - started
    log.info(
        "exported %d partitions (%d rows) to %s; %d unchanged, %d removed",
        len(result.written),
        result.rows_written,
        lake,
        len(result.unchanged),
        len(result.removed),
    )
    return result
