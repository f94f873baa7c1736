"""Batches prepared in worker processes: the same frames as in the ingest process, and a
pool that dies or cannot start falls back to the ingest process."""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest

import jobs.ingest.frames as frames
import jobs.ingest.run as run
import jobs.ingest.workers as workers
from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.mentions import extract_mentions
from jobs.allocator import CONF_VARIABLE, KEEP_FREED_PAGES
from jobs.ingest import run_ingest
from jobs.ingest.frames import PreparedBatch, prepare, records_frame
from jobs.ingest.workers import BatchPreparer, _prepare_in_worker, _to_wire, _with_texts
from jobs.settings import Settings, SourceConfig
from jobs.sources.records import Record

NOW = datetime(2024, 5, 1)
ROOT = Path(__file__).resolve().parents[2]


def _articles(count: int) -> pl.DataFrame:
    records = [
        Record(
            url=f"https://news.example.org/{i}",
            title=f"Story {i}",
            text=f"Kenya and Chile signed a grain deal on day {i}. " * 20
            + f"President Ruto of Kenya met {i} delegates in Nairobi.",
            published_at=datetime(2024, 4, 1 + i % 28),
        )
        for i in range(count)
    ]
    return records_frame(records, "wire", NOW)


def _same(a: PreparedBatch, b: PreparedBatch) -> None:
    assert a.articles.equals(b.articles)
    assert a.mentions.equals(b.mentions)
    assert np.array_equal(a.signatures, b.signatures)
    assert np.array_equal(a.shingles, b.shingles)


def _exit_at_start() -> None:
    os._exit(3)


def _dying_pool() -> ProcessPoolExecutor:
    """Workers that exit as they start: what a script without a main guard gets."""
    return ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_at_start
    )


def test_workers_prepare_what_the_ingest_process_prepares(gazetteer: Gazetteer) -> None:
    batches = [_articles(30), _articles(30).slice(10, 20), _articles(7)]
    with BatchPreparer(gazetteer, workers=2, batch_size=20) as preparer:
        futures = [preparer.submit(batch) for batch in batches]
        assert preparer.parallel, "a full batch starts the pool"
        results = [preparer.outcome(f, b) for f, b in zip(futures, batches, strict=True)]
    for batch, got in zip(batches, results, strict=True):
        _same(got, prepare(batch, gazetteer))
    assert results[0].mentions.filter(pl.col("entity_id") == "KEN").height > 0


def test_a_small_ingest_starts_no_process(gazetteer: Gazetteer) -> None:
    with BatchPreparer(gazetteer, workers=2, batch_size=50) as preparer:
        future = preparer.submit(_articles(12))
        assert future.done() and not preparer.parallel


@pytest.mark.parametrize("known_first", [False, True], ids=["at-outcome", "before-submit"])
def test_a_pool_that_dies_falls_back_to_this_process(
    gazetteer: Gazetteer, caplog: pytest.LogCaptureFixture, known_first: bool
) -> None:
    """Whether the pool is known to be broken only when a batch's outcome is asked for,
    or already when a batch is submitted (workers gone between batches, or before the
    first: a submit then raised out of the ingest)."""
    batch = _articles(25)
    with BatchPreparer(gazetteer, workers=2, batch_size=20) as preparer:
        preparer._pool = _dying_pool()
        if known_first:
            with contextlib.suppress(Exception):
                preparer._pool.submit(int).result(timeout=120)  # now the pool knows
        futures = [preparer.submit(batch) for _ in range(3)]
        results = [preparer.outcome(f, batch) for f in futures]
        assert not preparer.parallel and preparer.workers == 1
        later = preparer.submit(batch)
        assert later.done()
    expected = prepare(batch, gazetteer)
    for got in results:
        _same(got, expected)
    warnings = [m for m in caplog.messages if "worker processes failed" in m]
    assert len(warnings) == 1, warnings


_GUARDLESS = """\
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, {root!r})
import jobs.ingest.run
from jobs.ingest import run_ingest
from jobs.settings import SourceConfig, load_settings

jobs.ingest.run.PRESTART_BYTES = {prestart_bytes}

# No `if __name__ == "__main__":`: each spawned worker runs this again as it starts.
settings = load_settings(None, environ={{}}, db_path=Path({db!r}))
settings = replace(settings, ingest_batch_size=20, ingest_workers=2)
result = run_ingest(settings, [SourceConfig(name="wire", location={dump!r}, kind="jsonl")])
print("stored", result.articles_new)
"""


def _wire_dump(path: Path, count: int, first: int = 0) -> None:
    with path.open("w") as fh:
        for i in range(first, first + count):
            text = (
                f"Kenya and Chile signed a grain deal on day {i}. President Ruto met {i} delegates."
            )
            fh.write(
                json.dumps(
                    {
                        "url": f"https://news.example.org/{i}",
                        "title": f"Story {i}",
                        "text": text,
                        "published_at": f"2024-04-{1 + i % 28:02d}T10:00:00",
                    }
                )
                + "\n"
            )


@pytest.mark.parametrize("prestart_bytes", [10**12, 0], ids=["first-batch", "started-early"])
def test_a_script_without_a_main_guard_ingests_without_workers(
    tmp_path: Path, prestart_bytes: int
) -> None:
    """A notebook user's script calls run_ingest at its top level. Each worker spawned
    for it imports the script again, starts an ingest of its own, and dies: the pool
    breaks and the batches are prepared in the script's process, whether the workers
    started with the first batch or before it. (The gazetteer, 5 MB, once went to each
    worker through the pipe that starts it: a worker dead before reading it left the
    script blocked on that pipe forever.)"""
    dump = tmp_path / "wire.jsonl"
    _wire_dump(dump, 60)
    script = tmp_path / "notebook_export.py"
    script.write_text(
        _GUARDLESS.format(
            root=str(ROOT),
            db=str(tmp_path / "m.duckdb"),
            dump=str(dump),
            prestart_bytes=prestart_bytes,
        )
    )
    child = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(timeout=240)  # a few seconds when it works
    except subprocess.TimeoutExpired:
        out, err = "", "still running after 240 s"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == 0, err[-2000:]
    assert "stored 60" in out
    assert "worker processes failed" in err


def _asked_in_the_workers(gazetteer: Gazetteer, task: Any, *args: object) -> set[Any]:
    """What ``task(*args)`` returns in the workers of a pool started by two batches (each
    worker asked a few times)."""
    batch = _articles(20)
    with BatchPreparer(gazetteer, workers=2, batch_size=20) as preparer:
        futures = [preparer.submit(batch) for _ in range(2)]  # both workers start
        for future in futures:
            preparer.outcome(future, batch)
        assert preparer._pool is not None
        return {preparer._pool.submit(task, *args).result() for _ in range(8)}


@pytest.mark.parametrize("chosen", [None, "2"])
def test_workers_run_polars_on_one_thread_unless_the_user_chose(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch, chosen: str | None
) -> None:
    """One worker per core, each on one polars thread: two threads a core otherwise.
    A number the user set is theirs; this process's environment is left as it was."""
    if chosen is None:
        monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    else:
        monkeypatch.setenv("POLARS_MAX_THREADS", chosen)
    assert _asked_in_the_workers(gazetteer, pl.thread_pool_size) == {int(chosen or 1)}
    assert os.environ.get("POLARS_MAX_THREADS") == chosen


@pytest.mark.parametrize("users", [None, "dirty_decay_ms:100"])
def test_workers_keep_freed_pages_unless_the_user_chose(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch, users: str | None
) -> None:
    """The workers' allocator keeps the pages they free for 5 s, not polars' half a
    second: each batch's frames reuse the last one's pages instead of faulting them in
    again. A setting of the user's is theirs; this process's is left as it was."""
    mine = users if users is not None else workers.POLARS_OWN_CONF  # polars' import set it
    monkeypatch.setenv(CONF_VARIABLE, mine)
    seen = _asked_in_the_workers(gazetteer, os.getenv, CONF_VARIABLE)
    assert len(seen) == 1
    # polars, imported in the worker, put its own options before the ones it found.
    (conf,) = seen
    assert conf is not None and conf.endswith(users or KEEP_FREED_PAGES), conf
    assert os.environ.get(CONF_VARIABLE) == mine


def test_polars_sets_its_allocator_as_the_workers_expect() -> None:
    """A fresh interpreter where the user set nothing: polars' import leaves its own
    options, the value the workers replace with theirs (a polars that changes them makes
    this fail, not the workers silently keep polars' half a second)."""
    code = (
        "import os; os.environ.pop('_RJEM_MALLOC_CONF', None); import polars; "
        "print(os.environ.get('_RJEM_MALLOC_CONF'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == workers.POLARS_OWN_CONF, out.stderr[-2000:]


def test_a_batch_extracted_in_chunks_has_the_mentions_of_one_call(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker extracts a batch ``EXTRACT_CHUNK`` articles at a time: the same mentions,
    in the same order, as one call over the whole batch (docs numbered per chunk would
    name the wrong articles)."""
    batch = _articles(30)
    whole = prepare(batch, gazetteer)
    monkeypatch.setattr(frames, "EXTRACT_CHUNK", 7)  # 7 + 7 + 7 + 7 + 2
    chunked = prepare(batch, gazetteer)
    _same(chunked, whole)
    assert chunked.mentions.equals(extract_mentions(whole.articles, gazetteer))
    assert chunked.mentions["article_id"].n_unique() == 30


def test_a_worker_freezes_what_it_keeps_after_its_first_batch(gazetteer: Gazetteer) -> None:
    """Once a worker has its gazetteer, automaton and compiled loops, they are frozen
    (``gc.freeze``): the collector's full passes, and the walks of the worker's exit that
    the ingest waits for at its end, skip them. The batch is prepared as before."""
    batch = _articles(20)
    pickled = pickle.dumps(gazetteer, protocol=pickle.HIGHEST_PROTOCOL)
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:  # one worker: every call below runs in the same process
        assert pool.submit(gc.get_freeze_count).result() == 0
        sent = _to_wire(batch)
        got = pool.submit(_prepare_in_worker, sent, gazetteer.version, pickled).result()
        frozen = pool.submit(gc.get_freeze_count).result()
        again = pool.submit(_prepare_in_worker, sent, gazetteer.version, pickled).result()
        assert pool.submit(gc.get_freeze_count).result() == frozen, "frozen once"
    assert frozen > 10_000
    expected = prepare(batch, gazetteer)
    for sent_back in (got, again):
        assert sent_back.keys.equals(expected.articles.select("article_id", "content_hash"))
        prepared = _with_texts(sent_back, batch)
        assert prepared.articles.equals(expected.articles)
        assert prepared.mentions.equals(expected.mentions)
        assert prepared.counts is not None and expected.counts is not None
        for got_counts, expected_counts in (
            (prepared.counts.forms, expected.counts.forms),
            (prepared.counts.entities, expected.counts.entities),
        ):  # grouped: rows in no set order
            columns = got_counts.columns
            assert got_counts.sort(columns).equals(expected_counts.sort(columns))
        assert (prepared.signatures == expected.signatures).all()


def _loaded_version() -> str | None:
    """In a worker: the version of the gazetteer it holds."""
    from jobs.ingest import workers

    return None if workers._GAZETTEER is None else workers._GAZETTEER.version


def test_started_workers_are_ready_before_the_first_batch(gazetteer: Gazetteer) -> None:
    """``start`` spawns a worker that loads the gazetteer, its automaton and numba's
    loops on a tiny batch of its own (0.9 s in a new worker), so the first batch does not
    wait for that; it is then prepared as in this process."""
    batch = _articles(20)
    with BatchPreparer(gazetteer, workers=2, batch_size=20) as preparer:
        (ready,) = preparer.start()
        assert preparer.parallel
        assert preparer._pool is not None
        ready.result(timeout=120)  # the next call goes to that worker, idle again
        assert preparer._pool.submit(_loaded_version).result(timeout=120) == gazetteer.version
        assert preparer._pool.submit(gc.get_freeze_count).result(timeout=120) > 10_000
        small = preparer.submit(_articles(3))  # once started, a small batch goes too
        futures = [preparer.submit(batch) for _ in range(2)]
        results = [preparer.outcome(f, batch) for f in futures]
        _same(preparer.outcome(small, _articles(3)), prepare(_articles(3), gazetteer))
    for got in results:
        _same(got, prepare(batch, gazetteer))


# What reading sources and storing batches import, which a worker never runs.
_READERS_AND_STORE = (
    "jobs.ingest.run",
    "jobs.sources.read",
    "trafilatura",
    "httpx",
    "feedparser",
    "jobs.stories",
    "duckdb",
)


def test_a_worker_imports_what_it_prepares_with_not_the_readers() -> None:
    # A spawned worker imports jobs.ingest.workers to find its function. Through the
    # package's __init__ it imported the whole ingest (feeds, pages, HTTP), and DuckDB
    # through the signing's module: 393 modules and 41 MiB more in each worker.
    code = (
        "import sys, jobs.ingest.workers\n"
        f"print(' '.join(m for m in {_READERS_AND_STORE!r} if m in sys.modules))\n"
        "from jobs.ingest import run_ingest, IngestResult\n"  # still there when asked for
        "print(run_ingest.__module__, IngestResult.__module__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    imported, names = done.stdout.splitlines()
    assert imported == ""
    assert names == "jobs.ingest.run jobs.ingest.result"


def test_the_package_gives_every_name_it_lists_and_no_other() -> None:
    import jobs.ingest

    for name in jobs.ingest.__all__:
        assert getattr(jobs.ingest, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        jobs.ingest.nothing_here  # noqa: B018


def _mentions(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select article_id, entity_id, field, start_pos from mentions order by all"
        ).fetchall()


def test_a_large_new_file_starts_a_worker_first_and_its_files_share_one_pool(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files of PRESTART_BYTES or more, new or changed, start a worker before the first
    batch is read, and every source of the ingest uses that pool (a pool per source
    started and warmed its workers again for each file). Files read before and
    unchanged start none. The mentions are those of an ingest without workers."""
    monkeypatch.setattr(run, "PRESTART_BYTES", 5_000)
    pools: list[ProcessPoolExecutor] = []

    class CountedPool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            pools.append(self)

    monkeypatch.setattr(workers, "ProcessPoolExecutor", CountedPool)
    submitted: list[int] = []
    started: list[int] = []  # how many batches had been submitted when start was called
    submit, start = BatchPreparer.submit, BatchPreparer.start

    def counting_submit(self: BatchPreparer, articles: pl.DataFrame) -> Any:
        submitted.append(articles.height)
        return submit(self, articles)

    def counting_start(self: BatchPreparer) -> Any:
        started.append(len(submitted))
        return start(self)

    monkeypatch.setattr(BatchPreparer, "submit", counting_submit)
    monkeypatch.setattr(BatchPreparer, "start", counting_start)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _wire_dump(first, 40)
    _wire_dump(second, 40, first=40)
    assert first.stat().st_size >= run.PRESTART_BYTES
    sources = [
        SourceConfig(name="a", location=str(first)),
        SourceConfig(name="b", location=str(second)),
    ]
    settings = replace(settings, ingest_batch_size=10, ingest_workers=2)
    assert run_ingest(settings, sources).articles_new == 80
    assert (started, len(pools)) == ([0], 1)
    assert sum(submitted) == 80
    assert run_ingest(settings, sources).files_skipped == 2
    assert (started, len(pools)) == ([0], 1), "unchanged files start no worker"

    alone = replace(settings, db_path=tmp_path / "alone.duckdb", ingest_workers=1)
    assert run_ingest(alone, sources).articles_new == 80
    assert _mentions(settings.db_path) == _mentions(alone.db_path)
    assert len(_mentions(alone.db_path)) > 80
