"""The DuckDB file's schema: the numbered steps of ``jobs.store.migrations``, each
applied once, in order, in its own transaction, and recorded in schema_migrations
(opening the file politely is ``jobs.store.connect``'s).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import duckdb

from jobs.store.connect import transaction
from jobs.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)


MIGRATIONS_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    VARCHAR PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)
"""
APPLIED_MIGRATIONS_SQL = "SELECT version FROM schema_migrations"
RECORD_MIGRATION_SQL = "INSERT INTO schema_migrations (version) VALUES (?)"
RENAME_MIGRATION_SQL = "UPDATE schema_migrations SET version = ? WHERE version = ?"

# Steps shipped under names that repeated a number, renumbered when the guard below was
# added: a file that recorded an old name has that step, under its new name.
RENAMED_MIGRATIONS: dict[str, str] = {
    "0004_source_files": "0005_source_files",
    "0004_story_signatures": "0006_story_signatures",
    "0005_job_runs_pid": "0007_job_runs_pid",
    "0005_latest_job_runs": "0008_latest_job_runs",
    "0006_report_details": "0009_report_details",
    "0007_job_runs_process": "0010_job_runs_process",
}

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+")


class MigrationOrderError(ValueError):
    """The list of migrations is not numbered 0001, 0002, ... with unique names."""


def check_migrations(names: Sequence[str]) -> None:
    """Raise MigrationOrderError unless ``names`` are NNNN_words numbered 1, 2, 3 ...
    in order: a duplicate or skipped number is a mistake in a new step."""
    for position, name in enumerate(names, start=1):
        match = _MIGRATION_NAME.fullmatch(name)
        if match is None:
            raise MigrationOrderError(f"migration {name!r} is not named NNNN_lower_case_words")
        if int(match.group(1)) != position:
            raise MigrationOrderError(
                f"migration {name!r} is step {position}: its number must be {position:04d}"
                " (numbers are unique, in order, with no gaps)"
            )


check_migrations([version for version, _ in MIGRATIONS])


def ensure_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this file lacks, each in its own transaction; return their names."""
    con.execute(MIGRATIONS_TABLE_SQL)
    applied = {row[0] for row in con.execute(APPLIED_MIGRATIONS_SQL).fetchall()}
    renames = [(old, new) for old, new in RENAMED_MIGRATIONS.items() if old in applied]
    if renames:
        with transaction(con):
            for old, new in renames:
                con.execute(RENAME_MIGRATION_SQL, [new, old])
        applied = (applied - {old for old, _ in renames}) | {new for _, new in renames}
    done = []
    for version, ddl in MIGRATIONS:
        if version in applied:
            continue
        with transaction(con):
            con.execute(ddl)
            con.execute(RECORD_MIGRATION_SQL, [version])
        log.debug("applied migration %s", version)
        done.append(version)
    return done
