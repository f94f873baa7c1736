"""Ctrl-C during a long job: an interruption, whatever was running when it came.

DuckDB turns a SIGINT that arrives during a query into an error of its own ("Query
interrupted", or a transaction left aborted that the next statement trips on): the
KeyboardInterrupt is lost, and an interrupted ingest would look like a failed one.
Inside ``interruptible()``, an error raised after a SIGINT is a KeyboardInterrupt,
with the error chained to it. Worker processes are started with ``sigint_blocked()``
and ignore SIGINT (``ignore_sigint``): Ctrl-C reaches the terminal's whole process
group, and the job's own process decides how its workers stop.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_SIGINT = {signal.SIGINT}


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

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        received = True
        if callable(previous):
            previous(signum, frame)  # Python's default raises KeyboardInterrupt
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    except Exception as exc:
        if received:
            raise KeyboardInterrupt from exc
        raise
    finally:
        signal.signal(signal.SIGINT, previous)


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
