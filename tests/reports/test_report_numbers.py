"""Numbers that must not mislead: empty previous periods, partial buckets, share axes,
gaps, single points, signs and plurals, top-list minimums, non-significant movers."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analytics.trends import largest_changes, movers, period_changes, rolling_attention
from reports.attention import attention_chart
from reports.charts import movers_chart, top_entities_chart
from reports.words import plural, points, shares_apart, shares_from_to
from tests.analytics.test_trends import _freq


def _texts(fig: Figure) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def _trend(
    shares: list[float | None], totals: list[int], start: date, step: int = 1
) -> pl.DataFrame:
    n = len(shares)
    return pl.DataFrame(
        {
            "entity_id": ["RUS"] * n,
            "kind": ["country"] * n,
            "name": ["Russia"] * n,
            "bucket": [start + timedelta(days=step * i) for i in range(n)],
            "total_articles": totals,
            "share": shares,
            "rolling_share": shares,
        }
    )


def _entity_lines(fig: Figure) -> list[Line2D]:
    return [ln for ln in fig.axes[0].get_lines() if ln.get_label() in ("Russia", "Rus")]


def test_a_change_against_an_empty_previous_period_is_not_a_number() -> None:
    changes = period_changes(_freq("RUS", [0, 5], [0, 10]), date(2022, 2, 1), 1)
    row = changes.row(0, named=True)
    assert row["previous_share"] is None and row["change_previous"] is None
    assert row["baseline_share"] is None and row["change_baseline"] is None
    top = changes.select("name", "articles", "share", "previous_share", "change_previous")
    fig = top_entities_chart(top, what="Top", start=date(2022, 2, 1), end=date(2022, 3, 1))
    texts = _texts(fig)
    label = next(t for t in texts if t.startswith("50%"))
    assert label == "50% · 5 articles · change n/a"


def test_points_and_plurals_never_say_minus_zero_or_one_articles() -> None:
    assert points(-0.0001) == "0 pts" and points(0.0) == "0 pts"
    assert points(0.123) == "+12.3 pts" and points(-0.004, 0) == "0 pts"
    assert points(None) == "n/a"
    assert plural(1, "article") == "1 article" and plural(2, "article") == "2 articles"
    top = pl.DataFrame(
        {"name": ["Chad"], "articles": [1], "share": [0.1], "previous_share": [0.1004],
         "change_previous": [-0.0004]}
    )  # fmt: skip
    fig = top_entities_chart(top, what="Top", start=date(2022, 2, 1), end=date(2022, 3, 1))
    texts = _texts(fig)
    assert "10% · 1 article · 0 pts" in texts


def test_share_axes_stop_at_100_percent() -> None:
    fig = attention_chart(
        _trend([1.0, 1.0, 0.5], [2, 2, 2], date(2022, 3, 1)), ["RUS"], what="Top",
        bucket_name="day", start=date(2022, 3, 1), end=date(2022, 3, 4),
    )  # fmt: skip
    assert fig.axes[0].get_ylim()[1] <= 100
    top = pl.DataFrame({"name": ["Chad"], "articles": [4], "share": [1.0]})
    fig = top_entities_chart(top, what="Top", start=date(2022, 2, 1), end=date(2022, 3, 1))
    assert fig.axes[0].get_xlim()[1] <= 100


def test_rolling_lines_do_not_break_where_the_csv_has_a_value() -> None:
    freq = _freq("RUS", [1, 0, 2], [5, 0, 5]).with_columns(stories=pl.col("articles"))
    trend = rolling_attention(freq, 2)
    assert trend["rolling_share"].to_list() == pytest.approx([0.2, 0.2, 0.4])
    frame = trend.with_columns(share=pl.lit(0.0))
    fig = attention_chart(
        frame, ["RUS"], what="Top", bucket_name="month", start=date(2022, 1, 1),
        end=date(2022, 4, 1), value="rolling_share", rolling=2,
    )  # fmt: skip
    ys = [y for ln in _entity_lines(fig) for y in ln.get_ydata()]
    assert ys and not any(math.isnan(y) for y in ys)
    empty = rolling_attention(_freq("RUS", [0, 0], [0, 0]).with_columns(stories=pl.lit(0)), 2)
    assert empty["rolling_share"].to_list() == [None, None]  # no article: no share at all


def test_the_article_bars_count_whole_articles() -> None:
    # A quiet week (1-6 articles a day) had its bars' axis ticked 0.0, 2.5, 5.0: half an
    # article reads as a number that cannot be.
    totals = [1, 2, 6, 3, 1, 4, 2, 5, 1, 3]
    fig = attention_chart(
        _trend([0.5] * len(totals), totals, date(2022, 3, 1)), ["RUS"], what="Top",
        bucket_name="day", start=date(2022, 3, 1), end=date(2022, 3, 11),
    )  # fmt: skip
    fig.canvas.draw()
    bars = fig.axes[1]
    ticks = [t for t in bars.get_yticks() if bars.get_ylim()[0] <= t <= bars.get_ylim()[1]]
    assert len(ticks) >= 2
    assert all(float(t).is_integer() for t in ticks), ticks
    labels = [t.get_text() for t in bars.get_yticklabels() if t.get_text()]
    assert labels and not any("." in label for label in labels), labels


def test_a_single_point_is_drawn_with_a_marker() -> None:
    shares = [None] * 39 + [0.5] + [None] * 40
    totals = [0] * 39 + [4] + [0] * 40
    fig = attention_chart(
        _trend(shares, totals, date(2022, 1, 1)), ["RUS"], what="Top", bucket_name="day",
        start=date(2022, 1, 1), end=date(2022, 3, 22),
    )  # fmt: skip
    assert any(ln.get_marker() not in (None, "None", "") for ln in _entity_lines(fig))


def test_partial_first_and_last_buckets_are_marked_not_drawn_as_dips() -> None:
    # Weekly buckets from Monday 2022-02-28; the window starts on Thursday 2022-03-03 and
    # the articles stop on Tuesday 2022-03-22: the first and last weeks are partial.
    trend = _trend([0.2, 0.5, 0.5, 0.1], [2, 9, 9, 3], date(2022, 2, 28), step=7)
    fig = attention_chart(
        trend, ["RUS"], what="Top", bucket_name="week", start=date(2022, 3, 3),
        end=date(2022, 4, 1), data_end=date(2022, 3, 23),
    )  # fmt: skip
    solid = [ln for ln in _entity_lines(fig) if ln.get_linestyle() == "-"]
    assert len(solid) == 1
    ys = list(solid[0].get_ydata())
    assert math.isnan(ys[0]) and math.isnan(ys[-1]) and ys[1:3] == [50.0, 50.0]
    dashed = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "partial"]
    assert dashed and dashed[0].get_linestyle() in ("--", ":")
    assert any("partial" in t for t in _texts(fig))


def test_a_rolling_average_is_not_drawn_past_the_newest_article() -> None:
    # A week's report made on its first day: the articles stop on Monday 2022-03-21, the
    # week runs to Sunday. A 7-day average of the days after Monday would only average
    # fewer and fewer days of data (Sunday's: Monday's alone), and read like a fall.
    days = 14
    shares = [0.4] * 13 + [0.1]  # Monday 2022-03-21 alone is low
    trend = _trend(shares + [None] * 6, [10] * days + [0] * 6, date(2022, 3, 8))
    trend = trend.with_columns(
        rolling_share=pl.Series([0.4] * 13 + [0.36, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1])
    )
    fig = attention_chart(
        trend, ["RUS"], what="Top", bucket_name="day", start=date(2022, 3, 8),
        end=date(2022, 3, 28), value="rolling_share", rolling=7, data_end=date(2022, 3, 22),
    )  # fmt: skip
    drawn = {
        x.date() if isinstance(x, datetime) else x
        for ln in fig.axes[0].get_lines()
        for x, y in zip(ln.get_xdata(), ln.get_ydata(), strict=True)
        if not math.isnan(y)
    }
    assert max(drawn) == date(2022, 3, 21), sorted(drawn)


def test_top_lists_need_a_minimum_of_articles() -> None:
    from analytics.frequencies import top_entities

    freq = pl.concat([_freq("RUS", [5], [10]), _freq("FRA", [2], [10])]).with_columns(
        stories=pl.col("articles")
    )
    assert top_entities(freq, "country", 10, min_articles=3)["entity_id"].to_list() == ["RUS"]


def test_without_significant_movers_the_largest_changes_are_shown_as_not_significant() -> None:
    freq = pl.concat([_freq("RUS", [2, 3], [20, 20]), _freq("FRA", [1, 4], [20, 20])])
    changes = period_changes(freq, date(2022, 2, 1), 1)
    assert movers(changes).is_empty()
    shown = largest_changes(changes, 5)
    assert shown["entity_id"].to_list() == ["FRA", "RUS"]
    assert shown["mover"].to_list() == ["not significant"] * 2
    fig = movers_chart(
        shown, start=date(2022, 2, 1), end=date(2022, 3, 1), baseline="x", z_min=3, min_articles=5
    )
    assert any("not significant" in t for t in _texts(fig))


def test_a_rise_in_share_is_never_written_as_no_change() -> None:
    """A mover from 0.8% to 1.1% of articles read "1% -> 1%", and one from 0.4% to 0.6%
    "0% -> 1%" (seen in a month at a million articles): two shares are written with the
    fewest decimals, up to two, that keep them apart, one at least under 10%."""
    assert shares_from_to(0.008, 0.011) == "0.8% to 1.1%"
    assert shares_from_to(0.004, 0.006) == "0.4% to 0.6%"
    assert shares_from_to(0.0081, 0.0084) == "0.81% to 0.84%"
    assert shares_from_to(0.12, 0.35) == "12% to 35%"
    assert shares_from_to(0.121, 0.124) == "12.1% to 12.4%"
    assert shares_from_to(0.05, 0.05) == "5.0% to 5.0%"  # no change: nothing to keep apart
    assert shares_from_to(None, 0.2) == "n/a to 20%"
    assert shares_apart(0.004, 0.006) == ("0.4%", "0.6%")  # the evidence's sentences
    movers_frame = pl.DataFrame(
        {
            "name": ["Chile"],
            "share": [0.011],
            "baseline_share": [0.008],
            "change_baseline": [0.003],
            "z_baseline": [3.2],
            "mover": ["rising"],
        }
    )
    fig = movers_chart(
        movers_frame, start=date(2026, 11, 1), end=date(2026, 12, 1), baseline="x", z_min=3,
        min_articles=5,
    )  # fmt: skip
    assert "0.8% to 1.1% (z = 3.2)" in _texts(fig)


def test_a_report_says_n_a_without_a_previous_period_and_keeps_small_entities_out(
    report_settings: object,
) -> None:
    from jobs.report import run_report
    from jobs.settings import Settings

    assert isinstance(report_settings, Settings)
    page = run_report(report_settings, "month", date(2022, 1, 1), now=datetime(2022, 4, 2))
    html = page.path.read_text(encoding="utf-8")
    top = html.split('id="top"', 1)[1].split("</section>", 1)[0]
    assert "n/a" in top and "+100" not in top and "-0" not in top
    countries = pl.read_csv(page.path.parent / "top-country.csv")["entity_id"].to_list()
    assert "RUS" not in countries  # in 1 article of January, under the minimum of 3
    movers_part = html.split('id="movers"', 1)[1].split("</section>", 1)[0]
    assert "1 articles" not in html
    assert "not significant" in movers_part or "Nothing to show" in movers_part


def test_a_day_reports_own_day_is_shaded_inside_the_axes() -> None:
    # A day report charts the 30 days to its day: the day is the last bucket, and its
    # shade and "this period" label must be inside the axes, not past their right edge.
    start, day = date(2022, 2, 1), date(2022, 3, 2)
    fig = attention_chart(
        _trend([0.1] * 30, [10] * 30, start), ["RUS"], what="Top", bucket_name="day",
        start=start, end=day + timedelta(days=1), value="rolling_share",
        highlight=(day, day + timedelta(days=1)), rolling=7,
    )  # fmt: skip
    fig.canvas.draw()
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    shade = next(p for p in ax.patches if p.get_label() == "_period")
    shown = min(high, shade.get_x() + shade.get_width()) - max(low, shade.get_x())
    assert shown >= 0.99  # days
    label = next(t for t in ax.texts if t.get_text() == "this period")
    assert label.get_window_extent().x1 <= ax.bbox.x1 + 1


def test_a_rolling_average_reaches_back_before_the_charted_window(tmp_path: Path) -> None:
    # The day report of 2022-04-10 charts the 30 days from 2022-03-12 as 7-day averages:
    # the first ones average the six days before the window too, not fewer days.
    from jobs.ingest import run_ingest
    from jobs.report import run_report
    from jobs.settings import SourceConfig, load_settings

    days = [(3, 8, "Peru signed a deal."), (3, 10, "Markets were calm."),
            (3, 12, "Peru held a vote.")] + [(4, 10, "Peru won a match.")] * 3  # fmt: skip
    lines = [
        json.dumps({"id": f"a{i}", "url": f"https://news.example/{i}", "title": f"Item {i}",
                    "text": f"{text} Item {i}.", "published": f"2022-{m:02d}-{d:02d}T12:00:00Z"})
        for i, (m, d, text) in enumerate(days)
    ]  # fmt: skip
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(
        None, environ={}, db_path=tmp_path / "m.duckdb", reports_dir=tmp_path / "reports"
    )
    run_ingest(settings, [SourceConfig(name="corpus", location=str(corpus))])
    page = run_report(settings, "day", date(2022, 4, 10), now=datetime(2022, 4, 12))
    trend = pl.read_csv(page.path.parent / "attention-country.csv", try_parse_dates=True)
    peru = dict(trend.filter(pl.col("entity_id") == "PER").select("bucket", "rolling_share").rows())
    assert min(peru) == date(2022, 3, 12)  # the window's days only
    assert peru[date(2022, 3, 12)] == pytest.approx(2 / 3)  # 6-12 March: Peru in 2 of 3
    assert peru[date(2022, 3, 15)] == pytest.approx(1 / 2)  # 9-15 March: 1 of 2
    assert peru[date(2022, 3, 19)] is None  # 13-19 March: no article at all
    assert peru[date(2022, 4, 10)] == pytest.approx(1.0)
