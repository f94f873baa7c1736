"""An entity's page: its whole history, its leaders or country, its strongest
co-mentions, how it was named, and its busiest months with their evidence.

Served live by the explorer (``/entity/RUS``, its chart drawn on request and its links
into the explorer) and written as a standalone file by ``mentions entity NAME`` (its
chart and CSV beside it). Both are built from the notebook API in jobs/explore.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import polars as pl

from analytics.entity_names import Entity
from jobs import explore
from jobs.settings import Settings
from reports.explorer import EntityPage, Link, PeriodView, article_views, render_entity

BUSIEST = 5
EVIDENCE_PER_PERIOD = 3
COMENTIONS = 10


def month_end(start: date) -> date:
    """The last day of ``start``'s month."""
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def entity_href(entity_id: str) -> str:
    """The explorer's address of an entity's page."""
    return "/entity/" + quote(entity_id, safe="")


def evidence_href(entity_id: str, start: date, end: date) -> str:
    """The explorer's address of an entity's evidence over [start, end]."""
    query = urlencode({"entity": entity_id, "from": start.isoformat(), "to": end.isoformat()})
    return f"/explore/evidence?{query}"


def _related(settings: Settings, found: Entity, live: bool) -> tuple[str, list[Link]]:
    if found.kind == "leader":
        links = [Link(term) for term in found.terms]
        if found.country:
            country = explore.find_entity(settings, found.country)
            href = entity_href(country.entity_id) if live else None
            links.insert(0, Link(country.name, href, "country"))
        return "Country and terms in office", links
    leaders = explore.leaders(settings, found.entity_id)
    links = []
    for row in leaders.iter_rows(named=True):
        end = row["end_on"].isoformat() if row["end_on"] is not None else "now"
        note = f"{row['role']} {row['start_on'].isoformat()} to {end}"
        href = entity_href(row["entity_id"]) if live else None
        links.append(Link(row["name"], href, note))
    return "Leaders", links


def _periods(
    settings: Settings, found: Entity, history: pl.DataFrame, live: bool
) -> list[PeriodView]:
    busiest = (
        history.filter(pl.col("articles") > 0)
        .sort(["articles", "bucket_start"], descending=[True, False])
        .head(BUSIEST)
    )
    periods = []
    for row in busiest.iter_rows(named=True):
        start: date = row["bucket_start"]
        end = month_end(start)
        frame = explore.evidence(settings, found.entity_id, start, end, limit=EVIDENCE_PER_PERIOD)
        periods.append(
            PeriodView(
                label=start.strftime("%B %Y"),
                href=evidence_href(found.entity_id, start, end) if live else None,
                count=int(row["articles"]),
                name=found.name,
                articles=article_views(frame),
            )
        )
    return periods


def entity_page(
    settings: Settings, name: str, chart: str, csv: str, live: bool
) -> tuple[EntityPage, pl.DataFrame]:
    """The page of the entity ``name`` means, with its monthly history frame (drawn at
    ``chart``, its numbers at ``csv``). Raises the lookup errors of find_entity."""
    found = explore.find_entity(settings, name)
    history = explore.timeline(settings, [found.entity_id], every="month")
    related_title, related = _related(settings, found, live)
    together = explore.comentions(settings, found.entity_id, top=COMENTIONS)
    comentions: list[dict[str, object]] = [
        {
            "name": row["name"],
            "href": entity_href(row["entity_id"]) if live else None,
            "together": row["together"],
            "npmi": f"{row['npmi']:.2f}" if row["npmi"] is not None else "",
        }
        for row in together.iter_rows(named=True)
    ]
    naming = explore.naming(settings, found.entity_id)
    days: list[date] = history["bucket_start"].to_list()
    first, last = days[0], month_end(days[-1])
    explore_href = "/explore?" + urlencode(
        {"entity": found.entity_id, "every": "month", "measure": "share"}
    )
    page = EntityPage(
        name=found.name,
        description=found.describe(),
        start=first.isoformat(),
        end=last.isoformat(),
        articles=int(history["articles"].sum()),
        chart=chart,
        csv=csv,
        explore=explore_href if live else "",
        related_title=related_title,
        related=related,
        comentions=comentions,
        forms=[(r["form"], r["surface"], int(r["mentions"])) for r in naming.iter_rows(named=True)],
        periods=_periods(settings, found, history, live),
        live=live,
    )
    return page, history


def write_entity_page(settings: Settings, name: str, output: Path | None) -> Path:
    """Write the page of ``name`` (default ``ENTITY_ID.html`` here) with its chart
    (.png) and data (.csv) beside it; return the page's path."""
    found = explore.find_entity(settings, name)
    if output is None:
        output = Path(found.entity_id.replace(" ", "-").replace("/", "-") + ".html")
    output.parent.mkdir(parents=True, exist_ok=True)
    chart = output.with_suffix(".png")
    page, history = entity_page(
        settings, found.entity_id, chart.name, chart.with_suffix(".csv").name, live=False
    )
    explore.write_chart(history, chart, "share", "month")
    output.write_text(render_entity(page), encoding="utf-8")
    return output
