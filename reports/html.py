"""Report and index pages as strings, from Jinja2 templates with autoescaping on.

Titles, URLs and snippets come from articles, which are untrusted: they are only ever
inserted through the template engine, which escapes them; a URL becomes a link only
when it is http(s); and each page forbids scripts with a Content-Security-Policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.words import period_label

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_NAV = re.compile(r"<!-- nav -->.*?<!-- /nav -->", re.DOTALL)


@dataclass(frozen=True)
class Chart:
    """One chart on a page: its image, the CSV of its numbers, and words for both."""

    image: str
    csv: str
    title: str
    alt: str
    caption: str = ""
    width: int = 1000
    height: int = 500


@dataclass(frozen=True)
class Table:
    """A small table on a page; every column after the first is numeric."""

    title: str
    columns: list[str]
    rows: list[list[object]]
    csv: str
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A titled part of the report with its charts and tables."""

    anchor: str
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Part:
    """A piece of a quoted sentence; ``mark`` highlights a counted mention."""

    text: str
    mark: bool


@dataclass(frozen=True)
class EvidenceArticle:
    """One article behind a number: where it is, and the sentences that count."""

    title: str
    href: str | None
    location: str
    published_at: datetime
    mentions: int
    quotes: list[list[Part]]


@dataclass(frozen=True)
class EvidenceGroup:
    """The articles behind one mover or spike."""

    anchor: str
    heading: str
    reason: str
    total_articles: int
    articles: list[EvidenceArticle]


@dataclass(frozen=True)
class Link:
    href: str
    label: str


@dataclass(frozen=True)
class Nav:
    """The links between reports of one period length; rewritten as reports are added."""

    period: str
    index: str = "../../index.html"
    previous: Link | None = None
    next: Link | None = None


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
    counting: str
    summary: list[str]
    sections: list[Section]
    evidence: list[EvidenceGroup]
    nav: Nav
    pdf: str | None = None
    notes: list[str] = field(default_factory=list)
    timezone: str = "UTC"  # where the period's days start; published times are shown in it

    @property
    def label(self) -> str:
        if self.start_on == self.end_on:
            return self.start_on.isoformat()
        return f"{self.start_on.isoformat()} to {self.end_on.isoformat()}"

    @property
    def title_label(self) -> str:
        """'March 2022' for a calendar month, else the dates."""
        return period_label(self.start_on, self.end_on + timedelta(days=1))


@dataclass(frozen=True)
class IndexEntry:
    """One report listed on the index page."""

    period: str
    start_on: date
    end_on: date
    href: str
    created_at: datetime
    pdf: str | None = None
    articles: int | None = None
    forms: str | None = None

    @property
    def label(self) -> str:
        """'2022-03-01', 'March 2022', '2022-Q1', '2022' (as the reports' links say)."""
        return period_label(self.start_on, self.end_on + timedelta(days=1))


def safe_href(url: str | None) -> str | None:
    """The URL if a browser may follow it from a report (http or https), else None:
    a ``javascript:`` or ``data:`` URL from an article must never become a link."""
    if not url:
        return None
    candidate = url.strip()
    if re.match(r"(?i)^https?://[^\s]+$", candidate):
        return candidate
    return None


def render_nav(nav: Nav) -> Markup:
    """The navigation block of a report page, between its markers."""
    return Markup(_ENV.get_template("nav.html.j2").render(nav=nav).strip())


def replace_nav(html: str, nav: Nav) -> str:
    """A report page's HTML with every navigation block replaced by ``nav``'s."""
    block = str(render_nav(nav))
    return _NAV.sub(lambda _: block, html)


def render_report(page: ReportPage) -> str:
    """The HTML of one report page."""
    return _ENV.get_template("report.html.j2").render(page=page, nav=render_nav(page.nav))


def render_index(entries: list[IndexEntry], generated_at: datetime) -> str:
    """The HTML of the index of all reports, newest first within each period."""
    by_period: dict[str, list[IndexEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.start_on, reverse=True):
        by_period.setdefault(entry.period, []).append(entry)
    order = [p for p in ("day", "week", "month", "quarter", "year") if p in by_period]
    return _ENV.get_template("index.html.j2").render(
        groups=[(p, by_period[p]) for p in order], generated_at=generated_at
    )
