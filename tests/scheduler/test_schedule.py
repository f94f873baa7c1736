"""The scheduler wiring and the job runner, in seconds: built and paused, trigger maths
with a fixed clock, catch-up from the reports watermark, and runs against real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.ingest import run_ingest
from jobs.scheduler.catch_up import report_starts, run_due_reports
from jobs.scheduler.runner import JobRunner, UnknownJobError
from jobs.scheduler.schedule import build_scheduler, close_orphaned_runs, missed_reports
from jobs.scheduler.specs import job_specs
from jobs.scheduler.triggers import ScheduleError
from jobs.settings import JobConfig, Settings, SourceConfig, load_settings
from jobs.store.connect import connect
from jobs.store.schema import ensure_schema

NOW = datetime(2026, 11, 25, 12, 0)  # a Wednesday, naive UTC like the store


# Holds the file read-only until its stdin closes (or the time given runs out).
HOLD_READ_ONLY = """
import sys, threading, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
released = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), released.set()), daemon=True).start()
released.wait(float(sys.argv[2]))
con.close()
"""


@contextmanager
def _paused(scheduler: BlockingScheduler) -> Iterator[BlockingScheduler]:
    """A BlockingScheduler started paused in a thread: jobs get their real next run
    times, and none runs."""
    thread = threading.Thread(target=scheduler.start, kwargs={"paused": True}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not scheduler.running and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=True)
        thread.join(5)
        assert not thread.is_alive()


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _dump(tmp_path: Path, days: list[date]) -> Path:
    path = tmp_path / "dump.jsonl"
    lines = [
        json.dumps(
            {
                "id": f"a{i}",
                "title": f"Russia and Ukraine, day {day}",
                "text": f"France and Germany met in Kyiv on {day}.",
                "published": day.isoformat(),
            }
        )
        for i, day in enumerate(days)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_default_jobs_built_and_paused(settings: Settings) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with _paused(build_scheduler(settings, now=now)) as scheduler:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {
            "ingest",
            "daily-report",
            "weekly-report",
            "monthly-report",
            "maintenance",
        }
        for job in jobs.values():
            assert (job.max_instances, job.coalesce) == (1, True)
            assert job.misfire_grace_time is not None and job.misfire_grace_time >= 60
        assert isinstance(jobs["ingest"].trigger, IntervalTrigger)
        assert jobs["ingest"].trigger.interval == timedelta(minutes=15)
        assert jobs["ingest"].misfire_grace_time == 15 * 60
        assert jobs["ingest"].next_run_time == now  # ingest runs at start
        assert isinstance(jobs["daily-report"].trigger, CronTrigger)
        assert jobs["daily-report"].next_run_time == datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
        assert jobs["weekly-report"].next_run_time == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
        assert jobs["monthly-report"].next_run_time == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_missed_reports_run_at_start_after_ingest(settings: Settings) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with _paused(build_scheduler(settings, run_now={"weekly-report"}, now=now)) as scheduler:
        ingest, weekly = scheduler.get_job("ingest"), scheduler.get_job("weekly-report")
        assert ingest.next_run_time == now
        assert weekly.next_run_time == now + timedelta(milliseconds=1)
        assert scheduler.get_job("daily-report").next_run_time > now + timedelta(hours=1)


def test_declared_jobs_from_toml(tmp_path: Path) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text(
        '[[sources]]\nname = "wire"\npath = "wire/"\n'
        '[[jobs]]\nname = "poll"\nkind = "ingest"\nsource = "wire"\nevery = "30s"\ngrace = "10s"\n'
        '[[jobs]]\nname = "mondays"\nkind = "report"\nperiod = "week"\ncron = "0 6 * * 1"\n'
        '[[jobs]]\nname = "cp"\nkind = "maintenance"\ntasks = ["checkpoint"]\n'
        '[[sources]]\nname = "desk"\nurl = "https://example.org/rss.xml"\n'
        '[[jobs]]\nname = "both"\nkind = "ingest"\nsource = ["wire", "desk"]\n',
        encoding="utf-8",
    )
    specs = {s.name: s for s in job_specs(load_settings(config, environ={}))}
    assert specs["poll"].sources is not None and specs["poll"].sources[0].name == "wire"
    assert specs["poll"].grace == timedelta(seconds=10) and specs["poll"].run_on_start
    assert specs["mondays"].schedule == "cron 0 6 * * mon (UTC)"
    assert specs["mondays"].note is not None and "'mon'" in specs["mondays"].note
    assert specs["cp"].tasks == ("checkpoint",) and specs["cp"].schedule == "every 1h"
    assert [s.name for s in specs["both"].sources or ()] == ["wire", "desk"]
    assert specs["both"].schedule == "every 15m" and specs["both"].grace == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ('name = "x"\nkind = "mail"', "job 'x' in {config}: unknown kind 'mail'"),
        (
            'name = "x"\nkind = "ingest"\nevery = "5 minutes"',
            "every: '5 minutes' is not a duration",
        ),
        ('name = "x"\nkind = "ingest"\nevery = "5m"\ncron = "* * * * *"', "either every or cron"),
        ('name = "x"\nkind = "ingest"\nsource = "nope"', "no source named 'nope'"),
        (
            'name = "x"\nkind = "report"\nperiod = "decade"',
            "period must be one of day, week, month, quarter, year, not 'decade'",
        ),
        ('name = "x"\nkind = "report"\ncolour = "red"', "unknown key 'colour' for a report job"),
        ('name = "x"\nkind = "maintenance"\ntasks = ["vacuum"]', "tasks must be a list of"),
        ('name = "x"\nkind = "report"\ncron = "0 0 * * 9"', "day-of-week 9 is out of range"),
    ],
)
def test_bad_job_declarations_name_the_job(tmp_path: Path, job: str, message: str) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text(f"[[jobs]]\n{job}\n", encoding="utf-8")
    with pytest.raises(ScheduleError, match=None) as info:
        job_specs(load_settings(config, environ={}))
    assert message.format(config=config) in str(info.value)


def test_duplicate_job_names_are_refused(settings: Settings) -> None:
    twice = replace(settings, jobs=(JobConfig("a", "ingest"), JobConfig("a", "maintenance")))
    with pytest.raises(ScheduleError, match="two jobs are named 'a'"):
        job_specs(twice)


@pytest.mark.parametrize(
    ("period", "watermark", "expected"),
    [
        ("day", None, [date(2026, 11, 24)]),
        ("day", date(2026, 11, 24), []),
        ("day", date(2026, 11, 21), [date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24)]),
        ("week", date(2026, 11, 2), [date(2026, 11, 9), date(2026, 11, 16)]),
        ("week", None, [date(2026, 11, 16)]),
        ("month", date(2026, 8, 1), [date(2026, 9, 1), date(2026, 10, 1)]),
        ("month", date(2026, 10, 1), []),
    ],
)
def test_report_starts_cover_every_missed_period(
    period: str, watermark: date | None, expected: list[date]
) -> None:
    assert report_starts(period, watermark, NOW) == expected


def test_report_job_catches_up_every_missed_day(
    settings: Settings, tmp_path: Path, duckdb_starts: list[str]
) -> None:
    days = [date(2026, 11, d) for d in range(18, 25)]
    runner = JobRunner(settings, clock=lambda: NOW)
    ingest = replace(settings, sources=(SourceConfig("dump", str(_dump(tmp_path, days))),))
    assert JobRunner(ingest, clock=lambda: NOW).run("ingest").status == "ok"
    # The scheduler made the report of the 21st on the 22nd, then was stopped until now.
    with connect(settings.db_path) as con:
        con.execute(
            "insert into reports (period, start_on, end_on, path, created_at) "
            "values ('day', '2026-11-21', '2026-11-21', 'x', '2026-11-22 00:30:00'),"
            # rendered mid-period by `mentions run`: not a complete report, no watermark
            "('day', '2026-11-25', '2026-11-25', 'y', '2026-11-25 10:00:00')"
        )
    # No weekly report was ever made: nothing weekly was missed.
    assert missed_reports(settings, runner, NOW) == {"daily-report": 3}
    duckdb_starts.clear()
    outcome = runner.run("daily-report")
    assert outcome.status == "ok", outcome.summary
    # Its run's record, the periods due, and each report's reads and record: all the
    # openings of the file through one in-memory DuckDB (``one_duckdb``).
    assert duckdb_starts == [":memory:"]
    assert "3 day reports 2026-11-22 to 2026-11-24" in outcome.summary
    made = _rows(settings.db_path, "select start_on from reports where period = 'day' order by 1")
    assert [r[0] for r in made] == [date(2026, 11, d) for d in (21, 22, 23, 24, 25)]
    assert (settings.reports_dir / "day" / "2026-11-23" / "index.html").is_file()
    assert runner.run("daily-report").summary == "day reports up to date"
    runs = _rows(
        settings.db_path,
        "select status, articles_seen, message from job_runs where job = 'daily-report' "
        "order by run_id",
    )
    assert [r[:2] for r in runs] == [("ok", 3), ("ok", 0)]
    assert missed_reports(settings, runner, NOW) == {}


def test_catch_up_stopped_midway_resumes_where_it_stopped(
    settings: Settings, tmp_path: Path
) -> None:
    # Reports are refused for periods after the newest article: one on the last day.
    dump = tmp_path / "one.jsonl"
    dump.write_text(
        json.dumps(
            {"id": "1", "title": "Russia", "text": "Ukraine", "published": "2026-11-24T12:00:00Z"}
        )
        + "\n",
        encoding="utf-8",
    )
    run_ingest(settings, [SourceConfig("one", str(dump))])
    with connect(settings.db_path) as con:
        ensure_schema(con)
        con.execute(
            "insert into reports (period, start_on, end_on, path, created_at) "
            "values ('day', '2026-11-21', '2026-11-21', 'x', '2026-11-22 00:30:00')"
        )
    checks = iter([False, True])  # asked before each report: stop before the second
    first = run_due_reports(settings, "day", NOW, stop=lambda: next(checks, True))
    assert [r.start_on for r in first] == [date(2026, 11, 22)]
    rest = run_due_reports(settings, "day", NOW)
    assert [r.start_on for r in rest] == [date(2026, 11, 23), date(2026, 11, 24)]
    assert run_due_reports(settings, "day", NOW) == []


def test_a_stopping_runner_ends_catch_up_between_reports(settings: Settings) -> None:
    runner = JobRunner(settings, clock=lambda: NOW)
    assert runner.run("ingest").status == "ok"
    runner.stopping.set()
    outcome = runner.run("daily-report")
    assert outcome.status == "not-started"
    assert _rows(settings.db_path, "select count(*) from job_runs where job = 'daily-report'") == [
        (0,)
    ]


def test_failed_run_is_recorded_and_not_raised(settings: Settings, tmp_path: Path) -> None:
    broken = replace(settings, sources=(SourceConfig("gone", str(tmp_path / "missing")),))
    outcome = JobRunner(broken).run("ingest")
    assert outcome.status == "failed"
    missing = tmp_path / "missing"
    assert outcome.summary.endswith(f"1 of 1 inputs could not be read: {missing} (does not exist)")
    rows = _rows(settings.db_path, "select job, status, message, finished_at from job_runs")
    assert len(rows) == 1 and rows[0][:2] == ("ingest", "failed")
    assert "could not be read" in str(rows[0][2]) and rows[0][3] is not None
    assert _rows(settings.db_path, "select reason from ingest_errors") == [("does not exist",)]


def test_unknown_job_name(settings: Settings) -> None:
    with pytest.raises(UnknownJobError, match="no job named 'nope'; jobs: ingest, daily-report"):
        JobRunner(settings).run("nope")


def test_reader_holding_the_file_makes_a_skipped_run(settings: Settings) -> None:
    runner = JobRunner(replace(settings, lock_timeout=0.3))
    assert runner.run("ingest").status == "ok"
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD_READ_ONLY, str(settings.db_path), "60"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "ready\n"
        started = time.monotonic()
        outcome = runner.run("ingest")
        assert outcome.status == "skipped"
        assert "is in use by PID" in outcome.summary
        # Retried for lock_timeout (0.3 s), then gave up long before the reader let go.
        assert time.monotonic() - started < 20
    finally:
        assert reader.stdin is not None
        reader.stdin.close()
        try:
            reader.wait(10)
        finally:
            if reader.poll() is None:
                reader.kill()
                reader.wait()
    # The skip could not be written while the reader held the file; the next run writes it.
    assert runner.run("ingest").status == "ok"
    rows = _rows(settings.db_path, "select status, message from job_runs order by run_id")
    assert [r[0] for r in rows] == ["ok", "ok", "skipped"] or [r[0] for r in rows] == [
        "ok",
        "skipped",
        "ok",
    ]
    assert any(r[0] == "skipped" and "is in use by PID" in str(r[1]) for r in rows)


def test_snapshot_is_a_consistent_copy_that_replaces_the_old_one(settings: Settings) -> None:
    runner = JobRunner(settings)
    assert runner.run("ingest").status == "ok"
    outcome = runner.run("maintenance")
    assert outcome.status == "ok" and "checkpoint; snapshot of" in outcome.summary
    snapshot = settings.snapshot_file
    assert snapshot == settings.db_path.with_name("mentions.snapshot.duckdb")
    old_reader = duckdb.connect(str(snapshot), read_only=True)
    try:
        assert old_reader.execute("select count(*) from articles").fetchall() == [(1,)]
        with connect(settings.db_path) as con:
            # A consistent change: the per-day aggregates go with the mentions (the
            # check before each snapshot would refuse a file where they disagree).
            for table in ("mentions", "daily_entity_forms", "daily_entities"):
                con.execute(f"delete from {table}")
        assert runner.run("maintenance").status == "ok"
        # The open reader keeps its old file; a new reader sees the new snapshot.
        assert old_reader.execute("select count(*) from mentions").fetchall()[0][0] > 0
    finally:
        old_reader.close()
    assert _rows(snapshot, "select count(*) from mentions") == [(0,)]
    assert not list(snapshot.parent.glob(".*.tmp"))


def test_real_scheduler_runs_records_and_reports_a_missed_run(settings: Settings) -> None:
    jobs = (
        JobConfig("ingest", "ingest", every="1h"),
        JobConfig("new-year", "report", cron="0 0 1 1 *", period="month", options={"grace": "1m"}),
    )
    runner = JobRunner(replace(settings, jobs=jobs))
    # new-year was due an hour ago and may run a minute late: missed. ingest runs now.
    late = datetime.now(UTC) - timedelta(hours=1)
    scheduler = build_scheduler(settings, runner, run_now={"new-year"}, now=late)
    scheduler.get_job("ingest").modify(next_run_time=datetime.now(UTC))
    done = threading.Event()
    scheduler.add_listener(
        lambda event: done.set() if event.job_id == "ingest" else None, EVENT_JOB_EXECUTED
    )
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        assert done.wait(20), "the ingest job did not run"
    finally:
        scheduler.shutdown(wait=True)
        thread.join(10)
    assert runner.flush_skips() == 0
    rows = _rows(settings.db_path, "select job, status, message from job_runs order by job")
    assert rows[0] == ("ingest", "ok", None)
    assert len(rows) == 2 and rows[1][:2] == ("new-year", "skipped")
    assert "missed its run time" in str(rows[1][2])


def test_runs_cut_short_by_a_killed_process_are_marked_interrupted(settings: Settings) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with connect(settings.db_path) as con:
        ensure_schema(con)
        con.execute(
            "insert into job_runs (job, started_at, status, pid) values "
            "('ingest', '2026-11-25 10:00', 'running', ?), "
            "('report', '2026-11-25 10:00', 'running', ?), "
            "('maintenance', '2026-11-25 10:00', 'running', NULL), "
            "('ingest', '2026-11-25 09:00', 'ok', ?)",
            [gone.pid, os.getpid(), gone.pid],
        )
    assert close_orphaned_runs(settings, NOW) == [(1, "ingest"), (3, "maintenance")]
    rows = _rows(settings.db_path, "select job, status, finished_at, message from job_runs")
    assert rows[0][:3] == ("ingest", "interrupted", NOW)
    assert f"process {gone.pid} ended before the run finished" in str(rows[0][3])
    assert rows[1][:3] == ("report", "running", None)  # this process is alive
    assert rows[2][1] == "interrupted" and rows[3][1] == "ok"
    assert close_orphaned_runs(settings, NOW) == []
