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
    "site_name",
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


KNOWN_URLS_SQL = "SELECT DISTINCT url FROM articles WHERE url IN (SELECT unnest(?))"


def known_urls(con: duckdb.DuckDBPyConnection, urls: list[str]) -> set[str]:
    """The URLs among ``urls`` that are stored already."""
    return {row[0] for row in con.execute(KNOWN_URLS_SQL, [urls]).fetchall()}


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
    in one transaction of their own; return (articles stored, mentions stored).
    Ingest uses ``insert_new_articles`` inside the batch's wider transaction."""
    with transaction(con):
        return insert_new_articles(con, articles, mentions, gazetteer_version)


KNOWN_ARTICLES_SQL = """
SELECT b.article_id FROM batch_keys b SEMI JOIN articles a ON a.article_id = b.article_id
UNION
SELECT b.article_id FROM batch_keys b SEMI JOIN articles a ON a.content_hash = b.content_hash
"""


def known_articles(con: duckdb.DuckDBPyConnection, keys: pl.DataFrame) -> set[str]:
    """The article_ids of ``keys`` (article_id, content_hash) stored already, by id or
    by content: what a batch need not parse, extract or sign again."""
    con.register("batch_keys", keys.select("article_id", "content_hash"))
    try:
        return {row[0] for row in con.execute(KNOWN_ARTICLES_SQL).fetchall()}
    finally:
        con.unregister("batch_keys")


STORY_CANDIDATES_SQL = """
SELECT a.article_id, a.story_id, s.published_at, s.shingles, s.long_shingles, s.signature
FROM (SELECT DISTINCT b.article_id FROM story_bands b
      SEMI JOIN batch_bands k ON k.band_key = b.band_key) c
JOIN story_signatures s USING (article_id)
JOIN articles a USING (article_id)
WHERE s.published_at BETWEEN ? AND ?
ORDER BY a.article_id
"""


def story_candidates(
    con: duckdb.DuckDBPyConnection, band_keys: pl.DataFrame, start: datetime, end: datetime
) -> pl.DataFrame:
    """Stored articles published in [start, end] that share an LSH band key with
    ``band_keys`` (column band_key): article_id, story_id, published_at, shingles,
    long_shingles, signature."""
    con.register("batch_bands", band_keys.select("band_key"))
    try:
        return con.sql(STORY_CANDIDATES_SQL, params=[start, end]).pl()
    finally:
        con.unregister("batch_bands")


INSERT_SIGNATURES_SQL = "INSERT INTO story_signatures BY NAME SELECT * FROM batch_signatures"
INSERT_BANDS_SQL = "INSERT INTO story_bands BY NAME SELECT * FROM batch_story_bands"


def insert_signatures(
    con: duckdb.DuckDBPyConnection, signatures: pl.DataFrame, bands: pl.DataFrame
) -> None:
    """Keep new articles' signatures (article_id, published_at, shingles, long_shingles,
    signature) and
    band keys (band_key, article_id) for later batches to match against."""
    con.register("batch_signatures", signatures)
    con.register("batch_story_bands", bands)
    try:
        con.execute(INSERT_SIGNATURES_SQL)
        con.execute(INSERT_BANDS_SQL)
    finally:
        con.unregister("batch_signatures")
        con.unregister("batch_story_bands")


def new_article_ids(con: duckdb.DuckDBPyConnection, articles: pl.DataFrame) -> set[str]:
    """The article_ids of ``articles`` (article_id, content_hash) not stored yet, by id
    or by content."""
    con.register("batch_articles", articles.select("article_id", "content_hash"))
    try:
        return {row[0] for row in con.execute(NEW_ARTICLES_SQL).fetchall()}
    finally:
        con.unregister("batch_articles")


def insert_new_articles(
    con: duckdb.DuckDBPyConnection,
    articles: pl.DataFrame,
    mentions: pl.DataFrame,
    gazetteer_version: str | None,
) -> tuple[int, int]:
    """Inside the caller's transaction: store those of ``articles`` not stored yet (by id
    or content) and their mentions; return (article_ids stored, mentions stored)."""
    batch_articles = articles.select(ARTICLE_COLUMNS).with_columns(
        gazetteer_version=pl.lit(None, pl.String)
    )
    batch_mentions = mentions.select(MENTION_COLUMNS)
    con.register("batch_articles", batch_articles)
    con.register("batch_mentions", batch_mentions)
    try:
        new_ids = con.sql(NEW_ARTICLES_SQL).pl()
        if new_ids.is_empty():
            return 0, 0
        con.register("new_ids", new_ids)
        con.execute(INSERT_ARTICLES_SQL, [gazetteer_version])
        con.execute(INSERT_MENTIONS_SQL)
        con.unregister("new_ids")
    finally:
        con.unregister("batch_articles")
        con.unregister("batch_mentions")
    return new_ids.height, batch_mentions.join(new_ids, on="article_id", how="semi").height


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


FINISH_RUN_SQL = """
UPDATE job_runs SET finished_at = ?, status = ?, articles_seen = ?, articles_new = ?,
    mentions_new = ?, errors = ?, message = ?
WHERE run_id = ?
"""


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
INSERT INTO reports (period, start_on, end_on, path, created_at, forms, articles)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (period, start_on) DO UPDATE SET
    end_on = excluded.end_on, path = excluded.path, created_at = excluded.created_at,
    forms = excluded.forms, articles = excluded.articles
"""


def record_report(
    con: duckdb.DuckDBPyConnection,
    period: str,
    start_on: date,
    end_on: date,
    path: str,
    created_at: datetime,
    forms: str | None = None,
    articles: int | None = None,
) -> None:
    """Remember a rendered report (re-rendering a period replaces its row)."""
    con.execute(UPSERT_REPORT_SQL, [period, start_on, end_on, path, created_at, forms, articles])


LIST_REPORTS_SQL = """
SELECT report_id, period, start_on, end_on, path, created_at, forms, articles FROM reports
ORDER BY period, start_on
"""


def list_reports(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every report rendered so far."""
    return con.sql(LIST_REPORTS_SQL).pl()


ENTITY_FORMS_SQL = """
SELECT m.article_id, m.entity_id, e.kind, e.name, e.country, a.published_at, a.story_id,
       m.form, count(*) AS mentions
FROM mentions m
JOIN articles a USING (article_id)
JOIN entities e USING (entity_id)
WHERE a.published_at >= ? AND a.published_at < ?
  AND (? OR a.date_source <> 'ingested')
GROUP BY ALL
"""


def read_entity_forms(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, include_undated: bool = True
) -> pl.DataFrame:
    """One row per (article, entity, form) published in [start, end): the mention
    count, the entity's kind, name and country, and the article's time and story.
    Reports apply the counting policy (which forms count) to these rows."""
    return con.sql(ENTITY_FORMS_SQL, params=[start, end, include_undated]).pl()


ENTITIES_SQL = "SELECT entity_id, kind, name, country FROM entities ORDER BY entity_id"


def read_entities(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every country and leader of the gazetteer: entity_id, kind, name, country."""
    return con.sql(ENTITIES_SQL).pl()


MENTIONS_OF_ARTICLES_SQL = """
SELECT m.article_id, m.entity_id, e.kind, e.country, m.form, m.field, m.start_pos, m.end_pos
FROM mentions m
JOIN entities e USING (entity_id)
SEMI JOIN wanted_articles w USING (article_id)
ORDER BY m.article_id, m.field, m.start_pos
"""


def _for_articles(
    con: duckdb.DuckDBPyConnection, query: str, article_ids: list[str]
) -> pl.DataFrame:
    """Run ``query`` with the given ids registered as ``wanted_articles``."""
    con.register(
        "wanted_articles", pl.DataFrame({"article_id": article_ids}, {"article_id": pl.String})
    )
    try:
        return con.sql(query).pl()
    finally:
        con.unregister("wanted_articles")


def read_mentions_of(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> pl.DataFrame:
    """Every mention (no text) of the given articles, with the entity's kind and country."""
    return _for_articles(con, MENTIONS_OF_ARTICLES_SQL, article_ids)


MENTION_WINDOWS_SQL = """
WITH spans AS (
    SELECT w.article_id, w.field, w.start_pos, w.end_pos,
           greatest(w.start_pos - $width, 0) AS window_start,
           CASE w.field WHEN 'title' THEN a.title ELSE a.text END AS body
    FROM wanted_spans w JOIN articles a USING (article_id)
)
SELECT article_id, field, start_pos, end_pos, window_start,
       substring(body, window_start + 1, end_pos - window_start + $width) AS "window",
       length(body) AS field_length
FROM spans
"""


def read_mention_windows(
    con: duckdb.DuckDBPyConnection, spans: pl.DataFrame, width: int
) -> pl.DataFrame:
    """The text around each span (article_id, field, start_pos, end_pos): up to
    ``width`` characters either side, cut out by DuckDB so whole texts never leave
    the store. Returns the spans with window_start, window and field_length."""
    con.register(
        "wanted_spans", spans.select("article_id", "field", "start_pos", "end_pos").unique()
    )
    try:
        return con.sql(MENTION_WINDOWS_SQL, params={"width": width}).pl()
    finally:
        con.unregister("wanted_spans")


ARTICLE_CARDS_SQL = """
SELECT a.article_id, a.url, a.title, a.published_at, a.source_id, a.date_source
FROM articles a SEMI JOIN wanted_articles w USING (article_id)
"""


def read_article_cards(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> pl.DataFrame:
    """Title, URL, time and source of the given articles (what a reader clicks)."""
    return _for_articles(con, ARTICLE_CARDS_SQL, article_ids)


# The scheduler's queries: watermarks for catch-up, and the last outcome of each job.

LAST_COMPLETE_REPORT_SQL = """
SELECT max(start_on) FROM reports
WHERE period = ? AND created_at >= CAST(end_on AS TIMESTAMP) + INTERVAL 1 DAY
"""


def last_complete_report(con: duckdb.DuckDBPyConnection, period: str) -> date | None:
    """The start of the newest ``period`` report rendered after its period had ended
    (a report rendered mid-period is incomplete and does not count)."""
    row = con.execute(LAST_COMPLETE_REPORT_SQL, [period]).fetchall()[0]
    value: date | None = row[0]
    return value


LATEST_JOB_RUNS_SQL = """
SELECT job, run_id, started_at, finished_at, status, articles_seen, articles_new,
       mentions_new, errors, message
FROM job_runs
QUALIFY row_number() OVER (PARTITION BY job ORDER BY started_at DESC, run_id DESC) = 1
ORDER BY job
"""


def latest_job_runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The newest row of ``job_runs`` for every job name."""
    return con.sql(LATEST_JOB_RUNS_SQL).pl()


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
