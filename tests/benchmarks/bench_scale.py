"""Benchmark at scale: ingest, store size, queries and extraction on built corpora.

    uv run python tests/benchmarks/bench_scale.py --sizes 46000,250000,1000000 \\
        --json /tmp/bench-scale.json [--extract-mb 1000] [--timeout 7200] [--keep]

First a 50-article ingest, untimed, so the compiled loops are cached before any timed
run compiles them. For each size: a corpus of that many distinct articles
(build_corpus.py, not timed) in a temporary folder, then, each in a fresh process: the
ingest (bench_ingest.py's child: wall, articles/s, MB/s, peak RSS and peak PSS summed
over the ingest and its workers, sampled every 0.25 s: ``tree_rss``) and the store
(size, stories, space by table and column); the monthly report and the SQL as a user
runs them (best of --runs) and in-process with the explorer's five-entity timeline;
``mentions extract`` (one thread, first --extract-mb MB, start-up subtracted) against
two read floors of the same lines: polars ``scan_ndjson`` touching every text (the
fastest read there is), and each line parsed into a Python object by orjson (how the
issue measured its floor: 0.7 s to read and parse the wh-briefings dump, which only a
parse into Python objects takes; polars reads it in 0.2).
Prints a markdown table; every number goes to --json; a failed step is an ``error:``
line and the run goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from bench_read_floor import parsed_text_chars, streamed_text_bytes
from build_corpus import ROOT, build
from tree_rss import TreeSampler

BENCH = Path(__file__).resolve().parent
MENTIONS = str(Path(sys.executable).parent / "mentions")  # the console script of this venv
ENTITIES = ["USA", "CHN", "RUS", "UKR", "ISR"]
SQL = "select entity_id, count(*) from mentions group by 1"
ONE_CORE = {"POLARS_MAX_THREADS": "1"}


class StepError(Exception):
    """A measurement that could not be made (the child failed or timed out)."""


@dataclass(frozen=True)
class Child:
    wall: float
    cpu: float
    peak_mib: float
    stdout: str
    tree_peak_mib: float = 0.0
    tree_peak_pss_mib: float = 0.0


def run_child(
    cmd: list[str], folder: Path, timeout: float, env: dict[str, str] | None = None
) -> Child:
    """Run ``cmd``; its wall time, CPU time and peak RSS (from os.wait4: its own, or
    that of the largest of the processes it waited for; not their sum)."""
    out, err = folder / "child.out", folder / "child.err"
    environment = {**os.environ, **(env or {})}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled bytecode kept
    with out.open("wb") as stdout, err.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            cmd, stdout=stdout, stderr=stderr, env=environment, start_new_session=True
        )

        def stop() -> None:  # the child and any workers it started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, stop)
        timer.start()
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # interrupted: the child does not outlive the benchmark
            stop()
            process.wait()
            raise
        finally:
            timer.cancel()
            sampler.finished.set()
        wall = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        lines = err.read_text(errors="replace").strip().splitlines() or ["(no output)"]
        why = f"timed out after {timeout:.0f} s" if wall >= timeout else f"exit {code}"
        raise StepError(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])}: {why}: {lines[-1][:300]}")
    return Child(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,
        stdout=out.read_text(errors="replace"),
        tree_peak_mib=max(sampler.peak, usage.ru_maxrss / 1024),
        tree_peak_pss_mib=sampler.peak_pss,
    )


def last_json(child: Child) -> dict[str, Any]:
    lines = child.stdout.strip().splitlines()
    if not lines:
        raise StepError("the child printed nothing")
    return dict(json.loads(lines[-1]))


def child_queries(db: Path, reports: Path) -> None:
    """In this process, imports excluded: report, timeline and SQL times as JSON."""
    sys.path.insert(0, str(ROOT))
    from jobs.explore import timeline
    from jobs.report import run_report
    from jobs.settings import load_settings
    from jobs.store.connect import connect

    settings = load_settings(None, environ={}, db_path=db, reports_dir=reports)
    times: dict[str, Any] = {}
    for run in ("first", "again"):
        clock = time.perf_counter()
        report = run_report(settings, "month", None, latest=True)
        times[f"report_{run}_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        frame = timeline(settings, ENTITIES)
        times[f"timeline_{run}_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        with connect(db, read_only=True) as con:
            rows = con.execute(SQL).fetchall()
        times[f"sql_{run}_s"] = time.perf_counter() - clock
    times.update(
        report_articles=report.articles,
        report_path=str(report.path),
        timeline_rows=frame.height,
        sql_rows=len(rows),
    )
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in times.items()}))


def child_floor(dump: Path) -> None:
    """Read and parse ``dump`` with polars, touching every text; seconds as JSON."""
    clock = time.perf_counter()
    total = streamed_text_bytes(dump)
    print(json.dumps({"seconds": round(time.perf_counter() - clock, 3), "text_bytes": total}))


def child_lines_floor(dump: Path) -> None:
    """Read ``dump``'s lines as bytes and parse each into a Python object by orjson,
    touching every text; seconds as JSON."""
    import orjson

    clock = time.perf_counter()
    total = parsed_text_chars(dump, orjson.loads)
    print(json.dumps({"seconds": round(time.perf_counter() - clock, 3), "text_chars": total}))


def storage(db: Path) -> dict[str, Any]:
    """The file's blocks, and the blocks each table and its largest columns hold."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        info = con.execute("pragma database_size").fetchone()
        assert info is not None
        block, used = int(info[2]), int(info[4])
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where database_name = current_database() order by 1, 2"
        ).fetchall()
        by_table, by_column = {}, []
        for schema, table, rows in tables:
            name = f"{schema}.{table}"
            counts = con.execute(  # blocks per column, then (column NULL) of the table
                f"""with s as (select * from pragma_storage_info('{name}')),
                b as (select column_name, block_id from s where block_id >= 0
                      union all select column_name, unnest(additional_block_ids) from s)
                select column_name, count(distinct block_id) from b
                group by grouping sets ((column_name), ())"""
            ).fetchall()
            blocks = sum(n for c, n in counts if c is None)
            by_table[name] = {"rows": rows, "mib": round(blocks * block / 2**20, 1)}
            by_column += [(f"{name}.{c}", n * block / 2**20) for c, n in counts if c is not None]
        stories = con.execute(
            "select count(*), count(distinct story_id), (select count(*) from mentions) "
            "from articles"
        ).fetchone() or (0, 0, 0)
    finally:
        con.close()
    by_column.sort(key=lambda item: -item[1])
    return {
        "db_mib": round(db.stat().st_size / 2**20, 1),
        "used_blocks_mib": round(used * block / 2**20, 1),
        "tables": dict(sorted(by_table.items(), key=lambda item: -item[1]["mib"])),
        "largest_columns_mib": {name: round(mib, 1) for name, mib in by_column[:8]},
        "articles": stories[0],
        "stories": stories[1],
        "mentions": stories[2],
    }


def prefix(dump: Path, out: Path, megabytes: float, lines: int = 0) -> Path:
    """The first whole lines of ``dump`` up to ``megabytes`` (all of it when 0), or
    its first ``lines`` lines."""
    if not lines and (megabytes <= 0 or dump.stat().st_size <= megabytes * 1e6):
        return dump
    with dump.open("rb") as src, out.open("wb") as dst:
        for number, line in enumerate(src, 1):
            dst.write(line)
            if number == lines or (not lines and dst.tell() >= megabytes * 1e6):
                break
    return out


def best(folder: Path, cmd: list[str], runs: int, timeout: float, env: dict[str, str]) -> float:
    return min(run_child(cmd, folder, timeout, env).wall for _ in range(runs))


def warm_up(folder: Path, args: argparse.Namespace) -> None:
    """Ingest a few articles first, so the compiled loops (numba, cached beside their
    modules) are compiled before any ingest is timed: in a fresh checkout the first
    ingest's processes would compile them, each of them, during the measured run (46,000
    articles: 37.5 s with their compiling, 28.5 without)."""
    folder.mkdir()
    try:
        dump = folder / "articles.jsonl"
        build(dump, 50, seed=args.seed)
        ingest = [sys.executable, str(BENCH / "bench_ingest.py"), "--child", str(dump)]
        run_child([*ingest, str(folder / "store.duckdb")], folder, args.timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(size: int, folder: Path, args: argparse.Namespace, errors: list[str]) -> dict[str, Any]:
    """Every number of one size; a failed step is noted in ``errors`` and skipped."""
    row: dict[str, Any] = {"size": size}

    def step(name: str, work: Any) -> None:
        try:
            row.update(work())
        except (StepError, OSError, ValueError, KeyError, duckdb.Error) as exc:
            errors.append(f"size {size}: {name}: {exc}")
            print(f"error: size {size}: {name}: {exc}", flush=True)

    dump, db, reports = folder / "articles.jsonl", folder / "store.duckdb", folder / "reports"
    built = build(dump, size, seed=args.seed)
    row["corpus"] = built
    mb = built["bytes"] / 1e6
    print(f"size {size}: corpus {mb:.0f} MB built in {built['seconds']:.0f} s", flush=True)
    python = sys.executable
    t = args.timeout

    def ingest() -> dict[str, Any]:
        child = run_child(
            [python, str(BENCH / "bench_ingest.py"), "--child", str(dump), str(db)], folder, t
        )
        inner = last_json(child)
        return {
            "ingest": inner,
            "wall_s": round(child.wall, 2),
            "cpu_s": round(child.cpu, 2),
            "articles_per_s": round(size / child.wall, 1),
            "mb_per_s": round(mb / child.wall, 2),
            "peak_rss_mib": round(child.tree_peak_mib, 1),
            "largest_process_peak_rss_mib": round(child.peak_mib, 1),
            "peak_pss_mib": round(child.tree_peak_pss_mib, 1),
        }

    def queries() -> dict[str, Any]:
        env = {"MENTIONS_REPORTS_DIR": str(reports)}
        report = [MENTIONS, "--db", str(db), "report", "--period", "month", "--latest"]
        cli = {
            "report_cli_s": best(folder, report, args.runs, t, env),
            "sql_cli_s": best(folder, [MENTIONS, "--db", str(db), "sql", SQL], args.runs, t, env),
            "startup_cli_s": best(
                folder, [MENTIONS, "--db", str(db), "sql", "select 1"], args.runs, t, env
            ),
        }
        inner = last_json(
            run_child([python, __file__, "--child-queries", str(db), str(reports)], folder, t)
        )
        return {"queries": {**{k: round(v, 3) for k, v in cli.items()}, **inner}}

    def extract() -> dict[str, Any]:
        part = prefix(dump, folder / "part.jsonl", args.extract_mb)
        tiny = prefix(dump, folder / "tiny.jsonl", 0, lines=10)
        out = folder / "mentions.jsonl"
        command = [MENTIONS, "extract", "--input"]
        startup = best(folder, [*command, str(tiny), "--output", str(out)], 2, t, ONE_CORE)
        whole = run_child([*command, str(part), "--output", str(out)], folder, t, ONE_CORE)
        floor = last_json(
            run_child([python, __file__, "--child-floor", str(part)], folder, t, ONE_CORE)
        )
        lines_floor = last_json(
            run_child([python, __file__, "--child-lines-floor", str(part)], folder, t, ONE_CORE)
        )
        part_mb = part.stat().st_size / 1e6
        out.unlink(missing_ok=True)
        seconds = max(whole.wall - startup, 1e-3)
        return {
            "extract": {
                "input_mb": round(part_mb, 1),
                "wall_s": round(whole.wall, 2),
                "startup_s": round(startup, 2),
                "peak_rss_mib": round(whole.peak_mib, 1),
                "mb_per_s": round(part_mb / seconds, 1),
                "floor_s": floor["seconds"],
                "floor_mb_per_s": round(part_mb / max(floor["seconds"], 1e-3), 1),
                "times_floor": round(seconds / max(floor["seconds"], 1e-3), 1),
                "lines_floor_s": lines_floor["seconds"],
                "lines_floor_mb_per_s": round(part_mb / max(lines_floor["seconds"], 1e-3), 1),
                "times_lines_floor": round(seconds / max(lines_floor["seconds"], 1e-3), 1),
            }
        }

    step("ingest", ingest)
    if "ingest" in row:  # a store cut short by a failed ingest would be measured wrong
        step("storage", lambda: {"store": storage(db)})
        step("queries", queries)
    step("extract", extract)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """One markdown row per size; '-' where a step failed."""

    def get(row: dict[str, Any], *path: str) -> str:
        value: Any = row
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return "-"
            value = value[key]
        return f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"

    columns = {
        "articles": ("size",),
        "stories": ("store", "stories"),
        "wall s": ("wall_s",),
        "articles/s": ("articles_per_s",),
        "MB/s": ("mb_per_s",),
        "peak MiB (RSS / PSS)": ("peak_rss_mib",),
        "DB MiB": ("store", "db_mib"),
        "report s (CLI / in-process)": ("queries", "report_cli_s"),
        "timeline s": ("queries", "timeline_again_s"),
        "sql s (CLI / in-process)": ("queries", "sql_cli_s"),
        "extract MB/s": ("extract", "mb_per_s"),
        "floor MB/s (polars / lines)": ("extract", "floor_mb_per_s"),
        "extract's time in floors (polars / lines)": ("extract", "times_floor"),
    }
    lines = ["| " + " | ".join(columns) + " |", "|" + "---:|" * len(columns)]
    for row in rows:
        cells = [get(row, *path) for path in columns.values()]
        cells[5] += " / " + get(row, "peak_pss_mib")
        cells[7] += " / " + get(row, "queries", "report_again_s")
        cells[9] += " / " + get(row, "queries", "sql_again_s")
        cells[11] += " / " + get(row, "extract", "lines_floor_mb_per_s")
        cells[12] += " / " + get(row, "extract", "times_lines_floor")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def space(row: dict[str, Any]) -> str:
    """What takes the space of one size's store, and the file per million articles."""
    store = row.get("store")
    if not store:
        return f"size {row['size']}: no store"
    tables = ", ".join(
        f"{n.split('.')[-1]} {t['mib']}" for n, t in list(store["tables"].items())[:8]
    )
    columns = ", ".join(
        f"{n.split('.', 1)[-1]} {m}" for n, m in store["largest_columns_mib"].items()
    )
    per_million = store["db_mib"] / 1024 * 1e6 / max(row["size"], 1)
    return (
        f"size {row['size']}: {store['db_mib']} MiB ({per_million:.1f} GiB per million articles);"
        f" MiB of 256 KiB blocks by table: {tables}; largest columns: {columns}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="46000", help="comma-separated article counts")
    parser.add_argument("--json", type=Path, default=None, help="write all numbers here")
    parser.add_argument("--extract-mb", type=float, default=1000, help="0: the whole dump")
    parser.add_argument("--runs", type=int, default=2, help="CLI runs per command (best)")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per child")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tmp", type=Path, default=None, help="where the temporary folder goes")
    parser.add_argument("--keep", action="store_true", help="keep corpora and databases")
    parser.add_argument("--child-queries", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-lines-floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_queries:
        child_queries(*args.child_queries)
        return
    if args.child_floor:
        child_floor(args.child_floor)
        return
    if args.child_lines_floor:
        child_lines_floor(args.child_lines_floor)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    top = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=args.tmp))
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    try:
        try:
            warm_up(top / "warm-up", args)
        except (StepError, OSError, ValueError) as exc:  # measured anyway, compiling and all
            errors.append(f"warm-up: {exc}")
            print(f"error: warm-up: {exc}", flush=True)
        for size in sizes:
            folder = top / str(size)
            folder.mkdir()
            rows.append(measure(size, folder, args, errors))
            print(json.dumps(rows[-1]), flush=True)
            if not args.keep:
                shutil.rmtree(folder)
    finally:
        if args.keep:
            print(f"kept {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)
    print(f"\nuv run python tests/benchmarks/bench_scale.py {' '.join(sys.argv[1:])}")
    print(f"({os.cpu_count()} cores; ingest on all, extract and floors on one)\n")
    print(table(rows))
    for row in rows:
        print(space(row))
    for error in errors:
        print(f"error: {error}")
    if args.json:
        args.json.write_text(
            json.dumps({"command": sys.argv, "sizes": rows, "errors": errors}, indent=2) + "\n"
        )
        print(f"numbers in {args.json}")


if __name__ == "__main__":
    main()
