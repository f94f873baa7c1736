"""Time the report over a whole corpus: `mentions report` as a user runs it, and each
step of it in-process.

Usage (after ingesting, e.g. the wh-briefings corpus into /tmp/wh.duckdb):

    uv run mentions --db /tmp/wh.duckdb ingest ../shared/corpora/wh-briefings/articles.jsonl.gz
    uv run python tests/benchmarks/bench_report.py --db /tmp/wh.duckdb --at 2022-03-01

Prints, for each step (after one warm-up run; the best of --runs), the process time
(CPU of this process: on a shared machine less noisy than wall time) and the wall
time: the queries, the analysis, building the figures (each chart's drawing code),
this process's share of the files (its charts' layout, its part of the PDF, its
charts' PNGs rasterised from it), the wait for the child's share, the HTML, and the
whole ``run_report``; then the wall time of each run of the CLI (a fresh process: imports
included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jobs.report_files as report_files
import reports.page as page
from analytics.frequencies import period_bounds
from analytics.period import analyse_period
from jobs.evidence import read_evidence
from jobs.report import read_report_rows, run_report, window_start
from jobs.settings import load_settings
from jobs.store.connect import connect
from jobs.store.gazetteer import read_entities
from reports.html import Nav, render_report

MENTIONS = str(Path(sys.executable).parent / "mentions")  # the console script of this venv
CHARTS = (
    "attention_chart",
    "top_entities_chart",
    "movers_chart",
    "comention_heatmap",
    "world_tile_map",
    "forms_chart",
    "text_pages",
)


class Clock:
    """Process and wall seconds per step name, summed within a run."""

    def __init__(self) -> None:
        self.times: dict[str, tuple[float, float]] = {}
        self.on = True

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            w, p = self.times.get(name, (0.0, 0.0))
            self.times[name] = (w + time.perf_counter() - wall, p + time.process_time() - cpu)

    def wrap(self, module: Any, name: str, label: Callable[[tuple[Any, ...]], str]) -> None:
        """Time every call of ``module.name`` (as the code under test looks it up)."""
        inner = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.on:
                return inner(*args, **kwargs)
            with self(label(args)):
                return inner(*args, **kwargs)

        setattr(module, name, timed)


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


def _steps(clock: Clock, db: Path, period: str, at: date, out: Path) -> None:
    """One report, step by step, as ``run_report`` makes it (files into ``out``)."""
    settings = load_settings(None, environ={}, db_path=db, reports_dir=out / "job")
    start, end = period_bounds(period, at)
    trend_start = window_start(period, start)
    with connect(db, read_only=True) as con:
        with clock("query: window's rows"):
            rows = read_report_rows(
                con, period, start, end, forms=settings.forms, zone=settings.timezone
            )
            entities = read_entities(con)
        with clock("analysis (polars)"):
            analysis = analyse_period(
                rows.entity_forms, rows.articles, entities, forms=settings.forms,
                period=period, start=start, end=end, trend_start=trend_start,
                top=settings.top, min_articles=settings.min_articles, earlier=rows.earlier,
            )  # fmt: skip
        with clock("query: evidence"):
            evidence = read_evidence(
                con, rows.window.stored(analysis.evidence), entities, settings.forms
            )
    with clock("build figures (all)"):
        built = page.build_report(
            analysis, evidence, forms=settings.forms, undated=0,
            generated_at=datetime(2026, 1, 1), nav=Nav(period=period),
        )  # fmt: skip
    with clock("write files (all)"):
        report_files.write_report_files(out / "steps", built)
    with clock("html"):
        render_report(built.page)
    clock.on = False  # the whole job calls the wrapped functions again
    with clock("whole run_report"):
        run_report(settings, period, at)
    clock.on = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument(
        "--period", default="month", choices=["day", "week", "month", "quarter", "year"]
    )
    parser.add_argument("--at", default="2022-03-01")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    clock = Clock()
    for name in CHARTS:
        clock.wrap(page, name, lambda _, name=name: f"  draw {name}")
    # This process lays out its charts, draws its part of the PDF (the text pages and
    # its charts' pages) and rasterises its charts' PNGs from it, while a child process
    # does the same for the other charts; then it waits for the child and merges.
    clock.wrap(report_files, "_lay_out", lambda _: "  layout (own charts)")
    clock.wrap(report_files, "_draw_pdf", lambda _: "  pdf (own part)")
    clock.wrap(report_files, "pngs_from_pdf", lambda a: f"  pngs rasterised ({len(a[1])})")
    clock.wrap(report_files.SharedDrawing, "finish", lambda _: "  wait for the child, merge")
    runs: list[dict[str, tuple[float, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        at = date.fromisoformat(args.at)
        _steps(clock, args.db, args.period, at, Path(tmp) / "warm-up")
        for i in range(args.runs):
            clock.times = {}
            _steps(clock, args.db, args.period, at, Path(tmp) / f"run{i}")
            runs.append(clock.times)
        print(f"{'step (best of ' + str(args.runs) + ')':34s} {'process':>9s} {'wall':>9s}")
        for name in runs[0]:
            wall = min(r[name][0] for r in runs)
            cpu = min(r[name][1] for r in runs)
            print(f"{name:34s} {cpu:8.3f}s {wall:8.3f}s")
        reports = Path(tmp) / "reports"
        times = _cli_runs(args.db, args.period, args.at, reports, args.runs)
        print(f"{'mentions report (CLI, wall)':34s} " + " ".join(f"{t:6.2f} s" for t in times))
        print(f"{'best of ' + str(args.runs):34s} {min(times):6.2f} s")


if __name__ == "__main__":
    main()
