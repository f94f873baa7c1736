"""Batches prepared in worker processes while the ingest process reads and stores.

Reading and storing stay in the ingest process and in order: a batch is still one
transaction, stored in the order it was read, so crash safety and idempotence are
those of a single process. Hashing, extraction and signing (most of an ingest's CPU)
run in up to ``workers`` processes holding one copy of the gazetteer each. An ingest
of one batch or less (a feed poll) never starts a process.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TypeVar

import numpy as np
import polars as pl
import pyarrow as pa

from analytics.extraction.gazetteer import Gazetteer
from jobs.allocator import CONF_VARIABLE, KEEP_FREED_PAGES
from jobs.ingest.frames import DailyCounts, PreparedBatch, prepare, records_frame
from jobs.interrupts import ignore_sigint, sigint_blocked
from jobs.sources.records import Record

log = logging.getLogger(__name__)

_GAZETTEER: Gazetteer | None = None
_T = TypeVar("_T")


def default_workers() -> int:
    """One worker per CPU core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _watch_parent(parent: int) -> None:
    """A worker whose ingest process died (kill -9) exits within a second instead of
    waiting forever for work."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _start_worker(parent: int) -> None:
    ignore_sigint()  # Ctrl-C reaches the worker too: the ingest process decides
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


POLARS_THREADS = "POLARS_MAX_THREADS"
# What polars' import puts in its allocator's variable when the user set nothing there
# (its own half a second; a user's options are appended after it).
POLARS_OWN_CONF = "dirty_decay_ms:500,muzzy_decay_ms:1000"


@contextmanager
def _worker_environment() -> Iterator[None]:
    """Processes started here run polars on one thread (unless the user chose a number):
    the workers are one per core already, and polars' pool in each would put two threads
    on each core (5,000 articles extracted on one thread: 0.47-0.49 ms of CPU an article;
    on two: 0.51-0.52). And their allocator keeps the pages they free for 5 s
    (``jobs.allocator``, unless the user set its options): each batch's frames reuse
    the last one's pages instead of faulting them in again (46,000 articles: 40.7-41.9
    CPU seconds where 41.7-43.3 without, for about 90 MiB more of the summed peak;
    README, Why it is built this way). Polars reads both variables when it is
    imported, so they are set while the pool spawns its processes, which happens in
    ``submit``; this process's are left as they were."""
    chosen = {POLARS_THREADS: "1", CONF_VARIABLE: KEEP_FREED_PAGES}
    before = {name: os.environ.get(name) for name in chosen}
    changed = [
        name
        for name in chosen
        if before[name] is None or (name == CONF_VARIABLE and before[name] == POLARS_OWN_CONF)
    ]
    os.environ.update({name: chosen[name] for name in changed})
    try:
        yield
    finally:
        for name in changed:
            value = before[name]
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _use_gazetteer(version: str, pickled: bytes) -> tuple[Gazetteer, bool]:
    """This worker's gazetteer of ``version`` (unpickled from the ingest process the first
    time), and whether it is new here."""
    global _GAZETTEER
    if _GAZETTEER is not None and _GAZETTEER.version == version:
        return _GAZETTEER, False
    _GAZETTEER = pickle.loads(pickled)
    return _GAZETTEER, True


def _keep_for_good() -> None:
    # What a worker keeps for good is loaded now (the modules, numba's compiled loops,
    # the gazetteer and its automaton): frozen, the collector's full passes and the
    # walks of the worker's exit skip it (it is still freed when it goes).
    gc.freeze()


def _warm_up(version: str, pickled: bytes) -> None:
    """Load what every batch needs (the gazetteer, its automaton and word lists, numba's
    compiled loops, polars' first calls: 0.9 s in a new worker) on a tiny batch, before
    the first real one comes."""
    gazetteer, new = _use_gazetteer(version, pickled)
    if new:
        article = Record(
            title="France and Kenya",
            text="President Joe Biden met Emmanuel Macron in Paris.\n\nMr Biden left.",
            url="https://warm-up.invalid/1",
            published_at=datetime(2024, 1, 2),
        )
        prepare(records_frame([article], "warm-up", datetime(2024, 1, 2)), gazetteer)
        _keep_for_good()


# Frames cross between the processes as Arrow tables of polars' own buffers (strings as
# Arrow's string views, no copy: ``CompatLevel.newest``): pickled, a table is its
# buffers, where a polars frame pickles through its IPC serialisation. A batch of 2,000
# articles (22 MB) took 26-28 ms to pickle in the ingest process and 11-12 to unpickle
# in a worker as a polars frame, 16-17 and 2.1-2.2 as a table; its 80,000 mentions back,
# 9-11 and 11 ms, 3 and 1.3 (tests/benchmarks/bench_handover.py). The ingest of 46,000
# articles, four rounds alternating with 324cb88: 19.9-20.3 s against 20.3-20.7, system
# time 3.5 s against 4.1-4.5.
_WIRE_LEVEL = pl.CompatLevel.newest()


def _to_wire(frame: pl.DataFrame) -> pa.Table:
    return frame.to_arrow(compat_level=_WIRE_LEVEL)


def _from_wire(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


@dataclass(frozen=True)
class PreparedInWorker:
    """A batch as a worker sends it back: ``PreparedBatch``'s with only the keys of its
    articles (``_KEYS``; the ingest process holds the texts already, so less is copied
    and less held per batch in flight) and its mentions as an Arrow table."""

    keys: pl.DataFrame
    mentions: pa.Table
    signatures: np.ndarray
    shingles: np.ndarray
    counts: DailyCounts | None


def _prepare_in_worker(articles: pa.Table, version: str, pickled: bytes) -> PreparedInWorker:
    gazetteer, new = _use_gazetteer(version, pickled)
    prepared = prepare(_from_wire(articles), gazetteer)
    if new:
        _keep_for_good()
    return PreparedInWorker(
        keys=prepared.articles.select(_KEYS),
        mentions=_to_wire(prepared.mentions),
        signatures=prepared.signatures,
        shingles=prepared.shingles,
        counts=prepared.counts,
    )


_KEYS = ["article_id", "content_hash"]
# A batch on its way: prepared here, or in a worker (``BatchPreparer.outcome`` makes
# either whole).
Preparing = Future[PreparedBatch | PreparedInWorker]


def _with_texts(
    prepared: PreparedBatch | PreparedInWorker, articles: pl.DataFrame
) -> PreparedBatch:
    """A batch prepared here as it is; a worker's with its rows whole again, from the
    batch as it was sent, and its mentions a frame again."""
    if isinstance(prepared, PreparedBatch):
        return prepared
    whole = articles.drop("content_hash").join(
        prepared.keys, on="article_id", how="inner", maintain_order="right"
    )
    return PreparedBatch(
        articles=whole.select(articles.columns),
        mentions=_from_wire(prepared.mentions),
        signatures=prepared.signatures,
        shingles=prepared.shingles,
        counts=prepared.counts,
    )


class BatchPreparer:
    """``submit(articles)`` -> a future PreparedBatch. The pool starts with the first
    full batch when ``workers`` > 1 (or at ``start``, for an ingest known to be large);
    until then batches are prepared in this process."""

    def __init__(self, gazetteer: Gazetteer, *, workers: int, batch_size: int) -> None:
        self.gazetteer = gazetteer
        self.workers = workers if workers > 0 else default_workers()
        self.batch_size = batch_size
        self._pool: ProcessPoolExecutor | None = None
        self._pickled: bytes | None = None

    @property
    def parallel(self) -> bool:
        """True once batches go to worker processes."""
        return self._pool is not None

    def start(self) -> list[Future[None]]:
        """Start a worker now that loads what it prepares with, so the first batch finds
        it ready (a new worker took 0.9 s more over its first batch); the others start
        as batches come. For an ingest known to be large: a small one never starts a
        process. Returns what is done when the worker is ready."""
        if self._pool is not None or self.workers < 2:
            return []
        # One, not one per core: both cores are busy while the ingest starts (two
        # workers loading at once slowed this process's start as much as they saved).
        try:
            return [self._submit(_warm_up, self.gazetteer.version, self._gazetteer_bytes())]
        except BrokenProcessPool as exc:
            self._without_workers(exc)
            return []

    def submit(self, articles: pl.DataFrame) -> Preparing:
        if self._pool is None and (self.workers < 2 or articles.height < self.batch_size):
            done: Preparing = Future()
            done.set_result(prepare(articles, self.gazetteer))
            return done
        try:
            return self._submit(
                _prepare_in_worker,
                _to_wire(articles),
                self.gazetteer.version,
                self._gazetteer_bytes(),
            )
        except BrokenProcessPool as exc:  # they died before this batch: prepared here
            self._without_workers(exc)
            return self.submit(articles)

    def _gazetteer_bytes(self) -> bytes:
        # The gazetteer (5 MB) goes with each task, unpickled once per worker. Sent as
        # an initializer's argument it would be written to the pipe that starts a worker,
        # by this thread: a worker that dies before reading it all (a script without a
        # main guard, run again by each worker it spawns) would block this process on
        # that write for ever, with no broken pool to notice.
        if self._pickled is None:
            self._pickled = pickle.dumps(self.gazetteer, protocol=pickle.HIGHEST_PROTOCOL)
        return self._pickled

    def _submit(self, task: Callable[..., _T], *args: object) -> Future[_T]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                # spawn, not fork: the ingest process runs polars' and DuckDB's threads.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        # A worker started here begins with SIGINT blocked, one polars thread, pages kept.
        with sigint_blocked(), _worker_environment():
            return self._pool.submit(task, *args)

    def outcome(self, future: Preparing, articles: pl.DataFrame) -> PreparedBatch:
        """The prepared batch of ``future`` (from ``submit(articles)``). If the workers
        died or could not start (a script without ``if __name__ == "__main__":`` cannot
        spawn them), this batch and the next are prepared in this process instead."""
        try:
            return _with_texts(future.result(), articles)
        except BrokenProcessPool as exc:
            self._without_workers(exc)
            return prepare(articles, self.gazetteer)

    def _without_workers(self, exc: BrokenProcessPool) -> None:
        if self._pool is not None:
            log.warning(
                "ingest worker processes failed (%s); preparing batches in this process", exc
            )
            self.close(cancel=True)
            self.workers = 1

    def close(self, *, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def __enter__(self) -> BatchPreparer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close(cancel=kind is not None)
