"""The words of a report: the summary, the evidence groups, the PDF's text pages."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from analytics.evidence import Evidence
from analytics.period import BASELINE, SPIKE_WINDOW, PeriodAnalysis
from reports.html import EvidenceArticle, EvidenceGroup, Part, safe_href
from reports.pdf import TextBlock
from reports.words import period_label, plural, points, shares_apart, shares_from_to

_UNITS = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters", "year": "years"}


def baseline_words(period: str) -> str:
    """'the 6 months before' for a monthly report."""
    return f"the {BASELINE[period]} {_UNITS[period]} before"


def _shares(frame: pl.DataFrame, n: int) -> str:
    return ", ".join(f"{r['name']} ({r['share']:.0%})" for r in frame.head(n).iter_rows(named=True))


def summary_lines(a: PeriodAnalysis) -> list[str]:
    """What a reader should take away in a minute, as plain sentences."""
    lines = []
    for kind, noun in (("country", "countries"), ("leader", "leaders")):
        top = a.top[kind]
        if top.height:
            lines.append(f"Most mentioned {noun}: {_shares(top, 3)} of articles.")
    rising = a.movers.filter(pl.col("mover") == "rising")
    falling = a.movers.filter(pl.col("mover") == "falling")
    baseline = baseline_words(a.period)
    for frame, verb in ((rising, "Rising"), (falling, "Falling")):
        if frame.height:
            moves = ", ".join(
                f"{r['name']} ({shares_from_to(r['baseline_share'], r['share'])})"
                for r in frame.iter_rows(named=True)
            )
            lines.append(f"{verb} against {baseline}: {moves}.")
    if not a.movers.height:
        largest = ", ".join(
            f"{r['name']} ({points(r['change_baseline'])})"
            for r in a.movers_shown.head(3).iter_rows(named=True)
        )
        lines.append(
            f"No significant mover against {baseline}"
            + (f"; largest changes, not significant: {largest}." if largest else ".")
        )
    if a.strongest.height:
        r = a.strongest.row(0, named=True)
        lines.append(
            f"Most tied pair: {r['name_a']} and {r['name_b']} "
            f"({plural(r['together'], 'article')} together, {r['lift']:.1f}× chance)."
        )
    if a.articles == 0:
        lines = [f"No articles were published in this {a.period}."]
    return lines


def _reason(a: PeriodAnalysis, target: dict[str, object], articles: int) -> tuple[str, str]:
    name = str(target["name"])
    share, base, z = target["share"], target["baseline_share"], target["z"]
    assert isinstance(share, float) and isinstance(base, float) and isinstance(z, float)
    then, now = shares_apart(base, share)
    if target["reason"] == "mover":
        heading = f"{name}: rising this {a.period}"
        reason = (
            f"Mentioned in {now} of this {a.period}'s articles against {then} over "
            f"{baseline_words(a.period)} (z = {z:.1f})."
        )
    else:
        start = target["start_at"]
        assert hasattr(start, "date")
        day = start.date()
        when = {
            "week": f"the week of {day.isoformat()}",
            "month": day.strftime("%B %Y"),
        }.get(a.grain, day.isoformat())
        heading = f"{name}: spike in {when}"
        reason = (
            f"Mentioned in {now} of the articles of {when} against {then} over the "
            f"{SPIKE_WINDOW[a.grain]} {_UNITS[a.grain]} before (z = {z:.1f})."
        )
    return heading, reason


def evidence_groups(a: PeriodAnalysis, evidence: Evidence) -> list[EvidenceGroup]:
    """One group per evidence target, its articles in rank order with their quotes."""
    quotes: dict[tuple[str, str], list[list[Part]]] = {}
    for row in evidence.sentences.iter_rows(named=True):
        parts = [Part(text=p["text"], mark=p["mark"]) for p in row["parts"]]
        quotes.setdefault((row["article_id"], row["entity_id"]), []).append(parts)
    groups = []
    for target in a.targets.iter_rows(named=True):
        rows = evidence.articles.filter(pl.col("target_id") == target["target_id"]).sort("rank")
        total = int(rows["articles"][0]) if rows.height else 0
        heading, reason = _reason(a, target, total)
        groups.append(
            EvidenceGroup(
                anchor=f"evidence-{target['target_id']}",
                heading=heading,
                reason=reason,
                total_articles=total,
                articles=[
                    EvidenceArticle(
                        title=r["title"] or "(untitled)",
                        href=safe_href(r["url"]),
                        location=r["url"] or "",
                        published_at=r["published_at"],
                        mentions=r["mentions"],
                        quotes=quotes.get((r["article_id"], r["entity_id"]), []),
                    )
                    for r in rows.iter_rows(named=True)
                ],
            )
        )
    return groups


def _quote_text(parts: list[Part]) -> str:
    return "".join(f"[{p.text}]" if p.mark else p.text for p in parts)


def pdf_blocks(
    a: PeriodAnalysis,
    summary: list[str],
    counting: str,
    groups: list[EvidenceGroup],
    *,
    head: bool,
    timezone: str = "UTC",
) -> list[TextBlock]:
    """The PDF's text: with ``head``, the opening page (summary, rules, tables);
    without, the evidence pages that follow the charts. Days and times are
    ``timezone``'s."""
    if head:
        label = period_label(a.start, a.end)
        blocks = [
            TextBlock(
                f"{a.period.capitalize()} of {label}",
                [
                    f"{plural(a.articles, 'article')} "
                    f"({plural(a.stories, 'distinct story', 'distinct stories')}), published "
                    f"{a.start.isoformat()} to {(a.end - timedelta(days=1)).isoformat()} "
                    f"({timezone}).",
                    f"Counted: a country is counted when an article names it by {counting}.",
                ],
            ),
            TextBlock("In brief", summary),
        ]
        for kind, title in (("country", "Top countries"), ("leader", "Top leaders")):
            blocks.append(
                TextBlock(
                    title,
                    [
                        f"{r['name']}: {r['share']:.1%} of articles ({r['articles']}), "
                        f"previous {a.period} "
                        + ("n/a" if r["previous_share"] is None else f"{r['previous_share']:.1%}")
                        + (f", {r['mover']}" if r["mover"] else "")
                        for r in a.top[kind].iter_rows(named=True)
                    ]
                    or ["none"],
                )
            )
        return blocks
    blocks = []
    for group in groups:
        lines, indent = [group.reason], [False]
        for article in group.articles:
            lines.append(
                f"{article.published_at:%Y-%m-%d %H:%M} {timezone} {article.title} "
                f"({article.location})"
            )
            indent.append(False)
            for quote in article.quotes:
                lines.append(_quote_text(quote))
                indent.append(True)
        blocks.append(TextBlock(group.heading, lines, indent))
    if not blocks:
        blocks.append(TextBlock("Evidence", ["No mover or spike in this period."]))
    return blocks
