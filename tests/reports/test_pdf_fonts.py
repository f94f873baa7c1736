"""The PDF's fonts: the standard ones (fast, not embedded) where a page's text allows,
DejaVu Sans embedded where it does not; never a character replaced."""

from __future__ import annotations

import logging
import shutil
import subprocess
import warnings
from datetime import date, datetime
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.figure import Figure

from jobs.report import run_report
from jobs.settings import Settings
from reports.pdf import TextBlock, standard_fonts_suffice, text_pages, write_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="pdftotext and pdffonts (poppler-utils) missing",
)

# English news: curly quotes, a dash, the euro, accents, and text that is no formula.
ENGLISH = "The minister’s “firm” reply — 50% of €2bn, café naïve $x$"
# Outside cp1252: a Turkish name, an arrow, Greek, a minus sign (DejaVu Sans has no CJK).
OTHER = "Erdoğan → Ελλάδα, −3%"


def _page(line: str) -> Figure:
    return text_pages("Evidence", [TextBlock(heading="Quotes", lines=[line])])[0]


def _chart(label: str) -> Figure:
    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [3, 1, 2], label=label)
    ax.legend()
    fig.canvas.draw()  # laid out, as the report's pages are: tick labels set
    return fig


def _text(pdf: Path, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return " ".join(done.stdout.split())


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """(name, embedded yes/no) of each font of the PDF."""
    done = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True, timeout=60
    )
    rows = done.stdout.splitlines()[2:]
    return [(row.split()[0].split("+")[-1], row.split()[-5]) for row in rows]


def test_a_page_in_the_standard_encoding_uses_the_standard_fonts_unembedded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pages = [_page(ENGLISH), _chart("United States")]
    assert all(standard_fonts_suffice(p) for p in pages)
    path = tmp_path / "r.pdf"
    # matplotlib warns once per font it looks up (a cache): clear it, so that the warning
    # comes whatever wrote a PDF earlier in this process, and the filter is what stops it.
    font_manager.fontManager._findfont_cached.cache_clear()
    with caplog.at_level(logging.WARNING):
        write_pdf(path, pages, title="t", created_at=datetime(2026, 1, 1))
    assert ENGLISH in _text(path, 1)  # curly quotes, the dash, the euro and "$x$" as written
    assert "United States" in _text(path, 2)
    assert {name for name, _ in _fonts(path)} == {"Helvetica", "Helvetica-Bold"}
    assert {embedded for _, embedded in _fonts(path)} == {"no"}
    assert not caplog.records, "matplotlib's warning about Helvetica's weight reached the log"


def test_a_page_with_other_characters_embeds_dejavu_and_keeps_them(tmp_path: Path) -> None:
    pages = [_page(ENGLISH), _page(OTHER), _chart("Erdo\u011fan")]
    assert [standard_fonts_suffice(p) for p in pages] == [True, False, False]
    path = tmp_path / "r.pdf"
    write_pdf(path, pages, title="t", created_at=datetime(2026, 1, 1))
    assert ENGLISH in _text(path, 1)
    assert OTHER in _text(path, 2)  # not one "?" in place of a character
    assert "Erdo\u011fan" in _text(path, 3)
    fonts = _fonts(path)
    assert ("DejaVuSans", "yes") in fonts
    assert ("Helvetica", "no") in fonts


def test_a_negative_tick_label_s_minus_sign_is_another_character(tmp_path: Path) -> None:
    """matplotlib writes a negative tick as U+2212, outside the standard encoding: the
    page is known by its laid-out text, tick labels included."""
    fig = Figure(figsize=(4, 3), dpi=100)
    fig.add_subplot().plot([1, 2, 3], [-3, 1, 2])
    assert not standard_fonts_suffice(fig)  # before it is drawn, too
    path = tmp_path / "r.pdf"
    write_pdf(path, [fig], title="t", created_at=datetime(2026, 1, 1))
    assert "\u22123" in _text(path, 1)


def test_ticks_that_are_not_drawn_do_not_choose_the_font(tmp_path: Path) -> None:
    """A map's axes are off (the world tiles) and a shared axis hides its labels: their
    tick labels, negative or not, are never drawn, so they do not make the page embed
    a font; a visible axis beside them still does."""
    fig = Figure(figsize=(4, 3), dpi=100)
    tiles, below = fig.subplots(2, 1)
    tiles.plot([-5, 5], [-20, 20])
    tiles.set_axis_off()
    below.plot([1, 2, 3], [-3, 1, 2])
    below.tick_params(labelleft=False)
    fig.canvas.draw()
    assert standard_fonts_suffice(fig)
    path = tmp_path / "r.pdf"
    write_pdf(path, [fig], title="t", created_at=datetime(2026, 1, 1))
    assert "\u2212" not in _text(path, 1)
    assert {name for name, _ in _fonts(path)} == {"Helvetica"}
    below.tick_params(labelleft=True)
    assert not standard_fonts_suffice(fig)  # its -3 is drawn again


def test_characters_no_font_has_are_one_log_line_not_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Article text may hold characters DejaVu Sans lacks (an emoji in a quote): the
    page is written with the placeholder matplotlib draws for them, and instead of a
    Python warning per character on the terminal (naming a line of reports/pdf.py),
    the log says once which characters they were."""
    pages = [_page("Markets rose \U0001f4c8 in Nairobi"), _page("again \U0001f4c8 and \u2603")]
    path = tmp_path / "r.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escapes fails the test
        with caplog.at_level(logging.INFO, logger="reports.pdf"):
            write_pdf(path, pages, title="t", created_at=datetime(2026, 1, 1))
    [record] = [r for r in caplog.records if r.name == "reports.pdf"]
    assert record.getMessage() == (
        f"{path}: 1 character no font has (U+1F4C8), drawn as a placeholder"
    )
    assert "Markets rose" in _text(path, 1) and "Nairobi" in _text(path, 1)
    assert "\u2603" in _text(path, 2)  # DejaVu Sans has the snowman


class _Warns(Artist):
    """An artist whose drawing warns (and, if ``fails``, then raises)."""

    def __init__(self, fails: bool) -> None:
        super().__init__()
        self.fails = fails

    def draw(self, renderer: object) -> None:
        warnings.warn("the artist's own warning", UserWarning, stacklevel=1)
        if self.fails:
            raise RuntimeError("the artist cannot draw")


@pytest.mark.parametrize("fails", [False, True])
def test_other_warnings_of_a_pdf_s_drawing_still_show(tmp_path: Path, fails: bool) -> None:
    """Only the missing characters are gathered: any other warning the drawing gives
    is shown as it was, also when the PDF then fails."""
    page = _page("Nairobi")
    page.add_artist(_Warns(fails))
    path = tmp_path / "r.pdf"
    with pytest.warns(UserWarning, match="the artist's own warning"):
        if fails:
            with pytest.raises(RuntimeError, match="cannot draw"):
                write_pdf(path, [page], title="t", created_at=datetime(2026, 1, 1))
        else:
            write_pdf(path, [page], title="t", created_at=datetime(2026, 1, 1))


def test_a_report_of_english_news_is_drawn_in_the_standard_fonts_only(
    report_settings: Settings,
) -> None:
    """The report's own words, numbers and signs are all in the standard encoding (the
    movers' "0.8% to 1.1%", "|z| of 3 or more", a negative tick's en dash): a month of
    English news is drawn without an embedded font, its PNGs (rasterised from its
    pages) all in one typeface. U+2192, U+2265 and U+2212 made the summary, the movers'
    and the co-mentions' pages embed DejaVu Sans (0.21, 0.09 and 0.34 s of a month's
    PDF at a million articles, against 0.04-0.06 for a text page and 0.06 for a bar
    chart in Helvetica), and those charts' PNGs came out in another typeface than the
    rest."""
    result = run_report(report_settings, "month", date(2022, 3, 1), now=datetime(2022, 4, 2))
    assert result.pdf is not None
    text = _text(result.pdf, 1)
    assert "Rising against" in text, text  # a summary with movers, their shares "to"
    assert {name for name, _ in _fonts(result.pdf)} <= {"Helvetica", "Helvetica-Bold"}
    whole = subprocess.run(
        ["pdftotext", str(result.pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "\u20131.0" in whole  # the co-mentions' scale, from -1: an en dash, drawn
    assert "\u2212" not in whole and "\u2192" not in whole and "\u2265" not in whole
