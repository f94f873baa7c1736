"""Opening the DuckDB file: waiting for a busy file, naming its holder; transactions."""

from __future__ import annotations

import itertools
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

import duckdb

from jobs.interrupts import open_connection

log = logging.getLogger(__name__)


# Who is told that the file is busy when a caller passes no ``on_wait``: a command sets
# it once for everything it calls (a notebook may set it too); scheduled jobs, in threads
# of their own, only log.
waiting_notice: ContextVar[Callable[[str], None] | None] = ContextVar(
    "waiting_notice", default=None
)

# DuckDB's checkpoint merges a table's trailing row groups each time they can double
# (2,000 rows, 4,000 ... 122,880), compressing their text again each time, and up to 100
# runs of them at once: after a bulk ingest the next writer's close could rewrite every
# article, in gigabytes of memory. Writers here merge nothing unless they ask: an
# ingest's small batches merge one run a table (``jobs.ingest.run``).
WRITER_DEFAULTS: dict[str, str | bool | int | float | list[str]] = {"max_vacuum_tasks": 0}

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


class DatabaseBusyError(RuntimeError):
    """The database file stayed locked by another process for the whole wait."""

    def __init__(self, path: Path, waited: float, holder: str | None = None) -> None:
        self.path = path
        self.waited = waited
        self.holder = holder
        by = f" by {holder}" if holder else " by another process"
        super().__init__(
            f"{path} is in use{by} (a job mid-run?); waited {waited:.0f} s. Retry shortly."
        )


class DatabaseMissingError(FileNotFoundError):
    """A read-only open of a database file that does not exist yet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f'{path} does not exist yet. Run "mentions run" or "mentions ingest" first.'
        )


def lock_holder(exc: BaseException) -> str | None:
    """'PID 5499 (python3)' from DuckDB's lock error, or None if it is not one."""
    match = _LOCK_HOLDER.search(str(exc))
    if match:
        return f"PID {match.group(2)} ({Path(match.group(1)).name})"
    return "another process" if "Could not set lock" in str(exc) else None


T = TypeVar("T")


def _retry_busy(
    path: Path, open_once: Callable[[], T], timeout: float, on_wait: Callable[[str], None] | None
) -> T:
    """``open_once()``, retried with exponential backoff and jitter while another
    process holds the file's lock, for up to ``timeout`` seconds; ``on_wait`` (or else
    ``waiting_notice``) is told once, with the holder."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    told = False
    started = time.monotonic()
    while True:
        try:
            return open_once()
        except duckdb.IOException as exc:
            holder = lock_holder(exc)
            if holder is None:
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(path, time.monotonic() - started, holder) from exc
            if not told:
                message = f"{path} is in use by {holder}; waiting up to {timeout:.0f} s"
                log.info("%s", message)
                notice = on_wait or waiting_notice.get()
                if notice is not None:
                    notice(message)
                told = True
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())) * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 1.0)


@contextmanager
def connect(
    path: Path,
    *,
    read_only: bool = False,
    timeout: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
    config: Mapping[str, str | bool | int | float | list[str]] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database for one unit of work and close it afterwards.

    ``config`` holds DuckDB settings applied as the file opens (cheaper than SETs); a
    writer starts from ``WRITER_DEFAULTS``.

    A file locked by another process is retried with exponential backoff and
    jitter for up to ``timeout`` seconds; ``on_wait`` (or else ``waiting_notice``)
    is told once, with the holder, so a person at a terminal knows why nothing
    happens yet.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseMissingError(path)
    shared = _SHARED_WRITER.get()
    if shared is not None and not read_only and shared.takes(path):
        with shared.connect(path, timeout=timeout, on_wait=on_wait, config=config) as con:
            yield con
        return
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    settings = dict(config or {}) if read_only else {**WRITER_DEFAULTS, **(config or {})}
    con = _retry_busy(
        path,
        lambda: duckdb.connect(str(path), read_only=read_only, config=settings),
        timeout,
        on_wait,
    )
    try:
        con.execute("SET TimeZone = 'UTC'")
        with open_connection(con):  # Ctrl-C interrupts its query at once
            yield con
    finally:
        con.close()


class AttachingWriter:
    """Opens the database file for writing, one unit of work at a time, by attaching it
    to one in-memory DuckDB kept for a long job (an ingest, which opens the file twice a
    batch: its look-up of stored ids and its store). Starting a DuckDB on the file took
    16 ms at 46,000 articles and 29 at a million (its catalog of built-in functions is
    built anew each time); attaching the file takes 2-4. Each unit of work ends as a
    closed connection ends: the file is detached, its log checkpointed, its lock
    released, so a reader waits no longer than it did. A unit's settings apply to the
    whole in-memory DuckDB, set before the file is attached (those it does not name are
    DuckDB's defaults, as for a new connection). ``close`` ends it."""

    _ALIAS = "store"

    def __init__(self) -> None:
        self._hub: duckdb.DuckDBPyConnection | None = None
        self._settings: dict[str, str | bool | int | float | list[str]] = {}
        self._attached: Path | None = None  # the file of the unit under way, if any

    def takes(self, path: Path) -> bool:
        """Whether ``connect(path)`` can go through this DuckDB now: no unit is under
        way, or one on the same file (meanwhile another file gets a DuckDB of its own)."""
        return self._attached is None or self._attached == Path(path).resolve()

    @contextmanager
    def connect(
        self,
        path: Path,
        *,
        timeout: float = 60.0,
        on_wait: Callable[[str], None] | None = None,
        config: Mapping[str, str | bool | int | float | list[str]] | None = None,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """As ``connect`` (read-write), through the kept DuckDB. A unit opened inside
        another on the same file is another connection to it, as a second ``connect``
        in one process is (its settings are the outer unit's); the file is let go when
        the outermost ends."""
        path = Path(path)
        if self._attached is not None:
            if self._attached != path.resolve():
                raise ValueError(f"{self._attached} is open here; {path} cannot be too")
            with self._unit() as con:
                yield con
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        hub = self._configured({**WRITER_DEFAULTS, **(config or {})})
        literal = str(path).replace("'", "''")
        _retry_busy(
            path, lambda: hub.execute(f"ATTACH '{literal}' AS {self._ALIAS}"), timeout, on_wait
        )
        self._attached = path.resolve()
        try:
            with self._unit() as con:
                yield con
        finally:
            self._attached = None
            if self._hub is not None:  # else closed meanwhile, the file with it
                self._detach()

    @contextmanager
    def _unit(self) -> Iterator[duckdb.DuckDBPyConnection]:
        assert self._hub is not None
        con = self._hub.cursor()
        try:
            con.execute(f"USE {self._ALIAS}")
            con.execute("SET TimeZone = 'UTC'")
            with open_connection(con):  # Ctrl-C interrupts its query at once
                yield con
        finally:
            con.close()

    def close(self) -> None:
        """Close the in-memory DuckDB, and the file if a unit left it attached (one a
        KeyboardInterrupt kept from ending: it ends quietly when collected)."""
        hub, self._hub = self._hub, None
        self._attached = None
        if hub is not None:
            hub.close()

    def __enter__(self) -> AttachingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configured(
        self, settings: Mapping[str, str | bool | int | float | list[str]]
    ) -> duckdb.DuckDBPyConnection:
        if self._hub is None:
            self._hub = duckdb.connect(config=dict(settings))
            self._settings = dict(settings)
            return self._hub
        for name in [name for name in self._settings if name not in settings]:
            self._hub.execute(f"RESET GLOBAL {name}")  # DuckDB's default, as a new connection
            del self._settings[name]
        for name, value in settings.items():
            if self._settings.get(name) != value:
                self._hub.execute(f"SET GLOBAL {name} = {_sql_literal(value)}")
                self._settings[name] = value
        return self._hub

    def _detach(self) -> None:
        assert self._hub is not None
        try:
            self._hub.execute(f"DETACH {self._ALIAS}")
        except BaseException:
            self.close()  # closing the in-memory DuckDB closes the file too
            raise


_SHARED_WRITER: ContextVar[AttachingWriter | None] = ContextVar("shared_writer", default=None)


@contextmanager
def one_duckdb() -> Iterator[AttachingWriter]:
    """Within it, every read-write ``connect`` of this context (a command, a job's
    thread) goes through one ``AttachingWriter``: each unit of work still takes and lets
    go of the file as a connection does, without starting a DuckDB for it. A monthly
    report opens the file four times (its run's record at the start and the end, its
    reads, its own record): each start and close of a DuckDB on a million-article file
    took 15-29 ms and 11-30 ms."""
    with AttachingWriter() as writer:
        token = _SHARED_WRITER.set(writer)
        try:
            yield writer
        finally:
            _SHARED_WRITER.reset(token)


def _sql_literal(value: str | bool | int | float | list[str]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return "[" + ", ".join(_sql_literal(v) for v in value) + "]"


class _Attachments:
    """One in-memory DuckDB per process that attaches database files read-only.

    Starting a DuckDB database costs about 30 ms (its catalog of built-in functions
    is built anew each time), more than a small query; attaching a file to a running
    one costs about 5. A file stays attached while a unit of work reads it and is
    detached (its lock released) when the last one ends, so a writer waits no longer
    than for a read-only ``connect``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hub: duckdb.DuckDBPyConnection | None = None
        self._aliases: dict[str, str] = {}
        self._users: dict[str, int] = {}
        self._serial = itertools.count()

    def acquire(
        self, path: Path, timeout: float, on_wait: Callable[[str], None] | None
    ) -> duckdb.DuckDBPyConnection:
        key = str(path.resolve())
        with self._lock:
            if self._hub is None:
                self._hub = duckdb.connect()
            hub = self._hub
            if key not in self._aliases:
                alias = f"store{next(self._serial)}"
                literal = key.replace("'", "''")
                _retry_busy(
                    path,
                    lambda: hub.execute(f"ATTACH '{literal}' AS {alias} (READ_ONLY)"),
                    timeout,
                    on_wait,
                )
                self._aliases[key] = alias
                self._users[key] = 0
            self._users[key] += 1
            alias = self._aliases[key]
        cursor = hub.cursor()
        try:
            cursor.execute(f"USE {alias}")
            cursor.execute("SET TimeZone = 'UTC'")
        except BaseException:
            cursor.close()
            self.release(path)
            raise
        return cursor

    def release(self, path: Path) -> None:
        key = str(path.resolve())
        with self._lock:
            self._users[key] -= 1
            if self._users[key] == 0 and self._hub is not None:
                alias = self._aliases.pop(key)
                del self._users[key]
                self._hub.execute(f"DETACH {alias}")


_ATTACHMENTS = _Attachments()


@contextmanager
def open_read_only(
    path: Path, *, timeout: float = 60.0, on_wait: Callable[[str], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to ``path`` for one unit of work, like ``connect(path,
    read_only=True)`` but about 30 ms cheaper to open: the file is attached to this
    process's in-memory DuckDB and made the default database, and detached when no
    unit of work reads it any more. For the explorer and the notebook API, where a
    request is a few small queries. A busy file is waited for as by ``connect``.
    """
    path = Path(path)
    if not path.exists():
        raise DatabaseMissingError(path)
    con = _ATTACHMENTS.acquire(path, timeout, on_wait)
    try:
        with open_connection(con):
            yield con
    finally:
        con.close()
        _ATTACHMENTS.release(path)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: committed if it returns, rolled back if it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
