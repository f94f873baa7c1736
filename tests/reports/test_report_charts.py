"""How the charts look, checked on the drawn figures: titles inside the figure, the two
attention charts aligned, neighbouring colours apart, PDF pages with captions and numbers."""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import polars as pl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from reports.attention import attention_chart
from reports.charts import (
    forms_chart,
    lay_out,
    movers_chart,
    save_chart,
    top_entities_chart,
)
from reports.heatmap import comention_heatmap
from reports.pdf import standard_fonts_likely, standard_fonts_suffice
from reports.style import PALETTE, PREVIOUS, drawing_rc
from reports.tilemap import world_tile_map
from tests.conftest import load_report_corpus

LONG = "Mohammed bin Salman bin Abdulaziz Al Saud"
DAY = (date(2022, 3, 3), date(2022, 3, 4))
WEEK = (date(2022, 2, 28), date(2022, 3, 7))
QUARTER = (date(2022, 1, 1), date(2022, 4, 1))
YEAR = (date(2022, 1, 1), date(2023, 1, 1))


def _trend(names: list[str], start: date, days: int) -> pl.DataFrame:
    rows = [
        {"entity_id": f"E{i}", "kind": "leader", "name": name, "bucket": start + timedelta(d),
         "total_articles": 10, "share": 0.1 * (i + 1), "rolling_share": 0.1 * (i + 1),
         "articles": i + 1, "mentions": i + 2}
        for i, name in enumerate(names) for d in range(days)
    ]  # fmt: skip
    return pl.DataFrame(rows)


def _attention(names: list[str], period: tuple[date, date]) -> Figure:
    start = period[0] - timedelta(days=29)
    return attention_chart(
        _trend(names, start, 35), [f"E{i}" for i in range(len(names))],
        what="Top leaders of the week", bucket_name="day", start=start, end=period[1],
        value="rolling_share", highlight=period, rolling=7,
    )  # fmt: skip


def _changes(names: list[str]) -> pl.DataFrame:
    n = len(names)
    return pl.DataFrame(
        {"entity_id": [f"E{i}" for i in range(n)], "name": names, "articles": [5] * n,
         "share": [0.5] * n, "previous_share": [0.2] * n, "change_previous": [0.3] * n,
         "baseline_share": [0.1] * n, "change_baseline": [0.4] * n, "z_baseline": [4.0] * n,
         "mover": ["rising"] * n}
    )  # fmt: skip


def _all_charts(period: tuple[date, date], long: str = LONG) -> dict[str, Figure]:
    names = [long, "Volodymyr Zelenskyy", "Emmanuel Macron"]
    start, end = period
    forms = pl.DataFrame(
        {"entity_id": ["RUS", "RUS"], "name": ["Russia", "Russia"], "form": ["name", "leaders"],
         "mentions": [3, 1], "counted": [True, False]}
    )  # fmt: skip
    matrix = pl.DataFrame(
        {"entity_a": ["RUS", "RUS", "UKR", "UKR"], "entity_b": ["RUS", "UKR", "RUS", "UKR"],
         "name_a": ["Russia", "Russia", long, long], "name_b": ["Russia", long, "Russia", long],
         "together": [5, 3, 3, 4], "npmi": [1.0, 0.5, 0.5, 1.0]}
    )  # fmt: skip
    world = pl.DataFrame(
        {"entity_id": ["RUS", "UKR"], "name": ["Russia", "Ukraine"], "articles": [5, 4],
         "mentions": [9, 6], "share": [0.5, 0.4]}
    )  # fmt: skip
    return {
        "attention": _attention(names, period),
        "top": top_entities_chart(_changes(names), what="Top leaders", start=start, end=end,
                                  previous_name="previous week"),
        "movers": movers_chart(_changes(names), start=start, end=end,
                               baseline="the 8 weeks before", z_min=3.0, min_articles=5),
        "forms": forms_chart(forms, start=start, end=end, labels={}),
        "heatmap": comention_heatmap(matrix, start=start, end=end),
        "world": world_tile_map(world, start=start, end=end),
    }  # fmt: skip


def _hidden_ticks(fig: Figure) -> set[int]:
    """Tick labels matplotlib keeps but does not draw (their tick is out of view)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return hidden


def _outside(fig: Figure, fmt: str, tmp_path: Path) -> list[str]:
    """Texts drawn (partly) outside the figure when saved as the report does: the PNG
    first (which fixes the layout), then the PDF page."""
    save_chart(fig, tmp_path / "chart.png")
    if fmt == "pdf":
        fig.savefig(io.BytesIO(), format="pdf")
    renderer = FigureCanvasAgg(fig).get_renderer()
    box = fig.bbox
    bad = []
    hidden = _hidden_ticks(fig)
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or id(text) in hidden:
            continue
        with drawing_rc():  # measured as drawn
            extent = text.get_window_extent(renderer)
        if extent.x0 < box.x0 - 1 or extent.x1 > box.x1 + 1 or extent.y1 > box.y1 + 1:
            bad.append(text.get_text())
    return bad


@pytest.mark.parametrize(
    "period", [DAY, WEEK, QUARTER, YEAR], ids=["day", "week", "quarter", "year"]
)
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_no_title_or_label_is_clipped(period: tuple[date, date], fmt: str, tmp_path: Path) -> None:
    for name, fig in _all_charts(period).items():
        assert _outside(fig, fmt, tmp_path) == [], name


@pytest.mark.parametrize("long", [LONG, "Recep Tayyip Erdo\u011fan"], ids=["cp1252", "other"])
def test_the_font_foreseen_before_the_layout_is_the_one_the_page_is_drawn_in(long: str) -> None:
    """Each chart's titles are broken for the font its PDF page will be drawn in
    before its layout is computed (``standard_fonts_likely``, without its ticks): the
    page's own choice once laid out (``standard_fonts_suffice``) is the same, with a
    name outside cp1252 (Helvetica has no "\u011f") and without."""
    for name, fig in _all_charts(WEEK, long).items():
        foreseen = standard_fonts_likely(fig)
        lay_out(fig, standard=foreseen)
        assert standard_fonts_suffice(fig) is foreseen, name
        assert foreseen is (long == LONG or name in ("forms", "world")), name


def _movers_of_a_week(sign: float) -> pl.DataFrame:
    """The largest changes of a week at 46,000 articles, whose longest bar's label ran
    past the axes into the names beside it; ``sign`` -1 turns them round."""
    names = [
        "Ukraine",
        "Israel",
        "Vladimir Putin",
        "China",
        "Russia",
        "Xi Jinping",
        "Poland",
        "Japan",
        "Andrés Manuel López Obrador",
        "Donald Trump",
    ]
    before = [0.36, 0.22, 0.15, 0.24, 0.35, 0.067, 0.047, 0.121, 0.015, 0.36]
    after = [0.28, 0.17, 0.10, 0.20, 0.31, 0.027, 0.014, 0.088, 0.047, 0.40]
    if sign < 0:
        before, after = after, before
    return pl.DataFrame(
        {"name": names, "share": after, "baseline_share": before,
         "change_baseline": [a - b for a, b in zip(after, before, strict=True)],
         "z_baseline": [-1.9, -1.3, -1.4, -1.1, -1.0, -1.9, -1.9, -1.2, 2.7, 0.8],
         "mover": ["not significant"] * len(names)}
    )  # fmt: skip


def _forms_of_a_year() -> pl.DataFrame:
    """A year at a million articles, every form in the legend: the first country's
    mentions run into millions."""
    forms = ["name", "adjective", "capital", "metonym", "leaders"]
    totals = {"USA": 4_171_905, "RUS": 201_475, "UKR": 215_780}
    names = {"USA": "United States", "RUS": "Russia", "UKR": "Ukraine"}
    return pl.DataFrame(
        [{"entity_id": e, "name": names[e], "form": form, "mentions": total // 5,
          "counted": form != "leaders"}
         for e, total in totals.items() for form in forms]
    )  # fmt: skip


BAR_CHARTS = {
    "movers falling": lambda: movers_chart(
        _movers_of_a_week(1.0), start=WEEK[0], end=WEEK[1], baseline="the 8 weeks before",
        z_min=3.0, min_articles=5,
    ),
    "movers rising": lambda: movers_chart(
        _movers_of_a_week(-1.0), start=WEEK[0], end=WEEK[1], baseline="the 8 weeks before",
        z_min=3.0, min_articles=5,
    ),
    "forms of a year": lambda: forms_chart(
        _forms_of_a_year(), start=YEAR[0], end=YEAR[1],
        labels={"name": "name (Russia)", "adjective": "adjective (Russian)",
                "capital": "capital (Moscow)", "metonym": "metonym (the Kremlin)",
                "leaders": "its leaders (Putin)"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAR_CHARTS))
def test_bar_labels_stay_inside_their_axes(name: str, tmp_path: Path) -> None:
    """Each bar's label is drawn within the plot, never over the names beside it nor
    the legend: a label's room is measured once the axes have their size."""
    fig = BAR_CHARTS[name]()
    save_chart(fig, tmp_path / "chart.png")
    renderer = FigureCanvasAgg(fig).get_renderer()
    [ax] = fig.axes
    box = ax.get_window_extent(renderer)
    labels = [t for t in ax.texts if "% to " in t.get_text() or "mentions" in t.get_text()]
    assert len(labels) in {3, 10}
    for label in labels:
        with drawing_rc():  # measured as drawn
            extent = label.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, label.get_text()


def test_a_previous_share_at_the_edge_is_drawn_whole(tmp_path: Path) -> None:
    """A previous period's marker at 100% (the United States in a week of White House
    briefings) sits on the axes' right edge: it is drawn whole, not cut in half."""
    top = _changes(["United States", "Ukraine"]).with_columns(
        share=pl.Series([0.98, 0.39]), previous_share=pl.Series([1.0, 0.37])
    )
    fig = top_entities_chart(top, what="Top countries", start=WEEK[0], end=WEEK[1])
    path = save_chart(fig, tmp_path / "top.png")
    right = int(np.ceil(fig.axes[0].get_window_extent().x1)) + 1
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    orange = np.array(mcolors.to_rgb(PREVIOUS)) * 255
    beyond = np.abs(pixels[:, right:, :] - orange).sum(axis=2) < 30
    assert beyond.any(), "the marker's right half is cut off at the axes' edge"


def _date_offset(start: date, end: date, tmp_path: Path) -> tuple[str, list[str]]:
    """The date offset and tick labels under an attention chart of daily buckets over
    [start, end), as drawn."""
    days = (end - start).days
    fig = attention_chart(
        _trend(["Joe Biden"], start, days), ["E0"], what="Top leaders of the day",
        bucket_name="day", start=start, end=end, value="rolling_share",
        highlight=(end - timedelta(days=1), end), rolling=7,
    )  # fmt: skip
    save_chart(fig, tmp_path / "attention.png")
    axis = fig.axes[1].xaxis
    with drawing_rc():
        labels = [t.get_text() for t in axis.get_ticklabels() if t.get_visible()]
    return axis.get_major_formatter().get_offset(), labels


@pytest.mark.parametrize(
    ("start", "end", "offset"),
    [
        (date(2026, 11, 1), date(2026, 12, 1), "2026"),  # a day's report: Nov 1 to Dec 1
        (date(2022, 3, 3), date(2022, 3, 17), "2022-Mar"),  # the ticks name no month
        (date(2025, 11, 20), date(2026, 1, 20), "2025–2026"),
    ],
    ids=["two-months", "one-month", "two-years"],
)
def test_the_date_offset_names_the_month_only_where_no_tick_does(
    start: date, end: date, offset: str, tmp_path: Path
) -> None:
    """Daily ticks from November 1 to December 1 name both months ("Nov", "Dec"); an
    offset of the last tick's month ("2026-Dec") read as the month of a November day's
    report. Across months the offset is the year (or years); within one it names the
    month, which no tick does."""
    shown, labels = _date_offset(start, end, tmp_path)
    assert shown == offset, labels


def test_monthly_bars_of_a_year_report_are_as_wide_as_a_month() -> None:
    months = [date(2018 + m // 12, m % 12 + 1, 1) for m in range(60)]
    trend = pl.DataFrame(
        {"entity_id": "E0", "kind": "country", "name": "Russia", "bucket": months,
         "total_articles": 10, "share": 0.1, "articles": 1, "mentions": 1}
    )  # fmt: skip
    fig = attention_chart(
        trend, ["E0"], what="Top countries of the year", bucket_name="month",
        start=date(2018, 1, 1), end=date(2023, 1, 1), highlight=YEAR, timezone="Europe/Paris",
    )  # fmt: skip
    totals = fig.axes[1]
    widths = {round(bar.get_width()) for bar in totals.patches if bar.get_label() != "_period"}
    assert widths and min(widths) >= 20, widths  # days: a bar fills most of its month
    assert totals.get_xlabel() == "month (Europe/Paris)"
    assert totals.get_xlim()[0] == pytest.approx(mdates.date2num(date(2018, 1, 1)))


def test_the_two_attention_charts_share_their_axes_positions() -> None:
    countries = _attention(["Chad", "Peru"], WEEK)
    leaders = _attention([LONG, "Volodymyr Zelenskyy", "Xi Jinping"], WEEK)
    for fig in (countries, leaders):
        fig.savefig(io.BytesIO(), format="png")
    for a, b in zip(countries.axes, leaders.axes, strict=True):
        assert a.get_position().bounds == pytest.approx(b.get_position().bounds)


def _lab(colour: str) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in mcolors.to_rgb(colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _delta(a: str, b: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5


def test_line_colours_do_not_repeat_and_neighbours_stand_apart() -> None:
    first = [c.lower() for c in PALETTE[:10]]
    assert len(set(first)) == 10
    for a, b in zip(first, first[1:], strict=False):
        assert _delta(a, b) > 30, (a, b)
    for i, a in enumerate(first[:8]):
        for b in first[i + 1 : 8]:
            assert _delta(a, b) > 15, (a, b)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_pdf_pages_carry_captions_and_page_numbers(tmp_path: Path) -> None:
    from jobs.report import run_report

    settings = load_report_corpus(tmp_path)
    page = run_report(settings, "week", date(2022, 3, 1), now=datetime(2022, 4, 2)).path
    pdf = page.parent / "report.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 10
    for number, body in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in body, number
    joined = " ".join(" ".join(p.split()) for p in pages)
    assert "Leaders over time: share of all articles mentioning each, per day" in joined
    assert "Download" not in joined


def test_a_long_list_of_countries_off_the_map_keeps_the_map_full_size(tmp_path: Path) -> None:
    # A year's report mentions many historical states: their list must wrap under the
    # map, not squeeze it to nothing.
    off_map = [f"Historical State Number {i}" for i in range(12)]
    world = pl.DataFrame(
        {"entity_id": ["RUS", *[f"X{i:02d}" for i in range(12)]], "name": ["Russia", *off_map],
         "articles": [5] + [1] * 12, "mentions": [9] + [1] * 12, "share": [0.5] + [0.01] * 12}
    )  # fmt: skip
    fig = world_tile_map(world, start=YEAR[0], end=YEAR[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied" is a warning
        save_chart(fig, tmp_path / "world.png")
    assert fig.axes[0].get_position().width > 0.6
    assert _outside(fig, "png", tmp_path) == []


def _pixels(png: bytes | Path) -> np.ndarray:
    # As RGBA: savefig writes the alpha channel, save_chart drops it from opaque charts.
    with Image.open(png if isinstance(png, Path) else io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))


@pytest.mark.parametrize("name", ["attention", "top", "heatmap", "world"])
def test_save_chart_draws_once_the_pixels_of_a_plain_savefig(name: str, tmp_path: Path) -> None:
    """save_chart lays the figure out once and drops the engine (so the PDF page drawn
    from the same figure need not lay it out again), and its PNG holds exactly the
    pixels of matplotlib's own savefig (with the charts' settings: ``drawing_rc``)."""
    plain = io.BytesIO()
    with drawing_rc():
        _all_charts(WEEK)[name].savefig(plain, format="png")
    fig = _all_charts(WEEK)[name]
    path = save_chart(fig, tmp_path / "chart.png")
    assert fig.get_layout_engine() is None
    assert np.array_equal(_pixels(path), _pixels(plain.getvalue()))
