"""A large output file written behind: what was written is put on disk, and out of the
page cache, on a thread while the next piece is made.

`mentions extract --output` writes 540 MB of mentions for 1,000 MB of articles. Left to
the kernel, every page of it stays in the page cache until the final fsync, each a new
page taken from the free memory, and the fsync then waits for all of it: on this
project's machine (a virtual machine, where memory long unused costs its first touch
again) the write calls alone took 2.5-3 s of system time, 7 ms for each 1.3 MB. Synced
and dropped a piece behind, the same pages come back to the next pieces: four
alternating rounds of 1,000 MB from the CLI, 17.9-20.6 s (median 19.0) against
19.6-22.7 (21.1), system time 2.3-2.8 s against 4.1-5.3
(``tests/benchmarks/bench_write_behind.py``).

Only a regular file is flushed so (a pipe or a terminal is written as it is), and only
where the system can drop pages (``os.posix_fadvise``). A flush that fails (a disk full
at writeback) is raised by the next write, or by ``close``.
"""

from __future__ import annotations

import os
import stat
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import IO

# Bytes written between two flushes: about one batch of `mentions extract`'s mentions
# (32 MB of articles make about 17 MB of them), so at most two pieces are in the page
# cache at a time.
FLUSH_EVERY = 16_000_000


def _can_drop(handle: IO[bytes]) -> bool:
    if not hasattr(os, "posix_fadvise"):  # not on macOS or Windows
        return False
    try:
        return stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no descriptor of its own (BytesIO)
        return False


def _sync_and_drop(fd: int, start: int, end: int) -> None:
    os.fdatasync(fd)
    os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)


class WriteBehind:
    """``handle`` (a binary file), its written pages synced and dropped from the page
    cache on a thread every ``every`` bytes, one flush at a time. Use it as a context
    manager, or ``close`` it: that waits for the last flush (the handle stays open, and
    what was written since is the caller's to flush, as before)."""

    def __init__(self, handle: IO[bytes], every: int | None = None) -> None:
        self._handle = handle
        self._every = FLUSH_EVERY if every is None else every
        self._pool = ThreadPoolExecutor(1, "write-behind") if _can_drop(handle) else None
        self._flush: Future[None] | None = None
        self._flushing_to = 0
        self._unflushed = 0
        self.dropped_to = 0  # the file's bytes before this offset were synced and dropped

    def write(self, data: bytes | memoryview) -> int:
        self._raise_failed()
        written = self._handle.write(data)
        self._unflushed += written
        if self._pool is not None and self._unflushed >= self._every:
            self._flush_behind()
        return written

    def flush(self) -> None:
        self._wait()
        self._handle.flush()

    def close(self) -> None:
        """Wait for the flush on its way; raise its error, if it failed."""
        try:
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
            return
        try:  # already failing: the flush's own error would hide the first
            self.close()
        except OSError:
            pass

    def _flush_behind(self) -> None:
        assert self._pool is not None
        self._handle.flush()
        end = self._handle.tell()
        self._wait()
        self._flush = self._pool.submit(_sync_and_drop, self._handle.fileno(), self.dropped_to, end)
        self._flushing_to = end
        self._unflushed = 0

    def _raise_failed(self) -> None:
        if self._flush is not None and self._flush.done():
            self._wait()

    def _wait(self) -> None:
        flush, self._flush = self._flush, None
        if flush is not None:
            flush.result()
            self.dropped_to = self._flushing_to
