"""How the report job runs: it builds its charts on a thread while the evidence is read
(a chart that fails, or Ctrl-C during the read, still ends the report, records nothing
and frees the database), with Python's cyclic garbage collector paused until it is
done."""

from __future__ import annotations

import gc
import threading
from datetime import date, datetime
from typing import Any

import pytest

import jobs.report
import reports.page
from jobs.report import run_report
from jobs.settings import Settings
from jobs.store.connect import connect

NOW = datetime(2022, 4, 2, 8, 0)
WAIT = 60.0  # seconds: far more than building the charts takes on a slow machine


def test_the_charts_are_built_while_the_evidence_is_read(
    report_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    charts_started = threading.Event()
    seen: dict[str, Any] = {}
    build_charts, read_evidence = reports.page.build_charts, jobs.report.read_evidence

    def charts(*args: Any, **kwargs: Any) -> reports.page.ChartSections:
        seen["charts"] = threading.current_thread()
        charts_started.set()
        return build_charts(*args, **kwargs)

    def evidence(*args: Any, **kwargs: Any) -> Any:
        seen["evidence"] = threading.current_thread()
        # Read only once the charts are being built: the two overlap, or this times out.
        seen["overlap"] = charts_started.wait(WAIT)
        return read_evidence(*args, **kwargs)

    monkeypatch.setattr(reports.page, "build_charts", charts)
    monkeypatch.setattr(jobs.report, "read_evidence", evidence)
    result = run_report(report_settings, "month", date(2022, 3, 1), now=NOW)
    assert seen["overlap"]
    assert seen["evidence"] is threading.current_thread()
    assert seen["charts"] is not threading.current_thread()
    assert not seen["charts"].is_alive()  # waited for before the report returned
    page = result.path.read_text(encoding="utf-8")
    assert "attention-country.png" in page and "Evidence: the articles" in page
    assert (result.path.parent / "report.pdf").stat().st_size > 0


def test_a_chart_that_fails_fails_the_report_and_frees_the_database(
    report_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> reports.page.ChartSections:
        raise RuntimeError("the tile map's projection is broken")

    monkeypatch.setattr(reports.page, "build_charts", broken)
    with pytest.raises(RuntimeError, match="projection is broken"):
        run_report(report_settings, "month", date(2022, 3, 1), now=NOW)
    assert not [t for t in threading.enumerate() if t.name.startswith("report-charts")]
    with connect(report_settings.db_path, timeout=5) as con:  # read-write: nothing holds it
        [(recorded,)] = con.execute("SELECT count(*) FROM reports").fetchall()
    assert recorded == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_paused_while_a_report_runs_and_left_as_it_was(
    report_settings: Settings, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    build_charts, seen = reports.page.build_charts, []

    def charts(*args: Any, **kwargs: Any) -> reports.page.ChartSections:
        seen.append(gc.isenabled())
        return build_charts(*args, **kwargs)

    monkeypatch.setattr(reports.page, "build_charts", charts)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        run_report(report_settings, "month", date(2022, 3, 1), now=NOW)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False]


def test_ctrl_c_while_the_evidence_is_read_ends_the_report_cleanly(
    report_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C lands in the evidence's query (``open_connection`` turns it into a
    KeyboardInterrupt there): the report stops with it, once its charts' thread is done,
    records nothing, and leaves the collector on."""

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs.report, "read_evidence", interrupted)
    assert gc.isenabled()
    with pytest.raises(KeyboardInterrupt):
        run_report(report_settings, "month", date(2022, 3, 1), now=NOW)
    assert gc.isenabled()
    assert not [t for t in threading.enumerate() if t.name.startswith("report-charts")]
    with connect(report_settings.db_path, timeout=5) as con:
        [(recorded,)] = con.execute("SELECT count(*) FROM reports").fetchall()
    assert recorded == 0
    assert not report_settings.reports_folder.exists() or not any(
        report_settings.reports_folder.rglob("index.html")
    )


def test_the_report_command_leaves_its_garbage_to_the_exit(
    report_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mentions report` ends its process once the report is recorded: the cyclic
    garbage its figures left (71,000 objects at a million articles) was collected on the
    way out, a walk of 0.06 s that the exit (``jobs.cli.main``) skips anyway. Called
    in-process, the command leaves the collector on and nothing frozen."""
    from click.testing import CliRunner

    from jobs.cli import cli

    returned, collected = [False], []
    report = jobs.report.run_report

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return report(*args, **kwargs)
        finally:
            returned[0] = True  # allocates nothing: a collection due comes after

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and returned[0]:
            collected.append(info["collected"])

    monkeypatch.setattr(jobs.report, "run_report", run)
    monkeypatch.setenv("MENTIONS_REPORTS_DIR", str(report_settings.reports_dir))
    gc.collect()
    gc.callbacks.append(watch)
    try:
        args = ["--db", str(report_settings.db_path), "report", "--period", "month"]
        done = CliRunner().invoke(cli, [*args, "--at", "2022-03-01"])
    finally:
        gc.callbacks.remove(watch)
    assert done.exit_code == 0, done.output
    assert returned[0]
    assert sum(collected) < 1_000, collected
    assert gc.isenabled() and gc.get_freeze_count() == 0
