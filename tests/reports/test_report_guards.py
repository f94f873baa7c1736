"""What a report refuses to do: report on a database that does not exist, overwrite or
unlist another database's reports, or report on a period after the newest article."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.cli import cli
from jobs.report import run_report
from jobs.settings import Settings, load_settings
from tests.conftest import load_report_corpus

NOW = datetime(2022, 4, 2, 8, 0)


def test_report_on_a_missing_database_is_refused_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MENTIONS_REPORTS_DIR", raising=False)
    typo = tmp_path / "data" / "mentionz.duckdb"
    result = CliRunner().invoke(
        cli, ["--db", str(typo), "report", "--period", "week", "--at", "2022-03-01"]
    )
    assert result.exit_code == 1, result.output
    assert result.output == (
        f'Error: {typo} does not exist yet. Run "mentions run" or "mentions ingest" first.\n'
    )
    assert not typo.exists()
    assert not (tmp_path / "data" / "reports").exists()


def _corpus(folder: Path) -> Settings:
    folder.mkdir(parents=True)
    return load_report_corpus(folder)


def test_each_database_gets_its_own_reports_folder_by_default(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "a")
    first = replace(corpus, reports_dir=None)
    assert first.reports_folder == tmp_path / "a" / "reports" / "mentions"
    other_db = tmp_path / "a" / "other.duckdb"
    other_db.write_bytes(first.db_path.read_bytes())
    second = replace(first, db_path=other_db)
    a = run_report(first, "month", date(2022, 3, 1), now=NOW).path
    b = run_report(second, "week", date(2022, 3, 1), now=NOW).path
    assert a == tmp_path / "a/reports/mentions/month/2022-03-01/index.html"
    assert b == tmp_path / "a/reports/other/week/2022-02-28/index.html"
    index = (first.reports_folder / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+/index.html)"', index) == ["month/2022-03-01/index.html"]


def test_a_shared_reports_dir_is_never_taken_over_by_another_database(tmp_path: Path) -> None:
    first = _corpus(tmp_path / "a")
    second = replace(_corpus(tmp_path / "b"), reports_dir=first.reports_dir)
    page = run_report(first, "month", date(2022, 3, 1), now=NOW).path
    before = page.read_bytes()
    with pytest.raises(ValueError, match="holds the reports of .*a/mentions.duckdb"):
        run_report(second, "month", date(2022, 3, 1), now=NOW)
    assert page.read_bytes() == before
    index = (first.reports_folder / "index.html").read_text(encoding="utf-8")
    assert "month/2022-03-01/index.html" in index


def test_settings_default_reports_folder_follows_the_database(tmp_path: Path) -> None:
    settings = load_settings(None, environ={}, db_path=tmp_path / "x" / "news.duckdb")
    assert settings.reports_folder == tmp_path / "x" / "reports" / "news"
    explicit = load_settings(None, environ={"MENTIONS_REPORTS_DIR": str(tmp_path / "r")})
    assert explicit.reports_folder == tmp_path / "r"


def test_a_period_after_the_newest_article_is_refused_and_never_listed(
    report_settings: Settings,
) -> None:
    from jobs.report import NoDataError

    run_report(report_settings, "month", date(2022, 3, 1), now=NOW)
    with pytest.raises(NoDataError) as refused:
        run_report(report_settings, "week", date(2030, 1, 1), now=NOW)
    assert str(refused.value) == (
        "the week of 2029-12-31 to 2030-01-06 starts after the newest article "
        f"(2022-03-11) in {report_settings.db_path}; pick an earlier --at"
    )
    assert not (report_settings.reports_folder / "week").exists()
    index = (report_settings.reports_folder / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+/index.html)"', index) == ["month/2022-03-01/index.html"]


def test_the_cli_says_so_in_one_line(report_settings: Settings) -> None:
    result = CliRunner().invoke(
        cli,
        ["--db", str(report_settings.db_path), "report", "--period", "day", "--at", "2022-03-12"],
        env={"MENTIONS_REPORTS_DIR": str(report_settings.reports_folder)},
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: the day of 2022-03-12 starts after the newest")


def test_a_period_the_articles_do_not_cover_to_its_end_is_marked_partial(
    report_settings: Settings,
) -> None:
    week = run_report(report_settings, "week", date(2022, 3, 9), now=NOW).path
    assert "partial: 5 of 7 days (articles up to 2022-03-11)" in week.read_text(encoding="utf-8")
    feb = run_report(report_settings, "month", date(2022, 2, 1), now=NOW).path
    assert "partial" not in feb.read_text(encoding="utf-8")
