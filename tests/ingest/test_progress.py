"""Progress of a long ingest: counts handed to a callback by the library; a bar on a
terminal, nothing at all when stderr is not one (cron, CI, pipes)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from jobs.ingest import IngestProgress, run_ingest
from jobs.settings import Settings, SourceConfig

ARTICLES = [
    (f"Report {i}", f"Peru and Chile met in Lima, day {i}. Ünïcode text.") for i in range(5)
]


def _dump(path: Path) -> Path:
    lines = [
        json.dumps({"id": str(i), "title": t, "text": x, "published": "2022-03-01"})
        for i, (t, x) in enumerate(ARTICLES)
    ]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_progress_callback_gets_article_and_byte_counts(settings: Settings, tmp_path: Path) -> None:
    dump = _dump(tmp_path / "dump.jsonl")
    seen: list[IngestProgress] = []
    run_ingest(
        replace(settings, ingest_batch_size=2),
        [SourceConfig(name="dump", location=str(dump))],
        on_progress=seen.append,
    )
    assert [p.articles for p in seen] == [2, 4, 5]
    text_bytes = [len((t + x).encode("utf-8")) for t, x in ARTICLES]
    assert [p.bytes for p in seen] == [sum(text_bytes[:2]), sum(text_bytes[:4]), sum(text_bytes)]
    assert {p.total_bytes for p in seen} == {dump.stat().st_size}


def _mentions(tmp_path: Path, *args: str, stderr: int) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("MENTIONS_DB", None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "mentions"), "--db", str(tmp_path / "m.duckdb"), *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
        timeout=120,
        check=False,
    )


def test_no_progress_noise_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    dump = _dump(tmp_path / "dump.jsonl")
    done = _mentions(tmp_path, "ingest", str(dump), stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout.decode().startswith("ingested 5 new of 5 articles (")
    assert b"\x1b" not in done.stdout


def test_progress_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    dump = _dump(tmp_path / "dump.jsonl")
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    command = [str(Path(sys.executable).parent / "mentions"), "--db", str(tmp_path / "m.duckdb")]
    process = subprocess.Popen(
        [*command, "ingest", str(dump)], stdout=subprocess.PIPE, stderr=follower, env=env
    )
    os.close(follower)
    drawn = b""
    try:
        # Read while it runs: a full terminal buffer would block the bar.
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed its end
                break
            if not chunk:
                break
            drawn += chunk
        assert process.wait(60) == 0, drawn
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
        if process.stdout is not None:
            process.stdout.close()
    assert b"5 articles" in drawn
