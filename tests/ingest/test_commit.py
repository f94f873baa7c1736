"""A bulk batch's commit: its rows are written into the database file once, by a
checkpoint at the commit, not first into the write-ahead log and again by the
checkpoint at the connection's close (a batch of 2,000 articles put about 23 MB of text
in the WAL: 40-50 ms a batch for a copy nobody reads). DuckDB estimates a commit's log
from its rows; past ``checkpoint_threshold`` it checkpoints instead of logging. A commit
that dies half-way leaves the file as it was before the batch, which the next ingest
stores, as a batch rolled back always was."""

from __future__ import annotations

import traceback
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analytics.frames import MENTION_SCHEMA
from jobs.ingest import run_ingest
from jobs.ingest.frames import articles_frame
from jobs.ingest.run import STORE_CONFIG
from jobs.settings import Settings, SourceConfig
from jobs.sources.records import Record
from jobs.store.articles import insert_articles
from jobs.store.connect import connect

NOW = datetime(2024, 6, 1)


def _batch(count: int) -> pl.DataFrame:
    """``count`` short articles."""
    records = [
        Record(
            url=f"https://news.example.org/{i}",
            title=f"Grain talks, round {i}",
            text=" ".join(
                f"Clause {i}-{j} on Kenya's grain was agreed in Nairobi." for j in range(4)
            ),
            published_at=datetime(2024, 5, 1 + i % 28),
        )
        for i in range(count)
    ]
    return articles_frame(records, "wire", NOW)


def _wal_bytes(db: Path) -> int:
    wal = db.with_name(db.name + ".wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.mark.parametrize(
    ("config", "logged"),
    [
        (STORE_CONFIG, False),
        ({k: v for k, v in STORE_CONFIG.items() if k != "checkpoint_threshold"}, True),
    ],
    ids=["ingest", "duckdb-default"],
)
def test_a_batch_s_commit_writes_its_rows_once(
    db_path: Path, config: dict[str, str | int], logged: bool
) -> None:
    batch = _batch(2000)  # an ingest's batch, short texts: 0.4 MB in the log
    mentions = pl.DataFrame(schema=MENTION_SCHEMA)
    with connect(db_path, config=config) as con:
        assert insert_articles(con, batch, mentions, None) == (2000, 0)
        # Committed, the connection still open: the rows are in the file, or only in the
        # log until the close checkpoints them.
        assert (_wal_bytes(db_path) > 100_000) is logged
    with connect(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2000,)
    assert _wal_bytes(db_path) == 0


def test_an_ingest_starts_no_duckdb_for_each_batch(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch opens the file twice (its look-up of stored ids, its store), through
    one in-memory DuckDB that attaches it, not a DuckDB started on the file each time
    (16 ms at 46,000 articles, 29 at a million)."""
    started: list[tuple[str, set[str]]] = []  # (database, the functions calling)
    real_connect = duckdb.connect

    def counted(database: str = ":memory:", *args: object, **kwargs: object) -> object:
        started.append((str(database), {frame.name for frame in traceback.extract_stack()}))
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", counted)
    dump = tmp_path / "wire.jsonl"
    _batch(80).select("url", "title", "text", published="published_at").write_ndjson(dump)
    settings = replace(settings, ingest_batch_size=10, ingest_workers=1)
    result = run_ingest(settings, [SourceConfig(name="wire", location=str(dump))], now=NOW)
    assert result.articles_new == 80  # eight batches
    per_batch = [db for db, calls in started if calls & {"_not_stored", "_store_batch"}]
    assert per_batch == [":memory:"], "a DuckDB started on the file for a batch"
