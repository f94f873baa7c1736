"""A report's files as values: each chart (figure and numbers), the extra tables and
the PDF's pages, for the job to write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
from matplotlib.figure import Figure

from reports.html import Chart, ReportPage


@dataclass(frozen=True)
class ChartFile:
    """One chart: ``{stem}.png`` from ``figure``, ``{stem}.csv`` from ``data``, and the
    words under it in the PDF."""

    stem: str
    figure: Figure
    data: pl.DataFrame
    caption: str


@dataclass(frozen=True)
class PdfDocument:
    """What ``reports.pdf.write_pdf`` takes: the pages in order (text pages and the
    chart figures), each page's caption (None for none), the title and creation time."""

    pages: list[Figure]
    captions: list[str | None]
    title: str
    created_at: datetime


@dataclass(frozen=True)
class BuiltReport:
    """One period's report: the page model the HTML template renders, its charts, its
    tables beside them (file name to frame) and its PDF."""

    page: ReportPage
    charts: list[ChartFile]
    tables: dict[str, pl.DataFrame]
    pdf: PdfDocument


@dataclass
class ChartList:
    """The charts of a page as they are drawn, in page order."""

    charts: list[ChartFile] = field(default_factory=list)

    def chart(self, fig: Figure, stem: str, data: pl.DataFrame, **words: str) -> Chart:
        """Keep ``fig`` and its ``data`` under ``stem``; return the page's chart model
        (``words``: title, alt, caption)."""
        caption = " ".join(w for w in (words.get("title", "") + ".", words.get("caption")) if w)
        self.charts.append(ChartFile(stem=stem, figure=fig, data=data, caption=caption))
        width, height = (round(v * fig.dpi) for v in fig.get_size_inches())
        return Chart(image=f"{stem}.png", csv=f"{stem}.csv", width=width, height=height, **words)
