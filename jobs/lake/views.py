"""The lake as DuckDB sees it: the DuckDB file's table and view names over Parquet.

``open_lake(DIR)`` gives an in-memory DuckDB connection where ``articles``, ``mentions``,
``entities``, ``leader_terms`` and ``daily_mentions`` are views over the lake's files, and
the views users query on the file (``article_mentions``, ``daily_articles``,
``daily_shares``, ``country_mentions``) are created from the very SQL text of the
migrations in jobs/store/migrations.py, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from jobs.lake.files import MANIFEST_NAME, read_manifest
from jobs.store.migrations import MIGRATIONS

# Tables read straight from the lake's files; the month folder is hive partitioning, and
# the month column it adds is left out so that every view has the file's columns.
MONTHLY_TABLES = (
    "articles",
    "mentions",
    "daily_mentions",
    "daily_entity_forms",
    "daily_entities",
    "daily_totals",
)
SINGLE_TABLES = ("entities", "leader_terms")
# Views of the DuckDB file recreated over the lake, in the order of their dependencies
# (daily_shares reads daily_mentions, which the lake holds as a table).
SCHEMA_VIEWS = ("article_mentions", "daily_articles", "daily_shares", "country_mentions")

_VIEW = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)\s+AS\s+(.*?);", re.S | re.I)


class LakeMissingError(FileNotFoundError):
    """A folder that holds no exported lake."""

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        super().__init__(
            f'{lake} holds no lake ({MANIFEST_NAME} is missing). Run "mentions export --lake '
            f'{lake}" first.'
        )


def schema_view_sql(name: str) -> str:
    """The SELECT of view ``name`` as the newest migration that defines it has it."""
    found = None
    for _version, ddl in MIGRATIONS:
        for view, select in _VIEW.findall(ddl):
            if view == name:
                found = select.strip()
    if found is None:
        raise KeyError(f"no migration in jobs/store/migrations.py creates view {name!r}")
    return found


def _sql_string(text: str) -> str:
    # DDL takes no bound parameters, so the lake's path is quoted as an SQL literal.
    return "'" + text.replace("'", "''") + "'"


def _empty_select(columns: list[list[str]]) -> str:
    # A table with no file yet (a database with no articles): its columns, no rows.
    return (
        "SELECT "
        + ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in columns)
        + " LIMIT 0"
    )


def lake_views_sql(lake: Path, columns: dict[str, list[list[str]]] | None = None) -> list[str]:
    """The CREATE VIEW statements that put the DuckDB file's names over ``lake``;
    ``columns`` (the manifest's "tables") types the tables that have no file."""
    root = lake.resolve()
    statements = []
    for table in (*MONTHLY_TABLES, *SINGLE_TABLES):
        monthly = table in MONTHLY_TABLES
        pattern = "*/*.parquet" if monthly else "*.parquet"
        if columns and table in columns and not any((root / table).glob(pattern)):
            statements.append(f"CREATE VIEW {table} AS {_empty_select(columns[table])}")
        elif monthly:
            statements.append(
                f"CREATE VIEW {table} AS SELECT * EXCLUDE (month) FROM read_parquet("
                f"{_sql_string(str(root / table / pattern))}, hive_partitioning = true)"
            )
        else:
            statements.append(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet("
                f"{_sql_string(str(root / table / pattern))})"
            )
    statements += [f"CREATE VIEW {view} AS {schema_view_sql(view)}" for view in SCHEMA_VIEWS]
    return statements


def create_lake_views(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """Create the lake's views on ``con`` (raise LakeMissingError if there is no lake)."""
    manifest = read_manifest(lake)
    if manifest is None:
        raise LakeMissingError(lake)
    for statement in lake_views_sql(lake, manifest.get("tables")):
        con.execute(statement)


@contextmanager
def open_lake(
    lake: Path, config: Mapping[str, str | bool | int | float] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with the lake's views; closed afterwards.

    >>> with open_lake(Path("lake")) as con:
    ...     con.sql("select entity_id, sum(mentions) from daily_mentions group by 1").pl()
    """
    con = duckdb.connect(":memory:", config=dict(config or {}))
    try:
        con.execute("SET TimeZone = 'UTC'")
        create_lake_views(con, Path(lake))
        yield con
    finally:
        con.close()
