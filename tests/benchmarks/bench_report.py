"""Time the monthly report over a whole corpus: `mentions report` as a user runs it.

Usage (after ingesting, e.g. the wh-briefings corpus into /tmp/wh.duckdb):

    uv run mentions --db /tmp/wh.duckdb ingest ../shared/corpora/wh-briefings/articles.jsonl.gz
    uv run python tests/benchmarks/bench_report.py --db /tmp/wh.duckdb --at 2022-03-01

Prints the wall time of each run of the CLI (a fresh process: imports included) and,
in-process, the time of each step: read, analysis, evidence, charts and PDF.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from analytics.frequencies import as_datetime, period_bounds
from analytics.period import analyse_period
from jobs.evidence import read_evidence
from jobs.report import run_report, window_start
from jobs.settings import load_settings
from jobs.store.articles import read_articles, read_entity_forms
from jobs.store.connect import connect
from jobs.store.gazetteer import read_entities

MENTIONS = str(Path(sys.executable).parent / "mentions")  # the console script of this venv


def _cli_runs(db: Path, period: str, at: str, reports: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [MENTIONS, "--db", str(db), "report", "--period", period, "--at", at],
            check=True,
            capture_output=True,
            env={**os.environ, "MENTIONS_REPORTS_DIR": str(reports)},
        )
        times.append(time.perf_counter() - started)
    return times


def _steps(db: Path, period: str, at: date, reports: Path) -> dict[str, float]:
    settings = load_settings(None, environ={}, db_path=db, reports_dir=reports)
    start, end = period_bounds(period, at)
    trend_start = window_start(period, start)
    steps: dict[str, float] = {}
    clock = time.perf_counter()
    with connect(db, read_only=True) as con:
        forms = read_entity_forms(con, as_datetime(trend_start), as_datetime(end))
        articles = read_articles(con, as_datetime(trend_start), as_datetime(end))
        entities = read_entities(con)
        steps["read rows"] = time.perf_counter() - clock
        clock = time.perf_counter()
        analysis = analyse_period(
            forms,
            articles,
            entities,
            forms=settings.forms,
            period=period,
            start=start,
            end=end,
            trend_start=trend_start,
            top=settings.top,
        )
        steps["analysis"] = time.perf_counter() - clock
        clock = time.perf_counter()
        read_evidence(con, analysis.evidence, entities, settings.forms)
        steps["evidence"] = time.perf_counter() - clock
    clock = time.perf_counter()
    run_report(settings, period, at)
    steps["whole run_report (in-process)"] = time.perf_counter() - clock
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--period", default="month", choices=["day", "week", "month"])
    parser.add_argument("--at", default="2022-03-01")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp) / "reports"
        for name, seconds in _steps(
            args.db, args.period, date.fromisoformat(args.at), reports
        ).items():
            print(f"{name:32s} {seconds:6.2f} s")
        times = _cli_runs(args.db, args.period, args.at, reports, args.runs)
        print(f"{'mentions report (CLI, wall)':32s} " + " ".join(f"{t:6.2f} s" for t in times))
        print(f"{'best of ' + str(args.runs):32s} {min(times):6.2f} s")


if __name__ == "__main__":
    main()
