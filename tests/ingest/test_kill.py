"""An ingest killed (SIGKILL) mid-run and run again stores exactly what an
uninterrupted run stores: the same articles, stories, mentions and signatures; its
worker processes exit with it; and batches prepared by workers are stored exactly as
batches prepared in the ingest process."""

from __future__ import annotations

import json
import os
import random
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

COUNTRIES = ["Kenya", "Chile", "Japan", "India", "France", "Brazil", "Ukraine", "Russia", "Peru"]
VERBS = ["met", "called", "warned", "thanked", "visited", "criticised", "praised", "hosted"]
NOUNS = ["talks", "trade", "troops", "vaccines", "elections", "sanctions", "aid", "grain"]


def _dump(path: Path, count: int) -> Path:
    """Articles with enough distinct text to sign, every tenth one a reprint of an earlier
    one (another headline, a footer), a few bad lines, all dated."""
    rng = random.Random(4)
    texts: list[str] = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            if i % 10 == 9:
                text = rng.choice(texts[-8:]) + "\n\nDistributed by Example Wire."
            else:
                text = " ".join(
                    f"{rng.choice(COUNTRIES)} {rng.choice(VERBS)} {rng.choice(COUNTRIES)} "
                    f"over {rng.choice(NOUNS)} on day {rng.randint(1, 999)}."
                    for _ in range(12)
                )
                texts.append(text)
            row = {
                "id": f"doc-{i}",
                "title": f"Story {i}",
                "text": text,
                "published": f"2022-03-{1 + i % 28:02d}T{i % 24:02d}:15:00+02:00",
            }
            fh.write(json.dumps(row) + "\n")
            if i % 250 == 0:
                fh.write("{broken json\n")
    return path


STATE_SQL = {
    "articles": """SELECT article_id, source_id, external_id, url, title, text, published_at,
        date_source, story_id, content_hash, site_name FROM articles ORDER BY article_id""",
    "mentions": """SELECT article_id, entity_id, field, start_pos, end_pos, rule FROM mentions
        ORDER BY ALL""",
    "signatures": "SELECT * FROM story_signatures ORDER BY article_id",
    "bands": "SELECT * FROM story_bands ORDER BY ALL",
    "keys": "SELECT * FROM article_keys ORDER BY ALL",
}


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists()}


def _wait_for_batches(process: subprocess.Popen[str], count: int) -> None:
    """Read the ingest's -vv log until ``count`` batches of 100 are stored (or it ends,
    or two minutes pass)."""
    assert process.stderr is not None
    batches = 0
    deadline = time.monotonic() + 120
    for line in process.stderr:
        batches += "batch of 100 stored" in line
        if batches == count or time.monotonic() > deadline:
            return


def _state(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in STATE_SQL.items()}


def test_sigkill_mid_ingest_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, settings: Settings
) -> None:
    dump = _dump(tmp_path / "news.jsonl", 1500)
    config = tmp_path / "mentions.toml"
    config.write_text("[ingest]\nbatch_size = 100\nworkers = 2\n", encoding="utf-8")
    source = SourceConfig(name=str(dump), location=str(dump))  # as `mentions ingest PATH` names it

    # The reference prepares every batch in its own process; the killed run in two workers.
    reference = replace(
        settings, db_path=tmp_path / "reference.duckdb", ingest_batch_size=100, ingest_workers=1
    )
    run_ingest(reference, [source])
    expected = _state(reference.db_path)
    assert len(expected["articles"]) == 1500
    assert len({row[8] for row in expected["articles"]}) < 1500, "some reprints share a story"

    killed = tmp_path / "killed.duckdb"
    command = [
        sys.executable,
        "-c",
        "from jobs.cli import cli; cli()",
        "--db",
        str(killed),
        "--config",
        str(config),
        "-vv",
        "ingest",
        str(dump),
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    workers: set[int] = set()
    try:
        _wait_for_batches(process, 4)
        workers = _children(process.pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the ingest was still running when killed"
    # Two workers and the pool's resource tracker.
    assert len(workers) >= 2, "the batches were not prepared in worker processes"
    deadline = time.monotonic() + 60
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _alive(workers)
    for pid in left:  # never leave one behind, even when the assert below fails
        os.kill(pid, signal.SIGKILL)
    assert not left, "worker processes outlived the killed ingest"
    partial = _state(killed)["articles"]
    assert 400 <= len(partial) < 1500

    rerun = replace(settings, db_path=killed, ingest_batch_size=100)
    run_ingest(rerun, [source])
    assert _state(killed) == expected
