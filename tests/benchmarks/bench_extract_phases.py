# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: what `mentions extract` does with a JSONL file, in-process, by phase.

    POLARS_MAX_THREADS=1 uv run python tests/benchmarks/bench_extract_phases.py INPUT [--mb 1000]

Reads the first --mb MB of whole lines of INPUT (a built corpus: ``build_corpus.py``; or
one wrapped as wire copy: ``wrap_corpus.py``) into memory, then does what ``extract_jsonl``
does with it, batch by batch (``jobs.extract``), writing the mentions to /dev/null, and
prints the whole's time and rate with each phase's seconds, timed where it is called:
reading and parsing the lines (``parse``), the candidate spans (``candidates``, of which
the automaton's ``scan``), the rules (``rules``), the rest of ``extract_mentions``
(framing the articles, sorting the mentions) and writing. Start-up (imports, the
gazetteer, numba's first calls) is paid before, on one small article; the file is read
before the clock starts, so the disk is not timed either. Polars' allocator keeps freed
pages as the CLI has it (``jobs.allocator``). To compare two versions of the
code, run it from each checkout in turn, alternating (the machine's speed drifts).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The checkout this script is in, not the one the environment installed: run from another
# worktree (to compare two versions of the code), it measures that worktree's code.
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jobs.allocator import keep_freed_pages  # noqa: E402 (after the path is set)

# As `mentions extract` does, before polars loads: its allocator keeps freed pages 5 s.
keep_freed_pages()

import polars as pl  # noqa: E402

from analytics.extraction import mentions  # noqa: E402
from analytics.extraction.automaton import Automaton, automaton  # noqa: E402
from jobs import extract  # noqa: E402
from jobs.store.seeds import load_gazetteer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--mb", type=float, default=1000, help="0: the whole file")
    args = parser.parse_args()
    if not args.input.exists():
        sys.exit(f"{args.input} not found")
    seconds: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*call_args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*call_args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started

        return run

    # Each phase is timed where the extraction calls it.
    mentions.candidate_spans = timed("candidates", mentions.candidate_spans)  # type: ignore[assignment]
    mentions.resolve_candidates = timed("rules", mentions.resolve_candidates)  # type: ignore[assignment]
    Automaton.scan = timed("scan", Automaton.scan)  # type: ignore[method-assign]
    extract._parse_batch = timed("parse", extract._parse_batch)  # type: ignore[assignment]
    gazetteer = load_gazetteer(ROOT / "seeds")
    automaton(gazetteer)
    warm = pl.DataFrame({"article_id": ["a"], "title": ["France"], "text": ["Biden in\n  Kyiv"]})
    mentions.extract_mentions(warm, gazetteer)  # numba's first calls, caches
    seconds.clear()

    with args.input.open("rb") as source:
        data = source.read(int(args.mb * 1e6) if args.mb else -1)
    data = data[: data.rfind(b"\n") + 1]
    found = 0
    with open("/dev/null", "wb") as sink:
        started = time.perf_counter()
        batches = extract._input_batches(io.BytesIO(data), args.input.name, print)
        for batch in extract._gathered(batches, extract.EXTRACT_BATCH_BYTES):
            extracting = time.perf_counter()
            out = mentions.extract_mentions(batch, gazetteer)
            seconds["extract_mentions"] = (
                seconds.get("extract_mentions", 0.0) + time.perf_counter() - extracting
            )
            writing = time.perf_counter()
            for part in extract.output_rows(out).iter_slices(extract.OUTPUT_ROWS):
                part.write_ndjson(sink)
            seconds["write"] = seconds.get("write", 0.0) + time.perf_counter() - writing
            found += out.height
        total = time.perf_counter() - started
    mb = len(data) / 1e6
    other = seconds["extract_mentions"] - seconds["candidates"] - seconds["rules"]
    print(f"{args.input.name}: {mb:.0f} MB, {found} mentions, {total:.2f} s, {mb / total:.1f} MB/s")
    print(
        f"parse {seconds['parse']:.2f}  candidates {seconds['candidates']:.2f} (scan "
        f"{seconds['scan']:.2f})  rules {seconds['rules']:.2f}  other {other:.2f}  "
        f"write {seconds['write']:.2f}"
    )


if __name__ == "__main__":
    main()
