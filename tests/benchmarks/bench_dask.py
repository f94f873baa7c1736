# ruff: noqa: T201  (a benchmark script: printing its measurements is its job)
"""Benchmark: extracting a lake in one process, and with `--engine dask` on local clusters
of one and of two worker processes.

    uv run python tests/benchmarks/bench_dask.py [--workers 1 2] [--runs 3] [--corpus PATH]

Builds a lake from ../shared/corpora/wh-briefings/articles.jsonl.gz in a temporary folder
(monthly partitions of the `articles` table's columns; not timed), then times the
extraction phase of each engine into a fresh output folder: the single-process loop
(`jobs.lake.partitions.extract_lake`), and `jobs.lake.cluster.extract_lake_on` on a
LocalCluster of N worker processes with one thread each, started before the clock
(start-up is printed apart). Each run builds the gazetteer once per process, inside the
timing; rounds interleave the engines and the best of each is kept. Every run's
mentions are checked equal to the single-process ones.
POLARS_MAX_THREADS defaults to 1 (one core per process, so workers are the only
parallelism); the machine is shared, so the load average is printed before and after.
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")

import argparse  # noqa: E402  (POLARS_MAX_THREADS must be set before polars is imported)
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import polars as pl  # noqa: E402

from analytics.frames import ARTICLE_SCHEMA  # noqa: E402
from jobs.lake.partitions import extract_lake, read_lake_mentions  # noqa: E402
from jobs.settings import DEFAULT_SEEDS_DIR  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpora" / "wh-briefings" / "articles.jsonl.gz"


def _load() -> str:
    """The 1, 5 and 15 minute load averages (2 shared cores: above 2 means contention)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def build_lake(corpus: Path, articles_dir: Path) -> tuple[int, int, float]:
    """Write the corpus as monthly partitions; return articles, months and MB of text."""
    import gzip

    with gzip.open(corpus, "rb") as f:
        raw = pl.read_ndjson(f.read())
    published = pl.coalesce(
        pl.col("published_time").str.to_datetime("%Y-%m-%dT%H:%M:%S%z", strict=False),
        pl.col("published").str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us", "UTC")),
    )
    frame = raw.select(
        article_id="id",
        url="url",
        title="title",
        text="text",
        published_at=published.dt.convert_time_zone("UTC").dt.replace_time_zone(None),
    )
    frame = frame.select(
        [
            frame[c] if c in frame.columns else pl.lit(None, dtype).alias(c)
            for c, dtype in ARTICLE_SCHEMA.items()
        ]
    ).cast(dict(ARTICLE_SCHEMA))  # type: ignore[arg-type]
    months = frame.with_columns(month=pl.col("published_at").dt.strftime("%Y-%m"))
    count = 0
    for (month,), part in months.partition_by("month", as_dict=True).items():
        folder = articles_dir / f"month={month}"
        folder.mkdir(parents=True)
        part.drop("month").write_parquet(folder / "data.parquet", compression="zstd")
        count += 1
    text_mb = (frame["text"].str.len_bytes().sum() + frame["title"].str.len_bytes().sum()) / 1e6
    return frame.height, count, text_mb


def _single(lake: Path, out: Path) -> float:
    """Seconds to extract the lake in this process, the gazetteer built inside the timing."""
    from jobs.lake import partitions
    from jobs.store import seeds

    seeds._load_gazetteer.cache_clear()  # each run builds it, as each cluster's workers do
    partitions._GAZETTEERS.clear()
    started = time.perf_counter()
    extract_lake(lake / "articles", out, DEFAULT_SEEDS_DIR)
    return time.perf_counter() - started


def _on_cluster(lake: Path, out: Path, workers: int) -> tuple[float, float]:
    """(seconds to extract the lake on a fresh local cluster, seconds to start it)."""
    from jobs.lake.cluster import connect_cluster, extract_lake_on

    started = time.perf_counter()
    with connect_cluster(f"local:{workers}") as client:
        client.wait_for_workers(workers, timeout=60)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        extract_lake_on(client, lake / "articles", out, DEFAULT_SEEDS_DIR)
        return time.perf_counter() - started, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds; best is kept")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"{args.corpus} not found (the shared corpora are not beside this checkout)")
    with tempfile.TemporaryDirectory() as tmp:
        lake = Path(tmp)
        articles, months, text_mb = build_lake(args.corpus, lake / "articles")
        print(
            f"lake: {articles} articles, {months} months, {text_mb:.1f} MB of text; "
            f"POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}, {os.cpu_count()} CPUs"
        )
        print(f"load average before: {_load()}")
        times: dict[str, list[float]] = {"one process": []}
        times.update({f"dask local:{n}": [] for n in args.workers})
        expected = None
        for run in range(args.runs):  # rounds interleave the engines, so load drift hits all
            out = lake / f"single-{run}"
            times["one process"].append(_single(lake, out))
            expected = read_lake_mentions(out)
            line = [f"round {run + 1}: one process {times['one process'][-1]:.1f} s"]
            for workers in args.workers:
                out = lake / f"local-{workers}-{run}"
                took, startup = _on_cluster(lake, out, workers)
                times[f"dask local:{workers}"].append(took)
                same = read_lake_mentions(out).equals(expected)
                line.append(f"local:{workers} {took:.1f} s (start {startup:.1f} s, same: {same})")
            print("; ".join(line), f"[load {_load()}]")
        assert expected is not None
        best_single = min(times["one process"])
        print(
            f"mentions: {expected.height}; best of {args.runs} (median), cluster start not timed:"
        )
        for label, runs in times.items():
            print(
                f"  {label:14} {min(runs):6.1f} s ({statistics.median(runs):.1f} s)  "
                f"speed-up {best_single / min(runs):4.2f}x vs one process"
            )
        print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
