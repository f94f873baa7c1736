"""Per-day counts kept beside ``mentions``: daily_entity_forms, daily_entities and
daily_totals (migration 0011).

They are written in the same transaction as the articles and mentions they summarise,
so no reader ever sees them disagree: ingest only adds new articles, so it adds the
batch's own counts (exact, and cheap); a re-extraction replaces an article's mentions,
so it recounts the days of the articles it re-extracted. ``mentions check`` compares
them with a direct count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb
import polars as pl

AGGREGATE_TABLES: tuple[str, ...] = ("daily_entity_forms", "daily_entities", "daily_totals")

# Direct counts over mentions and articles, by the same definitions the migration
# backfills with: the truth the stored tables must equal.
COUNT_ENTITY_FORMS_SQL = """
SELECT CAST(a.published_at AS DATE) AS day, m.entity_id, m.kind, m.form,
       count(DISTINCT m.article_id) AS articles, count(*) AS mentions
FROM mentions m JOIN articles a USING (article_id)
WHERE CAST(a.published_at AS DATE) IN (SELECT day FROM {days})
GROUP BY ALL
"""
COUNT_ENTITIES_SQL = """
SELECT CAST(a.published_at AS DATE) AS day, m.entity_id, m.kind,
       count(DISTINCT m.article_id) AS articles, count(*) AS mentions
FROM mentions m JOIN articles a USING (article_id)
WHERE CAST(a.published_at AS DATE) IN (SELECT day FROM {days})
GROUP BY ALL
"""
COUNT_TOTALS_SQL = """
SELECT CAST(published_at AS DATE) AS day, count(*) AS articles FROM articles
WHERE CAST(published_at AS DATE) IN (SELECT day FROM {days})
GROUP BY ALL
"""
ALL_DAYS = "(SELECT DISTINCT CAST(published_at AS DATE) AS day FROM articles)"

# Ingest: the batch's new articles and their mentions, as registered by
# insert_new_articles (batch_articles, batch_mentions, new_ids).
_NEW_MENTIONS = """
(SELECT CAST(b.published_at AS DATE) AS day, m.*
 FROM batch_mentions m SEMI JOIN new_ids n USING (article_id)
 JOIN batch_articles b USING (article_id))
"""
ADD_BATCH_SQL = (
    f"""MERGE INTO daily_entity_forms t USING (
        SELECT day, entity_id, kind, form, count(DISTINCT article_id) AS articles,
               count(*) AS mentions
        FROM {_NEW_MENTIONS} GROUP BY ALL) d
    ON t.day = d.day AND t.entity_id = d.entity_id AND t.kind = d.kind AND t.form = d.form
    WHEN MATCHED THEN UPDATE SET articles = t.articles + d.articles,
                                 mentions = t.mentions + d.mentions
    WHEN NOT MATCHED THEN INSERT BY NAME""",
    f"""MERGE INTO daily_entities t USING (
        SELECT day, entity_id, kind, count(DISTINCT article_id) AS articles,
               count(*) AS mentions
        FROM {_NEW_MENTIONS} GROUP BY ALL) d
    ON t.day = d.day AND t.entity_id = d.entity_id AND t.kind = d.kind
    WHEN MATCHED THEN UPDATE SET articles = t.articles + d.articles,
                                 mentions = t.mentions + d.mentions
    WHEN NOT MATCHED THEN INSERT BY NAME""",
    """MERGE INTO daily_totals t USING (
        SELECT CAST(b.published_at AS DATE) AS day, count(*) AS articles
        FROM batch_articles b SEMI JOIN new_ids n USING (article_id) GROUP BY ALL) d
    ON t.day = d.day
    WHEN MATCHED THEN UPDATE SET articles = t.articles + d.articles
    WHEN NOT MATCHED THEN INSERT BY NAME""",
)


# The same, from the counts of the batch's new articles counted beforehand
# (``jobs.ingest.frames.daily_counts``), registered as batch_form_counts and
# batch_entity_counts.
ADD_COUNTED_SQL = (
    """MERGE INTO daily_entity_forms t USING batch_form_counts d
    ON t.day = d.day AND t.entity_id = d.entity_id AND t.kind = d.kind AND t.form = d.form
    WHEN MATCHED THEN UPDATE SET articles = t.articles + d.articles,
                                 mentions = t.mentions + d.mentions
    WHEN NOT MATCHED THEN INSERT BY NAME""",
    """MERGE INTO daily_entities t USING batch_entity_counts d
    ON t.day = d.day AND t.entity_id = d.entity_id AND t.kind = d.kind
    WHEN MATCHED THEN UPDATE SET articles = t.articles + d.articles,
                                 mentions = t.mentions + d.mentions
    WHEN NOT MATCHED THEN INSERT BY NAME""",
    ADD_BATCH_SQL[2],
)


def add_new_articles(
    con: duckdb.DuckDBPyConnection,
    forms: pl.DataFrame | None = None,
    entities: pl.DataFrame | None = None,
) -> None:
    """Inside the caller's transaction, after insert_new_articles stored the batch's
    new articles and mentions: add their counts. Ingest never changes a stored
    article, so adding is exact. ``forms`` and ``entities``, if given, are the counts
    of exactly those new articles (``jobs.ingest.frames.daily_counts``), merged as
    they are instead of counted from the mentions."""
    if forms is None or entities is None:
        for sql in ADD_BATCH_SQL:
            con.execute(sql)
        return
    con.register("batch_form_counts", forms)
    con.register("batch_entity_counts", entities)
    try:
        for sql in ADD_COUNTED_SQL:
            con.execute(sql)
    finally:
        con.unregister("batch_form_counts")
        con.unregister("batch_entity_counts")


# Each batch merges its counts into these tables, so a bulk ingest leaves a row group
# per batch in each (writers merge none: jobs.store.connect), 500 at a million articles,
# all of which a timeline reads (0.18 s, against 0.03 once rewritten). A table with more
# than twice the row groups its rows need is rewritten in day order
# (``jobs.store.maintenance.compact_tables``).
ROW_GROUP_ROWS = 122_880
_ROW_GROUPS_SQL = """
SELECT count(DISTINCT row_group_id), (SELECT count(*) FROM {table})
FROM pragma_storage_info('{table}')
"""
# The copy is a table of the file (a temporary one lives in memory), created and dropped
# in the one transaction: nobody else ever sees it.
_COMPACT_SQL = (
    "CREATE TABLE compacting_{table} AS SELECT * FROM {table}{order}",
    "DELETE FROM {table}",
    "INSERT INTO {table} SELECT * FROM compacting_{table}",
    "DROP TABLE compacting_{table}",
)


def scattered_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> list[str]:
    """The ``tables`` holding more than twice the row groups their rows need."""
    found = []
    for table in tables:
        groups, rows = con.execute(_ROW_GROUPS_SQL.format(table=table)).fetchall()[0]
        if groups > 2 * (rows // ROW_GROUP_ROWS + 1):
            found.append(table)
    return found


def compact_table(con: duckdb.DuckDBPyConnection, table: str, *, in_order: bool = True) -> None:
    """Rewrite ``table`` in as few row groups as its rows need (sorted by all its
    columns, for the daily counts their day, unless ``in_order`` is False), in the
    caller's transaction; DuckDB drops the emptied row groups at the checkpoint."""
    for sql in _COMPACT_SQL:
        con.execute(sql.format(table=table, order=" ORDER BY ALL" if in_order else ""))


_REEXTRACTED_DAYS = """
(SELECT DISTINCT CAST(a.published_at AS DATE) AS day FROM articles a
 SEMI JOIN pending_articles p ON p.article_id = a.article_id
   AND p.gazetteer_version = $v AND p.reextracted)
"""
RECOUNT_REEXTRACTED_SQL = (
    f"DELETE FROM daily_entity_forms WHERE day IN (SELECT day FROM {_REEXTRACTED_DAYS})",
    "INSERT INTO daily_entity_forms BY NAME "
    + COUNT_ENTITY_FORMS_SQL.format(days=_REEXTRACTED_DAYS),
    f"DELETE FROM daily_entities WHERE day IN (SELECT day FROM {_REEXTRACTED_DAYS})",
    "INSERT INTO daily_entities BY NAME " + COUNT_ENTITIES_SQL.format(days=_REEXTRACTED_DAYS),
)


def recount_reextracted(con: duckdb.DuckDBPyConnection, gazetteer_version: str) -> None:
    """Inside swap_pending's transaction, after the new mentions replaced the old:
    recount the days of the articles re-extracted (articles themselves, and so the
    daily totals, do not change)."""
    for sql in RECOUNT_REEXTRACTED_SQL:
        con.execute(sql, {"v": gazetteer_version})


_MISMATCH_SQL = """
SELECT count(*) FROM (
    (SELECT * FROM {table} EXCEPT ALL {truth})
    UNION ALL
    ({truth} EXCEPT ALL SELECT * FROM {table})
)
"""
MISMATCH_SQL: dict[str, str] = {
    table: _MISMATCH_SQL.format(table=table, truth=truth.format(days=ALL_DAYS))
    for table, truth in zip(
        AGGREGATE_TABLES,
        (COUNT_ENTITY_FORMS_SQL, COUNT_ENTITIES_SQL, COUNT_TOTALS_SQL),
        strict=True,
    )
}


def aggregate_mismatches(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per aggregate table, the rows that differ from a direct count over mentions and
    articles (stored but wrong or extra, plus missing): all zero when they agree."""
    return {table: int(con.execute(sql).fetchall()[0][0]) for table, sql in MISMATCH_SQL.items()}


DAILY_ENTITIES_SQL = """
SELECT d.day, d.entity_id, d.articles, d.mentions
FROM daily_entities d JOIN entities e ON e.entity_id = d.entity_id AND e.kind = d.kind
WHERE d.day >= ? AND d.day < ? AND d.entity_id IN (SELECT unnest(?))
"""


def read_daily_entities(
    con: duckdb.DuckDBPyConnection, start: date, end: date, entity_ids: list[str]
) -> pl.DataFrame:
    """Per day in [start, end) and entity of ``entity_ids``: day, entity_id, articles
    (distinct, by any form) and mentions."""
    return con.sql(DAILY_ENTITIES_SQL, params=[start, end, entity_ids]).pl()


DAILY_TOTALS_SQL = "SELECT day, articles FROM daily_totals WHERE day >= ? AND day < ?"


def read_daily_totals(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pl.DataFrame:
    """Per day in [start, end) with articles: day, articles."""
    return con.sql(DAILY_TOTALS_SQL, params=[start, end]).pl()
