"""Migration steps are numbered 0001, 0002, ... with unique names, and a file that
recorded a step under its name from before the renumbering keeps it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jobs.store.connect import connect
from jobs.store.schema import (
    MIGRATIONS,
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


def test_mentions_carry_no_index_new_or_migrated(tmp_path: Path) -> None:
    """DuckDB rewrites a table's indexes whole at every checkpoint: on mentions that made
    each batch's commit grow with the store (8 s a batch at 400k articles)."""
    path = tmp_path / "m.duckdb"
    with connect(path) as con:
        ensure_schema(con)
        assert _mention_indexes(con) == []
        # A file made before 0012: the indexes come back, and the migration drops them.
        con.execute("CREATE INDEX mentions_article ON mentions (article_id)")
        con.execute("CREATE INDEX mentions_entity ON mentions (entity_id)")
        con.execute("DELETE FROM schema_migrations WHERE version = '0012_no_mention_indexes'")
    with connect(path) as con:
        assert ensure_schema(con) == ["0012_no_mention_indexes"]
        assert _mention_indexes(con) == []
        articles = {r[0] for r in con.execute(
            "SELECT index_name FROM duckdb_indexes() WHERE table_name = 'articles'"
        ).fetchall()}  # fmt: skip
    assert articles == {"articles_content_hash", "articles_url"}


def _mention_indexes(con: duckdb.DuckDBPyConnection) -> list[str]:
    sql = "SELECT index_name FROM duckdb_indexes() WHERE table_name = 'mentions'"
    return [r[0] for r in con.execute(sql).fetchall()]
