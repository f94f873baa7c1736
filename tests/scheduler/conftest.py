"""The scheduler as a real process: ``mentions schedule`` started in a folder, its log
read line by line, and every process a test started killed at teardown."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

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
            start_new_session=True,  # a process group of its own, as a terminal starts it
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = 120.0) -> str:
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


def read_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def write_config(tmp_path: Path, extra: str) -> Path:
    config = tmp_path / "mentions.toml"
    config.write_text(
        '[database]\npath = "m.duckdb"\nlock_timeout = 30\n'
        '[reports]\ndir = "reports"\n'
        '[scheduler]\nlog_file = "logs/mentions.log"\n' + extra,
        encoding="utf-8",
    )
    return config
