"""Benchmark: what storing a batch costs statement by statement, on a given store.

    uv run python tests/benchmarks/bench_store_statements.py STORE DUMP [--batches 3]

Copies STORE (a ``mentions`` database) into a temporary folder, prepares the first
``--batches`` batches of DUMP (a JSONL dump whose articles the store does not hold:
``build_corpus.py --seed 8`` with its URLs changed, say) in this process, and stores
them as ``mentions ingest`` does (``jobs.ingest.run._store_batch``: one transaction,
the stories, the inserts, the daily counts, the commit's checkpoint), timing every
statement, the file's attach and its detach. It prints the milliseconds a batch of
each, the first batch left out (DuckDB's caches are cold then). Run it on a small
store and on a large one to see which statements grow with the file.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class _Timed:
    """A DuckDB connection whose ``execute`` and ``sql(...).pl()`` are timed by
    statement (its first 60 characters, one-spaced)."""

    def __init__(self, con: Any, seconds: dict[str, list[float]]) -> None:
        self._con = con
        self._seconds = seconds

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._con.execute(query, *args, **kwargs)
        finally:
            self._seconds[_key(query)].append(time.perf_counter() - started)

    def sql(self, query: str, **kwargs: Any) -> Any:
        return _TimedRelation(self._con.sql(query, **kwargs), _key(query), self._seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class _TimedRelation:
    def __init__(self, relation: Any, key: str, seconds: dict[str, list[float]]) -> None:
        self._relation = relation
        self._key = key
        self._seconds = seconds

    def pl(self) -> Any:
        started = time.perf_counter()
        try:
            return self._relation.pl()
        finally:
            self._seconds[self._key].append(time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._relation, name)


def _key(query: str) -> str:
    return " ".join(query.split())[:60]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("dump", type=Path)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    for path in (args.store, args.dump):
        if not path.exists():
            sys.exit(f"{path} not found")
    sys.path.insert(0, str(ROOT))
    from jobs.ingest import run
    from jobs.ingest.frames import prepare, records_frame
    from jobs.settings import load_settings
    from jobs.sources.read import read_items
    from jobs.sources.records import ReadContext, Record
    from jobs.store.connect import AttachingWriter
    from jobs.store.seeds import load_gazetteer

    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        copy = Path(folder) / "store.duckdb"
        shutil.copy(args.store, copy)
        settings = load_settings(None, environ={}, db_path=copy)
        gazetteer = load_gazetteer(settings.seeds_dir)
        now = datetime(2027, 1, 1)
        size = settings.ingest_batch_size
        context = ReadContext(on_error=print)
        items = read_items(str(args.dump), "jsonl", print, context=context)
        records = [r for r in itertools.islice(items, size * args.batches) if isinstance(r, Record)]
        batches = [
            prepare(records_frame(records[i : i + size], "bench", now), gazetteer)
            for i in range(0, len(records), size)
        ]
        seconds: dict[str, list[float]] = defaultdict(list)
        writer = AttachingWriter()
        connect = writer.connect

        @contextlib.contextmanager
        def timed_connect(*a: Any, **kw: Any) -> Iterator[Any]:
            started = time.perf_counter()
            with connect(*a, **kw) as con:
                seconds["(attach)"].append(time.perf_counter() - started)
                yield _Timed(con, seconds)
                started = time.perf_counter()
            seconds["(detach)"].append(time.perf_counter() - started)

        writer.connect = timed_connect  # type: ignore[method-assign]
        walls = []
        with writer:
            for batch in batches:
                started = time.perf_counter()
                run._store_batch(
                    writer, settings, "bench", batch, [], gazetteer, now, [], run.IngestResult()
                )
                walls.append(time.perf_counter() - started)
    stored = sum(b.articles.height for b in batches)
    shown = ", ".join(f"{wall:.3f}" for wall in walls)
    print(f"{stored:,} articles in {len(batches)} batches: {shown} s")
    counted = max(1, len(batches) - 1)
    print(f"ms a batch (batches 2-{len(batches)}):")
    for key, values in sorted(seconds.items(), key=lambda kv: -sum(kv[1][1:])):
        per_batch = sum(values[len(values) // len(batches) :]) / counted
        print(f"  {per_batch * 1000:8.1f}  {key}")


if __name__ == "__main__":
    main()
