"""One period's report as values: the page model the HTML template renders, every
chart (figure and numbers), the tables beside them and the PDF's pages; the job
writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from analytics.evidence import Evidence
from analytics.form_policy import FORM_LABELS, describe_forms
from analytics.period import WINDOWS, PeriodAnalysis
from analytics.trends import MIN_ARTICLES, Z_MIN
from reports.attention import attention_chart
from reports.charts import (
    forms_chart,
    movers_chart,
    top_entities_chart,
)
from reports.files import BuiltReport, ChartList, PdfDocument
from reports.heatmap import comention_heatmap
from reports.html import Nav, ReportPage, Section, Table
from reports.navigation import PDF_NAME
from reports.pdf import text_pages
from reports.text import baseline_words, evidence_groups, pdf_blocks, summary_lines
from reports.tilemap import world_tile_map
from reports.words import period_label, points, shares_apart

KIND_TITLES = {"country": "Countries", "leader": "Leaders"}
PAIRS_CSV = "pairs.csv"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _points(value: float | None) -> str:
    return points(value)


def _z(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@dataclass(frozen=True)
class ChartSections:
    """A report's sections of charts, in page order, and their charts (``build_charts``)."""

    sections: list[Section]
    files: ChartList


def build_charts(
    analysis: PeriodAnalysis, *, forms: tuple[str, ...], timezone: str = "UTC"
) -> ChartSections:
    """Every chart of ``analysis`` and the page's sections around them: what a report
    draws before its evidence is needed (``build_report``'s first part)."""
    files = ChartList()
    sections = [
        _attention_section(files, analysis, timezone),
        _top_section(files, analysis),
        _movers_section(files, analysis),
        _comentions_section(files, analysis),
        _world_section(files, analysis),
        _forms_section(files, analysis, forms),
    ]
    return ChartSections(sections=sections, files=files)


def build_report(
    analysis: PeriodAnalysis,
    evidence: Evidence,
    *,
    forms: tuple[str, ...],
    undated: int,
    generated_at: datetime,
    nav: Nav,
    notes: list[str] | None = None,
    timezone: str = "UTC",
    charts: ChartSections | None = None,
) -> BuiltReport:
    """Every chart, table and PDF page of ``analysis``, with the page model (the job
    writes the files, renders and writes the HTML). ``timezone``: where the analysis's
    days start (its published times are that zone's wall clock). ``charts``: the
    charts already built for ``analysis`` (``build_charts``), if they are."""
    a = analysis
    drawn = charts if charts is not None else build_charts(a, forms=forms, timezone=timezone)
    files, sections = drawn.files, drawn.sections
    last = a.end - timedelta(days=1)
    label = period_label(a.start, a.end)
    groups = evidence_groups(a, evidence)
    summary = summary_lines(a)
    counting = describe_forms(forms)
    title = f"Countries and leaders in the news: {a.period} of {label}"
    opening = pdf_blocks(
        a, [*(notes or []), *summary], counting, groups, head=True, timezone=timezone
    )
    head = text_pages(title, opening)
    tail = text_pages(
        title, pdf_blocks(a, summary, counting, groups, head=False, timezone=timezone)
    )
    pdf = PdfDocument(
        pages=[*head, *(c.figure for c in files.charts), *tail],
        captions=[*[None] * len(head), *(c.caption for c in files.charts), *[None] * len(tail)],
        title=title,
        created_at=generated_at,
    )
    page = ReportPage(
        period=a.period,
        start_on=a.start,
        end_on=last,
        generated_at=generated_at,
        articles=a.articles,
        stories=a.stories,
        undated_articles=undated,
        counting=counting,
        summary=summary,
        sections=sections,
        evidence=groups,
        nav=nav,
        pdf=PDF_NAME,
        notes=notes or [],
        timezone=timezone,
    )
    return BuiltReport(page=page, charts=files.charts, tables={PAIRS_CSV: a.pairs}, pdf=pdf)


def _attention_section(files: ChartList, a: PeriodAnalysis, timezone: str) -> Section:
    charts = []
    value = "rolling_share" if a.rolling > 1 else "share"
    count = WINDOWS[a.period][0]
    window = f"the {count} {a.period}s to {a.end - timedelta(days=1)}"
    for kind, what in KIND_TITLES.items():
        top, whose = a.top[kind], f"of the {a.period}"
        note = ""
        if top.is_empty() and not a.window_top.get(kind, top).is_empty():
            # Nothing in enough articles of a quiet period: chart the window's leaders
            # rather than an empty frame, and say so.
            top, whose = a.window_top[kind], f"of {window}"
            note = (
                f"No {kind} is in {a.min_articles} or more articles of this {a.period} "
                f"(see [reports] min_articles), so the chart shows the top "
                f"{what.lower()} of {window}. "
            )
        ids = top["entity_id"].to_list()
        names = ", ".join(top["name"].to_list()) or "none"
        data = a.trend.filter(pl.col("entity_id").is_in(ids)).select(
            "bucket",
            "entity_id",
            "kind",
            "name",
            "mentions",
            "articles",
            "stories",
            "total_articles",
            "share",
            "rolling_share",
        )
        fig = attention_chart(
            a.trend,
            ids,
            what=f"Top {what.lower()} {whose}",
            bucket_name=a.grain,
            start=a.trend_start,
            end=a.end,
            value=value,
            highlight=(a.start, a.end),
            rolling=a.rolling,
            data_end=a.data_end,
            timezone=timezone,
            empty=f"no {kind} in {a.min_articles} or more articles of {window}",
        )
        charts.append(
            files.chart(
                fig,
                f"attention-{kind}",
                data,
                title=f"{what} over time: share of all articles mentioning each, per {a.grain}",
                alt=(
                    f"Line chart: the share of articles mentioning each of the top {len(ids)} "
                    f"{what.lower()} {whose} ({names}), per {a.grain} from "
                    f"{a.trend_start} to {a.end - timedelta(days=1)}, the {a.period} shaded; "
                    f"below it, bars of all articles per {a.grain}."
                ),
                caption=(
                    f"{note}The CSV has raw counts (mentions, articles, stories) beside the shares."
                ),
            )
        )
    return Section(
        anchor="attention",
        title="Attention over time",
        intro=(
            f"How much of the news mentioned the top countries and leaders of this {a.period}, "
            f"over the {a.period}s before it. The grey band is this {a.period}; the bars below "
            "each chart count all articles, the denominator of every share."
        ),
        charts=charts,
    )


def _top_section(files: ChartList, a: PeriodAnalysis) -> Section:
    charts, tables = [], []
    for kind, what in KIND_TITLES.items():
        top = a.top[kind]
        fig = top_entities_chart(
            top, what=f"Top {what.lower()}", start=a.start, end=a.end,
            previous_name=f"previous {a.period}",
            empty=f"none in enough articles of this {a.period} to rank "
            "(see [reports] min_articles)",
        )  # fmt: skip
        names = ", ".join(f"{r['name']} {r['share']:.0%}" for r in top.iter_rows(named=True))
        charts.append(
            files.chart(
                fig,
                f"top-{kind}",
                top,
                title=f"Top {what.lower()} of the {a.period}: share of articles mentioning each",
                alt=(
                    f"Bar chart of the share of articles mentioning each of the top "
                    f"{what.lower()} of the {a.period}, with the previous {a.period} marked: "
                    f"{names or 'none'}."
                ),
            )
        )
        tables.append(
            Table(
                title=f"Top {what.lower()} of the {a.period}",
                columns=[
                    "name",
                    "articles",
                    "share of articles",
                    f"previous {a.period}",
                    "change",
                    f"usual ({baseline_words(a.period)})",
                    "mover",
                    "mentions",
                ],
                rows=[
                    [
                        r["name"],
                        r["articles"],
                        _pct(r["share"]),
                        _pct(r["previous_share"]),
                        _points(r["change_previous"]),
                        _pct(r["baseline_share"]),
                        r["mover"] or "",
                        r["mentions"],
                    ]
                    for r in top.iter_rows(named=True)
                ],
                csv=f"top-{kind}.csv",
                caption=(
                    f"change: share points since the previous {a.period}; usual: the share "
                    f"over {baseline_words(a.period)}; mover: a change against the usual share "
                    f"with |z| of {Z_MIN:g} or more and at least {MIN_ARTICLES} articles."
                ),
            )
        )
    return Section(
        anchor="top",
        title=f"Top countries and leaders, with change since the previous {a.period}",
        intro="",
        charts=charts,
        tables=tables,
    )


def _movers_section(files: ChartList, a: PeriodAnalysis) -> Section:
    baseline = baseline_words(a.period)
    shown = a.movers_shown
    significant = a.movers.height > 0
    fig = movers_chart(
        shown, start=a.start, end=a.end, baseline=baseline, z_min=Z_MIN, min_articles=MIN_ARTICLES
    )
    names = ", ".join(
        f"{r['name']} ({r['mover']}, {' to '.join(shares_apart(r['baseline_share'], r['share']))})"
        for r in shown.iter_rows(named=True)
    )
    chart = files.chart(
        fig,
        "movers",
        a.changes,
        title=f"Movers: change in share of articles against {baseline}",
        alt=(
            f"Bar chart of the significant movers of the {a.period}: {names or 'none'}."
            if significant
            else f"Bar chart of the largest changes, none significant: {names or 'none'}."
        ),
        caption="The CSV holds every entity's changes, significant or not.",
    )
    table = Table(
        title="Movers",
        columns=["name", "kind", "share now", "usual share", "change", "z", "direction"],
        rows=[
            [
                r["name"],
                r["kind"],
                _pct(r["share"]),
                _pct(r["baseline_share"]),
                _points(r["change_baseline"]),
                _z(r["z_baseline"]),
                r["mover"],
            ]
            for r in shown.iter_rows(named=True)
        ],
        csv="movers.csv",
    )
    return Section(
        anchor="movers",
        title="Movers",
        intro=(
            f"Countries and leaders whose share of articles changed against {baseline} by more "
            f"than chance explains (two-proportion z-test, |z| of {Z_MIN:g} or more, at least "
            f"{MIN_ARTICLES} articles now or expected). "
            "The sentences behind each rise are under Evidence."
            + (
                ""
                if significant or not shown.height
                else f" No change passed the test this {a.period}: the largest changes are "
                "shown instead, marked not significant."
            )
        ),
        charts=[chart],
        tables=[table],
    )


def _comentions_section(files: ChartList, a: PeriodAnalysis) -> Section:
    fig = comention_heatmap(a.matrix, start=a.start, end=a.end)
    names = a.matrix.select("name_a").unique(maintain_order=True)["name_a"].to_list()
    strongest = a.strongest.head(3)
    described = "; ".join(
        f"{r['name_a']} and {r['name_b']} in {r['together']} articles"
        for r in strongest.iter_rows(named=True)
    )
    chart = files.chart(
        fig,
        "comentions",
        a.matrix,
        title="Co-mentions: articles mentioning both, coloured by how tied the pair is",
        alt=(
            f"Heatmap of co-mentions among {', '.join(names) or 'no entities'}; "
            f"strongest pairs: {described or 'none'}."
        ),
        caption="NPMI is 1 when two always appear together, 0 when independent.",
    )
    table = Table(
        title="Strongest pairs",
        columns=["pair", "articles together", "lift", "NPMI", "articles of each"],
        rows=[
            [
                f"{r['name_a']} + {r['name_b']}",
                r["together"],
                f"{r['lift']:.1f}×",
                f"{r['npmi']:.2f}",
                f"{r['articles_a']} / {r['articles_b']}",
            ]
            for r in a.strongest.iter_rows(named=True)
        ],
        csv=PAIRS_CSV,
        caption=(
            "Ranked by NPMI among pairs seen together in at least 3 articles; a leader beside "
            "their own country is left out. lift: how many times more often together than "
            "chance."
        ),
    )
    return Section(
        anchor="comentions",
        title="Co-mentions",
        intro="Which countries and leaders the same articles talk about.",
        charts=[chart],
        tables=[table],
    )


def _world_section(files: ChartList, a: PeriodAnalysis) -> Section:
    fig = world_tile_map(a.world, start=a.start, end=a.end)
    mentioned = a.world.filter(pl.col("articles") > 0)
    listed = ", ".join(
        f"{r['name']} {r['share']:.0%}" for r in mentioned.head(8).iter_rows(named=True)
    )
    chart = files.chart(
        fig,
        "world",
        a.world,
        title="World view: share of articles mentioning each country",
        alt=(
            f"Tile map of the world, one square per country, shaded by the share of articles "
            f"mentioning it; {mentioned.height} countries mentioned, most: {listed or 'none'}."
        ),
    )
    return Section(anchor="world", title="World view", intro="", charts=[chart])


def _forms_section(files: ChartList, a: PeriodAnalysis, forms: tuple[str, ...]) -> Section:
    fig = forms_chart(a.forms.join(
        a.top["country"].select("entity_id", "name"), on="entity_id", how="left",
        maintain_order="left",
    ), start=a.start, end=a.end, labels=FORM_LABELS)  # fmt: skip
    chart = files.chart(
        fig,
        "forms",
        a.forms,
        title="How each top country was mentioned: mentions by form",
        alt=(
            "Stacked bar chart of the mentions of each top country by form: name, adjective, "
            f"capital, metonym and its leaders; counted: {describe_forms(forms)}."
        ),
        caption="Hatched forms are not counted under this report's policy.",
    )
    return Section(
        anchor="forms",
        title="Attention by form",
        intro=(
            "A country can be named (Russia), described (Russian), stood for by its capital "
            "(Moscow) or a government building (the Kremlin), or reached through its leaders "
            "(Putin). Set which count with [reports] forms in mentions.toml or "
            "mentions report --forms."
        ),
        charts=[chart],
    )
