"""``mentions check`` reads every block of the file and checks that the tables agree;
the maintenance job never publishes a snapshot of a file that fails it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
from click.testing import CliRunner, Result

from jobs.cli import cli
from jobs.ingest import run_ingest
from jobs.scheduler.runner import JobRunner
from jobs.settings import JobConfig, Settings, SourceConfig
from jobs.store.connect import connect

HEADERS = 3 * 4096  # the file header and the two database headers, then the blocks


def _ingested(settings: Settings, tmp_path: Path, articles: int = 300) -> Settings:
    dump = tmp_path / "dump.jsonl"
    lines = [
        json.dumps(
            {
                "id": str(i),
                "title": f"Peru report {i}",
                "text": " ".join(f"w{i * 7919 + j:x}" for j in range(300)),
                "published": "2022-03-01",
            }
        )
        for i in range(articles)
    ]
    dump.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    jobs = (JobConfig("maintenance", "maintenance", every="1h"),)
    settings = replace(settings, jobs=jobs)
    run_ingest(settings, [SourceConfig(name="dump", location=str(dump))])
    with connect(settings.db_path) as con:
        con.execute("CHECKPOINT")
    return settings


def _check(settings: Settings) -> Result:
    return CliRunner().invoke(cli, ["--db", str(settings.db_path), "check"])


def _corrupt(path: Path) -> None:
    """Overwrite 4 KiB in the middle of the block holding the first stored article texts."""
    with duckdb.connect(str(path), read_only=True) as con:
        block_size, block = con.execute(
            "select (select block_size from pragma_database_size()), min(block_id) "
            "from pragma_storage_info('articles') where column_name = 'text' and block_id >= 0"
        ).fetchall()[0]
    middle = HEADERS + block * block_size + block_size // 2
    with path.open("r+b") as file:
        file.seek(middle - 2048)
        file.write(b"\xa5" * 4096)


def test_a_sound_database_passes_every_check(settings: Settings, tmp_path: Path) -> None:
    settings = _ingested(settings, tmp_path)
    result = _check(settings)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok   open",
        "ok   migrations",
        "ok   tables",
        "ok   mentions",
        "ok   article keys",
        "ok   aggregates",
        "ok   sources",
        "ok   views",
    ]
    assert "300 articles" in result.stdout
    assert lines[-1] == f"database ok: {settings.db_path}"


def test_the_check_counts_one_article_in_the_singular(settings: Settings, tmp_path: Path) -> None:
    settings = _ingested(settings, tmp_path, articles=1)  # "Peru report 0": one mention
    result = _check(settings)
    assert result.exit_code == 0, result.output
    tables = next(line for line in result.stdout.splitlines() if line.startswith("ok   tables"))
    assert tables.endswith("rows read (1 article, 1 mention)"), tables


def test_a_corrupt_file_fails_with_the_way_to_recover_and_is_not_snapshotted(
    settings: Settings, tmp_path: Path
) -> None:
    original = _ingested(settings, tmp_path)
    runner = JobRunner(original)
    assert runner.run("maintenance").status == "ok"
    copy = tmp_path / "copy" / "mentions.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(original.db_path, copy)
    _corrupt(copy)
    broken = replace(original, db_path=copy)
    snapshot = broken.snapshot_file
    shutil.copyfile(original.snapshot_file, snapshot)
    published = snapshot.read_bytes()

    result = _check(broken)
    assert result.exit_code == 1, result.output
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert failed and failed[0].startswith("FAIL tables: articles: ")
    assert "Corrupt database file" in failed[0]
    last = result.stderr.strip().splitlines()
    assert len(last) == 1 and last[0].startswith(f"Error: {copy} failed ")
    assert f"cp {snapshot} {copy}" in last[0]
    assert "Traceback" not in result.output

    outcome = JobRunner(broken).run("maintenance")
    assert outcome.status == "failed"
    assert f"{copy} failed " in outcome.summary and "was not snapshotted" in outcome.summary
    assert snapshot.read_bytes() == published
    assert not list(snapshot.parent.glob(".*.tmp"))


def test_a_mention_off_its_article_s_day_fails_the_check(
    settings: Settings, tmp_path: Path
) -> None:
    """Reports read mentions by day (migration 0015): one stored under another day would
    be missed, so the check names it."""
    settings = _ingested(settings, tmp_path)
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute(
            "UPDATE mentions SET day = day + 1 "
            "WHERE article_id = (SELECT min(article_id) FROM mentions)"
        )
    result = _check(settings)
    assert result.exit_code == 1, result.output
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert (
        failed[0].startswith("FAIL mentions: ")
        and "of 1 article not on their article's day" in failed[0]
    )
