"""``mentions schedule`` as a real process: SIGTERM lets the running job commit and exits
0, and reports missed while it was stopped are made when it starts again."""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import duckdb

from jobs.scheduler.runner import JobRunner
from jobs.scheduler.schedule import missed_reports
from jobs.settings import load_settings
from tests.scheduler.conftest import SchedulerProcess, read_rows, write_config


def _archive_config(tmp_path: Path, files: int = 3000) -> Path:
    """A folder of ``files`` small articles and a config that ingests it at start."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(files):
        (folder / f"{i:05}.txt").write_text(
            f"Item {i}\nFrance, Germany and Ukraine talked again ({i}).", encoding="utf-8"
        )
    return write_config(
        tmp_path,
        "[ingest]\nbatch_size = 1000\n"
        '[[sources]]\nname = "archive"\npath = "archive/"\n'
        '[[jobs]]\nname = "ingest"\nkind = "ingest"\nevery = "1h"\n',
    )


def test_sigterm_lets_the_running_ingest_commit_then_exits_0(
    tmp_path: Path, start_scheduler: Callable[[Path, Path], SchedulerProcess]
) -> None:
    scheduler = start_scheduler(tmp_path, _archive_config(tmp_path))
    scheduler.wait_for("scheduler started")
    time.sleep(0.3)  # the ingest of 3000 files started at once and takes over a second
    assert scheduler.stop() == 0, "\n".join(scheduler.lines)
    assert scheduler.index("stopping: waiting for the running job (ingest)") < scheduler.index(
        "job ingest ok"
    )
    logging.getLogger(__name__).info("scheduler log:\n%s", "\n".join(scheduler.lines))
    assert "scheduler stopped" in scheduler.lines[-1]
    db = tmp_path / "m.duckdb"
    assert read_rows(db, "select count(*), count(distinct url) from articles") == [(3000, 3000)]
    assert read_rows(db, "select job, status, articles_new from job_runs") == [
        ("ingest", "ok", 3000)
    ]
    log_file = (tmp_path / "logs" / "mentions.log").read_text(encoding="utf-8")
    assert "job ingest ok in" in log_file and "3,000 new articles" in log_file


def test_a_second_signal_exits_at_once_and_the_restart_resumes(
    tmp_path: Path, start_scheduler: Callable[[Path, Path], SchedulerProcess]
) -> None:
    config = _archive_config(tmp_path)
    scheduler = start_scheduler(tmp_path, config)
    scheduler.wait_for("scheduler started")
    time.sleep(0.3)
    scheduler.process.send_signal(signal.SIGTERM)
    scheduler.wait_for("stopping: waiting for the running job (ingest)")
    assert scheduler.stop() == 128 + signal.SIGTERM
    assert "second signal: exiting now" in scheduler.lines[-1]
    db = tmp_path / "m.duckdb"
    [(stored,)] = read_rows(db, "select count(*) from articles")
    assert stored in (0, 1000, 2000), "\n".join(scheduler.lines)
    assert read_rows(db, "select status from job_runs") == [("running",)]
    # The restart marks the cut run and ingests exactly what is missing.
    again = start_scheduler(tmp_path, config)
    again.wait_for("was cut short; marked interrupted")
    line = again.wait_for("job ingest ok")
    assert again.stop() == 0
    assert f"{3000 - stored:,} new articles" in line
    assert read_rows(db, "select count(*), count(distinct url) from articles") == [(3000, 3000)]
    assert read_rows(db, "select status from job_runs order by run_id") == [
        ("interrupted",),
        ("ok",),
    ]


def test_reports_missed_while_stopped_are_made_on_restart(
    tmp_path: Path, start_scheduler: Callable[[Path, Path], SchedulerProcess]
) -> None:
    today = datetime.now(UTC).date()
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        "".join(
            json.dumps(
                {
                    "id": str(n),
                    "title": f"Russia and Ukraine, {n} days ago",
                    "text": f"Talks in Kyiv with France ({n}).",
                    "published": (today - timedelta(days=n)).isoformat(),
                }
            )
            + "\n"
            for n in range(1, 8)
        ),
        encoding="utf-8",
    )
    config = write_config(
        tmp_path,
        '[[sources]]\nname = "dump"\npath = "dump.jsonl"\n'
        '[[jobs]]\nname = "ingest"\nkind = "ingest"\nevery = "1h"\n'
        '[[jobs]]\nname = "daily-report"\nkind = "report"\nperiod = "day"\n',
    )
    db = tmp_path / "m.duckdb"
    two_days_ago = today - timedelta(days=2)
    settings = load_settings(config, environ={})
    assert JobRunner(settings).run("ingest").status == "ok"
    assert missed_reports(settings, JobRunner(settings), datetime.now(UTC)) == {}
    # As if an earlier scheduler had made the report of D-2 on D-1 ...
    with duckdb.connect(str(db)) as con:
        con.execute(
            "insert into reports (period, start_on, end_on, path, created_at) "
            "values ('day', ?, ?, 'earlier', ?)",
            [two_days_ago, two_days_ago, datetime.combine(today - timedelta(days=1), clock(0, 30))],
        )

    # ... so the first start makes the missed report of yesterday.
    second = start_scheduler(tmp_path, config)
    second.wait_for("job daily-report: 1 period(s) missed while stopped")
    second.wait_for("job daily-report ok")
    assert second.stop() == 0
    days = read_rows(db, "select start_on from reports where period = 'day' order by 1")
    assert [d[0] for d in days] == [two_days_ago, today - timedelta(days=1)]

    # Stopped across three report boundaries: the newest report is now three days older.
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update reports set start_on = start_on - 3, end_on = end_on - 3, "
            "created_at = created_at - interval 3 day"
        )
    third = start_scheduler(tmp_path, config)
    third.wait_for("job daily-report: 3 period(s) missed while stopped; catching up now")
    line = third.wait_for("job daily-report ok")
    assert third.stop() == 0
    assert "3 day reports" in line
    days = read_rows(db, "select start_on from reports where period = 'day' order by 1")
    assert [d[0] for d in days][-3:] == [today - timedelta(days=n) for n in (3, 2, 1)]
    for n in (3, 2, 1):
        page = tmp_path / "reports" / "day" / (today - timedelta(days=n)).isoformat() / "index.html"
        assert page.is_file()
    runs = read_rows(db, "select job, status from job_runs order by run_id")
    assert runs.count(("daily-report", "ok")) == 2 and runs.count(("ingest", "ok")) == 3
    assert all(status == "ok" for _, status in runs)
