"""Which process runs a job, and whether a 'running' row's process is still alive.

A run killed mid-way (SIGKILL, power loss) leaves its ``job_runs`` row 'running'.
Every run start and ``mentions jobs`` close such rows as 'interrupted'. A pid alone
can be reused by a new process after a reboot or a long uptime, so each row also
keeps the host and the process's start time (from /proc where there is one): a live
pid whose start time differs is another process, and the run is dead. Rows written
on another host are left alone; nothing here can see that host's processes.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

import duckdb

from jobs.settings import Settings
from jobs.store.connect import DatabaseBusyError, connect
from jobs.store.schema import ensure_schema

START_RUN_SQL = """
INSERT INTO job_runs (job, started_at, status, pid, host, process_started)
VALUES (?, ?, 'running', ?, ?, ?) RETURNING run_id
"""
RUNNING_RUNS_SQL = """
SELECT run_id, job, pid, host, process_started FROM job_runs
WHERE status = 'running' ORDER BY run_id
"""
MARK_INTERRUPTED_SQL = """
UPDATE job_runs SET status = 'interrupted', finished_at = ?, message = ?
WHERE run_id = ? AND status = 'running'
"""


def host_name() -> str:
    """This machine's name, as stored in ``job_runs.host``."""
    return socket.gethostname()


def process_started(pid: int) -> str | None:
    """An opaque token for when process ``pid`` started (clock ticks since boot, from
    /proc/PID/stat), or None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # Field 22 of the file is starttime; fields[0] here is field 3 (the state).
    return fields[19].decode() if len(fields) > 19 else None


def start_job_run(con: duckdb.DuckDBPyConnection, job: str, at: datetime) -> int:
    """A 'running' row for a run of ``job`` by this process; returns its run_id."""
    pid = os.getpid()
    row = con.execute(START_RUN_SQL, [job, at, pid, host_name(), process_started(pid)])
    return int(row.fetchall()[0][0])


def run_alive(pid: int | None, host: str | None, started: str | None) -> bool:
    """Whether the process that wrote a 'running' row may still be running it."""
    if host is not None and host != host_name():
        return True  # another machine's process: we cannot tell
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    if started is None:
        return True
    now_started = process_started(pid)
    return now_started is None or now_started == started


def close_dead_runs(con: duckdb.DuckDBPyConnection, now: datetime) -> list[tuple[int, str]]:
    """Mark 'running' rows whose process is gone as 'interrupted'; returns (run_id, job)."""
    closed = []
    for run_id, job, pid, host, started in con.execute(RUNNING_RUNS_SQL).fetchall():
        if run_alive(pid, host, started):
            continue
        by = f"process {pid}" if pid is not None else "its process"
        message = f"{by} ended before the run finished (killed?)"
        con.execute(MARK_INTERRUPTED_SQL, [now, message, run_id])
        closed.append((int(run_id), str(job)))
    return closed


def close_orphaned_runs(
    settings: Settings, now: datetime, *, timeout: float | None = None
) -> list[tuple[int, str]]:
    """``close_dead_runs`` on the settings' database (created if missing)."""
    wait = settings.lock_timeout if timeout is None else timeout
    with connect(settings.db_path, timeout=wait) as con:
        ensure_schema(con)
        return close_dead_runs(con, now)


def close_orphaned_runs_if_free(settings: Settings, now: datetime) -> list[tuple[int, str]]:
    """The same, for readers such as ``mentions jobs``: only on an existing file, and
    not at all while a job holds it (that job's process is alive anyway)."""
    if not settings.db_path.exists():
        return []
    try:
        return close_orphaned_runs(settings, now, timeout=0.0)
    except DatabaseBusyError:
        return []
