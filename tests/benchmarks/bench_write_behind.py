# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: `mentions extract --output` with its output written behind, and without.

    uv run python tests/benchmarks/bench_write_behind.py INPUT [--rounds 3] [--out DIR]

Runs the real command on INPUT (a JSONL file of articles: ``build_corpus.py``, or its
first 1,000 MB) in a fresh process per run, on one polars thread, alternating two ways
of writing the output file: behind (``jobs.write_behind``: each 16 MB synced and dropped
from the page cache on a thread) and not (the same code with a flush too far to come, as
the command wrote before). Prints each run's wall, user and system seconds and minor
page faults (the child's ``getrusage``), then the best and the median of each. The
output goes to DIR (default: a temporary folder beside INPUT, removed after).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODE = (
    "import sys, jobs.write_behind; jobs.write_behind.FLUSH_EVERY = {every}; "
    "from jobs.cli import main; sys.argv[0] = 'mentions'; main()"
)
WAYS = {"behind": "16_000_000", "plain": "10**18"}


def run(way: str, source: Path, out: Path) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", CODE.format(every=WAYS[way]), "extract", "--input", str(source),
         "--output", str(out)],
        check=True,
        capture_output=True,
        env={"POLARS_MAX_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall": wall,
        "user": after.ru_utime - before.ru_utime,
        "sys": after.ru_stime - before.ru_stime,
        "minflt": after.ru_minflt - before.ru_minflt,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="bench-write-behind-", dir=args.input.parent))
    folder.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    try:
        for round_ in range(args.rounds):
            for way in WAYS if round_ % 2 == 0 else reversed(WAYS):
                times = run(way, args.input, folder / "mentions.jsonl")
                runs[way].append(times)
                print(
                    f"round {round_ + 1} {way:7s} wall {times['wall']:6.2f} s  user "
                    f"{times['user']:6.2f}  sys {times['sys']:5.2f}  minor faults "
                    f"{times['minflt']:,.0f}",
                    flush=True,
                )
        for way, timed in runs.items():
            walls = [t["wall"] for t in timed]
            systems = [t["sys"] for t in timed]
            print(
                f"{way:7s} wall best {min(walls):.2f} median {statistics.median(walls):.2f} s; "
                f"system best {min(systems):.2f} median {statistics.median(systems):.2f} s"
            )
    finally:
        if args.out is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
