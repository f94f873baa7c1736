"""``mentions schedule`` as a real process ingesting a feed that grows while another
process runs ``mentions sql`` again and again: readers never fail or see counts go down,
nothing is lost or stored twice, and every skipped firing is accounted for."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from jobs.sources.urls import canonical_url
from tests.conftest import ROOT
from tests.scheduler.conftest import SchedulerProcess, read_rows, write_config
from tests.sources.loopback import LoopbackServer, Reply


def _ingests_logged(lines: list[str]) -> list[str]:
    return [line for line in list(lines) if re.search(r"job ingest \w+ in ", line)]


def _wait_until(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


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
    config = write_config(
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
        # The reader's pace sets how many ingests ran meanwhile (7 on a fast CI box): wait for
        # eight while the feed still grows, so the count below never hangs on machine speed.
        _wait_until(lambda: len(_ingests_logged(scheduler.lines)) >= 8, 90)
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

    urls = [r[0] for r in read_rows(db, "select url from articles order by url")]
    expected = sorted(canonical_url(feed.link(n)) for n in range(1, final + 1))
    assert urls == expected  # nothing lost, nothing stored twice
    every = read_rows(db, "select job, status, articles_new, message from job_runs order by run_id")
    # A firing while the previous ingest still runs is one skipped row per blocking run.
    skips = [r for r in every if r[1] == "skipped"]
    odd = [r for r in skips if "while the worker was busy with" not in str(r[3])]
    assert not odd, odd
    runs = [r[:3] for r in every if r[1] != "skipped"]
    logged = _ingests_logged(scheduler.lines)
    assert len([r for r in runs if r[0] == "ingest"]) == len(logged) >= 8
    assert all(r[1] == "ok" for r in runs), [r for r in runs if r[1] != "ok"]
    assert sum(r[2] for r in runs if r[0] == "ingest") == final
    assert len([r for r in runs if r[0] == "ingest" and r[2] > 0]) >= 4, "ingested as it grew"
    assert len([r for r in runs if r[0] == "maintenance"]) == len(
        re.findall(r"job maintenance \w+ in ", log)
    )
