"""The PDF's text pages: every row on its own line, evenly spaced, whatever its glyphs.

Read from the PDF itself (the baseline each row is drawn at), in the standard fonts
(whose metrics matplotlib reads from AFM files: there an apostrophe made a row 4 points
taller, and a row aligned by its top sank into the next one) and in DejaVu Sans."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from reports.pdf import LEFT, QUOTE_LEFT, TextBlock, text_pages, write_pdf

ROWS = [
    "Mentioned in 8.4% of this month's articles against 4.6% before (z = 3.3).",
    "2022-03-08 16:18 UTC Press Briefing by Press Secretary Karine Jean-Pierre",
    "We strongly urge all parties to call on [Haiti]'s leaders to be clear",
    "plain words only",
    "Don't, won't, can't: 'quoted' words",
    "gjpqy descenders and | bars",
]


def _baselines(path: Path) -> list[tuple[str, float]]:
    """(text, baseline y in points) of each text the first page shows: moved there by
    the text's own operators (the standard fonts) or by a translation before them (an
    embedded font's glyphs)."""
    with pikepdf.open(path) as pdf:
        origin = y = 0.0
        shown: list[tuple[str, float]] = []
        for operands, operator in pikepdf.parse_content_stream(pdf.pages[0]):
            name = str(operator)
            if name == "cm":
                origin = float(operands[5])
            elif name == "Q":
                origin = 0.0
            elif name == "Td":
                y = float(operands[1])
            elif name == "Tm":
                y = float(operands[5])
            elif name in ("Tj", "TJ"):
                parts = [operands[0]] if name == "Tj" else list(operands[0])
                text = "".join(
                    bytes(part).decode("latin-1")
                    for part in parts
                    if isinstance(part, pikepdf.String)
                )
                shown.append((text, origin + y))
        return shown


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param("", id="standard fonts"),
        pytest.param(" → −3%", id="DejaVu Sans"),  # outside cp1252: the font is embedded
    ],
)
def test_rows_are_evenly_spaced_whatever_their_glyphs(tmp_path: Path, extra: str) -> None:
    rows = [row + extra for row in ROWS]
    pages = text_pages("Evidence", [TextBlock("Haiti: rising this month", rows)])
    path = write_pdf(
        tmp_path / "page.pdf", pages, title="Evidence", created_at=datetime(2026, 12, 6)
    )
    shown = _baselines(path)
    heading = next(y for text, y in shown if text.startswith("H"))
    # The rows' baselines, below the heading and above the page number.
    body = sorted({round(y, 3) for _, y in shown if 50 < y < heading}, reverse=True)
    assert len(body) == len(ROWS), shown
    steps = [upper - lower for upper, lower in zip(body, body[1:], strict=False)]
    assert max(steps) - min(steps) < 0.01, steps
    # The heading is on the same grid of baselines.
    assert abs(heading - body[0] - steps[0]) < 0.01


SENTENCE = (
    "Brian is joining us to give some brief comments and answer some questions on the "
    "President's response to [Russia]'s unprovoked and unjustified war with Ukraine, and "
    "the steps taken with our allies and partners to impose swift and severe costs. "
)
ADDRESS = (  # no "fi" or "ff": DejaVu Sans draws them as one glyph, read out of order
    "(https://www.example.org/press-room/speeches-remarks/2022/03/25/remarks-by-the-president-"
    "and-the-prime-minister-on-the-humanitarian-work-for-ukraine-and-the-region-and-on-every-"
    "thing-else-said-at-length-on-the-day-and-the-days-around-it/)"
)


def _rows(path: Path) -> tuple[list[tuple[float, float, str]], float]:
    """Each row the first page shows (its left and right edges in points, its text),
    read from the characters PDFium finds, and the page's width."""
    document = pdfium.PdfDocument(path)
    try:
        page = document[0]
        chars = page.get_textpage()
        text = chars.get_text_range()
        rows: dict[int, list[tuple[float, float, str]]] = {}
        for index, char in enumerate(text[: chars.count_chars()]):
            if not char.strip():
                continue
            left, bottom, right, _ = chars.get_charbox(index, loose=True)
            # PDFium reads a hyphen ending a row as U+FFFE (a soft hyphen's mark).
            rows.setdefault(round(bottom), []).append((left, right, char.replace("\ufffe", "-")))
        shown = [(min(c[0] for c in row), max(c[1] for c in row), "".join(c[2] for c in row))
                 for _, row in sorted(rows.items(), reverse=True)]  # fmt: skip
        return shown, page.get_width()
    finally:
        document.close()


@pytest.mark.parametrize(
    "extra",
    [pytest.param("", id="standard fonts"),
     pytest.param(" Erdo\u011fan said.", id="DejaVu Sans")],  # outside cp1252: embedded
)  # fmt: skip
def test_long_lines_fill_the_page_s_width_and_never_pass_its_margin(
    tmp_path: Path, extra: str
) -> None:
    """A quote, a line and a web address longer than the page: broken to the width the
    page's font draws them at (a guess of 120 characters filled two thirds of a line
    of Helvetica), the address after its signs, no row past the right margin."""
    rows = [SENTENCE * 3, ADDRESS, "short" + extra]
    pages = text_pages("Evidence", [TextBlock("Ukraine: rising this month", rows, [True])])
    path = write_pdf(tmp_path / "page.pdf", pages, title="E", created_at=datetime(2026, 12, 8))
    shown, width = _rows(path)
    margin = width * LEFT
    body = [row for row in shown if not row[2].startswith("page1of")]  # spaces not read
    assert all(right <= width - margin for _, right, _ in body), body
    quote = [row for row in body if row[0] > width * (QUOTE_LEFT - 0.01)]
    assert len(quote) >= 3  # the quote, indented
    full = max(right for _, right, _ in quote[:-1])
    assert full > width * (1 - LEFT) - 0.1 * width, (full, width)  # filled, not two thirds
    assert ADDRESS in "".join(text for _, _, text in body)  # every character kept, in order
    address = [text for _, _, text in body if len(text) > 20 and text in ADDRESS]
    assert len(address) >= 2 and all(text.endswith(("-", "/")) for text in address[:-1]), address
