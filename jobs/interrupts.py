"""Ctrl-C during a long job: an interruption, whatever was running when it came.

DuckDB turns a SIGINT that arrives during a query into an error of its own ("Query
interrupted", or a transaction left aborted that the next statement trips on): the
KeyboardInterrupt is lost, and an interrupted ingest would look like a failed one.
Inside ``interruptible()``, an error raised after a SIGINT is a KeyboardInterrupt,
with the error chained to it (but not one raised while handling the interruption: that
is the caller's report of it). DuckDB notices a SIGINT only between its tasks, which
can mean at the end of a long query; so inside ``interruptible()`` the signal also
wakes a thread that interrupts every connection open (``open_connection``) at once.
Worker processes are started with ``sigint_blocked()`` and ignore SIGINT
(``ignore_sigint``): Ctrl-C reaches the terminal's whole process group, and the job's
own process decides how its workers stop.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Protocol

_SIGINT = {signal.SIGINT}


class _Interruptible(Protocol):
    def interrupt(self) -> None: ...


_OPEN: set[_Interruptible] = set()
_OPEN_LOCK = threading.Lock()


@contextmanager
def open_connection(con: _Interruptible) -> Iterator[None]:
    """``con`` (a DuckDB connection) is interrupted by Ctrl-C while the block runs."""
    with _OPEN_LOCK:
        _OPEN.add(con)
    try:
        yield
    finally:
        with _OPEN_LOCK:
            _OPEN.discard(con)


def _interrupt_open() -> None:
    with _OPEN_LOCK:
        open_now = list(_OPEN)
    for con in open_now:
        with suppress(Exception):  # closed meanwhile
            con.interrupt()


class _Waker:
    """A thread woken through the signal's wakeup fd (written by Python's C handler in
    whichever thread the signal lands, while the main thread may be deep in a query)
    that interrupts the open connections on SIGINT."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._previous = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._thread = threading.Thread(target=self._watch, name="sigint-watcher", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while True:
            try:
                got = os.read(self._read, 64)
            except OSError:
                return
            if signal.SIGINT in got:
                _interrupt_open()
            if not got or 0 in got:  # closed, or told to stop
                return

    def stop(self) -> None:
        # Put back the fd before this one, unless another took over since (a KeyboardInterrupt
        # that struck inside ``contextlib`` leaves a context unclosed until collected).
        with suppress(OSError, ValueError):  # closed meanwhile; not the main thread
            current = signal.set_wakeup_fd(-1)
            signal.set_wakeup_fd(self._previous if current == self._write else current)
        with suppress(OSError):
            os.write(self._write, b"\0")
        self._thread.join(timeout=5)
        os.close(self._write)
        os.close(self._read)


@contextmanager
def interruptible() -> Iterator[None]:
    """Any error raised in the block after a SIGINT becomes a KeyboardInterrupt. Only
    in the main thread (the one Python runs signal handlers in), and only where SIGINT
    is not ignored (a background job's)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous in (
        signal.SIG_IGN,
        None,  # a handler set from C, left alone
    ):
        yield
        return
    received = False
    raising = True

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        received = True
        if not raising:  # cleaning up: recorded, raised after
            return
        if callable(previous):
            previous(signum, frame)  # Python's default raises KeyboardInterrupt
        else:
            raise KeyboardInterrupt

    # A SIGINT landing in Python code called back from compiled code (CI saw one
    # "Exception ignored in: 'Datetime'" during an ingest, most likely polars converting a
    # batch's datetimes) raises where the exception cannot propagate: Python reports it
    # as "Exception ignored in ..." with a traceback. It is recorded (``received``) and
    # raised at the block's end or with the next error, so that report is dropped.
    previous_hook = sys.unraisablehook

    def quiet(unraisable: sys.UnraisableHookArgs) -> None:
        if received and isinstance(unraisable.exc_value, KeyboardInterrupt):
            return
        previous_hook(unraisable)

    waker = _Waker()  # first: if it cannot start, the handler is not left behind
    signal.signal(signal.SIGINT, handler)
    sys.unraisablehook = quiet
    try:
        yield
    except Exception as exc:
        if received and not _handling_interrupt(exc):
            raise KeyboardInterrupt from exc
        raise
    finally:
        # A signal can raise between any two lines: each step runs whatever the one
        # before it did, and none raises once ``raising`` is off.
        try:
            raising = False
        finally:
            try:
                waker.stop()
            finally:
                if sys.unraisablehook is quiet:
                    sys.unraisablehook = previous_hook
                if signal.getsignal(signal.SIGINT) is handler:
                    signal.signal(signal.SIGINT, previous)
    if received:  # came during the cleanup of a block that had ended well
        raise KeyboardInterrupt


def _handling_interrupt(exc: BaseException) -> bool:
    """True when ``exc`` was raised while a KeyboardInterrupt was handled: the caller's
    own report of the interruption (a command's one line), passed on as it is."""
    seen: set[int] = set()
    context = exc.__context__
    while context is not None and id(context) not in seen:
        if isinstance(context, KeyboardInterrupt):
            return True
        seen.add(id(context))
        context = context.__context__
    return False


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT held back in this thread for the block (a process started in it begins
    with SIGINT blocked); one that came meanwhile is delivered at the end."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGINT)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def ignore_sigint() -> None:
    """In a worker started with ``sigint_blocked()``: ignore SIGINT from now on (one
    pending since the start is dropped with it), then unblock it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGINT)
