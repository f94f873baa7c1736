"""Benchmark: where the ingest process's time goes, step by step, quarter by quarter.

    uv run python tests/benchmarks/bench_ingest_steps.py DUMP DB

Ingests DUMP (a JSONL dump: ``build_corpus.py``) into DB in this process, as
``mentions ingest`` does (workers prepare the batches), with each step the ingest
process runs for a batch timed where ``jobs.ingest.run`` calls it: the batch's frame,
the look-up of stored ids before a batch is prepared, the look-up of new ids in its
transaction, the stories, the inserts (of which the daily counts), and the commit. It
prints each step's wall seconds in each quarter of the batches: which steps grow dearer
as the file grows over a long ingest. (``bench_ingest.py`` gives the whole quarter.)
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench_ingest import by_quarter

ROOT = Path(__file__).resolve().parents[2]


def _timed(module: Any, name: str, seconds: dict[str, list[float]], key: str) -> None:
    """``module.name`` replaced by itself with each call's wall time kept in ``seconds``."""
    function: Callable[..., Any] = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds.setdefault(key, []).append(time.perf_counter() - started)

    setattr(module, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("db", type=Path)
    args = parser.parse_args()
    if not args.dump.exists():
        sys.exit(f"{args.dump} not found")
    sys.path.insert(0, str(ROOT))
    from jobs.ingest import run
    from jobs.settings import SourceConfig, load_settings
    from jobs.store import articles

    seconds: dict[str, list[float]] = {}
    steps = {
        "records_frame": "the batch's frame",
        "_not_stored": "stored ids, before preparing",
        "new_article_ids": "new ids, in the transaction",
        "group_into_stories": "stories",
        "insert_new_articles": "inserts",
    }
    for name, key in steps.items():
        _timed(run, name, seconds, key)
    _timed(articles, "add_new_articles", seconds, "  of which the daily counts")  # in inserts
    transaction = run.transaction

    @contextlib.contextmanager
    def timed_commit(con: Any) -> Iterator[Any]:
        with transaction(con) as inside:
            yield inside
            started = time.perf_counter()
        seconds.setdefault("commit", []).append(time.perf_counter() - started)

    run.transaction = timed_commit
    settings = load_settings(None, environ={}, db_path=args.db)
    started = time.perf_counter()
    result = run.run_ingest(settings, [SourceConfig(name="bench", location=str(args.dump))])
    wall = time.perf_counter() - started
    print(f"{result.articles_new:,} articles stored in {wall:.1f} s; seconds by quarter:")
    daily = "  of which the daily counts"
    for key in [*steps.values(), daily, "commit"]:
        values = seconds.get(key, [])
        print(f"  {key:32} {len(values):5} calls  {by_quarter(values)}")


if __name__ == "__main__":
    main()
