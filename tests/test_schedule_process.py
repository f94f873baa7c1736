"""``mentions schedule`` as a real process: SIGTERM lets the running job commit and exits
0, and reports missed while it was stopped are made when it starts again."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import duckdb

from jobs.job_runner import JobRunner
from jobs.schedule import missed_reports
from jobs.settings import load_settings

MENTIONS = Path(sys.executable).with_name("mentions")


class SchedulerProcess:
    """``mentions --config CONFIG schedule`` in ``cwd``, its stderr collected line by line."""

    def __init__(self, cwd: Path, config: Path) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [str(MENTIONS), "--config", str(config), "schedule"],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """The first stderr line holding ``text``; fails with the whole log if none comes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"no line with {text!r}; log:\n" + "\n".join(self.lines))
                self._changed.wait(min(left, 0.1))

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def index(self, text: str) -> int:
        return next(i for i, line in enumerate(self.lines) if text in line)


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _config(tmp_path: Path, extra: str) -> Path:
    config = tmp_path / "mentions.toml"
    config.write_text(
        '[database]\npath = "m.duckdb"\nlock_timeout = 30\n'
        '[reports]\ndir = "reports"\n'
        '[scheduler]\nlog_file = "logs/mentions.log"\n' + extra,
        encoding="utf-8",
    )
    return config


def _wait_until(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sigterm_lets_the_running_ingest_commit_then_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(6000):
        (folder / f"{i:05}.txt").write_text(
            f"Item {i}\nFrance, Germany and Ukraine talked again ({i}).", encoding="utf-8"
        )
    config = _config(
        tmp_path,
        '[[sources]]\nname = "archive"\npath = "archive/"\n'
        '[[jobs]]\nname = "ingest"\nkind = "ingest"\nevery = "1h"\n',
    )
    scheduler = SchedulerProcess(tmp_path, config)
    scheduler.wait_for("scheduler started")
    time.sleep(0.3)  # the ingest of 6000 files started at once and takes seconds
    assert scheduler.stop() == 0, "\n".join(scheduler.lines)
    assert scheduler.index("stopping: waiting for the running job") < scheduler.index(
        "job ingest ok"
    )
    assert "scheduler stopped" in scheduler.lines[-1]
    db = tmp_path / "m.duckdb"
    assert _rows(db, "select count(*), count(distinct url) from articles") == [(6000, 6000)]
    assert _rows(db, "select job, status, articles_new from job_runs") == [("ingest", "ok", 6000)]
    log_file = (tmp_path / "logs" / "mentions.log").read_text(encoding="utf-8")
    assert "job ingest ok in" in log_file and "6000 new articles" in log_file


def test_reports_missed_while_stopped_are_made_on_restart(tmp_path: Path) -> None:
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
    config = _config(
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
    second = SchedulerProcess(tmp_path, config)
    second.wait_for("job daily-report: 1 period(s) missed while stopped")
    second.wait_for("job daily-report ok")
    assert second.stop() == 0
    days = _rows(db, "select start_on from reports where period = 'day' order by 1")
    assert [d[0] for d in days] == [two_days_ago, today - timedelta(days=1)]

    # Stopped across three report boundaries: the newest report is now three days older.
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update reports set start_on = start_on - 3, end_on = end_on - 3, "
            "created_at = created_at - interval 3 day"
        )
    third = SchedulerProcess(tmp_path, config)
    third.wait_for("job daily-report: 3 period(s) missed while stopped; catching up now")
    line = third.wait_for("job daily-report ok")
    assert third.stop() == 0
    assert "3 day reports" in line
    days = _rows(db, "select start_on from reports where period = 'day' order by 1")
    assert [d[0] for d in days][-3:] == [today - timedelta(days=n) for n in (3, 2, 1)]
    for n in (3, 2, 1):
        page = tmp_path / "reports" / "day" / (today - timedelta(days=n)).isoformat() / "index.html"
        assert page.is_file()
    runs = _rows(db, "select job, status from job_runs order by run_id")
    assert runs.count(("daily-report", "ok")) == 2 and runs.count(("ingest", "ok")) == 3
    assert all(status == "ok" for _, status in runs)
