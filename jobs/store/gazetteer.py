"""Entities, gazetteer fingerprints and the pending tables of re-extraction."""

from __future__ import annotations

import duckdb
import polars as pl

from analytics.frames import MENTION_COLUMNS
from jobs.store.aggregates import recount_reextracted
from jobs.store.connect import transaction

ENTITIES_SQL = "SELECT entity_id, kind, name, country FROM entities ORDER BY entity_id"


def read_entities(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every country and leader of the gazetteer: entity_id, kind, name, country."""
    return con.sql(ENTITIES_SQL).pl()


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
       SELECT p.* EXCLUDE (gazetteer_version), CAST(a.published_at AS DATE) AS day
       FROM pending_mentions p JOIN articles a USING (article_id)
       WHERE p.gazetteer_version = $v""",
    """UPDATE articles SET gazetteer_version = $v WHERE article_id IN
       (SELECT article_id FROM pending_articles WHERE gazetteer_version = $v)""",
    "DELETE FROM pending_mentions WHERE gazetteer_version = $v",
    "DELETE FROM pending_articles WHERE gazetteer_version = $v",
    """DELETE FROM gazetteer_strings WHERE gazetteer_version <> $v
       AND gazetteer_version NOT IN
       (SELECT DISTINCT gazetteer_version FROM articles WHERE gazetteer_version IS NOT NULL)""",
)

# The daily aggregates are recounted after these first steps (the mentions swapped),
# while pending_articles still names the articles re-extracted.
SWAP_MENTIONS_STEPS = 2

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
        for sql in SWAP_PENDING_SQL[:SWAP_MENTIONS_STEPS]:
            con.execute(sql, {"v": v})
        recount_reextracted(con, v)
        for sql in SWAP_PENDING_SQL[SWAP_MENTIONS_STEPS:]:
            con.execute(sql, {"v": v})
    return int(counts[0]), int(counts[1]), int(counts[2])
