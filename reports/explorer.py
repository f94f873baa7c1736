"""The explorer's pages as strings: the form with its chart and buckets, the evidence of
one bucket, an entity's page and the error page.

Titles, sentences and URLs come from articles, which are untrusted: they only reach
the page through the autoescaping template engine, an article's URL becomes a link only
when it is http(s), and every page forbids scripts (forms and links do all the work).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from reports.html import _ENV, Part


@dataclass(frozen=True)
class Link:
    """A link (``href`` None: plain text) with an optional note after it."""

    text: str
    href: str | None = None
    note: str = ""


@dataclass(frozen=True)
class ArticleView:
    """One article behind a number: its title, link (http(s) only), time, mentions and
    the sentences naming the entity."""

    title: str
    href: str | None
    location: str
    published: str
    mentions: int
    quotes: list[list[Part]]


@dataclass(frozen=True)
class BucketRow:
    """One bucket of the chart: its label and one linked value per entity."""

    label: str
    cells: list[Link]


@dataclass(frozen=True)
class ExplorerView:
    """What the explorer form shows: the request as typed, and (when it could be
    answered) the chart's and CSV's addresses and the bucket table."""

    entities: list[str]
    start: str
    end: str
    every: str
    measure: str
    everies: tuple[str, ...]
    measures: tuple[str, ...]
    names: list[str] = field(default_factory=list)
    chart: str = ""
    csv: str = ""
    rows: list[BucketRow] = field(default_factory=list)
    entity_links: list[Link] = field(default_factory=list)
    error: str = ""
    suggestions: list[Link] = field(default_factory=list)


@dataclass(frozen=True)
class EvidenceView:
    """The articles behind one entity over one range."""

    name: str
    start: str
    end: str
    entity_href: str
    articles: list[ArticleView]


@dataclass(frozen=True)
class PeriodView:
    """A busy period of an entity, with its evidence."""

    label: str
    href: str | None
    count: int
    name: str
    articles: list[ArticleView]


@dataclass(frozen=True)
class EntityPage:
    """An entity's page: ``live`` pages (served) link into the explorer; a written
    page stands alone beside its chart."""

    name: str
    description: str
    start: str
    end: str
    articles: int
    chart: str
    csv: str
    explore: str
    related_title: str
    related: list[Link]
    comentions: list[dict[str, object]]
    forms: list[tuple[str, str, int]]
    periods: list[PeriodView]
    live: bool


def safe_href(url: str | None) -> str | None:
    """``url`` when it is http(s), else None (no javascript:, data: or file links)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def render_explorer(view: ExplorerView) -> str:
    """The explorer page: the form filled in, the chart and the bucket table."""
    return _ENV.get_template("explorer.html.j2").render(view=view)


def render_evidence(view: EvidenceView) -> str:
    """The evidence page of one entity and range."""
    return _ENV.get_template("explorer_evidence.html.j2").render(view=view)


def render_entity(page: EntityPage) -> str:
    """An entity's page: history chart, leaders or country, co-mentions, forms and
    busiest periods with their evidence."""
    return _ENV.get_template("entity.html.j2").render(page=page)


def render_error(status: int, heading: str, message: str, links: list[Link]) -> str:
    """An error page (400: a name or range the user can fix) with suggested links."""
    return _ENV.get_template("explorer_error.html.j2").render(
        status=status, heading=heading, message=message, links=links
    )


def article_views(frame: pl.DataFrame) -> list[ArticleView]:
    """The views of an evidence frame (title, url, published_at, mentions, parts)."""
    views = []
    for row in frame.iter_rows(named=True):
        quotes = [
            [Part(str(p["text"]), bool(p["mark"])) for p in sentence]
            for sentence in (row["parts"] or [])
        ]
        published = row["published_at"]
        views.append(
            ArticleView(
                title=row["title"] or "(no title)",
                href=safe_href(row["url"]),
                location=row["url"] or "",
                published=published.strftime("%Y-%m-%d %H:%M UTC") if published else "undated",
                mentions=int(row["mentions"]),
                quotes=quotes,
            )
        )
    return views
