# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: `mentions extract` over the White House briefings corpus (121 MB of text).

    POLARS_MAX_THREADS=1 uv run python tests/benchmarks/bench_extract.py [--runs 5] [--wrap 65]

Decompresses ../shared/corpora/wh-briefings/articles.jsonl.gz to a temporary file
(not timed; with ``--wrap``, each text's lines wrapped at that many columns the way wire
copy wraps them, ``wrap_corpus.py``), then runs the real command, `mentions extract
--input ... --output ...`, in a fresh process per run, and prints for each run the wall
time, the CPU time, the throughput in MB/s of input (wall and CPU) and the peak resident
memory, then the best and the median. The machine is shared, so wall times vary between
runs: the best run is the fairest estimate of the code's speed, the median of what a
user sees.
POLARS_MAX_THREADS (default 1 here: one core) is passed on to the command.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wrap_corpus import wrapped

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpora" / "wh-briefings" / "articles.jsonl.gz"


def _mentions_command() -> list[str]:
    exe = shutil.which("mentions")
    if exe:
        return [exe]
    return [sys.executable, "-c", "from jobs.cli import cli; cli()"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--wrap", type=int, default=0, help="wrap the texts at N columns")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"{args.corpus} not found (the shared corpora are not beside this checkout)")
    env = dict(os.environ)
    env.setdefault("POLARS_MAX_THREADS", "1")
    # A user's installation keeps compiled bytecode; without it every run would spend
    # half a second recompiling polars' Python sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "articles.jsonl"
        with gzip.open(args.corpus, "rb") as src, plain.open("wb") as dst:
            if args.wrap:
                for line in src:
                    article = json.loads(line)
                    article["text"] = wrapped(article.get("text") or "", args.wrap)
                    dst.write(json.dumps(article, ensure_ascii=False).encode() + b"\n")
            else:
                shutil.copyfileobj(src, dst, 1 << 20)
        size_mb = plain.stat().st_size / 1e6
        output = Path(tmp) / "mentions.jsonl"
        command = [*_mentions_command(), "extract", "--input", str(plain), "--output", str(output)]
        shape = f", wrapped at {args.wrap} columns" if args.wrap else ""
        print(f"input {size_mb:.1f} MB{shape}, POLARS_MAX_THREADS={env['POLARS_MAX_THREADS']}")
        subprocess.run(  # warm-up (bytecode, page cache); not timed
            [*_mentions_command(), "--help"], check=True, env=env, stdout=subprocess.DEVNULL
        )
        walls, cpus, peaks = [], [], []
        for run in range(1, args.runs + 1):
            # A child process per run; the peak RSS of a run is measured by a wrapper
            # process (ru_maxrss of RUSAGE_CHILDREN is the largest child so far), so one
            # run's peak never hides another's.
            wrapper = [
                sys.executable,
                "-c",
                "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                "stdout=subprocess.DEVNULL); "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                *command,
            ]
            started = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(wrapper, check=True, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            peak = int(done.stdout.split()[-1]) / 1024
            lines = sum(1 for _ in output.open(encoding="utf-8"))
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
            print(
                f"run {run}: wall {wall:6.2f} s ({size_mb / wall:5.1f} MB/s)  "
                f"cpu {cpu:6.2f} s ({size_mb / cpu:5.1f} MB/s)  peak RSS {peak:6.0f} MiB  "
                f"{lines} mentions"
            )
        print(
            f"best:   {size_mb / min(walls):5.1f} MB/s wall, {size_mb / min(cpus):5.1f} MB/s cpu, "
            f"peak RSS {min(peaks):.0f} MiB"
        )
        print(
            f"median: {size_mb / statistics.median(walls):5.1f} MB/s wall, "
            f"{size_mb / statistics.median(cpus):5.1f} MB/s cpu, "
            f"peak RSS {statistics.median(peaks):.0f} MiB"
        )


if __name__ == "__main__":
    main()
