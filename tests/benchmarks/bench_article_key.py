"""Benchmark: what the primary key of ``articles`` costs each batch as the store grows.

    uv run python tests/benchmarks/bench_article_key.py [--sizes 20000,250000,1000000]

For a table of article ids (16 hex characters, as ``article_id_for`` makes them) with
and without a PRIMARY KEY, filled to each size: the median time of a batch's unit of
work as an ingest runs it (the file attached to a kept in-memory DuckDB with the
ingest's settings, 2,000 new ids inserted, the commit's checkpoint, the file detached),
over eight batches. DuckDB writes a table's indexes whole at every checkpoint, so the
keyed table's batches grow dearer with the rows stored; the plain one's do not.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
BATCH = 2_000
ROUNDS = 8


def _ids(low: int, high: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest()[:16] for i in range(low, high)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,250000,1000000")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    sys.path.insert(0, str(ROOT))
    from jobs.ingest.run import STORE_CONFIG
    from jobs.store.connect import WRITER_DEFAULTS

    config = {**WRITER_DEFAULTS, **STORE_CONFIG}
    print(f"median ms a batch of {BATCH:,} new ids (attach, insert, commit, detach):")
    print(f"{'stored':>10} {'no key':>8} {'key':>8}")
    results: dict[str, dict[int, float]] = {"": {}, " PRIMARY KEY": {}}
    with tempfile.TemporaryDirectory(prefix="bench-key-") as folder:
        for key, medians in results.items():
            path = str(Path(folder) / f"ids{len(key)}.duckdb")
            stored, fresh = 0, 10**9
            for size in sizes:
                with duckdb.connect(path, config=config) as con:
                    con.execute(f"CREATE TABLE IF NOT EXISTS a (article_id VARCHAR{key}, x INT)")
                    con.execute("INSERT INTO a SELECT unnest($ids), 1", {"ids": _ids(stored, size)})
                stored = size
                hub = duckdb.connect(config=config)
                took = []
                for _ in range(ROUNDS):
                    new = _ids(fresh, fresh + BATCH)
                    fresh += BATCH
                    started = time.perf_counter()
                    hub.execute(f"ATTACH '{path}' AS store")
                    con = hub.cursor()
                    con.execute("USE store")
                    con.execute("BEGIN")
                    con.execute("INSERT INTO a SELECT unnest($ids), 1", {"ids": new})
                    con.execute("COMMIT")
                    con.close()
                    hub.execute("DETACH store")
                    took.append(time.perf_counter() - started)
                hub.close()
                medians[size] = statistics.median(took)
    for size in sizes:
        plain, keyed = results[""][size], results[" PRIMARY KEY"][size]
        print(f"{size:>10,} {plain * 1000:8.1f} {keyed * 1000:8.1f}")


if __name__ == "__main__":
    main()
