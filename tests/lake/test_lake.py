"""mentions export --lake / mentions sql --lake: the lake answers as the file does, and an
export rewrites only the months that changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jobs.cli import cli
from jobs.lake.export import ExportResult, export_lake
from jobs.lake.files import MANIFEST_NAME
from jobs.lake.views import open_lake, schema_view_sql
from jobs.settings import Settings, SourceConfig
from jobs.store.connect import connect
from tests.conftest import load_report_corpus

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

# The monthly tables of the lake: the file's rows, mentions, and the per-day counts.
MONTHLY = (
    "articles",
    "mentions",
    "daily_mentions",
    "daily_entity_forms",
    "daily_entities",
    "daily_totals",
)

QUERIES = (
    "SELECT entity_id, count(*) AS n FROM mentions GROUP BY ALL ORDER BY ALL",
    "SELECT strftime(published_at, '%Y-%m') AS month, count(*) AS n FROM articles"
    " GROUP BY ALL ORDER BY ALL",
    "SELECT * FROM daily_mentions ORDER BY ALL",
    "SELECT * FROM daily_shares ORDER BY ALL",
    "SELECT * FROM article_mentions ORDER BY ALL",
    "SELECT country, form, count(*) AS n FROM country_mentions GROUP BY ALL ORDER BY ALL",
    "SELECT * FROM articles ORDER BY article_id",
    "SELECT e.name, count(*) AS n FROM mentions JOIN entities e USING (entity_id)"
    " JOIN leader_terms t USING (entity_id) GROUP BY ALL ORDER BY ALL",
    "SELECT * FROM daily_entity_forms ORDER BY ALL",
    "SELECT * FROM daily_entities ORDER BY ALL",
    "SELECT * FROM daily_totals ORDER BY ALL",
)


def file_answers(db_path: Path) -> list[list[tuple[Any, ...]]]:
    with connect(db_path, read_only=True) as con:
        return [con.sql(query).fetchall() for query in QUERIES]


def lake_answers(lake: Path) -> list[list[tuple[Any, ...]]]:
    with open_lake(lake) as con:
        return [con.sql(query).fetchall() for query in QUERIES]


def mtimes(lake: Path) -> dict[str, int]:
    return {str(p.relative_to(lake)): p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}


def add_articles(settings: Settings, folder: Path, month: int, count: int) -> None:
    """Ingest ``count`` new articles published in ``month`` of 2022."""
    lines = [
        json.dumps(
            {
                "id": f"extra-{month}-{i}",
                "url": f"https://extra.example/{month}/{i}",
                "title": f"Extra {i}",
                "text": f"Germany and Russia talked again.\n\nExtra item {month}.{i}.",
                "published": f"2022-{month:02d}-{i + 10:02d}T09:00:00Z",
            }
        )
        for i in range(count)
    ]
    path = folder / f"extra-{month}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from jobs.ingest import run_ingest

    result = run_ingest(settings, [SourceConfig(name=f"extra-{month}", location=str(path))])
    assert result.articles_new == count, result


@pytest.fixture
def corpus(tmp_path: Path) -> Settings:
    return load_report_corpus(tmp_path)


def test_the_lake_answers_as_the_file_does(corpus: Settings, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    result = export_lake(corpus.db_path, lake, now=NOW)

    assert sorted(result.written) == sorted(
        [f"{t}/month=2022-0{m}" for t in MONTHLY for m in (1, 2, 3)] + ["entities", "leader_terms"]
    )
    assert lake_answers(lake) == file_answers(corpus.db_path)
    manifest = json.loads((lake / MANIFEST_NAME).read_text())
    march = manifest["partitions"]["articles/month=2022-03"]
    assert (march["rows"], march["exported_at"]) == (10, NOW.isoformat())


def test_sql_lake_prints_what_sql_prints(corpus: Settings, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    db = ["--db", str(corpus.db_path)]
    exported = CliRunner().invoke(cli, [*db, "export", "--lake", str(lake)])
    assert exported.exit_code == 0, exported.output
    assert "20 partitions written" in exported.output
    for query in QUERIES[:6]:
        on_file = CliRunner().invoke(cli, [*db, "sql", "--json", query])
        on_lake = CliRunner().invoke(cli, [*db, "sql", "--lake", str(lake), "--json", query])
        assert on_file.exit_code == 0, on_file.output
        assert on_lake.output == on_file.output


def test_sql_lake_keeps_the_read_only_checks(corpus: Settings, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    export_lake(corpus.db_path, lake, now=NOW)
    runner = CliRunner()
    for flag in ("--write", "--snapshot"):
        result = runner.invoke(cli, ["sql", "--lake", str(lake), flag, "select 1"])
        assert result.exit_code == 1
        assert result.output == f"Error: --lake and {flag} cannot be used together.\n"
    copy = runner.invoke(cli, ["sql", "--lake", str(lake), "copy articles to 'x.csv'"])
    assert copy.output == (
        "Error: COPY is refused without --write (mentions sql opens the file read-only).\n"
    )
    missing = runner.invoke(cli, ["sql", "--lake", str(tmp_path / "none"), "select 1"])
    assert missing.output == (
        f"Error: {tmp_path / 'none'} holds no lake (_manifest.json is missing). "
        f'Run "mentions export --lake {tmp_path / "none"}" first.\n'
    )


def test_views_reuse_the_schema_sql() -> None:
    from jobs.store.migrations import MIGRATIONS

    ddl = dict(MIGRATIONS)["0002_views"]
    for view in ("article_mentions", "daily_shares", "country_mentions"):
        assert schema_view_sql(view) in ddl


def test_a_second_export_rewrites_nothing(corpus: Settings, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    export_lake(corpus.db_path, lake, now=NOW)
    before, manifest = mtimes(lake), (lake / MANIFEST_NAME).read_bytes()

    again = export_lake(corpus.db_path, lake, now=datetime(2026, 12, 2, tzinfo=UTC))

    assert (again.written, again.removed, len(again.unchanged)) == ([], [], 20)
    assert mtimes(lake) == before
    assert (lake / MANIFEST_NAME).read_bytes() == manifest


def _written(result: ExportResult) -> set[str]:
    return set(result.written)


def test_new_articles_rewrite_only_their_month(corpus: Settings, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    export_lake(corpus.db_path, lake, now=NOW)
    before = mtimes(lake)
    add_articles(corpus, tmp_path, month=2, count=3)

    result = export_lake(corpus.db_path, lake, now=NOW)

    february = {f"{t}/month=2022-02" for t in MONTHLY}
    assert _written(result) == february
    after = mtimes(lake)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {f"{key}/data.parquet" for key in february}
    assert lake_answers(lake) == file_answers(corpus.db_path)


def test_changed_mentions_rewrite_their_months(corpus: Settings, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    export_lake(corpus.db_path, lake, now=NOW)
    # As a re-extraction does: mentions of stored articles change, the articles do not.
    with connect(corpus.db_path) as con:
        con.execute(
            "DELETE FROM mentions WHERE article_id IN (SELECT article_id FROM articles"
            " WHERE external_id = 'm3-1')"
        )
        con.execute(
            "UPDATE mentions SET rule = 'other' WHERE article_id IN (SELECT article_id"
            " FROM articles WHERE external_id = 'm1-1')"
        )

    result = export_lake(corpus.db_path, lake, now=NOW)

    # January's mention counts are unchanged (only a rule), so its daily_mentions is too.
    assert _written(result) == {
        "mentions/month=2022-01",
        "mentions/month=2022-03",
        "daily_mentions/month=2022-03",
    }
    assert lake_answers(lake) == file_answers(corpus.db_path)


def test_a_month_gone_from_the_file_leaves_the_lake(corpus: Settings, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    export_lake(corpus.db_path, lake, now=NOW)
    with connect(corpus.db_path) as con:
        january = "SELECT article_id FROM articles WHERE published_at < '2022-02-01'"
        con.execute(f"DELETE FROM mentions WHERE article_id IN ({january})")
        con.execute(f"DELETE FROM story_signatures WHERE article_id IN ({january})")
        con.execute("DELETE FROM articles WHERE published_at < '2022-02-01'")
        for table in ("daily_entity_forms", "daily_entities", "daily_totals"):
            con.execute(f"DELETE FROM {table} WHERE day < '2022-02-01'")

    result = export_lake(corpus.db_path, lake, now=NOW)

    assert set(result.removed) == {f"{t}/month=2022-01" for t in MONTHLY}
    assert not (lake / "articles" / "month=2022-01").exists()
    assert lake_answers(lake) == file_answers(corpus.db_path)


def test_a_database_without_articles_exports_empty_tables(db_path: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"

    result = export_lake(db_path, lake, now=NOW)

    assert sorted(result.written) == ["entities", "leader_terms"]
    assert lake_answers(lake) == file_answers(db_path)
    describe = [
        f"SELECT column_name, column_type FROM (DESCRIBE {t})" for t in ("articles", "mentions")
    ]
    with open_lake(lake) as con:
        on_lake = [con.sql(query).fetchall() for query in describe]
    with connect(db_path, read_only=True) as con:
        assert on_lake == [con.sql(query).fetchall() for query in describe]


def test_two_exports_of_one_lake_do_not_run_at_once(corpus: Settings, tmp_path: Path) -> None:
    from jobs.lake.files import LakeBusyError, export_lock

    lake = tmp_path / "lake"
    with export_lock(lake), pytest.raises(LakeBusyError, match="being exported"):
        # flock is per open file: a second open in this process conflicts like another
        # process would.
        export_lake(corpus.db_path, lake, now=NOW)
    assert export_lake(corpus.db_path, lake, now=NOW).written
