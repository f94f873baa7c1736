"""``mentions check``: is the database file sound, and if not, how to get it back.

DuckDB keeps a checksum per block and verifies it when the block is read, so reading
every column of every table (hashing each row) reads every data block a query could
need. Then the tables must agree with each other: every migration applied, every
mention pointing at a stored article, every article at a known source, every view
binding. The maintenance job runs the same checks before it copies the file, so a
corrupt file never replaces the last good snapshot.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from jobs.settings import Settings
from jobs.store.aggregates import AGGREGATE_TABLES, aggregate_mismatches
from jobs.store.connect import DatabaseBusyError, connect
from jobs.store.migrations import MIGRATIONS
from jobs.store.schema import RENAMED_MIGRATIONS
from reports.words import plural

TABLES_SQL = (
    "SELECT table_name FROM duckdb_tables() "
    "WHERE NOT internal AND schema_name = 'main' ORDER BY table_name"
)
VIEWS_SQL = (
    "SELECT view_name FROM duckdb_views() "
    "WHERE NOT internal AND schema_name = 'main' ORDER BY view_name"
)
APPLIED_SQL = "SELECT version FROM schema_migrations"
ORPHAN_MENTIONS_SQL = """
SELECT count(*), count(DISTINCT m.article_id) FROM mentions m
WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.article_id = m.article_id)
"""
# A mention's day is its article's: reads by day would miss one on another day.
MISDATED_MENTIONS_SQL = """
SELECT count(*), count(DISTINCT m.article_id) FROM mentions m JOIN articles a USING (article_id)
WHERE m.day <> CAST(a.published_at AS DATE)
"""
# Each stored article has its digests in article_keys, and nothing else is there: an
# ingest that found no digest would take a stored article for a new one.
UNKEYED_ARTICLES_SQL = """
SELECT
    (SELECT count(*) FROM (
        SELECT md5_number_lower(article_id), md5_number_lower(content_hash) FROM articles
        EXCEPT ALL SELECT id_key, hash_key FROM article_keys)),
    (SELECT count(*) FROM (
        SELECT id_key, hash_key FROM article_keys
        EXCEPT ALL SELECT md5_number_lower(article_id), md5_number_lower(content_hash)
        FROM articles))
"""
ARTICLES_PER_SOURCE_SQL = """
SELECT a.source_id, count(*) AS articles, bool_or(s.source_id IS NULL) AS unknown
FROM articles a LEFT JOIN sources s USING (source_id)
GROUP BY a.source_id ORDER BY articles DESC, a.source_id
"""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Check:
    """One line of ``mentions check``."""

    name: str
    ok: bool
    detail: str

    @property
    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL':<4} {self.name}: {self.detail}"


@dataclass(frozen=True)
class CheckReport:
    """Every check of one file, the verdict and, when it failed, how to recover."""

    path: Path
    checks: list[Check]
    recovery: str

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def verdict(self) -> str:
        if self.ok:
            return f"database ok: {self.path}"
        failed = [c.name for c in self.checks if not c.ok]
        return f"{self.path} failed {len(failed)} check(s) ({', '.join(failed)}). {self.recovery}"


class DatabaseCorruptError(RuntimeError):
    """The database failed ``mentions check``; the message says how to recover."""

    def __init__(self, report: CheckReport, what: str = "") -> None:
        self.report = report
        super().__init__(report.verdict + what)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _guarded(name: str, run: Callable[[], Check]) -> Check:
    try:
        return run()
    except duckdb.Error as exc:
        return Check(name, False, _first_line(exc))


def verify(con: duckdb.DuckDBPyConnection) -> list[Check]:
    """Run every check on an open connection (any mode); never raises for a bad file."""
    checks = [_guarded("migrations", lambda: _migrations(con))]
    checks.append(_guarded("tables", lambda: _tables(con)))
    checks.append(_guarded("mentions", lambda: _mentions(con)))
    checks.append(_guarded("article keys", lambda: _article_keys(con)))
    checks.append(_guarded("aggregates", lambda: _aggregates(con)))
    checks.append(_guarded("sources", lambda: _sources(con)))
    checks.append(_guarded("views", lambda: _views(con)))
    return checks


def _migrations(con: duckdb.DuckDBPyConnection) -> Check:
    recorded = [row[0] for row in con.execute(APPLIED_SQL).fetchall()]
    # A step recorded under its name before renumbering is applied all the same.
    applied = {RENAMED_MIGRATIONS.get(version, version) for version in recorded}
    missing = [version for version, _ in MIGRATIONS if version not in applied]
    if missing:
        return Check("migrations", False, f"not applied: {', '.join(missing)}")
    return Check("migrations", True, f"all {len(MIGRATIONS)} applied")


def _tables(con: duckdb.DuckDBPyConnection) -> Check:
    names = [row[0] for row in con.execute(TABLES_SQL).fetchall()]
    rows = 0
    counts = {}
    for name in names:
        table = _quoted(name)
        try:
            # hash(t) reads every column of every row: every data block is read and its
            # checksum verified.
            count = con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchall()[0][0]
        except duckdb.Error as exc:
            return Check("tables", False, f"{name}: {_first_line(exc)}")
        counts[name] = int(count)
        rows += int(count)
    articles = plural(counts.get("articles", 0), "article")
    mentions = plural(counts.get("mentions", 0), "mention")
    return Check(
        "tables",
        True,
        f"{plural(len(names), 'table')}, {plural(rows, 'row')} read ({articles}, {mentions})",
    )


def _mentions(con: duckdb.DuckDBPyConnection) -> Check:
    orphans, articles = con.execute(ORPHAN_MENTIONS_SQL).fetchall()[0]
    if orphans:
        return Check(
            "mentions",
            False,
            f"{plural(orphans, 'mention')} of {plural(articles, 'article')} that are not stored",
        )
    misdated, of = con.execute(MISDATED_MENTIONS_SQL).fetchall()[0]
    if misdated:
        return Check(
            "mentions",
            False,
            f"{plural(misdated, 'mention')} of {plural(of, 'article')} not on their article's day",
        )
    return Check("mentions", True, "every mention points at a stored article, on its day")


def _article_keys(con: duckdb.DuckDBPyConnection) -> Check:
    missing, extra = con.execute(UNKEYED_ARTICLES_SQL).fetchall()[0]
    if missing or extra:
        return Check(
            "article keys",
            False,
            f"{plural(missing, 'article')} without their digests, "
            f"{plural(extra, 'digest')} of no article",
        )
    return Check("article keys", True, "every article has its digests in article_keys")


def _aggregates(con: duckdb.DuckDBPyConnection) -> Check:
    wrong = {table: rows for table, rows in aggregate_mismatches(con).items() if rows}
    if wrong:
        shown = ", ".join(f"{table} {rows:,}" for table, rows in wrong.items())
        return Check("aggregates", False, f"rows disagreeing with a direct count: {shown}")
    return Check("aggregates", True, f"{', '.join(AGGREGATE_TABLES)} equal a direct count")


def _sources(con: duckdb.DuckDBPyConnection) -> Check:
    rows = con.execute(ARTICLES_PER_SOURCE_SQL).fetchall()
    unknown = [source for source, _count, missing in rows if missing]
    if unknown:
        return Check("sources", False, f"articles of unknown sources: {', '.join(unknown)}")
    shown = ", ".join(f"{source} {count:,}" for source, count, _ in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return Check("sources", True, f"articles per source: {shown or 'none'}{more}")


def _views(con: duckdb.DuckDBPyConnection) -> Check:
    names = [row[0] for row in con.execute(VIEWS_SQL).fetchall()]
    for name in names:
        try:
            con.execute(f"SELECT * FROM {_quoted(name)} LIMIT 0").fetchall()
        except duckdb.Error as exc:
            return Check("views", False, f"{name}: {_first_line(exc)}")
    return Check("views", True, f"{len(names)} views resolve")


def recovery(settings: Settings) -> str:
    """How to get a sound file back: the maintenance job's last snapshot, if any."""
    db, snapshot = settings.db_path, settings.snapshot_file
    if not snapshot.exists():
        return (
            f"No snapshot at {snapshot} to recover from: move {db} aside and run "
            '"mentions ingest" to rebuild it from the sources.'
        )
    taken = datetime.fromtimestamp(snapshot.stat().st_mtime, UTC)
    moves = [f"mv {shlex.quote(str(db))} {shlex.quote(str(db) + '.corrupt')}"]
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        moves.append(f"mv {shlex.quote(str(wal))} {shlex.quote(str(wal) + '.corrupt')}")
    return (
        "To recover, stop the scheduler, then: "
        + " && ".join([*moves, f"cp {shlex.quote(str(snapshot))} {shlex.quote(str(db))}"])
        + f" (the snapshot of {taken:%Y-%m-%d %H:%M} UTC; the next ingest adds what came since)."
    )


def check_database(
    settings: Settings, *, on_wait: Callable[[str], None] | None = None
) -> CheckReport:
    """Open the file read-only and run every check."""
    path = settings.db_path
    try:
        with connect(path, read_only=True, timeout=settings.lock_timeout, on_wait=on_wait) as con:
            checks = [Check("open", True, "the file opens read-only"), *verify(con)]
    except DatabaseBusyError:
        raise
    except duckdb.Error as exc:
        checks = [Check("open", False, _first_line(exc))]
    return CheckReport(path, checks, recovery(settings))
