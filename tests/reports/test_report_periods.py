"""Quarter and year reports, and report periods in the reader's time zone, end to end
on small hand-built corpora in real DuckDB files; numbers checked against hand counts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from jobs.ingest import run_ingest
from jobs.report import run_report
from jobs.settings import Settings, SourceConfig, load_settings
from reports.words import period_label
from tests.conftest import CHART_SIZES, assert_chart_image

NOW = datetime(2022, 4, 2, 8, 0)


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_quarter_and_year_labels() -> None:
    assert period_label(date(2022, 1, 1), date(2022, 4, 1)) == "2022-Q1"
    assert period_label(date(2022, 10, 1), date(2023, 1, 1)) == "2022-Q4"
    assert period_label(date(2022, 1, 1), date(2023, 1, 1)) == "2022"
    assert period_label(date(2022, 3, 1), date(2022, 4, 1)) == "March 2022"
    assert period_label(date(2022, 2, 1), date(2022, 5, 1)) == "2022-02-01 to 2022-04-30"
    assert period_label(date(2020, 4, 1), date(2022, 4, 1)) == "2020-04-01 to 2022-03-31"


def test_quarter_report_counts_every_article_of_the_quarter(report_settings: Settings) -> None:
    result = run_report(report_settings, "quarter", date(2022, 2, 14), now=NOW)
    assert (result.start_on, result.end_on) == (date(2022, 1, 1), date(2022, 3, 31))
    assert result.path == report_settings.reports_folder / "quarter/2022-01-01/index.html"
    assert result.articles == 26
    top = pl.read_csv(result.path.parent / "top-country.csv")
    # January: Russia 1, France 3, the United States 3; February: France 3, the United
    # States 4; March: Russia 7 (m1-m7, m7 by "Kremlin"), Ukraine 8, France 1.
    assert dict(top.select("entity_id", "articles").rows()) == {
        "RUS": 8,
        "UKR": 8,
        "FRA": 7,
        "USA": 7,
    }
    rus = top.filter(pl.col("entity_id") == "RUS").row(0, named=True)
    assert rus["share"] == pytest.approx(8 / 26)
    assert rus["previous_share"] is None  # the fourth quarter of 2021 holds no article
    trend = pl.read_csv(result.path.parent / "attention-country.csv", try_parse_dates=True)
    # Weekly grain over eight quarters: from the week holding 2020-04-01.
    assert trend["bucket"].min() == date(2020, 3, 30)
    assert trend.filter(pl.col("entity_id") == "RUS")["total_articles"].sum() == 26
    html = result.path.read_text(encoding="utf-8")
    assert "Countries and leaders in the news: quarter of 2022-Q1</h1>" in html
    # The articles stop on 11 March: 70 of the quarter's 90 days.
    assert "This quarter is partial: 70 of 90 days (articles up to 2022-03-11)." in html
    assert "the 4 quarters before" in html
    index = (report_settings.reports_folder / "index.html").read_text(encoding="utf-8")
    assert 'href="quarter/2022-01-01/index.html">2022-Q1</a>' in index
    assert 'id="quarter"' in index


def test_year_report_renders_every_chart_and_page(report_settings: Settings) -> None:
    result = run_report(report_settings, "year", date(2022, 6, 1), now=datetime(2023, 1, 2))
    assert (result.start_on, result.end_on) == (date(2022, 1, 1), date(2022, 12, 31))
    assert result.path == report_settings.reports_folder / "year/2022-01-01/index.html"
    assert result.articles == 26
    html = result.path.read_text(encoding="utf-8")
    assert "Countries and leaders in the news: year of 2022</h1>" in html
    assert "This year is partial: 70 of 365 days (articles up to 2022-03-11)." in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert sorted(images) == sorted(f"{s}.png" for s in CHART_SIZES)
    for stem, size in CHART_SIZES.items():
        assert_chart_image(result.path.parent / f"{stem}.png", size)
    trend = pl.read_csv(result.path.parent / "attention-country.csv", try_parse_dates=True)
    # Monthly grain over five years, every month present (zero-filled).
    assert trend["bucket"].unique().sort().to_list()[:2] == [date(2018, 1, 1), date(2018, 2, 1)]
    assert trend["bucket"].n_unique() == 60
    march = trend.filter((pl.col("entity_id") == "RUS") & (pl.col("bucket") == date(2022, 3, 1)))
    assert march.select("articles", "total_articles").row(0) == (7, 10)
    pdf = result.path.parent / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is not None:
        assert "year of 2022" in _pdf_text(pdf)


def test_a_quarter_report_before_the_data_is_refused(report_settings: Settings) -> None:
    from jobs.report import PeriodAfterDataError

    with pytest.raises(PeriodAfterDataError, match="the quarter of 2022-Q2 starts after"):
        run_report(report_settings, "quarter", date(2022, 4, 1), now=NOW)


def _corpus(folder: Path, zone: str) -> Settings:
    """Four articles around two month ends, in a database of their own."""
    articles = [
        ("a1", "2022-02-10T12:00:00Z", "Russia said little."),
        # Monday 28 February, 22:00 in Washington: a February briefing there.
        ("a2", "2022-03-01T03:00:00Z", "Russia and Ukraine talked."),
        ("a3", "2022-03-10T12:00:00Z", "France called for calm."),
        # Thursday 31 March, 22:00 in Washington: the first quarter there.
        ("a4", "2022-04-01T02:00:00Z", "Ukraine asked for help."),
    ]
    folder.mkdir()
    corpus = folder / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps(
                {"id": i, "url": f"https://news.example/{i}", "title": i, "text": t, "published": p}
            )
            + "\n"
            for i, p, t in articles
        ),
        encoding="utf-8",
    )
    settings = load_settings(
        None,
        environ={},
        db_path=folder / "mentions.duckdb",
        reports_dir=folder / "reports",
        timezone=zone,
        min_articles=1,
    )
    run_ingest(settings, [SourceConfig(name="corpus", location=str(corpus))])
    return settings


def test_an_evening_briefing_in_washington_belongs_to_february_there(tmp_path: Path) -> None:
    utc = _corpus(tmp_path / "utc", "UTC")
    washington = _corpus(tmp_path / "washington", "America/New_York")
    later = datetime(2022, 7, 1)
    assert run_report(utc, "month", date(2022, 2, 1), now=later).articles == 1
    assert run_report(utc, "month", date(2022, 3, 1), now=later).articles == 2
    feb = run_report(washington, "month", date(2022, 2, 1), now=later)
    assert feb.articles == 2
    # March there: a3 and a4 (31 March, 22:00); in UTC a2 and a3 (a4 is in April).
    assert run_report(washington, "month", date(2022, 3, 1), now=later).articles == 2
    top = pl.read_csv(feb.path.parent / "top-country.csv")
    assert dict(top.select("entity_id", "articles").rows()) == {"RUS": 2, "UKR": 1}
    html = feb.path.read_text(encoding="utf-8")
    assert "published in this month (America/New_York)" in html
    day = run_report(washington, "day", date(2022, 2, 28), now=later)
    assert day.articles == 1
    assert run_report(utc, "day", date(2022, 2, 28), now=later).articles == 0
    quarter = run_report(washington, "quarter", date(2022, 1, 1), now=later)
    assert quarter.articles == 4
    assert run_report(utc, "quarter", date(2022, 1, 1), now=later).articles == 3
    trend = pl.read_csv(quarter.path.parent / "attention-country.csv", try_parse_dates=True)
    # Weekly buckets in Washington's time: the briefing is in the week of 28 February.
    week = trend.filter((pl.col("entity_id") == "RUS") & (pl.col("bucket") == date(2022, 2, 28)))
    assert week.select("articles", "total_articles").row(0) == (1, 1)


def test_the_default_period_is_the_last_complete_one_in_the_readers_zone(
    tmp_path: Path,
) -> None:
    washington = _corpus(tmp_path / "washington", "America/New_York")
    # 1 March, 02:00 UTC is still 28 February in Washington: February is not complete.
    result = run_report(washington, "month", now=datetime(2022, 3, 1, 2))
    assert result.start_on == date(2022, 1, 1)
    result = run_report(washington, "month", now=datetime(2022, 3, 1, 6))
    assert result.start_on == date(2022, 2, 1)


def test_evidence_and_axes_show_the_readers_zone(report_settings: Settings) -> None:
    # Noon UTC is 21:00 the same day in Tokyo: the March numbers do not move.
    tokyo = replace(report_settings, timezone="Asia/Tokyo")
    result = run_report(tokyo, "month", date(2022, 3, 1), now=NOW)
    assert result.articles == 10
    html = result.path.read_text(encoding="utf-8")
    assert "published in this month (Asia/Tokyo)" in html
    evidence = html.split('id="evidence"', 1)[1]
    assert "2022-03-02 21:00 Asia/Tokyo" in evidence
    assert " UTC ·" not in evidence
    if shutil.which("pdftotext") is not None:
        text = _pdf_text(result.path.parent / "report.pdf")
        assert "2022-03-01 to 2022-03-31 (Asia/Tokyo)" in text
        assert "2022-03-02 21:00 Asia/Tokyo" in text


def test_a_day_where_no_country_reaches_the_minimum_still_charts_its_window(
    report_settings: Settings,
) -> None:
    # 2022-03-06 holds one article (m3-5); no country is in the 3 articles a top list
    # needs, but the 30 days before it hold 13 articles naming Russia, Ukraine, France
    # and the United States: the attention chart shows those, and says why.
    result = run_report(report_settings, "day", date(2022, 3, 6), now=NOW)
    folder = result.path.parent
    assert result.articles == 1
    assert pl.read_csv(folder / "top-country.csv").is_empty()
    trend = pl.read_csv(folder / "attention-country.csv", try_parse_dates=True)
    assert not trend.is_empty(), "the window's countries are charted"
    window = trend.group_by("entity_id").agg(pl.col("articles").sum())
    assert window.filter(pl.col("articles") < 3).is_empty()  # the minimum, over the window
    assert trend["bucket"].min() == date(2022, 2, 5)  # 30 days ending on 6 March
    html = result.path.read_text(encoding="utf-8")
    assert "No country is in 3 or more articles of this day" in html
    assert "the top countries of the 30 days" in html
    assert_chart_image(folder / "attention-country.png", CHART_SIZES["attention-country"])
