"""Where reports sit in the reports folder and how they link: each report's folder,
its previous/next links, and the index page's entries."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from reports.html import IndexEntry, Link, Nav
from reports.words import period_label

PDF_NAME = "report.pdf"


def report_folder(reports_dir: Path, period: str, start: date) -> Path:
    """Where the report of the period starting on ``start`` lives."""
    return reports_dir / period / start.isoformat()


def navigation(reports: pl.DataFrame, period: str) -> dict[date, Nav]:
    """For each report of ``period`` (by start day), its links to the reports of the
    same length just before and just after it."""
    starts = (
        reports.filter(pl.col("period") == period)
        .select("start_on", "end_on")
        .unique("start_on")
        .sort("start_on")
        .rows()
    )
    links = [
        Link(
            href=f"../{s.isoformat()}/index.html",
            label=period_label(s, e + timedelta(days=1)),
        )
        for s, e in starts
    ]
    return {
        s: Nav(
            period=period,
            previous=links[i - 1] if i > 0 else None,
            next=links[i + 1] if i + 1 < len(links) else None,
        )
        for i, (s, _) in enumerate(starts)
    }


def index_entries(reports: pl.DataFrame, with_pdf: Container[tuple[str, date]]) -> list[IndexEntry]:
    """The index page's entry of every report in the ``reports`` table, linking its
    PDF when (period, start_on) is in ``with_pdf``."""
    entries = []
    for r in reports.iter_rows(named=True):
        href = f"{r['period']}/{r['start_on'].isoformat()}"
        entries.append(
            IndexEntry(
                period=r["period"],
                start_on=r["start_on"],
                end_on=r["end_on"],
                href=f"{href}/index.html",
                created_at=r["created_at"],
                pdf=f"{href}/{PDF_NAME}" if (r["period"], r["start_on"]) in with_pdf else None,
                articles=r.get("articles"),
                forms=(r.get("forms") or "").replace(",", ", ") or None,
            )
        )
    return entries
