"""Migration steps are numbered 0001, 0002, ... with unique names, and a file that
recorded a step under its name from before the renumbering keeps it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jobs.store.connect import connect
from jobs.store.migrations import MIGRATIONS
from jobs.store.schema import (
    MIGRATIONS_TABLE_SQL,
    RECORD_MIGRATION_SQL,
    RENAMED_MIGRATIONS,
    MigrationOrderError,
    check_migrations,
    ensure_schema,
)


def test_shipped_migrations_are_strictly_numbered() -> None:
    names = [version for version, _ in MIGRATIONS]
    check_migrations(names)
    assert len(set(names)) == len(names)
    assert [int(name[:4]) for name in names] == list(range(1, len(names) + 1))


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["0001_core", "0002_views", "0002_views_again"], "must be 0003"),
        (["0001_core", "0002_views", "0002_views"], "must be 0003"),
        (["0001_core", "0003_skipped"], "must be 0002"),
        (["0001_core", "2_views"], "NNNN_lower_case_words"),
        (["0001_Core"], "NNNN_lower_case_words"),
    ],
)
def test_a_duplicate_or_misnumbered_step_is_rejected(names: list[str], message: str) -> None:
    with pytest.raises(MigrationOrderError, match=message):
        check_migrations(names)


def test_old_names_are_recorded_under_the_new_ones_and_not_applied_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        ensure_schema(con)
        # A file made before the renumbering recorded the old names.
        for old, new in RENAMED_MIGRATIONS.items():
            con.execute("UPDATE schema_migrations SET version = ? WHERE version = ?", [old, new])
    with connect(path) as con:
        assert ensure_schema(con) == []  # nothing re-applied (ALTER TABLE would fail)
        recorded = {r[0] for r in con.execute("select version from schema_migrations").fetchall()}
    assert recorded == {version for version, _ in MIGRATIONS}
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from source_files").fetchall() == [(0,)]


# DuckDB rewrites a table's indexes whole at every checkpoint, so every batch's commit
# grew with the store: 8 s a batch at 400k articles with the two on mentions; 16,000
# articles into a million-article store took 31-35 s with the two secondary ones on
# articles and 29 s without. The look-ups they served scan a column instead.
@pytest.mark.parametrize(
    ("table", "columns", "migration"),
    [
        ("mentions", {"article": "article_id", "entity": "entity_id"}, "0012_no_mention_indexes"),
        ("articles", {"content_hash": "content_hash", "url": "url"}, "0013_no_article_indexes"),
    ],
)
def test_no_secondary_index_new_or_migrated(
    tmp_path: Path, table: str, columns: dict[str, str], migration: str
) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        ensure_schema(con)
        assert _indexes(con, table) == []
        # A file made before the migration: the indexes come back, and it drops them.
        for name, column in columns.items():
            con.execute(f"CREATE INDEX {table}_{name} ON {table} ({column})")
        con.execute("DELETE FROM schema_migrations WHERE version = ?", [migration])
    with connect(path) as con:
        assert ensure_schema(con) == [migration]
        assert _indexes(con, table) == []


def _indexes(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    sql = "SELECT index_name FROM duckdb_indexes() WHERE table_name = ?"
    return [r[0] for r in con.execute(sql, [table]).fetchall()]


def test_story_bands_get_their_article_s_day_in_day_order(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        _made_before(con, "0014")  # bands without days, stored in arrival order
        con.execute(
            "INSERT INTO story_signatures VALUES "
            "('late', '2024-03-02 23:30', 20, 9, ''::BLOB), "
            "('early', '2024-03-01 00:10', 20, 9, ''::BLOB)"
        )
        con.execute("INSERT INTO story_bands VALUES (1, 'late'), (2, 'late'), (1, 'early')")
    with connect(path) as con:
        assert ensure_schema(con)[0] == "0014_story_band_days"
        rows = con.execute("SELECT band_key, article_id, day::VARCHAR FROM story_bands").fetchall()
        assert _not_null(con, "story_bands") == ["article_id", "band_key", "day"]
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "story_bands" in tables
        assert not any(name.startswith("story_bands_") for name in tables)
    assert rows == [
        (1, "early", "2024-03-01"),
        (1, "late", "2024-03-02"),
        (2, "late", "2024-03-02"),
    ]


def _made_before(con: duckdb.DuckDBPyConnection, version: str) -> None:
    """Make the file as the code before migration ``version`` made it."""
    con.execute(MIGRATIONS_TABLE_SQL)
    for done, ddl in MIGRATIONS:
        if done < version:
            con.execute(ddl)
            con.execute(RECORD_MIGRATION_SQL, [done])


def _not_null(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    sql = """SELECT column_name FROM duckdb_columns()
             WHERE table_name = ? AND NOT is_nullable ORDER BY 1"""
    return [r[0] for r in con.execute(sql, [table]).fetchall()]


def test_mentions_get_their_article_s_day(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        _made_before(con, "0015")  # mentions without days, stored in arrival order
        for article, published in (("late", "2024-03-02 23:30"), ("early", "2024-03-01 00:10")):
            con.execute(
                "INSERT INTO articles (article_id, source_id, url, title, text, published_at, "
                "date_source, story_id, content_hash, ingested_at) VALUES "
                "(?, 's', ?, 't', 'Kenya.', ?, 'source', ?, ?, ?)",
                [article, f"https://x.org/{article}", published, article, article, published],
            )
        con.execute("INSERT INTO entities VALUES ('KEN', 'country', 'Kenya', NULL)")
        con.execute(
            "INSERT INTO mentions VALUES "
            "('late', 'KEN', 'country', 'text', 0, 5, 'Kenya', 'name', 'country-name'), "
            "('early', 'KEN', 'country', 'text', 0, 5, 'Kenya', 'name', 'country-name'), "
            "('late', 'KEN', 'country', 'title', 0, 5, 'Kenya', 'name', 'country-name')"
        )
    with connect(path) as con:
        assert ensure_schema(con)[0] == "0015_mention_days"
        rows = con.execute(
            "SELECT article_id, field, day::VARCHAR FROM mentions ORDER BY ALL"
        ).fetchall()
        assert "day" in _not_null(con, "mentions")
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert not any(name.startswith("mentions_") for name in tables)
        # The views over mentions still answer.
        assert con.execute("SELECT count(*) FROM article_mentions").fetchone() == (3,)
    assert rows == [
        ("early", "text", "2024-03-01"),
        ("late", "text", "2024-03-02"),
        ("late", "title", "2024-03-02"),
    ]


def test_story_signatures_keep_their_rows_without_a_key(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        _made_before(con, "0016")  # signatures keyed by article_id
        assert _keys(con, "story_signatures") == ["PRIMARY KEY(article_id)"]
        con.execute(
            "INSERT INTO story_signatures VALUES "
            "('late', '2024-03-02 23:30', 20, 9, '\\x01'::BLOB), "
            "('early', '2024-03-01 00:10', 21, 8, '\\x02'::BLOB)"
        )
    with connect(path) as con:
        assert ensure_schema(con)[0] == "0016_no_signature_key"
        # Stored as they were, in arrival order (the order later reads by day rely on).
        rows = con.execute("SELECT * EXCLUDE (published_at) FROM story_signatures").fetchall()
        assert _keys(con, "story_signatures") == []
        assert _not_null(con, "story_signatures") == [
            "article_id",
            "long_shingles",
            "published_at",
            "shingles",
            "signature",
        ]
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert not any(name.startswith("story_signatures_") for name in tables)
        [(comment,)] = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'story_signatures'"
        ).fetchall()
        assert comment.startswith("MinHash sketches")
    assert rows == [("late", 20, 9, b"\x01"), ("early", 21, 8, b"\x02")]
    # A new file has no key on the signatures either.
    with connect(tmp_path / "new.duckdb") as con:
        ensure_schema(con)
        assert _keys(con, "story_signatures") == []


def _keys(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    sql = """SELECT constraint_text FROM duckdb_constraints()
             WHERE table_name = ? AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"""
    return [r[0] for r in con.execute(sql, [table]).fetchall()]


def test_stored_articles_get_their_digests(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        _made_before(con, "0017")
        for article in ("late", "early"):
            con.execute(
                "INSERT INTO articles (article_id, source_id, url, title, text, published_at, "
                "date_source, story_id, content_hash, ingested_at) VALUES "
                "(?, 's', ?, 't', 'Kenya.', '2024-03-01', 'source', ?, ?, '2024-03-01')",
                [article, f"https://x.org/{article}", article, f"hash-{article}"],
            )
    with connect(path) as con:
        assert ensure_schema(con) == ["0017_article_keys"]
        rows = con.execute(
            "SELECT id_key = md5_number_lower(article_id),"
            " hash_key = md5_number_lower(content_hash)"
            " FROM articles JOIN article_keys ON id_key = md5_number_lower(article_id)"
        ).fetchall()
        assert _not_null(con, "article_keys") == ["hash_key", "id_key"]
    assert rows == [(True, True), (True, True)]
