# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: the extractor's stages in-process, on one chunk of a JSONL corpus.

    POLARS_MAX_THREADS=1 uv run python tests/benchmarks/bench_extract_stages.py \\
        [--input PATH] [--offset BYTES] [--mb 29] [--runs 5]

Reads --mb MB of whole lines from --input (default: the wh-briefings corpus, gzipped or
not) starting at the first line after --offset, then times, best of --runs after one
warm-up, on what ``extract_mentions`` does with them: the candidate spans
(``matcher.candidate_spans``: the automaton, offsets in characters, contexts), the rules
on them (``resolve.resolve_candidates``), and the whole ``extract_mentions`` (the two
plus framing the articles and sorting the mentions), with the throughput of the whole in
MB/s of input. Start-up (imports, the gazetteer, the automaton, numba's first call) is
paid in the warm-up, not timed: ``bench_extract.py`` times the command end to end.
Dates are read from ``published`` or ``published_time`` (surname rules need them).
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import polars as pl

from analytics.extraction import matcher, resolve
from analytics.extraction.automaton import automaton
from analytics.extraction.mentions import extract_mentions
from jobs.store.seeds import load_gazetteer

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpora" / "wh-briefings" / "articles.jsonl.gz"


def read_chunk(path: Path, offset: int, size: int) -> bytes:
    """``size`` bytes of whole lines from the first line that starts at or after ``offset``."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as source:
        source.seek(offset)
        data = source.read(size + (1 << 20) if offset else size)
    if offset:
        data = data[data.find(b"\n") + 1 :]
    data = data[:size]
    return data[: data.rfind(b"\n") + 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=CORPUS)
    parser.add_argument("--offset", type=int, default=0, help="bytes of input to skip")
    parser.add_argument("--mb", type=float, default=29)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.input.exists():
        sys.exit(f"{args.input} not found (the shared corpora are not beside this checkout)")
    data = read_chunk(args.input, args.offset, int(args.mb * 1e6))
    raw = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    dates = [c for c in ("published", "published_time") if c in raw.columns]
    published = (
        pl.coalesce([pl.col(c).cast(pl.String) for c in dates]).str.slice(0, 10)
        if dates
        else pl.lit(None, pl.String)
    )
    articles = raw.select(
        article_id=pl.col("id").cast(pl.String),
        title=pl.col("title").fill_null(""),
        text=pl.col("text").fill_null(""),
        published_at=published.str.to_date(strict=False),
    )
    docs = articles.select(
        "article_id", "title", "text", published_on="published_at"
    ).with_row_index("doc")
    fields = pl.concat(
        [
            docs.select("doc", field=pl.lit("title"), value="title"),
            docs.select("doc", field=pl.lit("text"), value="text"),
        ]
    )
    context = docs.select("doc", "published_on", "title", "text")
    gazetteer = load_gazetteer(ROOT / "seeds")
    machine = automaton(gazetteer)
    extract_mentions(articles, gazetteer)  # warm-up: numba's first call, caches

    best: dict[str, float] = {}

    def timed(name: str, step: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        started = time.perf_counter()
        out = step()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
        return out

    candidates = mentions = pl.DataFrame()
    for _ in range(args.runs):
        candidates = timed("candidates", partial(matcher.candidate_spans, fields, machine))
        rules = partial(resolve.resolve_candidates, candidates, context, gazetteer)
        timed("rules", rules)
        mentions = timed("extract_mentions", partial(extract_mentions, articles, gazetteer))
    mb = len(data) / 1e6
    print(
        f"{args.input.name} from byte {args.offset}: {mb:.1f} MB, {articles.height} articles, "
        f"{candidates.height} candidates, {mentions.height} mentions"
    )
    for name, seconds in best.items():
        print(f"{name:18s} {seconds:7.3f} s (best of {args.runs})")
    print(f"{'throughput':18s} {mb / best['extract_mentions']:7.1f} MB/s (extract_mentions)")


if __name__ == "__main__":
    main()
