"""The report job end to end on the small corpus of conftest: numbers behind every
chart against hand-computed values, real chart files, PDF, escaping, navigation."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from jobs.report import run_report
from jobs.settings import Settings
from tests.conftest import CHART_SIZES, assert_chart_image, load_report_corpus

NOW = datetime(2022, 4, 2, 8, 0)


def _z(x1: int, n1: int, x0: int, n0: int) -> float:
    pooled = (x1 + x0) / (n1 + n0)
    return (x1 / n1 - x0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))


def _march(settings: Settings, forms: tuple[str, ...] | None = None) -> Path:
    return run_report(settings, "month", date(2022, 3, 15), now=NOW, forms=forms).path


@pytest.fixture(scope="module")
def march(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The March 2022 report of the small corpus, rendered once for the tests that read it."""
    return _march(load_report_corpus(tmp_path_factory.mktemp("march")))


def test_top_entities_and_changes_match_hand_computation(march: Path) -> None:
    folder = march.parent
    top = pl.read_csv(folder / "top-country.csv")
    rows = {r["entity_id"]: r for r in top.iter_rows(named=True)}
    # March: 10 articles. Russia in 7 (m1-m7; m8 names only Putin), Ukraine in 8,
    # France in 1. February: 8 articles, none about Russia or Ukraine, 3 about France.
    # France (1 article) is under the top lists' minimum of 3; every change is in movers.csv.
    assert list(rows) == ["UKR", "RUS"]
    rows |= {r["entity_id"]: r for r in pl.read_csv(folder / "movers.csv").iter_rows(named=True)}
    assert (rows["UKR"]["articles"], rows["RUS"]["articles"], rows["FRA"]["articles"]) == (8, 7, 1)
    assert rows["RUS"]["share"] == pytest.approx(0.7)
    assert rows["RUS"]["previous_share"] == 0.0
    assert rows["RUS"]["change_previous"] == pytest.approx(0.7)
    assert rows["FRA"]["previous_share"] == pytest.approx(3 / 8)
    # Baseline: the 6 months before (only January and February hold articles): 16
    # articles, 1 about Russia, 6 about France.
    assert rows["RUS"]["baseline_share"] == pytest.approx(1 / 16)
    assert rows["RUS"]["z_baseline"] == pytest.approx(_z(7, 10, 1, 16))
    assert rows["UKR"]["z_baseline"] == pytest.approx(_z(8, 10, 0, 16))
    assert rows["FRA"]["z_baseline"] == pytest.approx(_z(1, 10, 6, 16))
    assert [rows[e]["mover"] for e in ("UKR", "RUS", "FRA")] == ["rising", "rising", None]
    leaders = pl.read_csv(folder / "top-leader.csv")
    assert leaders.select("entity_id", "articles").rows() == [("Vladimir Putin", 6)]
    movers = pl.read_csv(folder / "movers.csv").filter(pl.col("mover").is_not_null())
    # Strongest first: Ukraine z 4.30, Putin 3.53, Russia 3.43.
    assert movers.sort("z_baseline", descending=True)["entity_id"].to_list() == [
        "UKR",
        "Vladimir Putin",
        "RUS",
    ]


def test_attention_comentions_world_and_forms_numbers(march: Path) -> None:
    folder = march.parent
    trend = pl.read_csv(folder / "attention-country.csv", try_parse_dates=True)
    weeks = trend.filter(pl.col("entity_id") == "RUS").sort("bucket")
    # Weekly buckets over a year; March's articles fall on Mar 2..11.
    week_of_feb_28 = weeks.filter(pl.col("bucket") == date(2022, 2, 28)).row(0, named=True)
    # Mar 2..6 hold m1..m5, all about Russia; Feb 28 - Mar 1 hold nothing.
    assert (week_of_feb_28["articles"], week_of_feb_28["total_articles"]) == (5, 5)
    week_of_mar_7 = weeks.filter(pl.col("bucket") == date(2022, 3, 7)).row(0, named=True)
    # Mar 7..11 hold m6..m10: m6 and m7 mention Russia.
    assert (week_of_mar_7["articles"], week_of_mar_7["total_articles"]) == (2, 5)
    assert week_of_mar_7["share"] == pytest.approx(0.4)
    assert weeks["total_articles"].sum() == 26
    pairs = pl.read_csv(folder / "pairs.csv")
    rus_ukr = pairs.filter((pl.col("entity_a") == "RUS") & (pl.col("entity_b") == "UKR")).row(
        0, named=True
    )
    # together 7 of 10 articles, Russia 7, Ukraine 8: lift 7*10/(7*8) = 1.25
    assert rus_ukr["together"] == 7
    assert rus_ukr["lift"] == pytest.approx(1.25)
    assert rus_ukr["npmi"] == pytest.approx(math.log(1.25) / -math.log(0.7), abs=1e-6)
    world = pl.read_csv(folder / "world.csv")
    # The United States, mentioned earlier in the window, is a zero, not a gap.
    assert dict(world.select("entity_id", "articles").rows()) == {
        "UKR": 8,
        "RUS": 7,
        "FRA": 1,
        "USA": 0,
    }
    forms = pl.read_csv(folder / "forms.csv").filter(pl.col("entity_id") == "RUS")
    by_form = dict(forms.select("form", "mentions").rows())
    # name: m1 twice (title and text), m2, m3-m6 = 7; adjective: m1 "Russian"; capital:
    # m1 "Moscow"; metonym: m7 "Kremlin" in title and text; leaders: Putin in m1,
    # m3-m6, and m8's title and text = 7.
    assert by_form == {"name": 7, "adjective": 1, "capital": 1, "metonym": 2, "leaders": 7}
    assert forms.filter(pl.col("form") == "leaders")["counted"].to_list() == [False]


def test_every_chart_is_a_real_image_and_the_pdf_holds_every_page(march: Path) -> None:
    path = march
    html = path.read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert sorted(name for name, _ in images) == sorted(f"{s}.png" for s in CHART_SIZES)
    for name, alt in images:
        stem = name.removesuffix(".png")
        assert_chart_image(path.parent / name, CHART_SIZES[stem])
        assert len(alt) > 40, f"{name} has no useful alt text"
        assert f'href="{stem}.csv" download' in html
        assert (path.parent / f"{stem}.csv").stat().st_size > 50
    pdf = (path.parent / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= len(CHART_SIZES) + 2
    assert 'href="report.pdf" download' in html


def test_untrusted_titles_and_urls_are_escaped(march: Path) -> None:
    html = march.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; $x$ Ukraine update" in html
    assert 'href="javascript:' not in html
    # Shown as text instead, escaped, beside the article that carries it.
    assert "javascript:alert(&#39;owned&#39;)</div>" in html
    assert "script-src 'none'" in html
    assert 'href="https://news.example/3/1"' in html


def test_evidence_quotes_the_sentences_with_counted_mentions_marked(march: Path) -> None:
    html = march.read_text(encoding="utf-8")
    evidence = html.split('id="evidence"', 1)[1]
    assert "Russia: rising this month" in evidence
    assert "Ukraine: rising this month" in evidence
    # Under Russia only Russia's mentions are marked, sentence by sentence.
    russia = evidence.split("Russia: rising this month", 1)[1].split("<h3", 1)[0]
    assert "<mark>Russia</mark> attacked Ukraine on Tuesday." in russia
    assert "of 7 in all" in russia
    assert "<mark>Putin</mark>" not in russia  # leaders do not count for countries by default


def test_forms_switch_changes_every_count_consistently(report_settings: Settings) -> None:
    folder = _march(report_settings, ("name",)).parent
    top = pl.read_csv(folder / "top-country.csv")
    # Without capital, adjective and metonym, m7 (only "Kremlin") no longer counts.
    assert top.filter(pl.col("entity_id") == "RUS")["articles"].to_list() == [6]
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "names it by name; leaders count only for themselves" in html
    folder = _march(report_settings, ("name", "metonym", "leaders")).parent
    top = pl.read_csv(folder / "top-country.csv")
    # With leaders rolled up, m8 (only "Vladimir Putin") counts for Russia too.
    assert top.filter(pl.col("entity_id") == "RUS")["articles"].to_list() == [8]
    pairs = pl.read_csv(folder / "pairs.csv")
    assert pairs.filter((pl.col("entity_a") == "RUS") & (pl.col("entity_b") == "UKR"))[
        "together"
    ].to_list() == [8]
    html = (folder / "index.html").read_text(encoding="utf-8")
    russia = html.split("Russia: rising this month", 1)[1].split("<h3", 1)[0]
    assert "<mark>Vladimir Putin</mark>" in russia


def test_navigation_stays_right_as_reports_are_added(report_settings: Settings) -> None:
    feb = run_report(report_settings, "month", date(2022, 2, 1), now=NOW).path
    assert 'rel="next"' not in feb.read_text(encoding="utf-8")
    mar = _march(report_settings)
    jan = run_report(report_settings, "month", date(2022, 1, 1), now=NOW).path
    feb_html = feb.read_text(encoding="utf-8")
    # The February page, written first, now links both ways.
    assert 'href="../2022-01-01/index.html" rel="prev"' in feb_html
    assert 'href="../2022-03-01/index.html" rel="next"' in feb_html
    assert 'href="../2022-02-01/index.html" rel="next"' in jan.read_text(encoding="utf-8")
    mar_html = mar.read_text(encoding="utf-8")
    assert 'href="../2022-02-01/index.html" rel="prev"' in mar_html
    assert 'rel="next"' not in mar_html
    assert mar_html.count("<!-- nav -->") == 2  # top and bottom, both rewritten
    index = (report_settings.reports_dir / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(month/[^"]+/index.html)"', index)
    assert links == [
        "month/2022-03-01/index.html",
        "month/2022-02-01/index.html",
        "month/2022-01-01/index.html",
    ]
    assert 'href="month/2022-03-01/report.pdf"' in index


def test_a_week_report_and_an_empty_period_render(report_settings: Settings) -> None:
    week = run_report(report_settings, "week", date(2022, 3, 1), now=NOW)
    assert week.start_on == date(2022, 2, 28) and week.articles == 5
    empty = run_report(report_settings, "month", date(2021, 6, 10), now=NOW)
    html = empty.path.read_text(encoding="utf-8")
    assert empty.articles == 0
    assert "No articles were published in this month." in html
    for stem, size in CHART_SIZES.items():
        assert_chart_image(empty.path.parent / f"{stem}.png", size, busy=False)
