from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import duckdb
import pytest

from jobs.store.connect import (
    DatabaseBusyError,
    DatabaseMissingError,
    connect,
    transaction,
    waiting_notice,
)
from jobs.store.schema import MIGRATIONS, ensure_schema


def _hold_lock(
    path: str,
    ready: multiprocessing.synchronize.Event,
    release: multiprocessing.synchronize.Event,
) -> None:
    """Hold the file read-write until told to let go (a minute at most)."""
    con = duckdb.connect(path)
    ready.set()
    release.wait(60)
    con.close()


def test_ensure_schema_applies_every_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        assert ensure_schema(con) == [v for v, _ in MIGRATIONS]
        assert ensure_schema(con) == []
        tables = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
    assert {
        "articles",
        "mentions",
        "entities",
        "leader_terms",
        "sources",
        "job_runs",
        "reports",
        "daily_mentions",
        "ingest_errors",
    } <= tables


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with connect(tmp_path / "m.duckdb") as con:
        con.execute("create table t (x int)")
        with pytest.raises(RuntimeError), transaction(con):
            con.execute("insert into t values (1)")
            raise RuntimeError("boom")
        assert con.execute("select count(*) from t").fetchall() == [(0,)]


def test_read_only_open_of_missing_file_says_so(tmp_path: Path) -> None:
    with (
        pytest.raises(DatabaseMissingError, match="does not exist yet"),
        connect(tmp_path / "nope.duckdb", read_only=True),
    ):
        pass


def test_busy_file_waits_then_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        ensure_schema(con)
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        told: list[str] = []
        started = time.monotonic()
        with (
            pytest.raises(DatabaseBusyError, match=r"is in use by PID \d+") as info,
            connect(path, read_only=True, timeout=0.5, on_wait=told.append),
        ):
            pass
        # It waited its 0.5 s (the margin above is for a loaded box), then gave up.
        assert 0.4 < time.monotonic() - started < 15
        assert "Retry shortly" in str(info.value)
        assert told and "waiting up to" in told[0]
        # A caller that passes no on_wait: the notice set for the context is told.
        noticed: list[str] = []
        token = waiting_notice.set(noticed.append)
        try:
            with pytest.raises(DatabaseBusyError), connect(path, read_only=True, timeout=0.3):
                pass
        finally:
            waiting_notice.reset(token)
        assert len(noticed) == 1 and "waiting up to" in noticed[0]
        # A longer wait outlasts the holder and gets in.
        release.set()
        with connect(path, read_only=True, timeout=20) as con:
            assert con.execute("select 1").fetchall() == [(1,)]
    finally:
        release.set()
        holder.join(10)
        if holder.is_alive():
            holder.kill()
