"""``mentions schedule`` as a real process: SIGTERM lets the running job commit and exits
0, and reports missed while it was stopped are made when it starts again."""

from __future__ import annotations

import json
import logging
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import duckdb
import pytest

from jobs.scheduler.runner import JobRunner
from jobs.scheduler.schedule import missed_reports
from jobs.settings import load_settings
from jobs.sources.urls import canonical_url
from tests.conftest import ROOT
from tests.loopback import LoopbackServer, Reply

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

    def kill(self) -> None:
        """SIGKILL if still running: the teardown of every test, whatever happened."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        self._reader.join(5)


@pytest.fixture
def start_scheduler() -> Iterator[Callable[[Path, Path], SchedulerProcess]]:
    """Starts ``mentions schedule`` processes and kills any still running at teardown,
    so a failing test never leaves a scheduler behind."""
    started: list[SchedulerProcess] = []

    def start(cwd: Path, config: Path) -> SchedulerProcess:
        started.append(SchedulerProcess(cwd, config))
        return started[-1]

    try:
        yield start
    finally:
        for process in started:
            process.kill()


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


def _archive_config(tmp_path: Path, files: int = 3000) -> Path:
    """A folder of ``files`` small articles and a config that ingests it at start."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(files):
        (folder / f"{i:05}.txt").write_text(
            f"Item {i}\nFrance, Germany and Ukraine talked again ({i}).", encoding="utf-8"
        )
    return _config(
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
    assert _rows(db, "select count(*), count(distinct url) from articles") == [(3000, 3000)]
    assert _rows(db, "select job, status, articles_new from job_runs") == [("ingest", "ok", 3000)]
    log_file = (tmp_path / "logs" / "mentions.log").read_text(encoding="utf-8")
    assert "job ingest ok in" in log_file and "3000 new articles" in log_file


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
    [(stored,)] = _rows(db, "select count(*) from articles")
    assert stored in (0, 1000, 2000), "\n".join(scheduler.lines)
    assert _rows(db, "select status from job_runs") == [("running",)]
    # The restart marks the cut run and ingests exactly what is missing.
    again = start_scheduler(tmp_path, config)
    again.wait_for("was cut short; marked interrupted")
    line = again.wait_for("job ingest ok")
    assert again.stop() == 0
    assert f"{3000 - stored} new articles" in line
    assert _rows(db, "select count(*), count(distinct url) from articles") == [(3000, 3000)]
    assert _rows(db, "select status from job_runs order by run_id") == [("interrupted",), ("ok",)]


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
    second = start_scheduler(tmp_path, config)
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
    third = start_scheduler(tmp_path, config)
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


# The reader: `mentions sql` run again and again in its own process, through the real
# click command (a fresh process per query would spend ~2 s importing on each one).
SQL_LOOP = """
import json, sys, time
from click.testing import CliRunner
from jobs.cli import cli

db, out, seconds, at_least = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
queries = [
    ("live", "select count(*) as n from articles"),
    ("live", "select count(*) as n from job_runs"),
    ("live", "select count(*) as n from mentions m join articles a using (article_id)"),
    ("snapshot", "select count(*) as n from articles"),
]
runner = CliRunner()
results = []
started = time.monotonic()
while len(results) < at_least or time.monotonic() - started < seconds:
    where, query = queries[len(results) % len(queries)]
    args = ["--db", db, "sql", "--json", "--wait", "30", query]
    if where == "snapshot":
        args.insert(3, "--snapshot")
    t0 = time.monotonic()
    result = runner.invoke(cli, args)
    n = json.loads(result.stdout)[0]["n"] if result.exit_code == 0 else None
    results.append({
        "where": where, "query": query, "exit": result.exit_code, "n": n,
        "seconds": time.monotonic() - t0, "waited": "waiting up to" in result.stderr,
        "error": result.output[-300:] if result.exit_code else None,
    })
with open(out, "w") as fh:
    json.dump(results, fh)
"""


class GrowingFeed:
    """An RSS feed on the loopback server that gains an item every ``every`` seconds
    (with ETag and 304 answers) until ``freeze()``."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.started = time.monotonic()
        self.frozen_at: int | None = None
        self.served: list[int] = []  # the item count of every full answer
        self.requests = 0
        self._lock = threading.Lock()

    def count(self) -> int:
        if self.frozen_at is not None:
            return self.frozen_at
        return 3 + int((time.monotonic() - self.started) / self.every)

    def freeze(self) -> int:
        with self._lock:
            self.frozen_at = self.count()
            return self.frozen_at

    @staticmethod
    def link(n: int) -> str:
        return f"https://wire.example/story/{n}"

    def __call__(self, handler: BaseHTTPRequestHandler) -> Reply:
        with self._lock:
            count = self.count()
            self.requests += 1
        etag = f'"items-{count}"'
        if handler.headers.get("If-None-Match") == etag:
            return Reply(b"", 304, {"ETag": etag})
        countries = ["France", "Kenya", "Chile", "Japan", "Ukraine", "Brazil", "India"]
        base = datetime(2026, 11, 1, tzinfo=UTC)
        items = "".join(
            f"<item><title>Story {n}: {countries[n % 7]} and {countries[(n * 3 + 1) % 7]}"
            f"</title><link>{self.link(n)}</link><guid>story-{n}</guid>"
            f"<pubDate>{(base + timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S GMT')}"
            f"</pubDate><description>Report number {n} from {countries[n % 7]}: "
            f"talks on trade, {n * 7} delegates and {n % 5} ministers.</description></item>"
            for n in range(count, 0, -1)
        )
        body = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"{items}</channel></rss>"
        ).encode()
        with self._lock:
            self.served.append(count)
        return Reply(body, headers={"Content-Type": "application/rss+xml", "ETag": etag})


def test_schedule_ingests_a_growing_feed_while_sql_queries_run(
    tmp_path: Path,
    http_server: LoopbackServer,
    start_scheduler: Callable[[Path, Path], SchedulerProcess],
) -> None:
    feed = GrowingFeed(every=0.3)
    url = http_server.route("/wire.xml", feed)
    config = _config(
        tmp_path,
        f'[[sources]]\nname = "wire"\nurl = "{url}"\n'
        '[[jobs]]\nname = "ingest"\nkind = "ingest"\nevery = "1s"\n'
        '[[jobs]]\nname = "maintenance"\nkind = "maintenance"\nevery = "3s"\n'
        "run_on_start = true\n",
    )
    db = tmp_path / "m.duckdb"
    scheduler = start_scheduler(tmp_path, config)
    try:
        scheduler.wait_for("job maintenance ok")  # the first snapshot exists
        out = tmp_path / "queries.json"
        reader = subprocess.run(
            [sys.executable, "-c", SQL_LOOP, str(db), str(out), "8", "100"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert reader.returncode == 0, reader.stderr[-2000:]
        final = feed.freeze()
        requests = feed.requests
        # One more whole ingest that starts after the freeze: it sees every item.
        _wait_until(lambda: feed.requests >= requests + 2, 30)
    finally:
        code = scheduler.stop()
    log = "\n".join(scheduler.lines)
    logging.getLogger(__name__).info("scheduler log:\n%s", log)
    assert code == 0, log
    assert scheduler.lines[-1].endswith("scheduler stopped")

    queries = json.loads(out.read_text(encoding="utf-8"))
    failed = [q for q in queries if q["exit"] != 0]
    assert len(queries) >= 100 and not failed, failed[:3]
    seen = [
        q["n"] for q in queries if q["query"].endswith("from articles") and q["where"] == "live"
    ]
    assert seen == sorted(seen), "a reader saw the article count go down"
    waits = sum(q["waited"] for q in queries)
    slowest = max(q["seconds"] for q in queries)
    logging.getLogger(__name__).info(
        "%d queries, %d waited for the writer, slowest %.2f s; articles seen grew %d -> %d; "
        "feed grew to %d items (%d versions served, %d requests); the scheduler waited %d times",
        len(queries),
        waits,
        slowest,
        seen[0],
        seen[-1],
        final,
        len(set(feed.served)),
        feed.requests,
        log.count("waiting up to"),
    )

    urls = [r[0] for r in _rows(db, "select url from articles order by url")]
    expected = sorted(canonical_url(feed.link(n)) for n in range(1, final + 1))
    assert urls == expected  # nothing lost, nothing stored twice
    every = _rows(db, "select job, status, articles_new, message from job_runs order by run_id")
    # A firing while the previous ingest still runs is one skipped row per blocking run.
    skips = [r for r in every if r[1] == "skipped"]
    odd = [r for r in skips if "while the worker was busy with" not in str(r[3])]
    assert not odd, odd
    runs = [r[:3] for r in every if r[1] != "skipped"]
    logged = [line for line in scheduler.lines if re.search(r"job ingest \w+ in ", line)]
    assert len([r for r in runs if r[0] == "ingest"]) == len(logged) >= 8
    assert all(r[1] == "ok" for r in runs), [r for r in runs if r[1] != "ok"]
    assert sum(r[2] for r in runs if r[0] == "ingest") == final
    assert len([r for r in runs if r[0] == "ingest" and r[2] > 0]) >= 4, "ingested as it grew"
    assert len([r for r in runs if r[0] == "maintenance"]) == len(
        re.findall(r"job maintenance \w+ in ", log)
    )
