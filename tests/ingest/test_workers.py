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
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import jobs.ingest.frames as frames
from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.mentions import extract_mentions
from jobs.ingest.frames import PreparedBatch, prepare, records_frame
from jobs.ingest.workers import BatchPreparer, _prepare_in_worker
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


def test_a_pool_that_dies_falls_back_to_this_process(
    gazetteer: Gazetteer, caplog: pytest.LogCaptureFixture
) -> None:
    batch = _articles(25)
    with BatchPreparer(gazetteer, workers=2, batch_size=20) as preparer:
        # Workers that exit as they start: what a script without a main guard gets.
        preparer._pool = ProcessPoolExecutor(
            max_workers=2,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_at_start,
        )
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
from jobs.ingest import run_ingest
from jobs.settings import SourceConfig, load_settings

# No `if __name__ == "__main__":`: each spawned worker runs this again as it starts.
settings = load_settings(None, environ={{}}, db_path=Path({db!r}))
settings = replace(settings, ingest_batch_size=20, ingest_workers=2)
result = run_ingest(settings, [SourceConfig(name="wire", location={dump!r}, kind="jsonl")])
print("stored", result.articles_new)
"""


def test_a_script_without_a_main_guard_ingests_without_workers(tmp_path: Path) -> None:
    """A notebook user's script calls run_ingest at its top level. Each worker spawned
    for it imports the script again, starts an ingest of its own, and dies: the pool
    breaks and the batches are prepared in the script's process. (The gazetteer, 5 MB,
    once went to each worker through the pipe that starts it: a worker dead before
    reading it left the script blocked on that pipe forever.)"""
    dump = tmp_path / "wire.jsonl"
    with dump.open("w") as fh:
        for i in range(60):
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
    script = tmp_path / "notebook_export.py"
    script.write_text(
        _GUARDLESS.format(root=str(ROOT), db=str(tmp_path / "m.duckdb"), dump=str(dump))
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
    batch = _articles(20)
    with BatchPreparer(gazetteer, workers=2, batch_size=20) as preparer:
        futures = [preparer.submit(batch) for _ in range(2)]  # both workers start
        for future in futures:
            preparer.outcome(future, batch)
        assert preparer._pool is not None
        sizes = {preparer._pool.submit(pl.thread_pool_size).result() for _ in range(8)}
    assert sizes == {int(chosen or 1)}
    assert os.environ.get("POLARS_MAX_THREADS") == chosen


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
        got = pool.submit(_prepare_in_worker, batch, gazetteer.version, pickled).result()
        frozen = pool.submit(gc.get_freeze_count).result()
        again = pool.submit(_prepare_in_worker, batch, gazetteer.version, pickled).result()
        assert pool.submit(gc.get_freeze_count).result() == frozen, "frozen once"
    assert frozen > 10_000
    expected = prepare(batch, gazetteer)
    for prepared in (got, again):
        assert prepared.articles.equals(expected.articles.select("article_id", "content_hash"))
        assert prepared.mentions.equals(expected.mentions)


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
