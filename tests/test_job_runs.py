"""job_runs tells the truth: dead runs are closed wherever they are seen, a failed run
keeps the counts of the batches it committed, and a trigger that fires while another
job holds the worker is one log line and one skipped row."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import duckdb
import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from click.testing import CliRunner

from jobs.cli import cli
from jobs.runs import recorded_run
from jobs.scheduler.runner import JobRunner
from jobs.scheduler.schedule import build_scheduler
from jobs.settings import JobConfig, Settings, SourceConfig
from jobs.store.connect import connect
from jobs.store.schema import ensure_schema
from tests.conftest import FEEDS
from tests.sources.loopback import LoopbackServer, Reply


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def _running_row(settings: Settings, pid: int, *, started: str | None = None) -> None:
    with connect(settings.db_path) as con:
        ensure_schema(con)
        con.execute(
            "insert into job_runs (job, started_at, status, pid, host, process_started) "
            "values ('ingest', '2026-11-25 10:00', 'running', ?, ?, ?)",
            [pid, os.uname().nodename, started],
        )


def test_a_dead_run_is_marked_interrupted_when_any_run_starts(settings: Settings) -> None:
    _running_row(settings, _dead_pid())
    with recorded_run(settings, "report"):
        pass
    rows = _rows(settings.db_path, "select job, status, message from job_runs order by run_id")
    assert rows[0][:2] == ("ingest", "interrupted")
    assert "ended before the run finished" in str(rows[0][2])
    assert rows[1][:2] == ("report", "ok")


def test_a_reused_pid_is_not_taken_for_the_run_s_process(settings: Settings) -> None:
    # This process is alive, but it started at another time than the run's process did.
    _running_row(settings, os.getpid(), started="1")
    with recorded_run(settings, "report"):
        pass
    assert _rows(settings.db_path, "select status from job_runs order by run_id") == [
        ("interrupted",),
        ("ok",),
    ]


def test_mentions_jobs_marks_dead_runs_interrupted(settings: Settings) -> None:
    _running_row(settings, _dead_pid())
    result = CliRunner().invoke(cli, ["--db", str(settings.db_path), "jobs", "--json"])
    assert result.exit_code == 0, result.output
    ingest = next(row for row in json.loads(result.stdout) if row["job"] == "ingest")
    assert ingest["status"] == "interrupted"
    assert _rows(settings.db_path, "select status from job_runs") == [("interrupted",)]


def _dump(path: Path, count: int) -> Path:
    lines = [
        json.dumps(
            {
                "id": str(i),
                "title": f"Peru {i}",
                "text": f"Peru met Chile, {i}.",
                "published": "2022-03-01",
            }
        )
        for i in range(count)
    ]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_failed_run_records_the_batches_it_committed(
    settings: Settings, tmp_path: Path, http_server: LoopbackServer
) -> None:
    def pull_the_table(_handler: BaseHTTPRequestHandler) -> Reply:
        # The database changes under the running ingest: its next batch fails.
        with duckdb.connect(str(settings.db_path)) as con:
            con.execute("drop table story_bands")
        return Reply(
            (FEEDS / "rss20.xml").read_bytes(), headers={"Content-Type": "application/rss+xml"}
        )

    url = http_server.route("/rss.xml", pull_the_table)
    sources = (
        SourceConfig("dump", str(_dump(tmp_path / "dump.jsonl", 3))),
        SourceConfig("feed", url),
    )
    runner = JobRunner(replace(settings, sources=sources, ingest_batch_size=1))
    outcome = runner.run("ingest")
    assert outcome.status == "failed", outcome
    stored = _rows(settings.db_path, "select count(*) from mentions")[0][0]
    assert _rows(
        settings.db_path,
        "select status, articles_seen, articles_new, mentions_new from job_runs",
    ) == [("failed", 3, 3, stored)]
    assert stored > 0


def test_a_trigger_while_another_job_runs_is_logged_once_and_skipped(
    settings: Settings, http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    def slow(_handler: BaseHTTPRequestHandler) -> Reply:
        time.sleep(4.0)
        return Reply(
            (FEEDS / "rss20.xml").read_bytes(), headers={"Content-Type": "application/rss+xml"}
        )

    url = http_server.route("/slow.xml", slow)
    jobs = (
        JobConfig("slow", "ingest", every="1h"),
        JobConfig("tick", "maintenance", every="1s", options={"tasks": ["checkpoint"]}),
    )
    configured = replace(settings, jobs=jobs, sources=(SourceConfig("slow-feed", url),))
    runner = JobRunner(configured)
    scheduler = build_scheduler(configured, runner)
    scheduler.get_job("slow").modify(next_run_time=datetime.now(UTC))
    done = threading.Event()

    def on_executed(event: JobExecutionEvent) -> None:
        if event.job_id == "slow":
            done.set()

    scheduler.add_listener(on_executed, EVENT_JOB_EXECUTED)
    caplog.set_level(logging.INFO, logger="jobs.scheduler.runner")
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        assert done.wait(30), "the slow job did not finish"
    finally:
        scheduler.shutdown(wait=True)
        thread.join(10)
    assert runner.flush_skips() == 0
    told = [r.getMessage() for r in caplog.records if "busy with slow" in r.getMessage()]
    assert len(told) == 1, told
    assert told[0].startswith("job tick skipped: ")
    rows = _rows(
        settings.db_path,
        "select status, message from job_runs where job = 'tick' and message like '%with slow%'",
    )
    assert len(rows) == 1 and rows[0][0] == "skipped", rows
    assert "while the worker was busy with slow" in str(rows[0][1])
