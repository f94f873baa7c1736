"""Benchmark: ingest the wh-briefings corpus end to end (read, canonical URLs and dates,
mention extraction, story signatures, DuckDB) into a fresh file; report documents/s
and peak RSS; then the same for an input four times larger, to show memory stays flat.

Each run is a separate process, so its peak RSS is its own.

    uv run python tests/benchmarks/bench_ingest.py [--corpus PATH] [--times 4]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpora" / "wh-briefings" / "articles.jsonl.gz"


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _rss_mib() -> float:
    """The resident set size of this process now."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mib() -> float:
    """The highest resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(dump: Path, db: Path) -> None:
    """Ingest ``dump`` into ``db`` in this process; print one JSON line of results."""
    sys.path.insert(0, str(ROOT))
    from jobs.ingest import run_ingest
    from jobs.settings import SourceConfig, load_settings

    settings = load_settings(None, environ={}, db_path=db)
    samples: list[float] = []
    peaks: list[float] = []
    clocks: list[tuple[float, float]] = []  # (wall, this process's CPU) at each batch

    def sample_rss(_progress: object) -> None:
        samples.append(_rss_mib())
        peaks.append(_peak_mib())
        clocks.append((time.perf_counter(), time.process_time()))

    started = time.perf_counter()
    clocks.append((started, time.process_time()))
    result = run_ingest(
        settings, [SourceConfig(name="bench", location=str(dump))], on_progress=sample_rss
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _say(
        json.dumps(
            {
                "documents": result.articles_seen,
                "stored": result.articles_new,
                "mentions": result.mentions_new,
                "errors": result.errors,
                "seconds": round(seconds, 2),
                "docs_per_s": round(result.articles_seen / seconds, 1),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "db_mib": round(db.stat().st_size / 2**20, 1),
                # RSS after the batches ending each quarter of the run: flat or growing?
                "rss_by_quarter_mib": [
                    round(max(samples[len(samples) * q // 4 : len(samples) * (q + 1) // 4] or [0]))
                    for q in range(4)
                ],
                # Wall seconds of each quarter of the batches, and the CPU seconds of
                # this process (reading, storing) in them: does a batch cost more as the
                # store grows, and in which process?
                "seconds_by_quarter": by_quarter(
                    [after[0] - before[0] for before, after in pairwise(clocks)]
                ),
                "ingest_process_cpu_by_quarter": by_quarter(
                    [after[1] - before[1] for before, after in pairwise(clocks)]
                ),
                # The peak so far at the end of each quarter: where the peak was reached.
                "peak_by_quarter_mib": [
                    round(peaks[min(len(peaks) - 1, len(peaks) * (q + 1) // 4 - 1)]) if peaks else 0
                    for q in range(4)
                ],
            }
        )
    )


def by_quarter(values: list[float]) -> list[float]:
    """The sums of ``values`` (one a batch) over each quarter of them, in order."""
    n = len(values)
    return [round(sum(values[n * q // 4 : n * (q + 1) // 4]), 2) for q in range(4)]


def enlarged(corpus: Path, times: int, out: Path) -> Path:
    """The corpus ``times`` over, streamed: each copy with new ids and URLs, a changed
    last line (so content hashes differ) and dates moved back 6 years per copy."""
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as sink:
        for copy in range(times):
            with gzip.open(corpus, "rt", encoding="utf-8") as source:
                for line in source:
                    doc = json.loads(line)
                    if copy:
                        doc["id"] = f"{doc['id']}-{copy}"
                        doc["url"] = doc["url"].replace("://", f"://copy{copy}.", 1)
                        doc["text"] = f"{doc['text']}\n\n(Archive copy {copy}.)"
                        for key in ("published", "published_time"):
                            if doc.get(key):
                                year = int(doc[key][:4]) - 6 * copy
                                doc[key] = f"{year}{doc[key][4:]}"
                    sink.write(json.dumps(doc) + "\n")
    return out


def run(dump: Path, db: Path) -> dict[str, Any]:
    """One ingest in a fresh process."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(dump), str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--times", type=int, default=4)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if not args.corpus.exists():
        sys.exit(f"{args.corpus} not found")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        rows = []
        once = run(args.corpus, folder / "once.duckdb")
        rows.append(("corpus x1", once))
        again = run(args.corpus, folder / "once.duckdb")
        rows.append(("x1 again (unchanged file)", again))
        big = enlarged(args.corpus, args.times, folder / f"corpus-x{args.times}.jsonl.gz")
        many = run(big, folder / "many.duckdb")
        rows.append((f"corpus x{args.times}", many))
    _say(
        f"{'input':28} {'docs':>7} {'stored':>7} {'mentions':>9} {'s':>7} {'docs/s':>8} "
        f"{'peak RSS MiB':>13} {'db MiB':>7}  RSS after batches / peak so far, by quarter"
    )
    for name, r in rows:
        _say(
            f"{name:28} {r['documents']:>7} {r['stored']:>7} {r['mentions']:>9} "
            f"{r['seconds']:>7} {r['docs_per_s']:>8} {r['peak_rss_mib']:>13} {r['db_mib']:>7}  "
            f"{r['rss_by_quarter_mib']} / {r['peak_by_quarter_mib']}"
        )
    ratio = many["peak_rss_mib"] / once["peak_rss_mib"]
    _say(f"peak RSS x{args.times} / x1 = {ratio:.2f} (input {args.times}x larger)")


if __name__ == "__main__":
    main()
