# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: what handing a batch to an ingest worker, and its mentions back, costs.

    uv run python tests/benchmarks/bench_handover.py DUMP [--articles 2000] [--runs 5]

Reads the first --articles articles of DUMP (a JSONL dump: ``build_corpus.py``) as
``mentions ingest`` frames a batch, prepares it in this process, then times (best of
--runs, milliseconds) pickling and unpickling the batch's articles and its mentions as
polars frames (what a process pool did with them) and as the Arrow tables of
``jobs.ingest.workers`` (polars' buffers, strings as string views), with the pickle's
size. The ingest process pickles the articles and unpickles the mentions; a worker the
other way round.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def best_ms(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from jobs.ingest.frames import prepare, records_frame
    from jobs.ingest.workers import _from_wire, _to_wire
    from jobs.sources.read import read_items
    from jobs.sources.records import ReadContext
    from jobs.store.seeds import load_gazetteer

    records = itertools.islice(
        read_items(str(args.dump), "jsonl", print, context=ReadContext(on_error=print)),
        args.articles,
    )
    articles = records_frame(records, "bench", datetime(2026, 1, 1))
    mentions = prepare(articles, load_gazetteer(ROOT / "seeds")).mentions
    print(f"{articles.height:,} articles, {mentions.height:,} mentions")
    print(f"{'':22s} {'pickle ms':>10s} {'unpickle ms':>12s} {'MB':>6s}")
    for name, frame in (("articles", articles), ("mentions", mentions)):
        ways: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {
            "polars frame": (lambda f=frame: f, lambda x: x),
            "Arrow table (views)": (lambda f=frame: _to_wire(f), _from_wire),
        }
        for way, (send, receive) in ways.items():
            pickled = pickle.dumps(send(), protocol=pickle.HIGHEST_PROTOCOL)
            assert receive(pickle.loads(pickled)).equals(frame)
            out = best_ms(args.runs, lambda s=send: pickle.dumps(s(), protocol=5))
            back = best_ms(args.runs, lambda p=pickled, r=receive: r(pickle.loads(p)))
            print(f"{name + ', ' + way:22s} {out:10.1f} {back:12.1f} {len(pickled) / 1e6:6.1f}")


if __name__ == "__main__":
    main()
