"""Ctrl-C during an ingest prepared in worker processes: the ingest stops within
seconds, says so in one line with what it stored, leaves whole batches, records the
run as interrupted, and its workers neither print tracebacks nor outlive it. Ctrl-C
reaches the whole foreground process group: the ingest and its workers alike."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb

from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from tests.conftest import ROOT
from tests.ingest.test_kill import _alive, _children, _dump, _wait_for_batches

# The ingest as a terminal starts it: Ctrl-C raises KeyboardInterrupt (a test runner
# or a shell's background job may have left SIGINT ignored, which a child inherits).
_CLI = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from jobs.cli import cli; sys.argv[0] = 'mentions'; cli()"
)


def test_ctrl_c_stops_a_parallel_ingest_in_one_line(tmp_path: Path, settings: Settings) -> None:
    dump = _dump(tmp_path / "news.jsonl", 1500)
    config = tmp_path / "mentions.toml"
    config.write_text("[ingest]\nbatch_size = 100\nworkers = 2\n", encoding="utf-8")
    db = tmp_path / "interrupted.duckdb"
    command = [sys.executable, "-c", _CLI, "--db", str(db), "--config", str(config)]
    process = subprocess.Popen(
        [*command, "-vv", "ingest", str(dump)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    workers: set[int] = set()
    try:
        _wait_for_batches(process, 3)
        workers = _children(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        signalled = time.monotonic()
        out, err = process.communicate(timeout=60)
        took = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        for pid in _alive(workers):
            os.kill(pid, signal.SIGKILL)
    assert len(workers) >= 2, "the batches were not prepared in worker processes"
    assert process.returncode == 130, err[-3000:]
    assert took < 30, f"the ingest took {took:.0f} s to stop"
    assert "Traceback" not in err, err[-3000:]
    said = [line for line in err.splitlines() if "interrupted" in line]
    assert len(said) == 1, err[-3000:]
    deadline = time.monotonic() + 30
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(workers), "worker processes outlived the interrupted ingest"

    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT count(*) FROM articles").fetchone()
        status = con.execute("SELECT status FROM job_runs ORDER BY run_id DESC LIMIT 1").fetchone()
    assert stored is not None and status is not None
    assert 300 <= stored[0] < 1500 and stored[0] % 100 == 0, "whole batches only"
    assert f"{stored[0]:,} new article" in said[0], said[0]
    assert status[0] == "interrupted"

    source = SourceConfig(name=str(dump), location=str(dump))
    result = run_ingest(replace(settings, db_path=db), [source])
    assert result.articles_new == 1500 - stored[0]
