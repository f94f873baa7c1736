"""Report and index pages as strings, from Jinja2 templates with autoescaping on.

Titles and snippets come from articles, which are untrusted: they are only ever
inserted through the template engine, which escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Chart:
    """One chart on a page: its image, the CSV of its numbers, and words for both."""

    image: str
    csv: str
    title: str
    alt: str


@dataclass(frozen=True)
class Table:
    """A small table on a page (top entities)."""

    title: str
    columns: list[str]
    rows: list[list[object]]
    csv: str


@dataclass(frozen=True)
class ReportPage:
    """Everything one period's report shows."""

    period: str
    start_on: date
    end_on: date
    generated_at: datetime
    articles: int
    stories: int
    undated_articles: int
    charts: list[Chart]
    tables: list[Table]
    previous: str | None = None
    next: str | None = None
    index: str = "../../index.html"
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.start_on == self.end_on:
            return self.start_on.isoformat()
        return f"{self.start_on.isoformat()} to {self.end_on.isoformat()}"


@dataclass(frozen=True)
class IndexEntry:
    """One report listed on the index page."""

    period: str
    start_on: date
    end_on: date
    href: str
    created_at: datetime


def render_report(page: ReportPage) -> str:
    """The HTML of one report page."""
    return _ENV.get_template("report.html.j2").render(page=page)


def render_index(entries: list[IndexEntry], generated_at: datetime) -> str:
    """The HTML of the index of all reports, newest first within each period."""
    by_period: dict[str, list[IndexEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.start_on, reverse=True):
        by_period.setdefault(entry.period, []).append(entry)
    order = [p for p in ("day", "week", "month") if p in by_period]
    return _ENV.get_template("index.html.j2").render(
        groups=[(p, by_period[p]) for p in order], generated_at=generated_at
    )
