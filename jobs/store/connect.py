"""Opening the DuckDB file: waiting for a busy file, naming its holder; transactions."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)


# Who is told that the file is busy when a caller passes no ``on_wait``: a command sets
# it once for everything it calls (a notebook may set it too); scheduled jobs, in threads
# of their own, only log.
waiting_notice: ContextVar[Callable[[str], None] | None] = ContextVar(
    "waiting_notice", default=None
)

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

    ``config`` holds DuckDB settings applied as the file opens (cheaper than SETs).

    A file locked by another process is retried with exponential backoff and
    jitter for up to ``timeout`` seconds; ``on_wait`` (or else ``waiting_notice``)
    is told once, with the holder, so a person at a terminal knows why nothing
    happens yet.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseMissingError(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    delay = 0.05
    told = False
    started = time.monotonic()
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
            break
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
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


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
