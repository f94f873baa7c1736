"""The report as one PDF (for people who mail reports around): text pages and charts.

Text from articles goes into matplotlib with mathtext off (``parse_math=False``),
so a title holding ``$x$`` prints as written instead of as a formula.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from reports.style import DPI, MUTED_TEXT

PAGE = (11.69, 8.27)  # A4 landscape, inches
LINES_PER_PAGE = 42
WRAP = 120


@dataclass(frozen=True)
class TextBlock:
    """A heading and its lines (each wrapped to the page); indent marks a quote."""

    heading: str
    lines: list[str]
    indent: list[bool] = field(default_factory=list)


def text_pages(title: str, blocks: list[TextBlock]) -> list[Figure]:
    """Pages of plain text: the title on each page, then the blocks in order."""
    rows: list[tuple[str, str]] = []  # (style, text)
    for block in blocks:
        rows.append(("heading", block.heading))
        for i, line in enumerate(block.lines):
            quoted = bool(block.indent[i]) if i < len(block.indent) else False
            width = WRAP - 6 if quoted else WRAP
            wrapped = textwrap.wrap(line, width) or [""]
            for piece in wrapped:
                rows.append(("quote" if quoted else "body", piece))
        rows.append(("body", ""))
    pages: list[Figure] = []
    for offset in range(0, max(len(rows), 1), LINES_PER_PAGE):
        fig = Figure(figsize=PAGE, dpi=DPI)
        fig.text(0.05, 0.95, title, fontsize=14, fontweight="bold", va="top", parse_math=False)
        y = 0.89
        for style, text in rows[offset : offset + LINES_PER_PAGE]:
            fig.text(
                0.08 if style == "quote" else 0.05,
                y,
                text,
                fontsize=10.5 if style == "heading" else 9,
                fontweight="bold" if style == "heading" else "normal",
                color=MUTED_TEXT if style == "quote" else "#111111",
                va="top",
                parse_math=False,
            )
            y -= 0.02
        pages.append(fig)
    return pages


def write_pdf(path: Path, pages: list[Figure], *, title: str, created_at: datetime) -> Path:
    """Write every page (text pages and charts, each at its own size) into one PDF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Title": title, "Creator": "Mentions", "CreationDate": created_at}
    with PdfPages(path, metadata=metadata) as pdf:
        for page in pages:
            pdf.savefig(page)
    return path
