from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jobs.store.connect import (
    AttachingWriter,
    DatabaseBusyError,
    DatabaseMissingError,
    connect,
    one_duckdb,
    open_read_only,
    transaction,
    waiting_notice,
)
from jobs.store.migrations import MIGRATIONS
from jobs.store.schema import ensure_schema

Reader = Callable[..., AbstractContextManager[Any]]


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


def _read_only_connect(path: Path, **kwargs: Any) -> AbstractContextManager[Any]:
    return connect(path, read_only=True, **kwargs)


# The two ways to read the file: a connection of its own, or attached to the process's
# in-memory DuckDB (the explorer's and the notebook API's).
READERS = [
    pytest.param(_read_only_connect, id="connect"),
    pytest.param(open_read_only, id="attached"),
]


@pytest.mark.parametrize("reader", READERS)
def test_read_only_open_of_missing_file_says_so(tmp_path: Path, reader: Reader) -> None:
    with (
        pytest.raises(DatabaseMissingError, match="does not exist yet"),
        reader(tmp_path / "nope.duckdb"),
    ):
        pass
    assert not (tmp_path / "nope.duckdb").exists()


def _write_once(path: str, value: int) -> None:
    with connect(Path(path)) as con:
        con.execute("insert into t values (?)", [value])


def test_an_attached_reader_sees_each_write_and_lets_writers_in(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        con.execute("create table t (x int); insert into t values (1)")
    with open_read_only(path) as con:
        # Unqualified names are the file's; days are UTC days.
        assert con.execute("select x from t").fetchall() == [(1,)]
        assert con.execute("select current_setting('TimeZone')").fetchall() == [("UTC",)]
        with pytest.raises(duckdb.Error):
            con.execute("insert into t values (9)")
    # Detached at the end of the block: a writer, in this process or another, gets in,
    # and the next reader sees what it wrote.
    _write_once(str(path), 2)
    ctx = multiprocessing.get_context("spawn")
    writer = ctx.Process(target=_write_once, args=(str(path), 3))
    writer.start()
    writer.join(60)
    assert writer.exitcode == 0
    with open_read_only(path) as con:
        assert con.execute("select x from t order by x").fetchall() == [(1,), (2,), (3,)]


def test_attached_readers_in_threads_share_the_file_until_the_last_ends(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        con.execute("create table t as select range as x from range(100000)")
    inside = threading.Barrier(4, timeout=30)

    def read() -> int:
        with open_read_only(path) as con:
            inside.wait()  # all four hold it at once
            (total,) = con.execute("select sum(x) from t").fetchone() or (0,)
            inside.wait()
            return int(total)

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda _: read(), range(4))) == [sum(range(100000))] * 4
    _write_once(str(path), 7)  # the last reader let go of the file


def _wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + ".wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_writer_through_one_duckdb_lets_go_of_the_file_after_each_unit(tmp_path: Path) -> None:
    """An ingest's writer attaches the file to one in-memory DuckDB for each unit of
    work: inside one it holds the file as a connection does (its settings applied,
    days in UTC, unqualified names the file's); after it, the file is checkpointed and
    free for another process, and the next unit sees what the last one wrote."""
    path = tmp_path / "m.duckdb"
    ctx = multiprocessing.get_context("spawn")
    with AttachingWriter() as writer:
        setting = (
            "select current_setting('max_vacuum_tasks'), current_setting('checkpoint_threshold')"
        )
        default = duckdb.connect().execute(setting).fetchall()[0][1]
        with writer.connect(
            path, config={"max_vacuum_tasks": 1, "checkpoint_threshold": "1MB"}
        ) as con:
            con.execute("create table t (x int); insert into t values (1)")
            assert con.execute(setting).fetchall() == [(1, "976.5 KiB")]  # 1 MB
            assert con.execute("select current_setting('TimeZone')").fetchall() == [("UTC",)]
            other = ctx.Process(target=_write_once, args=(str(path), 9))
            other.start()  # it waits for the file: up to a minute, told once
            other.join(1.5)
            assert other.is_alive(), "another process got in while the writer held the file"
            with pytest.raises(RuntimeError), transaction(con):
                con.execute("insert into t values (2)")
                raise RuntimeError("boom")
        # Let go: the other process writes, and the next unit sees it; no log is left.
        other.join(60)
        assert other.exitcode == 0
        assert _wal_bytes(path) == 0
        with writer.connect(path) as con:  # the writer's default, DuckDB's for the rest
            assert con.execute(setting).fetchall() == [(0, default)]
            assert con.execute("select x from t order by x").fetchall() == [(1,), (9,)]
            con.execute("insert into t values (3)")
        assert _wal_bytes(path) == 0
    with open_read_only(path) as con:
        assert con.execute("select x from t order by x").fetchall() == [(1,), (3,), (9,)]


def test_a_unit_an_interrupt_left_open_is_let_go_quietly_after_the_writer(
    tmp_path: Path,
) -> None:
    """A KeyboardInterrupt that strikes inside ``contextlib``, between a unit's start and
    the ``with`` block taking it, leaves the unit open, never exited: the interrupted
    job closes its writer (and the file with it), and the unit is closed when it is
    collected. It then has nothing left to let go of, and says nothing (the Ctrl-C test
    of a parallel ingest saw it print "Exception ignored in: AttachingWriter.connect"
    with an AssertionError's traceback)."""
    path = tmp_path / "m.duckdb"
    writer = AttachingWriter()
    unit = writer.connect(path)
    con = unit.__enter__()  # the interrupt came here: __exit__ is never called
    con.execute("create table t (x int)")
    writer.close()
    unit.gen.close()  # what collecting it does: no error
    with duckdb.connect(str(path)) as own:  # the file is free, its table kept
        assert own.execute("select count(*) from t").fetchall() == [(0,)]


def _through_writer(path: Path, **kwargs: Any) -> AbstractContextManager[Any]:
    return AttachingWriter().connect(path, **kwargs)


@pytest.mark.parametrize("reader", [*READERS, pytest.param(_through_writer, id="writer")])
def test_busy_file_waits_then_names_the_holder(tmp_path: Path, reader: Reader) -> None:
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
            reader(path, timeout=0.5, on_wait=told.append),
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
            with pytest.raises(DatabaseBusyError), reader(path, timeout=0.3):
                pass
        finally:
            waiting_notice.reset(token)
        assert len(noticed) == 1 and "waiting up to" in noticed[0]
        # A longer wait outlasts the holder and gets in.
        release.set()
        with reader(path, timeout=20) as con:
            assert con.execute("select 1").fetchall() == [(1,)]
    finally:
        release.set()
        holder.join(10)
        if holder.is_alive():
            holder.kill()


def test_a_command_s_writes_go_through_one_duckdb(tmp_path: Path, duckdb_starts: list[str]) -> None:
    """Within ``one_duckdb``, each read-write ``connect`` attaches the file to one
    in-memory DuckDB instead of starting one on it; each still lets go of the file at
    its end (a DuckDB started on it in this process, which a file still attached would
    refuse, gets in); a ``connect`` inside another on the same file is a second
    connection to it, seeing what is committed; another file, and a read-only open,
    are opened as ever."""
    path, other = tmp_path / "m.duckdb", tmp_path / "other.duckdb"
    with connect(path) as con:
        con.execute("create table t (x int)")
    started = duckdb_starts
    started.clear()
    with one_duckdb():
        for value in (1, 2):
            with connect(path) as con:
                con.execute("insert into t values (?)", [value])
                assert con.execute("select current_setting('TimeZone')").fetchall() == [("UTC",)]
            with duckdb.connect(str(path)) as own:  # the file was let go
                assert own.execute("select max(x) from t").fetchall() == [(value,)]
        with connect(path) as con, transaction(con):
            con.execute("insert into t values (3)")
            with connect(path) as inner:  # a second connection: 3 is not committed yet
                assert inner.execute("select max(x) from t").fetchall() == [(2,)]
                inner.execute("insert into t values (4)")
            with connect(other) as elsewhere:  # another file meanwhile: its own DuckDB
                elsewhere.execute("create table u (y int)")
        with connect(path, read_only=True) as reader:
            assert reader.execute("select x from t order by x").fetchall() == [
                (1,), (2,), (3,), (4,)
            ]  # fmt: skip
    # One DuckDB for the units; the rest are this test's own, the other file's and
    # the read-only open's.
    assert started == [":memory:", str(path), str(path), str(other), str(path)]
    started.clear()
    with connect(path) as con:  # outside it: a DuckDB on the file, as before
        con.execute("insert into t values (5)")
    assert started == [str(path)]


def test_one_duckdb_is_the_context_s_not_other_threads(
    tmp_path: Path, duckdb_starts: list[str]
) -> None:
    """A thread started inside ``one_duckdb`` (the scheduler's jobs, a report's chart
    thread) opens the file as ever: two threads never share the unit under way."""
    path = tmp_path / "m.duckdb"

    def write() -> None:
        with connect(path) as con:
            con.execute("create table t (x int)")

    with one_duckdb(), ThreadPoolExecutor(1) as pool:
        pool.submit(write).result(timeout=60)
    assert duckdb_starts == [str(path)]  # the thread's (one_duckdb starts one at its first)
