"""Latency of a warm explorer on the wh-briefings corpus (11,616 articles).

Ingests the corpus into a fresh DuckDB file (or takes ``--db``), starts the explorer
in-process with uvicorn on 127.0.0.1, warms it, then replays a mix of chart.png,
data.csv and /explore requests (different entities, ranges and bucket lengths) with
httpx and prints p50/p95/p99 per kind and overall. The first request of each distinct
URL is timed apart from the repeats (the explorer keeps the newest answers)::

    uv run python tests/benchmarks/bench_explorer.py --db /tmp/wh.duckdb --rounds 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig, load_settings
from jobs.web.explorer import explorer_routes
from jobs.web.serve import LoopbackServer, reports_app

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpora/wh-briefings/articles.jsonl.gz"
ENTITIES = [
    ["RUS", "UKR"],
    ["CHN"],
    ["USA", "CHN", "RUS"],
    ["ISR", "PSE"],
    ["Putin", "Zelensky"],
    ["IRN"],
    ["MEX", "CAN"],
    ["GBR", "FRA", "DEU"],
]
RANGES = [
    ("2022-01-01", "2022-06-30"),
    ("2023-01-01", "2023-12-31"),
    ("", ""),
    ("2024-03-01", "2024-03-31"),
    ("2021-06-01", "2022-05-31"),
]
EVERIES = {"day": 0.15, "week": 0.45, "month": 0.3, "quarter": 0.1}
KINDS = {"/explore/chart.png": 0.5, "/explore/data.csv": 0.25, "/explore": 0.25}


def _settings(db: Path | None, folder: Path) -> Settings:
    if db is not None:
        return load_settings(None, environ={}, db_path=db, reports_dir=folder / "reports")
    settings = load_settings(
        None, environ={}, db_path=folder / "wh.duckdb", reports_dir=folder / "reports"
    )
    started = time.perf_counter()
    run_ingest(settings, [SourceConfig(name="wh-briefings", location=str(CORPUS))])
    print(f"ingested {CORPUS.name} in {time.perf_counter() - started:.0f} s")
    return settings


def _urls(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        every = rng.choices(list(EVERIES), weights=list(EVERIES.values()))[0]
        start, end = rng.choice(RANGES)
        if every == "day" and not start:  # a day chart of four years is not a view
            start, end = RANGES[3]
        query = {
            "entity": rng.choice(ENTITIES),
            "from": start,
            "to": end,
            "every": every,
            "measure": rng.choice(["share", "articles", "mentions"]),
        }
        urls.append(kind + "?" + urlencode({k: v for k, v in query.items() if v}, doseq=True))
    return urls


def _percentiles(times: list[float]) -> str:
    if not times:
        return "no requests"
    ordered = sorted(times)
    cut = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []
    p50, p95, p99 = (cut[i - 1] if cut else ordered[0] for i in (50, 95, 99))
    return (
        f"n={len(ordered):4d}  p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
        f"p99 {p99 * 1000:6.0f} ms  max {ordered[-1] * 1000:6.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="an ingested wh-briefings file")
    parser.add_argument("--requests", type=int, default=120, help="distinct URLs in the mix")
    parser.add_argument("--rounds", type=int, default=2, help="times the mix is replayed")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(args.db, Path(tmp))
        server = LoopbackServer(reports_app(None, explorer_routes(settings)), 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        first: dict[str, list[float]] = {k: [] for k in KINDS}
        again: dict[str, list[float]] = {k: [] for k in KINDS}
        try:
            with httpx.Client(base_url=base, trust_env=False, timeout=60) as client:
                for warm in ("/explore/chart.png?entity=FRA&every=month", "/explore?entity=DEU"):
                    assert client.get(warm).status_code == 200  # imports, fonts, the file
                urls = _urls(args.requests, args.seed)
                seen: set[str] = set()
                for _ in range(args.rounds):
                    for url in urls:
                        started = time.perf_counter()
                        answer = client.get(url)
                        took = time.perf_counter() - started
                        assert answer.status_code == 200, (url, answer.text[:300])
                        kind = url.split("?")[0]
                        (again if url in seen else first)[kind].append(took)
                        seen.add(url)
        finally:
            server.shutdown()
            server.server_close()
    for label, table in (("first request of a URL", first), ("repeated URL", again)):
        print(f"{label}:")
        for kind, times in table.items():
            print(f"  {kind:20s} {_percentiles(times)}")
        print(f"  {'all':20s} {_percentiles([t for ts in table.values() for t in ts])}")
    everything = [t for table in (first, again) for ts in table.values() for t in ts]
    print(f"the whole replay       {_percentiles(everything)}")


if __name__ == "__main__":
    main()
