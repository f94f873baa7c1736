"""job_runs: one row a run, from start to finish (or interrupted)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

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
