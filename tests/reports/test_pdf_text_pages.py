"""The PDF's text pages: every row on its own line, evenly spaced, whatever its glyphs.

Read from the PDF itself (the baseline each row is drawn at), in the standard fonts
(whose metrics matplotlib reads from AFM files: there an apostrophe made a row 4 points
taller, and a row aligned by its top sank into the next one) and in DejaVu Sans."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pikepdf
import pytest

from reports.pdf import TextBlock, text_pages, write_pdf

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
