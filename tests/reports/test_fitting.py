"""Titles broken into lines in the font they are drawn in (reports/fitting.py): a report's
page in Helvetica, an Agg PNG or a page holding other characters in DejaVu Sans.

The titles were broken for DejaVu Sans by a guess of 0.6 em a character, then drawn
in Helvetica on every report page of English news (whose PNGs are those pages): a
title that fits one line took two, the co-mentions' three."""

from __future__ import annotations

import gc
import io
import warnings
import weakref
from datetime import datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from reports.charts import lay_out, save_chart
from reports.fitting import MARGIN, text_width, wrapped
from reports.pdf import standard_fonts_likely, standard_fonts_suffice, write_pdf
from reports.style import TITLE_SIZE, chart_title, drawing_rc

# 8.7 inches in Helvetica at 12 points, 9.9 in DejaVu Sans: one line of a 10-inch
# chart's title in the first, two in the second.
TITLE = (
    "Top countries, 2022-02-28 to 2022-03-06: share of articles mentioning each, "
    "with the change against the week before"
)
MOVERS = (
    "Movers, March 2022: change in share of articles against the 6 months before "
    "(a mover has |z| of 3 or more and at least 5 articles)"
)
WIDTH_IN = 10.0 * 0.96  # chart_title's width on a 10-inch figure


def test_the_title_s_premise_one_line_in_helvetica_two_in_dejavu() -> None:
    room = WIDTH_IN * 72 * MARGIN
    assert text_width(TITLE, TITLE_SIZE, standard=True) < room
    assert text_width(TITLE, TITLE_SIZE, standard=False) > room
    assert wrapped(TITLE, WIDTH_IN, TITLE_SIZE, standard=True).count("\n") == 0
    assert wrapped(TITLE, WIDTH_IN, TITLE_SIZE, standard=False).count("\n") == 1


@pytest.mark.parametrize("standard", [True, False, None])
def test_lines_fit_are_as_few_as_can_be_and_even(standard: bool | None) -> None:
    text = f"{MOVERS} {MOVERS}\nand a line of its own"
    lines = wrapped(text, WIDTH_IN, TITLE_SIZE, standard=standard).split("\n")
    room = WIDTH_IN * 72 * MARGIN
    assert all(text_width(line, TITLE_SIZE, standard=standard) <= room for line in lines)
    assert " ".join(lines[:-1]) == f"{MOVERS} {MOVERS}" and lines[-1] == "and a line of its own"
    whole = text_width(f"{MOVERS} {MOVERS}", TITLE_SIZE, standard=standard)
    assert len(lines) - 1 == int(np.ceil(whole / room))  # as few as a greedy fill
    widths = [text_width(line, TITLE_SIZE, standard=standard) for line in lines[:-1]]
    assert min(widths) > 0.8 * max(widths), lines  # even: no word left alone at the end


def test_a_word_wider_than_the_width_stands_alone_and_breaks_are_kept() -> None:
    assert wrapped("a Supercalifragilisticexpialidocious b", 1.0, 12) == (
        "a\nSupercalifragilisticexpialidocious\nb"
    )
    assert wrapped("one\n\ntwo", 5.0, 12) == "one\n\ntwo"
    assert wrapped("", 5.0, 12) == ""


def _pdf_width(text: str, tmp_path: Path) -> float:
    """``text``'s width in points, drawn by matplotlib's PDF backend in Helvetica at
    the title's size, as PDFium reads its characters' boxes."""
    fig = Figure(figsize=(12, 2), dpi=100)
    fig.text(0.01, 0.5, text, fontsize=TITLE_SIZE, parse_math=False)
    assert standard_fonts_suffice(fig)
    path = tmp_path / "width.pdf"
    write_pdf(path, [fig], title="t", created_at=datetime(2026, 1, 1))
    document = pdfium.PdfDocument(path)
    try:
        page = document[0]
        chars = page.get_textpage()
        start = chars.get_text_range().index(text[:20])  # not the page's number
        boxes = [chars.get_charbox(i) for i in range(start, start + len(text))]
        return max(box[2] for box in boxes) - min(box[0] for box in boxes)
    finally:
        document.close()


def test_widths_are_the_drawn_ones_in_either_font(tmp_path: Path) -> None:
    """Helvetica's as the PDF draws it, DejaVu Sans's as Agg measures it: their kerning
    left out, a little wider, never narrower."""
    drawn = _pdf_width(MOVERS, tmp_path)
    assert drawn <= text_width(MOVERS, TITLE_SIZE, standard=True) <= drawn * 1.02
    fig = Figure(figsize=(12, 2), dpi=72)  # a point a pixel
    text = fig.text(0.01, 0.5, MOVERS, fontsize=TITLE_SIZE, parse_math=False)
    with drawing_rc():
        agg = text.get_window_extent(FigureCanvasAgg(fig).get_renderer()).width
    assert agg <= text_width(MOVERS, TITLE_SIZE, standard=False) <= agg * 1.02


def test_a_character_no_font_has_is_measured_without_a_warning() -> None:
    """Article text may hold one (an emoji in a quote): a full em, said once at
    drawing (``reports.pdf``), not at each measurement."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert text_width("\U0001f4c8", 10, standard=False) == pytest.approx(10.0)
        assert text_width("\u4e2d", 10, standard=True) == pytest.approx(10.0)


def _chart(label: str) -> Figure:
    """A bar chart as the report draws one: its title, a name on its axis."""
    fig = Figure(figsize=(10.0, 5.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.barh([0], [3.0])
    ax.set_yticks([0], labels=[label])
    chart_title(fig, TITLE)
    return fig


def _title_lines(path: Path) -> tuple[list[float], float, float]:
    """The title's baselines (one per line) on the PDF's first page, its rightmost
    character's right edge and the page's width, in points."""
    document = pdfium.PdfDocument(path)
    try:
        page = document[0]
        width = page.get_width()
        chars = page.get_textpage()
        text = chars.get_text_range()
        boxes = [chars.get_charbox(i, loose=True) for i in range(chars.count_chars())]
        start = text.index("Top countries")
        end = text.index("before") + len("before")
        pairs = zip(boxes[start:end], text[start:end], strict=True)
        title = [box for box, char in pairs if char.strip()]
        return sorted({round(box[1]) for box in title}), max(box[2] for box in title), width
    finally:
        document.close()


@pytest.mark.parametrize(
    ("name", "standard", "lines"),
    [("United States", True, 1), ("Recep Tayyip Erdo\u011fan", False, 2)],
    ids=["helvetica", "dejavu"],
)
def test_a_report_page_s_title_is_broken_for_its_font(
    name: str, standard: bool, lines: int, tmp_path: Path
) -> None:
    """As the report draws a chart: laid out in the font its texts foretell, its PDF
    page drawn in it (the PNG is that page): one line where Helvetica fits it, two in
    DejaVu Sans (a name outside cp1252), never past the page's edge either way; the
    figure is left as it was laid out."""
    fig = _chart(name)
    assert standard_fonts_likely(fig) is standard
    lay_out(fig, standard=standard_fonts_likely(fig))
    path = tmp_path / "chart.pdf"
    write_pdf(path, [fig], title="t", created_at=datetime(2026, 1, 1))
    baselines, right, page_width = _title_lines(path)
    assert len(baselines) == lines, baselines
    assert right < page_width - 0.01 * 72 * 10
    title = fig._suptitle  # noqa: SLF001  (matplotlib keeps no other handle)
    assert isinstance(title, Text)
    assert title.get_text().count("\n") == (0 if standard else 1)


def test_an_agg_png_of_a_report_chart_breaks_its_title_for_dejavu(tmp_path: Path) -> None:
    """Laid out for the PDF's Helvetica, then drawn by Agg (a PNG where PDFium's page
    came out at another size): the title is broken again for DejaVu Sans, and fits."""
    fig = _chart("United States")
    lay_out(fig, standard=True)
    title = fig._suptitle  # noqa: SLF001
    assert isinstance(title, Text) and "\n" not in title.get_text()
    save_chart(fig, tmp_path / "chart.png")
    assert title.get_text().count("\n") == 1
    with drawing_rc():
        box = title.get_window_extent(FigureCanvasAgg(fig).get_renderer())
    assert box.x1 <= fig.bbox.x1


def test_a_figure_with_a_fitted_title_is_freed() -> None:
    """The texts fitted are remembered weakly: a scheduler drawing reports for months
    keeps no figure alive once it is dropped."""
    fig = _chart("United States")
    fig.savefig(io.BytesIO(), format="png")
    alive = weakref.ref(fig)
    del fig
    gc.collect()
    assert alive() is None
