"""Articles and their mentions: insert a batch once, read them back by range or id."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from analytics.frames import ARTICLE_COLUMNS, MENTION_COLUMNS
from jobs.store.aggregates import add_new_articles, compact_table
from jobs.store.connect import transaction

KNOWN_URLS_SQL = "SELECT DISTINCT url FROM articles WHERE url IN (SELECT unnest(?))"


def known_urls(con: duckdb.DuckDBPyConnection, urls: list[str]) -> set[str]:
    """The URLs among ``urls`` that are stored already."""
    return {row[0] for row in con.execute(KNOWN_URLS_SQL, [urls]).fetchall()}


# A batch asks which of its articles are stored already, by id or by content, once
# before extraction and again in its transaction. The strings (48 bytes an article,
# random, read afresh by each batch's new connection) made that cost grow with the file:
# 63-70 ms a batch at 274,000 articles. Their 64-bit digests (``article_keys``, 16 bytes
# an article, kept with each insert) answer it in 12 ms; only a batch that shares a
# digest with a stored article reads the strings, to tell a real match from a collision.
# md5_number_lower is MD5, a fixed function: digests stored by one DuckDB release match
# those computed by the next.
MAYBE_STORED_SQL = """
WITH b AS (
    SELECT article_id, content_hash,
           md5_number_lower(article_id) AS id_key,
           md5_number_lower(content_hash) AS hash_key
    FROM batch_articles
)
SELECT article_id, content_hash FROM b SEMI JOIN article_keys k ON k.id_key = b.id_key
UNION
SELECT article_id, content_hash FROM b SEMI JOIN article_keys k ON k.hash_key = b.hash_key
"""
STORED_SQL = """
SELECT m.article_id FROM maybe_stored m SEMI JOIN articles a ON a.article_id = m.article_id
UNION
SELECT m.article_id FROM maybe_stored m SEMI JOIN articles h ON h.content_hash = m.content_hash
"""
INSERT_KEYS_SQL = """
INSERT INTO article_keys
SELECT md5_number_lower(article_id), md5_number_lower(content_hash)
FROM batch_articles SEMI JOIN new_ids USING (article_id)
"""
# Each batch's digests take a row group, and a 256 KiB block, of their own (writers merge
# no row groups: jobs.store.connect), and every look-up reads them all: at a million
# articles 500 blocks, 94-237 ms a look-up, against 12-25 ms once rewritten (0.96 s for
# the million). The batch whose digests cross a multiple of this many is stored with all
# of them rewritten; an ingest's end tidies the rest (jobs.store.maintenance).
KEYS_COMPACT_ROWS = 64_000
KEYS_COUNT_SQL = "SELECT count(*) FROM article_keys"


def _compact_keys_past(con: duckdb.DuckDBPyConnection, added: int) -> None:
    """After ``added`` digests were inserted: rewrite them all if the count crossed a
    multiple of KEYS_COMPACT_ROWS (in the caller's transaction)."""
    (total,) = con.execute(KEYS_COUNT_SQL).fetchone() or (0,)
    if (total - added) // KEYS_COMPACT_ROWS != total // KEYS_COMPACT_ROWS:
        compact_table(con, "article_keys", in_order=False)


INSERT_ARTICLES_SQL = """
INSERT INTO articles BY NAME
SELECT b.* EXCLUDE (gazetteer_version), ? AS gazetteer_version
FROM batch_articles b SEMI JOIN new_ids n USING (article_id)
"""


INSERT_MENTIONS_SQL = """
INSERT INTO mentions BY NAME
SELECT m.*, CAST(b.published_at AS DATE) AS day
FROM batch_mentions m SEMI JOIN new_ids n USING (article_id)
JOIN batch_articles b USING (article_id)
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


MAYBE_KNOWN_IDS_SQL = """
SELECT article_id FROM (SELECT unnest(?) AS article_id) i
SEMI JOIN article_keys k ON k.id_key = md5_number_lower(i.article_id)
"""
KNOWN_IDS_SQL = "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest(?))"


def known_article_ids(con: duckdb.DuckDBPyConnection, ids: pl.Series) -> set[str]:
    """The ids among ``ids`` stored already: articles a batch need not extract or sign
    again (one stored under another URL with the same text is found when the batch is
    stored, by ``new_article_ids``)."""
    maybe = [row[0] for row in con.execute(MAYBE_KNOWN_IDS_SQL, [ids.to_list()]).fetchall()]
    if not maybe:
        return set()
    return {row[0] for row in con.execute(KNOWN_IDS_SQL, [maybe]).fetchall()}


def stored_article_ids(con: duckdb.DuckDBPyConnection, articles: pl.DataFrame) -> set[str]:
    """The article_ids of ``articles`` (article_id, content_hash) stored already, by id or
    by content (under another id)."""
    con.register("batch_articles", articles.select("article_id", "content_hash"))
    try:
        maybe = con.sql(MAYBE_STORED_SQL).pl()
    finally:
        con.unregister("batch_articles")
    if maybe.is_empty():
        return set()
    con.register("maybe_stored", maybe)
    try:
        return {row[0] for row in con.execute(STORED_SQL).fetchall()}
    finally:
        con.unregister("maybe_stored")


def new_article_ids(con: duckdb.DuckDBPyConnection, articles: pl.DataFrame) -> set[str]:
    """The article_ids of ``articles`` (article_id, content_hash) not stored yet, by id
    or by content."""
    stored = stored_article_ids(con, articles)
    return {i for i in articles.get_column("article_id").to_list() if i not in stored}


def insert_new_articles(
    con: duckdb.DuckDBPyConnection,
    articles: pl.DataFrame,
    mentions: pl.DataFrame,
    gazetteer_version: str | None,
    *,
    all_new: bool = False,
    counts: tuple[pl.DataFrame, pl.DataFrame] | None = None,
) -> tuple[int, int]:
    """Inside the caller's transaction: store those of ``articles`` not stored yet (by id
    or content) and their mentions; return (article_ids stored, mentions stored).
    ``all_new``: the caller found them all new in this transaction (``new_article_ids``),
    so the store is not searched again. ``counts``: the daily counts (forms, entities)
    of all of ``articles``, used only if all of them are stored."""
    batch_articles = articles.select(ARTICLE_COLUMNS).with_columns(
        gazetteer_version=pl.lit(None, pl.String)
    )
    batch_mentions = mentions.select(MENTION_COLUMNS)
    new_ids = batch_articles.select("article_id")
    if not all_new:
        stored = list(stored_article_ids(con, batch_articles))
        new_ids = new_ids.filter(~pl.col("article_id").is_in(stored))
    if new_ids.is_empty():
        return 0, 0
    con.register("batch_articles", batch_articles)
    con.register("batch_mentions", batch_mentions)
    try:
        con.register("new_ids", new_ids)
        con.execute(INSERT_ARTICLES_SQL, [gazetteer_version])
        con.execute(INSERT_KEYS_SQL)
        _compact_keys_past(con, new_ids.height)
        con.execute(INSERT_MENTIONS_SQL)
        if counts is not None and new_ids.height == batch_articles.height:
            add_new_articles(con, *counts)
        else:
            add_new_articles(con)
        con.unregister("new_ids")
    finally:
        con.unregister("batch_articles")
        con.unregister("batch_mentions")
    return new_ids.height, batch_mentions.join(new_ids, on="article_id", how="semi").height


ARTICLES_IN_RANGE_SQL = """
SELECT article_id, published_at, story_id, date_source FROM articles
WHERE published_at >= $start AND published_at < $end
  AND ($undated OR date_source <> 'ingested')
"""


def read_articles(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, include_undated: bool = True
) -> pl.DataFrame:
    """Every article published in [start, end): id, time and story (the denominators)."""
    params = {"start": start, "end": end, "undated": include_undated}
    return con.sql(ARTICLES_IN_RANGE_SQL, params=params).pl()


PUBLISHED_RANGE_SQL = "SELECT min(published_at), max(published_at) FROM articles"


def published_range(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """The first and last publication times stored (None, None for an empty store)."""
    first, last = con.execute(PUBLISHED_RANGE_SQL).fetchall()[0]
    return first, last


# The window's mentions are counted per (article, entity, form) first, then joined to
# their article and entity: grouping the joined rows by all nine columns took a third
# longer (2.4 M rows of twelve months at a million articles: 0.86 s, 0.74 this way).
# Only the mentions of the window's days are read (migration 0015); those days also hold
# articles outside the window (on the end's day, or undated when those are left out),
# whose counts the join to the window's articles drops: a semi-join before the count,
# which did the same, was a second probe of every row (0.53-0.57 s without it at a
# million, 0.57-0.63 with it).
MENTION_COUNTS_CTE = """counts AS (
    SELECT article_id, entity_id, form, count(*) AS mentions
    FROM mentions
    WHERE day BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
    GROUP BY ALL
)"""
ENTITY_FORMS_SQL = f"""
WITH window_articles AS (
    SELECT article_id, published_at, story_id FROM articles
    WHERE published_at >= $start AND published_at < $end
      AND ($undated OR date_source <> 'ingested')
), {MENTION_COUNTS_CTE}
SELECT c.article_id, c.entity_id, e.kind, e.country, w.published_at, w.story_id,
       c.form, c.mentions
FROM counts c
JOIN window_articles w USING (article_id)
JOIN entities e USING (entity_id)
"""


def read_entity_forms(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, include_undated: bool = True
) -> pl.DataFrame:
    """One row per (article, entity, form) published in [start, end): the mention
    count, the entity's kind and country, and the article's time and story. Reports
    apply the counting policy (which forms count) to these rows; that step
    (``analytics.forms.counted_rows``) names the entity each row counts for, so the
    names are not handed over here with every row (2.2 M rows for a month at a million
    articles: 0.06 s of the query's 0.6)."""
    params = {"start": start, "end": end, "undated": include_undated}
    return con.sql(ENTITY_FORMS_SQL, params=params).pl()


# No bounds: every stored article (published_at is a naive UTC timestamp).
EVER = (datetime(1, 1, 1), datetime(9999, 12, 31))


MENTIONS_OF_ARTICLES_SQL = """
SELECT m.article_id, m.entity_id, e.kind, e.country, m.form, m.field, m.start_pos, m.end_pos
FROM mentions m
JOIN entities e USING (entity_id)
SEMI JOIN wanted_articles w USING (article_id)
WHERE m.day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
ORDER BY m.article_id, m.field, m.start_pos
"""


def _for_articles(
    con: duckdb.DuckDBPyConnection,
    query: str,
    article_ids: list[str],
    params: list[object] | None = None,
) -> pl.DataFrame:
    """Run ``query`` with the given ids registered as ``wanted_articles``."""
    con.register(
        "wanted_articles", pl.DataFrame({"article_id": article_ids}, {"article_id": pl.String})
    )
    try:
        return con.sql(query, params=params).pl()
    finally:
        con.unregister("wanted_articles")


def read_mentions_of(
    con: duckdb.DuckDBPyConnection,
    article_ids: list[str],
    published: tuple[datetime, datetime] = EVER,
) -> pl.DataFrame:
    """Every mention (no text) of the given articles, with the entity's kind and
    country; ``published`` as for ``read_mention_windows``."""
    return _for_articles(con, MENTIONS_OF_ARTICLES_SQL, article_ids, list(published))


# The articles wanted lie between $first and $last: a filter DuckDB checks against each
# row group's range of published_at before reading it, so only the row groups of the
# period are decompressed (texts are most of the file), not every article's text.
MENTION_WINDOWS_SQL = """
WITH spans AS (
    SELECT w.article_id, w.field, w.start_pos, w.end_pos,
           greatest(w.start_pos - $width, 0) AS window_start,
           CASE w.field WHEN 'title' THEN a.title ELSE a.text END AS body
    FROM wanted_spans w JOIN articles a USING (article_id)
    WHERE a.published_at BETWEEN $first AND $last
)
SELECT article_id, field, start_pos, end_pos, window_start,
       substring(body, window_start + 1, end_pos - window_start + $width) AS "window",
       length(body) AS field_length
FROM spans
"""


def read_mention_windows(
    con: duckdb.DuckDBPyConnection,
    spans: pl.DataFrame,
    width: int,
    published: tuple[datetime, datetime] = EVER,
) -> pl.DataFrame:
    """The text around each span (article_id, field, start_pos, end_pos): up to
    ``width`` characters either side, cut out by DuckDB so whole texts never leave
    the store. Returns the spans with window_start, window and field_length.
    ``published``: bounds (inclusive, stored UTC) that every wanted article's
    published_at lies within; the narrower, the fewer texts are read."""
    con.register(
        "wanted_spans", spans.select("article_id", "field", "start_pos", "end_pos").unique()
    )
    first, last = published
    try:
        return con.sql(
            MENTION_WINDOWS_SQL, params={"width": width, "first": first, "last": last}
        ).pl()
    finally:
        con.unregister("wanted_spans")


ARTICLE_CARDS_SQL = """
SELECT a.article_id, a.url, a.title, a.published_at, a.source_id, a.date_source
FROM articles a SEMI JOIN wanted_articles w USING (article_id)
WHERE a.published_at BETWEEN ? AND ?
"""


def read_article_cards(
    con: duckdb.DuckDBPyConnection,
    article_ids: list[str],
    published: tuple[datetime, datetime] = EVER,
) -> pl.DataFrame:
    """Title, URL, time and source of the given articles (what a reader clicks);
    ``published`` as for ``read_mention_windows``."""
    return _for_articles(con, ARTICLE_CARDS_SQL, article_ids, list(published))
