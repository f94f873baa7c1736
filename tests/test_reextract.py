"""When seeds/ change, only the articles a change can touch are re-extracted, and the
mentions table never holds two versions of the gazetteer at once."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest

from jobs import reextract
from jobs.extract import run_extract
from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from jobs.store.check import MISDATED_MENTIONS_SQL
from jobs.store.seeds import load_gazetteer

ARTICLES = {
    "saudi.txt": "Saudi officials met\n\nSaudi officials met Russian envoys in Riyadh on Monday.",
    "russia.txt": "Russia talks\n\nRussia and Ukraine held talks; Moscow said little.",
    "germany.txt": "Berlin\n\nGermany's chancellor spoke in Berlin about German exports.",
    "leader.txt": "Visit\n\nPresident Putin met Chancellor Scholz in Moscow.",
}


def _write_articles(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(ARTICLES[name], encoding="utf-8")


def _copy_seeds(settings: Settings, tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(settings.seeds_dir, seeds, ignore=shutil.ignore_patterns("articles"))
    return seeds


def _state(path: Path) -> dict[str, object]:
    with duckdb.connect(str(path), read_only=True) as con:
        mentions = dict(
            con.execute("select entity_id, count(*) from mentions group by 1 order by 1").fetchall()
        )
        versions = con.execute("select distinct gazetteer_version from articles").fetchall()
        pending = con.execute(
            "select (select count(*) from pending_articles),"
            " (select count(*) from pending_mentions)"
        ).fetchall()[0]
        misdated = con.execute(MISDATED_MENTIONS_SQL).fetchall()[0][0]
    return {"mentions": mentions, "versions": versions, "pending": pending, "misdated": misdated}


@pytest.fixture
def stored(settings: Settings, tmp_path: Path) -> Settings:
    """A store holding the four articles, extracted with the repository's seeds."""
    folder = tmp_path / "news"
    _write_articles(folder, list(ARTICLES))
    run_ingest(settings, [SourceConfig(name="news", location=str(folder))])
    return settings


def test_only_articles_holding_a_changed_alias_are_re_extracted(
    stored: Settings, tmp_path: Path
) -> None:
    before = _state(stored.db_path)
    assert before["mentions"]["SAU"] == 3  # "Saudi" twice, "Riyadh"
    seeds = _copy_seeds(stored, tmp_path)
    countries = pl.read_csv(seeds / "countries.csv", infer_schema=False)
    countries.with_columns(
        adjectives=pl.when(pl.col("entity_id") == "SAU").then(None).otherwise(pl.col("adjectives"))
    ).write_csv(seeds / "countries.csv")
    edited = replace(stored, seeds_dir=seeds)

    result = run_extract(edited)

    assert result.articles == 1  # only saudi.txt holds "Saudi"
    after = _state(stored.db_path)
    assert after["mentions"]["SAU"] == 1  # "Riyadh" still counts
    assert {k: v for k, v in after["mentions"].items() if k != "SAU"} == {
        k: v for k, v in before["mentions"].items() if k != "SAU"
    }
    assert after["versions"] == [(load_gazetteer(seeds).version,)]
    assert after["pending"] == (0, 0)
    assert after["misdated"] == 0  # the new mentions carry their article's day
    assert run_extract(edited).articles == 0


def test_a_changed_term_re_extracts_the_articles_naming_that_leader(
    stored: Settings, tmp_path: Path
) -> None:
    seeds = _copy_seeds(stored, tmp_path)
    terms = pl.read_csv(seeds / "leader_terms.csv", infer_schema=False)
    # A changed term can change how "Chancellor Scholz" resolves: the article naming him
    # is looked at again, the others are not.
    terms.with_columns(
        end_on=pl.when(pl.col("entity_id") == "Olaf Scholz")
        .then(pl.lit("2021-12-09"))
        .otherwise(pl.col("end_on"))
    ).write_csv(seeds / "leader_terms.csv")
    result = run_extract(replace(stored, seeds_dir=seeds))
    assert result.articles == 1  # leader.txt only


def test_interrupted_re_extraction_leaves_one_version_and_resumes(
    stored: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state(stored.db_path)
    seeds = _copy_seeds(stored, tmp_path)
    rules = (seeds / "alias_rules.csv").read_text(encoding="utf-8")
    # A change every article is touched by: the rules of code are versioned too, and an
    # unknown old version means every article is looked at again.
    with duckdb.connect(str(stored.db_path)) as con:
        con.execute("delete from gazetteer_strings")
    (seeds / "alias_rules.csv").write_text(
        rules + "Berlin Wall Street,exclude,,,a test phrase\n", encoding="utf-8"
    )
    edited = replace(stored, seeds_dir=seeds)
    monkeypatch.setattr(reextract, "BATCH_SIZE", 2)

    def stop_after_first_batch(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_extract(edited, on_progress=stop_after_first_batch)
    halfway = _state(stored.db_path)
    assert halfway["mentions"] == before["mentions"]  # nothing swapped in yet
    assert halfway["versions"] == before["versions"]  # one version only
    assert halfway["pending"][0] == 2

    progress: list[tuple[int, int]] = []
    result = run_extract(edited, on_progress=lambda done, total: progress.append((done, total)))
    assert progress == [(2, 2)]  # only the two left; the first two were pending already
    assert result.articles == 4
    after = _state(stored.db_path)
    assert after["mentions"] == before["mentions"]
    assert after["versions"] == [(load_gazetteer(seeds).version,)]
    assert after["pending"] == (0, 0)


def test_re_extraction_starts_no_duckdb_for_each_batch(
    stored: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, duckdb_starts: list[str]
) -> None:
    """Each batch opens the file twice (its stale articles, its pending mentions),
    attached to one in-memory DuckDB: a batch an article starts no more DuckDBs than
    one batch for all four, and both end with the same mentions."""
    seeds = _copy_seeds(stored, tmp_path)
    with duckdb.connect(str(stored.db_path)) as con:
        con.execute("delete from gazetteer_strings")  # every article is looked at again
    rules = (seeds / "alias_rules.csv").read_text(encoding="utf-8")
    (seeds / "alias_rules.csv").write_text(
        rules + "Berlin Wall Street,exclude,,,a test phrase\n", encoding="utf-8"
    )
    states, starts = [], []
    for batch_size in (1, 4):
        copy = tmp_path / f"copy-{batch_size}.duckdb"
        shutil.copy(stored.db_path, copy)
        monkeypatch.setattr(reextract, "BATCH_SIZE", batch_size)
        duckdb_starts.clear()
        result = run_extract(replace(stored, db_path=copy, seeds_dir=seeds))
        starts.append(len(duckdb_starts))
        assert result.articles == 4
        states.append(_state(copy))
    assert starts[0] == starts[1]
    assert states[0] == states[1]


def test_ingest_after_a_seed_change_brings_old_articles_along(
    settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    _write_articles(first, ["saudi.txt", "russia.txt"])
    run_ingest(settings, [SourceConfig(name="first", location=str(first))])
    seeds = _copy_seeds(settings, tmp_path)
    countries = pl.read_csv(seeds / "countries.csv", infer_schema=False)
    countries.with_columns(
        capitals=pl.when(pl.col("entity_id") == "RUS").then(None).otherwise(pl.col("capitals"))
    ).write_csv(seeds / "countries.csv")
    edited = replace(settings, seeds_dir=seeds)
    second = tmp_path / "second"
    _write_articles(second, ["leader.txt"])
    run_ingest(edited, [SourceConfig(name="second", location=str(second))])
    state = _state(settings.db_path)
    assert state["versions"] == [(load_gazetteer(seeds).version,)]
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        moscow = con.execute("select count(*) from mentions where surface = 'Moscow'").fetchall()
    assert moscow == [(0,)]  # neither the old article nor the new one counts it now
