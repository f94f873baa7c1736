"""The row groups an ingest leaves: a bulk ingest merges none of its batches' (merging
them as they came recompressed every text about six times, most of a large ingest's
time), a small batch (a feed's poll) merges at most one run a table so polls leave no
trail of tiny groups, and no other writer merges anything."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import jobs.ingest.run as ingest_run
import jobs.store.maintenance as maintenance
from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from jobs.store.aggregates import AGGREGATE_TABLES, aggregate_mismatches
from jobs.store.connect import connect

NOW = datetime(2024, 6, 1)


def _dump(path: Path, first: int, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(first, first + count):
            row = {
                "id": f"a{i}",
                "url": f"https://news.example.org/{i}",
                "title": f"Grain talks, round {i}",
                "text": f"Kenya and Chile met for round {i} of their grain talks. "
                + " ".join(f"Clause {i}-{j} was agreed in Nairobi." for j in range(12)),
                "published_time": f"2024-05-{1 + i % 28:02d}T09:00:00",
            }
            out.write(json.dumps(row) + "\n")
    return path


def _row_groups(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(
            f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')"
        ).fetchall()
    return int(found[0][0])


@pytest.fixture
def bulk(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Four batches of ten articles, each a bulk batch, ingested in this process."""
    monkeypatch.setattr(ingest_run, "BULK_ARTICLES", 10)
    settings = replace(settings, ingest_batch_size=10, ingest_workers=1)
    source = SourceConfig(name="wire", location=str(_dump(tmp_path / "bulk.jsonl", 0, 40)))
    result = run_ingest(settings, [source], now=NOW)
    assert result.articles_new == 40
    return settings


def test_a_bulk_ingest_keeps_each_batch_s_row_groups(bulk: Settings) -> None:
    assert _row_groups(bulk.db_path, "articles") == 4
    assert _row_groups(bulk.db_path, "story_signatures") == 4


def test_a_bulk_ingest_leaves_the_daily_counts_compact_and_right(bulk: Settings) -> None:
    """Each batch merged its counts into the daily tables: a row group per batch (500 at
    a million articles, which a timeline read all of), until the ingest's end rewrote
    them in day order."""
    for table in (*AGGREGATE_TABLES, "article_keys"):
        assert _row_groups(bulk.db_path, table) == 1, table
    with duckdb.connect(str(bulk.db_path), read_only=True) as con:
        assert set(aggregate_mismatches(con).values()) == {0}
        days = con.execute("SELECT day FROM daily_totals").fetchall()
    assert days == sorted(days) and len(days) == 28


def test_small_batches_merge_the_trail_behind_them(bulk: Settings, tmp_path: Path) -> None:
    for poll in range(3):
        dump = _dump(tmp_path / f"poll{poll}.jsonl", 100 + 3 * poll, 3)
        run_ingest(bulk, [SourceConfig(name=f"poll{poll}", location=str(dump))], now=NOW)
        assert _row_groups(bulk.db_path, "articles") <= 2
    with duckdb.connect(str(bulk.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchall() == [(49,)]


def test_other_writers_merge_nothing(bulk: Settings) -> None:
    with connect(bulk.db_path) as con:
        con.execute("UPDATE articles SET site_name = 'Wire' WHERE article_id = 'a0'")
    assert _row_groups(bulk.db_path, "articles") == 4


def test_a_failed_rewrite_of_the_counts_keeps_the_ingest(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fail(con: duckdb.DuckDBPyConnection, table: str, *, in_order: bool = True) -> None:
        raise duckdb.OutOfMemoryException("failed to pin block")

    monkeypatch.setattr(maintenance, "compact_table", fail)
    monkeypatch.setattr(ingest_run, "BULK_ARTICLES", 10)
    settings = replace(settings, ingest_batch_size=10, ingest_workers=1)
    source = SourceConfig(name="wire", location=str(_dump(tmp_path / "d.jsonl", 0, 40)))
    assert run_ingest(settings, [source], now=NOW).articles_new == 40
    assert any("daily counts and article digests left as they are" in m for m in caplog.messages)
    assert _row_groups(settings.db_path, "daily_entities") > 1, "the rewrite was attempted"
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert set(aggregate_mismatches(con).values()) == {0}
