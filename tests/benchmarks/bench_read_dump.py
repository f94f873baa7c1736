# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: what reading a JSONL dump into records costs the ingest process, a line.

    uv run python tests/benchmarks/bench_read_dump.py DUMP [--lines 20000] [--runs 3]

Times (best of --runs, microseconds a line) over the first --lines lines of DUMP (a
JSONL dump: ``build_corpus.py``): the lines split by a text file (``newline=""``, as
the reader had it) and by a binary one; each parsed by ``json.loads`` from text and by
orjson from bytes; and ``read_jsonl`` whole (the lines, their values, and the records
``dump_record`` makes of them), which is what the ingest process spends per article
before framing a batch. The file is read once before, so the page cache holds it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]


def _text_lines(path: Path, lines: int) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from itertools.islice(handle, lines)


def _binary_lines(path: Path, lines: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from itertools.islice(handle, lines)


def _drain(items: Iterable[object]) -> None:
    for _ in items:
        pass


def best_us(runs: int, lines: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) / lines * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from jobs.sources.dumps import read_jsonl
    from jobs.sources.records import ReadContext

    path, lines, runs = args.dump, args.lines, args.runs
    _drain(_binary_lines(path, lines))  # into the page cache
    steps: dict[str, Callable[[], None]] = {
        "lines, text file": lambda: _drain(_text_lines(path, lines)),
        "lines, binary file": lambda: _drain(_binary_lines(path, lines)),
        "lines + json.loads (text)": lambda: _drain(
            json.loads(line) for line in _text_lines(path, lines)
        ),
        "lines + orjson.loads (bytes)": lambda: _drain(
            orjson.loads(line) for line in _binary_lines(path, lines)
        ),
        "read_jsonl (records)": lambda: _drain(
            itertools.islice(read_jsonl(path, ReadContext(on_error=print)), lines)
        ),
    }
    print(f"{path.name}: first {lines:,} lines, µs a line (best of {runs})")
    for name, work in steps.items():
        print(f"  {name:30s} {best_us(runs, lines, work):7.1f}")


if __name__ == "__main__":
    main()
