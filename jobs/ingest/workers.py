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
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import TypeVar

import polars as pl

from analytics.extraction.gazetteer import Gazetteer
from jobs.allocator import CONF_VARIABLE, KEEP_FREED_PAGES
from jobs.ingest.frames import PreparedBatch, prepare, records_frame
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


def _prepare_in_worker(articles: pl.DataFrame, version: str, pickled: bytes) -> PreparedBatch:
    gazetteer, new = _use_gazetteer(version, pickled)
    prepared = prepare(articles, gazetteer)
    if new:
        _keep_for_good()
    # The ingest process holds the texts already: send back only the keys of the rows
    # kept, and their hashes (less to copy, less held per batch in flight).
    return replace(prepared, articles=prepared.articles.select(_KEYS))


_KEYS = ["article_id", "content_hash"]


def _with_texts(prepared: PreparedBatch, articles: pl.DataFrame) -> PreparedBatch:
    """A worker's batch with its rows whole again, from the batch as it was sent."""
    if prepared.articles.columns != _KEYS:
        return prepared
    whole = articles.drop("content_hash").join(
        prepared.articles, on="article_id", how="inner", maintain_order="right"
    )
    return replace(prepared, articles=whole.select(articles.columns))


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

    def submit(self, articles: pl.DataFrame) -> Future[PreparedBatch]:
        if self._pool is None and (self.workers < 2 or articles.height < self.batch_size):
            done: Future[PreparedBatch] = Future()
            done.set_result(prepare(articles, self.gazetteer))
            return done
        try:
            return self._submit(
                _prepare_in_worker, articles, self.gazetteer.version, self._gazetteer_bytes()
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

    def outcome(self, future: Future[PreparedBatch], articles: pl.DataFrame) -> PreparedBatch:
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
