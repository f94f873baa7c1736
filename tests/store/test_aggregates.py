"""The daily aggregates always equal a direct count over mentions and articles: after
ingest (duplicates included), a re-extraction, a crash mid-batch and on upgrade."""

from __future__ import annotations

import contextlib
import json
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import jobs.explore
import jobs.ingest.run
import jobs.store.articles
from jobs import explore
from jobs.extract import run_extract
from jobs.ingest import run_ingest
from jobs.ingest.frames import daily_counts
from jobs.settings import Settings, SourceConfig
from jobs.store.aggregates import ADD_BATCH_SQL, aggregate_mismatches
from jobs.store.check import verify
from jobs.store.connect import connect
from jobs.store.migrations import MIGRATIONS
from jobs.store.schema import (
    MIGRATIONS_TABLE_SQL,
    RECORD_MIGRATION_SQL,
    ensure_schema,
)

# (id, published day, text): several articles a day, several forms an article.
FIRST = [
    ("a1", "2023-05-01", "Saudi officials met Russian envoys in Riyadh. Russia said little."),
    ("a2", "2023-05-01", "Russia and Ukraine held talks; Moscow said little."),
    ("a3", "2023-05-02", "Germany's chancellor spoke in Berlin about German exports."),
]
SECOND = [
    ("b1", "2023-05-01", "Saudi Arabia and Russia talked about oil."),
    ("b2", "2023-05-03", "President Putin met Chancellor Scholz in Moscow."),
    ("b3", "2023-05-03", "Ukrainian and Saudi ministers met in Kyiv."),
]

DIRECT_SQL = {
    "daily_entity_forms": """
        SELECT CAST(a.published_at AS DATE) AS day, m.entity_id, m.kind, m.form,
               count(DISTINCT m.article_id) AS articles, count(*) AS mentions
        FROM mentions m JOIN articles a USING (article_id) GROUP BY ALL""",
    "daily_entities": """
        SELECT CAST(a.published_at AS DATE) AS day, m.entity_id, m.kind,
               count(DISTINCT m.article_id) AS articles, count(*) AS mentions
        FROM mentions m JOIN articles a USING (article_id) GROUP BY ALL""",
    "daily_totals": """
        SELECT CAST(published_at AS DATE) AS day, count(*) AS articles
        FROM articles GROUP BY ALL""",
}


def _write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = [
        json.dumps(
            {
                "id": key,
                "url": f"https://news.example/{key}",
                "title": f"Report {key}",
                "text": text,
                "published": f"{day}T12:00:00Z",
            }
        )
        for key, day, text in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ingest(settings: Settings, path: Path) -> int:
    return run_ingest(settings, [SourceConfig(name=path.stem, location=str(path))]).articles_new


def assert_aggregates_exact(path: Path) -> dict[str, pl.DataFrame]:
    """Each aggregate table equals the direct group-by, row for row; return them."""
    tables = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for table, direct in DIRECT_SQL.items():
            stored = con.sql(f"SELECT * FROM {table}").pl()
            expected = con.sql(direct).pl()
            keys = [c for c in expected.columns if c not in ("articles", "mentions")]
            assert_frame_equal(stored.sort(keys), expected.sort(keys), check_dtypes=False)
            tables[table] = stored.sort(keys)
        assert aggregate_mismatches(con) == dict.fromkeys(DIRECT_SQL, 0)
    return tables


@pytest.fixture
def stored(settings: Settings, tmp_path: Path) -> Settings:
    assert _ingest(settings, _write(tmp_path / "first.jsonl", FIRST)) == 3
    return settings


def test_ingest_keeps_them_exact_over_batches_and_duplicates(
    stored: Settings, tmp_path: Path
) -> None:
    after_first = assert_aggregates_exact(stored.db_path)
    # Re-ingesting adds nothing, by id or by content under another id.
    assert _ingest(stored, tmp_path / "first.jsonl") == 0
    copy = [("c" + key[1:], day, text) for key, day, text in FIRST]
    assert _ingest(stored, _write(tmp_path / "copy.jsonl", copy)) == 0
    assert_frame_equal(
        assert_aggregates_exact(stored.db_path)["daily_totals"], after_first["daily_totals"]
    )
    assert _ingest(stored, _write(tmp_path / "second.jsonl", SECOND)) == 3
    tables = assert_aggregates_exact(stored.db_path)
    totals = dict(tables["daily_totals"].iter_rows())
    assert {str(k): v for k, v in totals.items()} == {
        "2023-05-01": 3,
        "2023-05-02": 1,
        "2023-05-03": 2,
    }
    rus = tables["daily_entities"].filter(
        (pl.col("entity_id") == "RUS") & (pl.col("day") == datetime(2023, 5, 1).date())
    )
    # a1 (Russian, Russia), a2 (Russia, Moscow), b1 (Russia): 3 articles, 5 mentions.
    assert rus.select("articles", "mentions").row(0) == (3, 5)


def test_a_batch_s_counts_come_from_its_worker_unless_some_of_it_is_stored(
    stored: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose articles are all new merges the daily counts counted where it was
    prepared; one holding an article stored already (here by content, under another
    id: only the transaction finds it) counts its new articles' mentions in SQL. Both
    leave the tables equal to a direct count."""
    given: list[bool] = []
    add = jobs.store.articles.add_new_articles

    def spy(con: duckdb.DuckDBPyConnection, *counts: pl.DataFrame) -> None:
        given.append(bool(counts))
        add(con, *counts)

    monkeypatch.setattr(jobs.store.articles, "add_new_articles", spy)
    assert _ingest(stored, _write(tmp_path / "second.jsonl", SECOND)) == 3
    assert given == [True]
    assert_aggregates_exact(stored.db_path)
    mixed = [
        ("d1", "2023-05-03", SECOND[2][2]),  # b3's text under a new id
        ("d2", "2023-05-03", "Russia, Russian oil and Saudi Arabia: Putin in Riyadh."),
        ("d3", "2023-05-04", "Germany and Ukraine; the German chancellor and Zelensky."),
    ]
    assert _ingest(stored, _write(tmp_path / "mixed.jsonl", mixed)) == 2
    assert given == [True, False]
    assert_aggregates_exact(stored.db_path)


def test_a_batch_s_own_counts_are_those_sql_counts(stored: Settings) -> None:
    """``daily_counts`` in polars and ADD_BATCH_SQL's grouping agree on stored articles
    (several a day, several forms an article, articles without mentions)."""
    with duckdb.connect(str(stored.db_path), read_only=True) as con:
        articles = con.sql("SELECT article_id, published_at FROM articles").pl()
        mentions = con.sql("SELECT * EXCLUDE (day) FROM mentions").pl()
        direct = {t: con.sql(DIRECT_SQL[t]).pl() for t in ("daily_entity_forms", "daily_entities")}
    counts = daily_counts(articles, mentions)
    for table, counted in (
        ("daily_entity_forms", counts.forms),
        ("daily_entities", counts.entities),
    ):
        expected = direct[table]
        keys = [c for c in expected.columns if c not in ("articles", "mentions")]
        assert counted.schema == expected.schema
        assert_frame_equal(counted.select(expected.columns).sort(keys), expected.sort(keys))


def test_re_extraction_after_a_seeds_change_recounts(stored: Settings, tmp_path: Path) -> None:
    _ingest(stored, _write(tmp_path / "second.jsonl", SECOND))
    seeds = tmp_path / "seeds"
    shutil.copytree(stored.seeds_dir, seeds, ignore=shutil.ignore_patterns("articles"))
    countries = pl.read_csv(seeds / "countries.csv", infer_schema=False)
    countries.with_columns(
        adjectives=pl.when(pl.col("entity_id") == "SAU").then(None).otherwise(pl.col("adjectives"))
    ).write_csv(seeds / "countries.csv")
    before = assert_aggregates_exact(stored.db_path)["daily_entity_forms"]

    assert run_extract(replace(stored, seeds_dir=seeds)).articles > 0

    after = assert_aggregates_exact(stored.db_path)["daily_entity_forms"]
    sau = (pl.col("entity_id") == "SAU") & (pl.col("form") == "adjective")
    assert before.filter(sau).height > 0
    assert after.filter(sau).height == 0
    assert_frame_equal(before.filter(~sau), after.filter(~sau))


def test_a_crash_inside_the_batch_leaves_them_consistent(
    stored: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = assert_aggregates_exact(stored.db_path)

    def half_then_crash(con: duckdb.DuckDBPyConnection, *counts: pl.DataFrame) -> None:
        con.execute(ADD_BATCH_SQL[0])
        raise RuntimeError("crash between two aggregate tables")

    def crash(*args: object) -> None:
        raise RuntimeError("crash after the aggregates")

    second = _write(tmp_path / "second.jsonl", SECOND)
    for name, module, fake in (
        ("add_new_articles", jobs.store.articles, half_then_crash),
        ("remember_files", jobs.ingest.run, crash),
    ):
        with monkeypatch.context() as patch:
            patch.setattr(module, name, fake)
            with contextlib.suppress(RuntimeError):
                _ingest(stored, second)
        after = assert_aggregates_exact(stored.db_path)
        for table, frame in before.items():
            assert_frame_equal(after[table], frame)
    assert _ingest(stored, second) == 3
    assert_aggregates_exact(stored.db_path)


def test_check_detects_a_disagreement(stored: Settings) -> None:
    with connect(stored.db_path) as con:
        assert {c.name: c.ok for c in verify(con)}["aggregates"]
        con.execute("UPDATE daily_entities SET mentions = mentions + 1 WHERE entity_id = 'RUS'")
        check = {c.name: c for c in verify(con)}["aggregates"]
    assert not check.ok
    assert "daily_entities" in check.detail, check.detail


def test_migration_backfills_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        con.execute(MIGRATIONS_TABLE_SQL)
        for version, ddl in MIGRATIONS[:10]:
            con.execute(ddl)
            con.execute(RECORD_MIGRATION_SQL, [version])
        for key, at in (
            ("x1", "2023-01-01 23:59"),
            ("x2", "2023-01-01 01:00"),
            ("x3", "2023-01-02 00:00"),
        ):
            con.execute(
                "INSERT INTO articles (article_id, source_id, url, title, text, published_at,"
                " date_source, story_id, content_hash, ingested_at)"
                " VALUES (?, 's', ?, 't', 'x', ?, 'source', ?, ?, ?)",
                [key, f"https://e/{key}", at, key, key, at],
            )
        for key, entity, kind, form in (
            ("x1", "RUS", "country", "name"),
            ("x1", "RUS", "country", "name"),
            ("x1", "RUS", "country", "capital"),
            ("x2", "RUS", "country", "name"),
            ("x3", "Vladimir Putin", "leader", "surname"),
        ):
            con.execute(
                "INSERT INTO mentions VALUES (?, ?, ?, 'text', 0, 1, 's', ?, 'r')",
                [key, entity, kind, form],
            )
        assert ensure_schema(con) == [version for version, _ in MIGRATIONS[10:]]
    tables = assert_aggregates_exact(path)
    rows = tables["daily_entities"].select("entity_id", "articles", "mentions").rows()
    assert rows == [("RUS", 2, 4), ("Vladimir Putin", 1, 1)]


def test_timeline_from_the_aggregates_equals_the_scan(
    stored: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(stored, _write(tmp_path / "second.jsonl", SECOND))
    names = ["Russia", "Saudi Arabia", "Ukraine", "Putin"]
    for every in ("day", "week"):
        fast = explore.timeline(stored, names, every=every, smooth=2)
        with monkeypatch.context() as patch:
            patch.setattr(jobs.explore, "_daily_counts_suffice", lambda *a: False)
            scanned = explore.timeline(stored, names, every=every, smooth=2)
        assert_frame_equal(fast, scanned)
