"""Reports made per period: the watermark of catch-up and the index."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

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


# created_at is naive UTC; periods end at midnight of the reports' time zone, so the
# creation time is read on that zone's clock (ICU's timezone(), UTC in, zone out).
LAST_COMPLETE_REPORT_SQL = """
SELECT max(start_on) FROM reports
WHERE period = ?
  AND timezone(?, timezone('UTC', created_at)) >= CAST(end_on AS TIMESTAMP) + INTERVAL 1 DAY
"""


def last_complete_report(
    con: duckdb.DuckDBPyConnection, period: str, zone: str = "UTC"
) -> date | None:
    """The start of the newest ``period`` report rendered after its period had ended in
    ``zone`` (a report rendered mid-period is incomplete and does not count)."""
    row = con.execute(LAST_COMPLETE_REPORT_SQL, [period, zone]).fetchall()[0]
    value: date | None = row[0]
    return value
