"""Ctrl-C at the terminal running ``mentions schedule`` while an ingest prepares its
batches in worker processes. The terminal sends SIGINT to the whole foreground process
group: the scheduler and the ingest's workers alike. The scheduler stops as it does on
SIGTERM (the running job finishes and commits, then it exits 0), and the workers, which
ignore SIGINT, finish their batches without a traceback and end with the ingest."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.ingest.test_kill import _alive, _children, _dump
from tests.scheduler.conftest import SchedulerProcess, read_rows, write_config

ARTICLES = 3000


def test_ctrl_c_lets_the_parallel_ingest_finish_then_exits_0(
    tmp_path: Path, start_scheduler: Callable[[Path, Path], SchedulerProcess]
) -> None:
    _dump(tmp_path / "news.jsonl", ARTICLES)
    config = write_config(
        tmp_path,
        "[ingest]\nbatch_size = 100\nworkers = 2\n"
        '[[sources]]\nname = "wire"\npath = "news.jsonl"\n'
        '[[jobs]]\nname = "ingest"\nkind = "ingest"\nevery = "1h"\n',
    )
    scheduler = start_scheduler(tmp_path, config)
    scheduler.wait_for("scheduler started")
    pid = scheduler.process.pid
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline:  # the pool's workers are up
        workers = {p for p in _children(pid) if "spawn_main" in _command(p)}
        time.sleep(0.1)
    helpers = {p for p in _children(pid) if "multiprocessing" in _command(p)}  # + the tracker
    try:
        assert len(workers) >= 2, "the ingest's batches were not prepared in worker processes"
        os.killpg(pid, signal.SIGINT)
        code = scheduler.process.wait(timeout=120)
        scheduler.kill()  # joins the log's reader
        log = "\n".join(scheduler.lines)
        assert code == 0, log
        assert scheduler.index("stopping: waiting for the running job (ingest)") < (
            scheduler.index("job ingest ok")
        ), log
        assert "Traceback" not in log and "KeyboardInterrupt" not in log, log
        assert "worker processes failed" not in log, log
        assert "scheduler stopped" in scheduler.lines[-1], log
        deadline = time.monotonic() + 30
        while _alive(helpers | workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(helpers | workers), "worker processes outlived the scheduler"
    finally:  # whatever failed, nothing this test started outlives it
        for helper in _alive(helpers | workers):
            os.kill(helper, signal.SIGKILL)
    assert read_rows(
        tmp_path / "m.duckdb",
        "select (select count(*) from articles), status, articles_new from job_runs",
    ) == [(ARTICLES, "ok", ARTICLES)], log


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:  # it ended while we looked
        return ""
