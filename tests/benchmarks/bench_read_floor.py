# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: the read-and-parse floor of a dump, each way there is to read it.

    POLARS_MAX_THREADS=1 uv run python tests/benchmarks/bench_read_floor.py [DUMP] [--runs 3]

Issue 12 measured its floor on the wh-briefings dump (DUMP's default, gzip, 121 MB of
lines): "reading and parsing the same file takes 0.7 s". This times (seconds, best of
--runs, on one thread) reading DUMP and parsing every line, touching every text: by
Python's ``json`` a line at a time, by orjson a line at a time (each line a Python
object, as the ingest reads a dump), and by polars (``read_ndjson``; ``scan_ndjson``
streamed, as ``bench_scale.py``'s stricter floor). Which of them takes the issue's 0.7 s
says which floor the issue meant. A dump named .gz is read through gzip, as the
ingest reads it (``jobs.sources.dumps``); polars knows gzip by its bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT.parent / "shared" / "corpora" / "wh-briefings" / "articles.jsonl.gz"
# The checkout this script is in, not the one the environment installed: run from another
# worktree, it reads dumps as that worktree's ingest does.
sys.path.insert(0, str(ROOT))


def parsed_text_chars(dump: Path, parse: Callable[[bytes], Any]) -> int:
    """``dump``'s lines read as the ingest opens a dump (gzip by its name) and each
    parsed by ``parse`` into a Python object; the characters of their texts."""
    from jobs.sources.dumps import _open_binary

    with _open_binary(dump) as lines:
        return sum(len(parse(line)["text"]) for line in lines if line.strip())


def streamed_text_bytes(dump: Path) -> int:
    """``dump`` read and parsed by polars' streaming engine, touching every text; the
    bytes of their texts."""
    import polars as pl

    return (
        pl.scan_ndjson(dump)
        .select(pl.col("text").str.len_bytes().sum())
        .collect(engine="streaming")
        .item()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, nargs="?", default=DUMP)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.dump.exists():
        sys.exit(f"{args.dump} not found")
    import orjson
    import polars as pl

    size = parsed_text_chars(args.dump, lambda line: {"text": line})  # the lines' bytes
    ways: dict[str, Callable[[], object]] = {
        "json.loads, a line at a time": lambda: parsed_text_chars(args.dump, json.loads),
        "orjson, a line at a time": lambda: parsed_text_chars(args.dump, orjson.loads),
        "polars read_ndjson": lambda: pl.read_ndjson(args.dump)["text"].str.len_bytes().sum(),
        "polars scan_ndjson, streamed": lambda: streamed_text_bytes(args.dump),
    }
    print(f"{args.dump.name}: {size / 1e6:.1f} MB of lines, best of {args.runs}")
    for name, way in ways.items():
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            way()
            seconds.append(time.perf_counter() - started)
        best = min(seconds)
        print(f"  {name:32s} {best:6.2f} s  {size / 1e6 / best:7.1f} MB/s")


if __name__ == "__main__":
    main()
