"""The report as one PDF (for people who mail reports around): text pages and charts.

Text from articles goes into matplotlib with mathtext off (``parse_math=False``),
so a title holding ``$x$`` prints as written instead of as a formula.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

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


FOOTER_IN = 0.3  # inches added below a page for its page number
CAPTION_LINE_IN = 0.2  # and per line of caption


def _with_footer(page: Figure, caption: str | None, number: int, total: int) -> None:
    """Grow ``page`` at the bottom and write its caption (wrapped) and 'page n of N'
    there. Everything already on the page keeps its place relative to the rest: axes
    and figure texts move up into the old height (the layout is fixed by then)."""
    width, height = page.get_size_inches()
    lines = textwrap.wrap(caption, int(width * 72 / (9 * 0.55) * 0.85)) if caption else []
    band = FOOTER_IN + CAPTION_LINE_IN * len(lines)
    page.set_layout_engine("none")
    page.set_size_inches(width, height + band)
    scale, shift = height / (height + band), band / (height + band)
    for ax in page.axes:
        box = ax.get_position(original=True)
        ax.set_position((box.x0, box.y0 * scale + shift, box.width, box.height * scale))
    # The suptitle is kept apart from page.texts and has no public getter.
    suptitle = getattr(page, "_suptitle", None)
    for text in [*page.texts, *([suptitle] if suptitle is not None else [])]:
        x, y = text.get_position()
        text.set_y(y * scale + shift)
    bottom = FOOTER_IN / (height + band)
    if lines:
        page.text(0.04, bottom, "\n".join(lines), fontsize=9, color=MUTED_TEXT, va="bottom",
                  parse_math=False)  # fmt: skip
    page.text(0.96, 0.25 * bottom, f"page {number} of {total}", fontsize=8, ha="right",
              va="bottom", color=MUTED_TEXT)  # fmt: skip


def write_pdf(
    path: Path,
    pages: list[Figure],
    *,
    title: str,
    created_at: datetime,
    captions: list[str | None] | None = None,
) -> Path:
    """Write every page (text pages and charts, each at its own size) into one PDF,
    each with its caption (``captions``, by page; None for none) and its page number."""
    # Imported here: it brings fontTools (0.45 s), and the report job draws its PDF in
    # a child process, which pays for it while the job writes its PNGs.
    from matplotlib.backends.backend_pdf import PdfPages  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Title": title, "Creator": "Mentions", "CreationDate": created_at}
    captions = captions or [None] * len(pages)
    with PdfPages(path, metadata=metadata) as pdf:
        for number, (page, caption) in enumerate(zip(pages, captions, strict=True), start=1):
            _with_footer(page, caption, number, len(pages))
            pdf.savefig(page)
    return path
