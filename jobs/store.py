"""Every query the jobs run against the DuckDB file, each beside its one function.

DDL and migrations live in ``jobs.db``; this module reads and writes rows.
Frames cross into DuckDB by registration and come back with ``con.sql(...).pl()``.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

from jobs.db import transaction

ARTICLE_COLUMNS = (
    "article_id",
    "source_id",
    "external_id",
    "url",
    "title",
    "text",
    "published_at",
    "date_source",
    "story_id",
    "content_hash",
    "ingested_at",
)
MENTION_COLUMNS = (
    "article_id",
    "entity_id",
    "kind",
    "field",
    "start_pos",
    "end_pos",
    "surface",
    "form",
    "rule",
)

UPSERT_SOURCE_SQL = """
INSERT INTO sources (source_id, name, kind, location) VALUES (?, ?, ?, ?)
ON CONFLICT (source_id) DO UPDATE SET kind = excluded.kind, location = excluded.location
"""


def upsert_source(
    con: duckdb.DuckDBPyConnection, source_id: str, name: str, kind: str, location: str
) -> None:
    """Register a source, or update where it points."""
    con.execute(UPSERT_SOURCE_SQL, [source_id, name, kind, location])


NEW_ARTICLES_SQL = """
SELECT b.article_id FROM batch_articles b
ANTI JOIN articles a ON a.article_id = b.article_id
ANTI JOIN articles h ON h.content_hash = b.content_hash
"""
INSERT_ARTICLES_SQL = """
INSERT INTO articles BY NAME
SELECT b.* EXCLUDE (gazetteer_version), ? AS gazetteer_version
FROM batch_articles b SEMI JOIN new_ids n USING (article_id)
"""
INSERT_MENTIONS_SQL = """
INSERT INTO mentions BY NAME
SELECT m.* FROM batch_mentions m SEMI JOIN new_ids n USING (article_id)
"""


def insert_articles(
    con: duckdb.DuckDBPyConnection,
    articles: pl.DataFrame,
    mentions: pl.DataFrame,
    gazetteer_version: str | None,
) -> tuple[int, int]:
    """Store the articles not stored yet (by id or by content) and their mentions,
    in one transaction; return (articles stored, mentions stored).

    ``articles`` has ARTICLE_COLUMNS and holds no duplicates; ``mentions`` has
    MENTION_COLUMNS and refers to those articles.
    """
    batch_articles = articles.select(ARTICLE_COLUMNS).with_columns(
        gazetteer_version=pl.lit(None, pl.String)
    )
    batch_mentions = mentions.select(MENTION_COLUMNS)
    con.register("batch_articles", batch_articles)
    con.register("batch_mentions", batch_mentions)
    try:
        with transaction(con):
            new_ids = con.sql(NEW_ARTICLES_SQL).pl()
            if new_ids.is_empty():
                return 0, 0
            con.register("new_ids", new_ids)
            con.execute(INSERT_ARTICLES_SQL, [gazetteer_version])
            con.execute(INSERT_MENTIONS_SQL)
            mentions_new = batch_mentions.join(new_ids, on="article_id", how="semi").height
            con.unregister("new_ids")
    finally:
        con.unregister("batch_articles")
        con.unregister("batch_mentions")
    return new_ids.height, mentions_new


STALE_ARTICLES_SQL = """
SELECT article_id, title, text, published_at FROM articles
WHERE gazetteer_version IS DISTINCT FROM ?
ORDER BY article_id
LIMIT ?
"""


def stale_articles(
    con: duckdb.DuckDBPyConnection, gazetteer_version: str, limit: int
) -> pl.DataFrame:
    """Up to ``limit`` articles whose mentions were made by another gazetteer version."""
    return con.sql(STALE_ARTICLES_SQL, params=[gazetteer_version, limit]).pl()


COUNT_STALE_SQL = "SELECT count(*) FROM articles WHERE gazetteer_version IS DISTINCT FROM ?"


def count_stale_articles(con: duckdb.DuckDBPyConnection, gazetteer_version: str) -> int:
    """How many articles wait for (re-)extraction."""
    return int(con.execute(COUNT_STALE_SQL, [gazetteer_version]).fetchall()[0][0])


DELETE_MENTIONS_SQL = "DELETE FROM mentions WHERE article_id IN (SELECT article_id FROM done_ids)"
INSERT_REPLACED_MENTIONS_SQL = "INSERT INTO mentions BY NAME SELECT * FROM batch_mentions"
MARK_EXTRACTED_SQL = """
UPDATE articles SET gazetteer_version = ?
WHERE article_id IN (SELECT article_id FROM done_ids)
"""


def replace_mentions(
    con: duckdb.DuckDBPyConnection,
    article_ids: pl.Series,
    mentions: pl.DataFrame,
    gazetteer_version: str,
) -> int:
    """Swap the stored mentions of ``article_ids`` for ``mentions`` in one transaction."""
    done_ids = pl.DataFrame({"article_id": article_ids})
    batch_mentions = mentions.select(MENTION_COLUMNS)
    con.register("done_ids", done_ids)
    con.register("batch_mentions", batch_mentions)
    try:
        with transaction(con):
            con.execute(DELETE_MENTIONS_SQL)
            con.execute(INSERT_REPLACED_MENTIONS_SQL)
            con.execute(MARK_EXTRACTED_SQL, [gazetteer_version])
    finally:
        con.unregister("done_ids")
        con.unregister("batch_mentions")
    return batch_mentions.height


INSERT_INGEST_ERROR_SQL = "INSERT INTO ingest_errors VALUES (?, ?, ?, ?)"
SET_SOURCE_ERROR_SQL = "UPDATE sources SET last_error = ? WHERE source_id = ?"


def record_ingest_error(
    con: duckdb.DuckDBPyConnection, source_id: str, location: str, reason: str, at: datetime
) -> None:
    """Keep one bad input and the reason it was refused."""
    con.execute(INSERT_INGEST_ERROR_SQL, [source_id, location, reason, at])
    con.execute(SET_SOURCE_ERROR_SQL, [f"{location}: {reason}", source_id])


START_RUN_SQL = """
INSERT INTO job_runs (job, started_at, status) VALUES (?, ?, 'running') RETURNING run_id
"""
FINISH_RUN_SQL = """
UPDATE job_runs SET finished_at = ?, status = ?, articles_seen = ?, articles_new = ?,
    mentions_new = ?, errors = ?, message = ?
WHERE run_id = ?
"""


def start_job_run(con: duckdb.DuckDBPyConnection, job: str, at: datetime) -> int:
    """A new row in ``job_runs`` with status 'running'; returns its run_id."""
    return int(con.execute(START_RUN_SQL, [job, at]).fetchall()[0][0])


def finish_job_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    at: datetime,
    status: str,
    counts: dict[str, int],
    message: str | None,
) -> None:
    """Close a ``job_runs`` row with its outcome and counts."""
    con.execute(
        FINISH_RUN_SQL,
        [
            at,
            status,
            counts.get("articles_seen", 0),
            counts.get("articles_new", 0),
            counts.get("mentions_new", 0),
            counts.get("errors", 0),
            message,
            run_id,
        ],
    )


INSERT_JOB_RUN_SQL = """
INSERT INTO job_runs (job, started_at, finished_at, status, message) VALUES (?, ?, ?, ?, ?)
"""


def insert_job_run(
    con: duckdb.DuckDBPyConnection,
    job: str,
    started_at: datetime,
    finished_at: datetime,
    status: str,
    message: str | None,
) -> None:
    """A finished run in one row (for runs that never got as far as starting)."""
    con.execute(INSERT_JOB_RUN_SQL, [job, started_at, finished_at, status, message])


ARTICLE_ENTITIES_SQL = """
SELECT m.article_id, m.entity_id, e.kind, e.name, e.country, a.published_at, a.story_id,
       count(*) AS mentions
FROM mentions m
JOIN articles a USING (article_id)
JOIN entities e USING (entity_id)
WHERE a.published_at >= ? AND a.published_at < ?
  AND (? OR a.date_source <> 'ingested')
GROUP BY ALL
"""


def read_article_entities(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, include_undated: bool = True
) -> pl.DataFrame:
    """One row per (article, entity) published in [start, end): the mention count and
    the article's time and story."""
    return con.sql(ARTICLE_ENTITIES_SQL, params=[start, end, include_undated]).pl()


ARTICLES_IN_RANGE_SQL = """
SELECT article_id, published_at, story_id, date_source FROM articles
WHERE published_at >= ? AND published_at < ? AND (? OR date_source <> 'ingested')
"""


def read_articles(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, include_undated: bool = True
) -> pl.DataFrame:
    """Every article published in [start, end): id, time and story (the denominators)."""
    return con.sql(ARTICLES_IN_RANGE_SQL, params=[start, end, include_undated]).pl()


PUBLISHED_RANGE_SQL = "SELECT min(published_at), max(published_at) FROM articles"


def published_range(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """The first and last publication times stored (None, None for an empty store)."""
    first, last = con.execute(PUBLISHED_RANGE_SQL).fetchall()[0]
    return first, last


UPSERT_REPORT_SQL = """
INSERT INTO reports (period, start_on, end_on, path, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (period, start_on) DO UPDATE SET
    end_on = excluded.end_on, path = excluded.path, created_at = excluded.created_at
"""


def record_report(
    con: duckdb.DuckDBPyConnection,
    period: str,
    start_on: date,
    end_on: date,
    path: str,
    created_at: datetime,
) -> None:
    """Remember a rendered report (re-rendering a period replaces its row)."""
    con.execute(UPSERT_REPORT_SQL, [period, start_on, end_on, path, created_at])


LIST_REPORTS_SQL = """
SELECT report_id, period, start_on, end_on, path, created_at FROM reports
ORDER BY period, start_on
"""


def list_reports(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every report rendered so far."""
    return con.sql(LIST_REPORTS_SQL).pl()


STORE_COUNTS_SQL = """
SELECT (SELECT count(*) FROM articles) AS articles, (SELECT count(*) FROM mentions) AS mentions
"""


def store_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(articles, mentions) stored."""
    articles, mentions = con.execute(STORE_COUNTS_SQL).fetchall()[0]
    return int(articles), int(mentions)


# --- re-extraction after seeds/ change (jobs.reextract) ---------------------------------

HAS_FINGERPRINTS_SQL = "SELECT count(*) FROM gazetteer_strings WHERE gazetteer_version = ?"
INSERT_FINGERPRINTS_SQL = """
INSERT INTO gazetteer_strings SELECT ? AS gazetteer_version, string, fingerprint FROM new_strings
"""


def store_fingerprints(
    con: duckdb.DuckDBPyConnection, gazetteer_version: str, strings: pl.DataFrame
) -> None:
    """Keep the string fingerprints of a gazetteer version (once per version)."""
    if con.execute(HAS_FINGERPRINTS_SQL, [gazetteer_version]).fetchall()[0][0]:
        return
    con.register("new_strings", strings.select("string", "fingerprint"))
    try:
        con.execute(INSERT_FINGERPRINTS_SQL, [gazetteer_version])
    finally:
        con.unregister("new_strings")


READ_FINGERPRINTS_SQL = """
SELECT string, fingerprint FROM gazetteer_strings WHERE gazetteer_version = ?
"""


def read_fingerprints(con: duckdb.DuckDBPyConnection, gazetteer_version: str) -> pl.DataFrame:
    """The string fingerprints stored for a gazetteer version (empty if none)."""
    return con.sql(READ_FINGERPRINTS_SQL, params=[gazetteer_version]).pl()


STALE_VERSIONS_SQL = """
SELECT gazetteer_version, count(*) AS articles FROM articles
WHERE gazetteer_version IS DISTINCT FROM ?
GROUP BY 1 ORDER BY 2 DESC
"""


def stale_versions(
    con: duckdb.DuckDBPyConnection, gazetteer_version: str
) -> list[tuple[str | None, int]]:
    """(older gazetteer version or None for never extracted, number of articles)."""
    return [(v, int(n)) for v, n in con.execute(STALE_VERSIONS_SQL, [gazetteer_version]).fetchall()]


DROP_OTHER_PENDING_SQL = (
    "DELETE FROM pending_mentions WHERE gazetteer_version <> ?",
    "DELETE FROM pending_articles WHERE gazetteer_version <> ?",
)


COUNT_PENDING_SQL = "SELECT count(*) FROM pending_articles WHERE gazetteer_version = ?"


def count_pending(con: duckdb.DuckDBPyConnection, gazetteer_version: str) -> int:
    """Articles an interrupted re-extraction for this version has already done."""
    return int(con.execute(COUNT_PENDING_SQL, [gazetteer_version]).fetchall()[0][0])


def drop_other_pending(con: duckdb.DuckDBPyConnection, gazetteer_version: str) -> None:
    """Forget an interrupted re-extraction made for another gazetteer version."""
    with transaction(con):
        for sql in DROP_OTHER_PENDING_SQL:
            con.execute(sql, [gazetteer_version])


PENDING_BATCH_SQL = """
SELECT a.article_id, a.title, a.text, a.published_at, a.gazetteer_version AS old_version
FROM articles a
ANTI JOIN pending_articles p ON p.article_id = a.article_id AND p.gazetteer_version = ?
WHERE a.gazetteer_version IS DISTINCT FROM ?
ORDER BY a.article_id
LIMIT ?
"""


def next_stale_batch(
    con: duckdb.DuckDBPyConnection, gazetteer_version: str, limit: int
) -> pl.DataFrame:
    """Up to ``limit`` stale articles the re-extraction in progress has not done yet."""
    return con.sql(PENDING_BATCH_SQL, params=[gazetteer_version, gazetteer_version, limit]).pl()


INSERT_PENDING_MENTIONS_SQL = """
INSERT INTO pending_mentions BY NAME SELECT ? AS gazetteer_version, * FROM batch_mentions
"""
INSERT_PENDING_ARTICLES_SQL = """
INSERT INTO pending_articles BY NAME SELECT ? AS gazetteer_version, * FROM batch_articles
"""


def add_pending(
    con: duckdb.DuckDBPyConnection,
    gazetteer_version: str,
    articles: pl.DataFrame,
    mentions: pl.DataFrame,
) -> None:
    """Record one batch of a re-extraction: ``articles`` (article_id, reextracted) and
    the new ``mentions`` of those re-extracted, in one transaction."""
    con.register("batch_articles", articles.select("article_id", "reextracted"))
    con.register("batch_mentions", mentions.select(MENTION_COLUMNS))
    try:
        with transaction(con):
            con.execute(INSERT_PENDING_MENTIONS_SQL, [gazetteer_version])
            con.execute(INSERT_PENDING_ARTICLES_SQL, [gazetteer_version])
    finally:
        con.unregister("batch_articles")
        con.unregister("batch_mentions")


SWAP_PENDING_SQL = (
    """DELETE FROM mentions WHERE article_id IN
       (SELECT article_id FROM pending_articles WHERE gazetteer_version = $v AND reextracted)""",
    """INSERT INTO mentions BY NAME
       SELECT * EXCLUDE (gazetteer_version) FROM pending_mentions WHERE gazetteer_version = $v""",
    """UPDATE articles SET gazetteer_version = $v WHERE article_id IN
       (SELECT article_id FROM pending_articles WHERE gazetteer_version = $v)""",
    "DELETE FROM pending_mentions WHERE gazetteer_version = $v",
    "DELETE FROM pending_articles WHERE gazetteer_version = $v",
    """DELETE FROM gazetteer_strings WHERE gazetteer_version <> $v
       AND gazetteer_version NOT IN
       (SELECT DISTINCT gazetteer_version FROM articles WHERE gazetteer_version IS NOT NULL)""",
)
PENDING_COUNTS_SQL = """
SELECT (SELECT count(*) FROM pending_articles WHERE gazetteer_version = ? AND reextracted),
       (SELECT count(*) FROM pending_articles WHERE gazetteer_version = ? AND NOT reextracted),
       (SELECT count(*) FROM pending_mentions WHERE gazetteer_version = ?)
"""


def swap_pending(con: duckdb.DuckDBPyConnection, gazetteer_version: str) -> tuple[int, int, int]:
    """Put a finished re-extraction in place in one transaction, so no count ever mixes
    two gazetteer versions; return (re-extracted, re-stamped, mentions)."""
    v = gazetteer_version
    counts = con.execute(PENDING_COUNTS_SQL, [v, v, v]).fetchall()[0]
    with transaction(con):
        for sql in SWAP_PENDING_SQL:
            con.execute(sql, {"v": v})
    return int(counts[0]), int(counts[1]), int(counts[2])
