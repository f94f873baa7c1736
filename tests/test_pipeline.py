"""The main job end to end on real files: ingest, extract, report; idempotent."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from jobs.extract import run_extract
from jobs.ingest import run_ingest
from jobs.pipeline import run_main
from jobs.settings import Settings, SourceConfig
from tests.conftest import CHART_SIZES, SEED_ARTICLE, assert_chart_image


def _counts(path: Path) -> tuple[int, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select (select count(*) from articles), (select count(*) from mentions)"
        ).fetchall()[0]


def test_run_twice_stores_nothing_twice(settings: Settings) -> None:
    first = run_main(settings)
    assert first.ingest.articles_new == 1
    assert first.report.path.is_file()
    counts = _counts(settings.db_path)
    assert counts[0] == 1 and counts[1] > 90
    second = run_main(settings)
    assert second.ingest.articles_new == 0
    assert _counts(settings.db_path) == counts
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        runs = con.execute(
            "select job, status, articles_new from job_runs order by run_id"
        ).fetchall()
    assert runs == [("run", "ok", 1), ("run", "ok", 0)]


def test_report_page_has_every_chart_as_a_real_image(settings: Settings) -> None:
    # The seed corpus is one article: rank entities of one article, so no chart is empty.
    settings = replace(settings, min_articles=1)
    result = run_main(settings)
    html = result.report.path.read_text(encoding="utf-8")
    images = [part.split('"', 1)[0] for part in html.split('<img src="')[1:]]
    assert sorted(images) == sorted(f"{stem}.png" for stem in CHART_SIZES)
    for name in images:
        stem = name.removesuffix(".png")
        assert_chart_image(result.report.path.parent / name, CHART_SIZES[stem])
    assert "Russia" in html and "Donald Trump" in html
    index = (settings.reports_dir / "index.html").read_text(encoding="utf-8")
    assert f'href="week/{result.report.start_on.isoformat()}/index.html"' in index


def test_same_content_under_another_path_is_stored_once(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    shutil.copy(SEED_ARTICLE, folder / "copy.txt")
    run_main(settings)
    result = run_ingest(settings, [SourceConfig(name="more", location=str(folder))])
    assert (result.articles_seen, result.articles_new) == (1, 0)


def test_bad_inputs_are_recorded_and_the_batch_goes_on(settings: Settings, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        json.dumps(
            {"id": "1", "title": "Kyiv", "text": "Ukraine and Russia.", "published": "2022-03-01"}
        )
        + "\n{broken\n"
        + json.dumps({"id": "2", "title": "", "text": " "})
        + "\n",
        encoding="utf-8",
    )
    result = run_ingest(settings, [SourceConfig(name="dump", location=str(dump))])
    assert (result.articles_new, result.errors) == (1, 2)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        errors = con.execute("select location, reason from ingest_errors order by 1").fetchall()
        published = con.execute("select published_at, date_source from articles").fetchall()
    assert [e[0].rsplit(":", 1)[1] for e in errors] == ["2", "3"]
    assert published == [(datetime(2022, 3, 1), "source")]


def test_changed_seeds_re_extract_stored_articles(settings: Settings, tmp_path: Path) -> None:
    run_main(settings)
    seeds = tmp_path / "seeds"
    shutil.copytree(settings.seeds_dir, seeds)
    countries = pl.read_csv(seeds / "countries.csv", infer_schema=False)
    # Drop every alias of Saudi Arabia but its name: "Saudi" alone no longer counts.
    countries = countries.with_columns(
        adjectives=pl.when(pl.col("entity_id") == "SAU").then(None).otherwise(pl.col("adjectives"))
    )
    countries.write_csv(seeds / "countries.csv")
    edited = Settings(**{**settings.__dict__, "seeds_dir": seeds})
    result = run_extract(edited)
    assert result.articles == 1
    assert run_extract(edited).articles == 0
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        sau = con.execute("select count(*) from mentions where entity_id = 'SAU'").fetchall()
    assert sau == [(1,)]  # "Saudi Arabia" still counts
