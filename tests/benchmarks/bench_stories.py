"""Measure story grouping on real text: precision and recall of near-duplicate grouping
on a labelled sample of the wh-briefings corpus (see tests/analytics/story_sample.py), through
the real ingest (originals and same-topic documents in one run, edited copies in the
next, so copies must find stored stories).

    uv run python tests/benchmarks/bench_stories.py --year 2023 --every 8
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jobs.ingest import run_ingest  # noqa: E402 (after the path is set)
from jobs.settings import SourceConfig, load_settings  # noqa: E402
from tests.analytics.story_sample import build_sample, measure, write_jsonl  # noqa: E402
from tests.conftest import CORPUS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", default="2023", help="corpus year to sample")
    parser.add_argument("--every", type=int, default=8, help="take every Nth document")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} not found")
    with tempfile.TemporaryDirectory(prefix="bench-stories-") as tmp:
        folder = Path(tmp)
        sample = build_sample(CORPUS, args.year, args.every)
        settings = load_settings(None, environ={}, db_path=folder / "m.duckdb")
        first = write_jsonl(folder / "originals.jsonl", sample.originals + sample.negatives)
        second = write_jsonl(folder / "copies.jsonl", sample.copies)
        started = time.perf_counter()
        run_ingest(settings, [SourceConfig(name="corpus", location=str(first))])
        run_ingest(settings, [SourceConfig(name="wire", location=str(second))])
        seconds = time.perf_counter() - started
        grouping = measure(settings.db_path, sample)
    sys.stdout.write(
        f"year {args.year}, every {args.every}th document: {len(sample.originals)} originals, "
        f"{grouping.copies} edited copies, {grouping.negatives} same-topic documents\n"
        f"recall    {grouping.recall:.3f} ({grouping.joined} of {grouping.copies} copies joined)\n"
        f"precision {grouping.precision:.3f} ({grouping.false_pairs} wrongly grouped pairs)\n"
        f"ingest time {seconds:.1f} s\n"
    )


if __name__ == "__main__":
    main()
