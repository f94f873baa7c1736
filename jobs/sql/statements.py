"""`mentions sql`: the SQL split into statements by DuckDB's parser, checked, then run.

Without ``--write`` the file is opened read-only, but a read-only connection still
writes elsewhere: ``COPY ... TO`` and ``EXPORT DATABASE`` write files, ``ATTACH ...
(READ_WRITE)`` opens (or creates) another database for writing, ``INSTALL`` downloads
extensions. So every statement is checked before any of them runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

log = logging.getLogger(__name__)

# Read-only mode is a whitelist of statement types, not a blacklist: a statement type
# DuckDB adds later is refused until someone decides it only reads.
# - SELECT covers DESCRIBE, SHOW, SUMMARIZE, FROM-first and the table functions
#   (read_csv, read_parquet, pragma_table_info ...), which read and never write.
# - CALL only calls table functions, which SELECT can call anyway.
# - EXPLAIN is allowed when the statement it explains is: EXPLAIN ANALYZE runs it.
# - MULTI is what PIVOT without an IN list becomes (a temporary ENUM type, then a
#   SELECT); it works on a read-only file.
# - TRANSACTION (BEGIN, COMMIT, ROLLBACK) changes nothing by itself.
# Refused: the writes (INSERT, UPDATE, DELETE, MERGE, CREATE, ALTER, DROP, COPY in
# either direction: COPY FROM can only fill a table, and CREATE TEMP is refused too),
# ATTACH and DETACH (an attached file may be read-write), EXPORT, INSTALL/LOAD,
# PREPARE/EXECUTE (EXECUTE runs whatever was prepared), SET/RESET/USE and PRAGMA
# (PRAGMA profiling_output writes a file; IMPORT DATABASE parses as PRAGMA; the
# reading pragmas have SELECT forms: DESCRIBE, SHOW, pragma_version()), VACUUM/ANALYZE.
_READ_ONLY_TYPES = frozenset(
    {
        duckdb.StatementType.SELECT,
        duckdb.StatementType.CALL,
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.MULTI,
        duckdb.StatementType.TRANSACTION,
    }
)

# What the user wrote, for the statement types whose names are DuckDB's own words.
_TYPE_NAMES = {
    duckdb.StatementType.LOAD: "INSTALL or LOAD",
    duckdb.StatementType.EXPORT: "EXPORT DATABASE",
    duckdb.StatementType.COPY_DATABASE: "COPY FROM DATABASE",
    duckdb.StatementType.SET: "SET, RESET or USE",
    duckdb.StatementType.VACUUM: "VACUUM or ANALYZE",
    duckdb.StatementType.MERGE_INTO: "MERGE INTO",
}

# Settings for a read-only connection, given as it opens; lock_down() then locks the
# configuration (lock_configuration) so that nothing the whitelist lets through can
# change them back. enable_external_access stays on: it would also refuse read_csv()
# of local files, which must keep working.
READ_ONLY_CONFIG: dict[str, bool | int | str] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
}


class WriteRefusedError(ValueError):
    """A statement that may write, in SQL run without --write."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(
            f"{what} is refused without --write (mentions sql opens the file read-only)."
        )


class NoSqlError(ValueError):
    """The SQL given is empty, or only comments and semicolons."""

    def __init__(self) -> None:
        super().__init__("no SQL given (the query is empty or only comments).")


class SqlUsageError(ValueError):
    """The command line around the SQL is wrong: an unknown option, two queries."""


class TooManyStatementsError(ValueError):
    """Several statements where the output holds one result (--csv)."""

    def __init__(self, option: str, count: int) -> None:
        super().__init__(
            f"{option} takes one statement; got {count}. Run them one at a time, or use --json."
        )


class UnusedParameterError(ValueError):
    """A -p NAME VALUE whose $NAME no statement uses."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f'-p {name}: the SQL has no "${name}".')


@dataclass(frozen=True)
class StatementResult:
    """One statement and what it returned: no columns for a statement without a result."""

    sql: str
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


def query_text(arguments: tuple[str, ...], read_stdin: Callable[[], str]) -> str:
    """The SQL from QUERY: the one argument, or stdin for "-".

    The command lets click pass unknown options through as arguments, because SQL
    that starts with a comment ("-- note\nselect 1") looks like an option to click.
    An argument that starts with "-" and holds no whitespace cannot be SQL worth
    running, so it is the unknown option it looks like.
    """
    for argument in arguments:
        if argument.startswith("-") and argument != "-" and argument.split() == [argument]:
            raise SqlUsageError(f"No such option '{argument}'.")
    if len(arguments) != 1:
        raise SqlUsageError(
            f"give the SQL as one argument, in quotes; got {len(arguments)} arguments."
        )
    (query,) = arguments
    return read_stdin() if query == "-" else query


def parse_statements(sql: str) -> list[duckdb.Statement]:
    """The statements of ``sql``, parsed (not run) by DuckDB's default in-memory
    connection (opening one of our own costs ~40 ms)."""
    statements = duckdb.extract_statements(sql)
    if not statements:
        raise NoSqlError()
    return statements


def check_parameters(statements: list[duckdb.Statement], params: dict[str, str]) -> None:
    """Raise UnusedParameterError for a parameter given that no statement uses."""
    used = set().union(*(statement.named_parameters for statement in statements))
    for name in params:
        if name not in used:
            raise UnusedParameterError(name)


def _type_name(kind: duckdb.StatementType) -> str:
    return _TYPE_NAMES.get(kind, kind.name.replace("_", " "))


def _explained(statement: duckdb.Statement) -> duckdb.Statement | None:
    """The statement an EXPLAIN explains: the first suffix, token by token, that parses."""
    text = statement.query
    for position, _kind in duckdb.tokenize(text)[1:]:
        try:
            inner = duckdb.extract_statements(text[position:])
        except duckdb.Error:
            continue
        if len(inner) == 1:
            return inner[0]
    return None


def refused_statement(statement: duckdb.Statement) -> str | None:
    """What in ``statement`` read-only mode refuses ("COPY", "EXPLAIN of COPY"), or None."""
    kind = statement.type
    if kind not in _READ_ONLY_TYPES:
        return _type_name(kind)
    if kind == duckdb.StatementType.EXPLAIN:
        inner = _explained(statement)
        if inner is None:
            return "EXPLAIN"
        refused = refused_statement(inner)
        return f"EXPLAIN of {refused}" if refused else None
    return None


def refuse_writes(statements: list[duckdb.Statement]) -> None:
    """Raise WriteRefusedError naming the first statement read-only mode refuses."""
    for statement in statements:
        refused = refused_statement(statement)
        if refused is not None:
            raise WriteRefusedError(refused)


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Lock the settings of a connection opened with READ_ONLY_CONFIG."""
    con.execute("SET lock_configuration = true")


def run_statements(
    con: duckdb.DuckDBPyConnection,
    statements: list[duckdb.Statement],
    params: dict[str, str],
) -> Iterator[StatementResult]:
    """Run the statements in turn, each fetched in full before the next starts."""
    for statement in statements:
        used = {name: params[name] for name in statement.named_parameters if name in params}
        log.debug("running %s", " ".join(statement.query.split())[:200])
        result = con.execute(statement, used) if used else con.execute(statement)
        description = result.description or []
        yield StatementResult(
            sql=statement.query.strip(),
            columns=[d[0] for d in description],
            types=[str(d[1]) for d in description],
            rows=result.fetchall() if description else [],
        )
