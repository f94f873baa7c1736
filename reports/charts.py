"""Charts as values: frame in, ``matplotlib.figure.Figure`` out.

Figures are built with ``Figure()`` rather than pyplot, so nothing accumulates in
global state when a scheduler renders charts for months in one process. Every
chart's title says what is counted, over what and when; axes are labelled.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from reports.fitting import fit_texts
from reports.render import write_png
from reports.style import (
    DPI,
    FALLING,
    PALETTE,
    PREVIOUS,
    RISING,
    SIZE,
    DashMinus,
    chart_title,
    drawing_rc,
    no_data,
    signed,
)
from reports.words import period_label, plural, points, shares_from_to

INSIDE = "inside"  # the gid of a label that ``lay_out`` keeps within its axes

_MOVER_COLOURS = {"rising": RISING, "falling": FALLING}
NOT_SIGNIFICANT = "#AAAAAA"
_FORM_COLOURS = {
    "name": PALETTE[0],
    "adjective": PALETTE[2],
    "capital": PALETTE[5],
    "metonym": PALETTE[6],
    "leaders": PALETTE[1],
}


def top_entities_chart(
    top: pl.DataFrame,
    *,
    what: str,
    start: date,
    end: date,
    previous_name: str = "previous",
    empty: str = "no mentions in this period",
) -> Figure:
    """Horizontal bars: the share of articles mentioning each entity in the period,
    largest on top, with a marker at its share in the previous period when known.

    Expects name, articles, share; optionally previous_share and change_previous.
    """
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    rows = top.sort("articles", "name", descending=[False, True])
    names = rows["name"].to_list()
    shares = [s * 100 for s in rows["share"].to_list()]
    bars = ax.barh(names, shares, color=PALETTE[0], label="this period")
    has_previous = "previous_share" in rows.columns
    previous = rows["previous_share"].to_list() if has_previous else [None] * len(names)
    known = [(p * 100, n) for p, n in zip(previous, names, strict=True) if p is not None]
    if known:
        ax.scatter(
            [p for p, _ in known],
            [n for _, n in known],
            marker="D",
            color=PREVIOUS,
            zorder=3,
            s=28,
            label=f"{previous_name}",
            clip_on=False,  # a share of 100% sits on the axes' edge: drawn whole
        )
    changes = rows["change_previous"].to_list() if "change_previous" in rows.columns else []
    right_edge = min(max([*shares, *(p for p, _ in known), 1.0]) * 1.45, 100.0)
    for i, (bar, articles) in enumerate(zip(bars, rows["articles"].to_list(), strict=True)):
        label = f"{bar.get_width():.0f}% · {plural(articles, 'article')}"
        if changes:
            change = changes[i]
            label += " · change n/a" if change is None else f" · {signed(points(change, 0))}"
        # Past the bar and past the previous period's marker, never on top of either;
        # at the bar's start, inside it, when there is no room left before 100% (the
        # marker of a large share is far to the right).
        right = max(bar.get_width(), (previous[i] or 0.0) * 100)
        inside = right > right_edge * 0.6
        ax.annotate(
            label,
            (0.0 if inside else right, bar.get_y() + bar.get_height() / 2),
            xytext=(6 if inside else 8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize="small",
            color="white" if inside else "black",
            gid=INSIDE,
        )
    chart_title(fig, f"{what}, {period_label(start, end)}: share of articles mentioning each")
    ax.set_xlabel("% of all articles in the period (label: share · articles · change in points)")
    ax.set_ylabel(what.lower())
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlim(0, right_edge)
    ax.grid(True, axis="x", alpha=0.3)
    if names:
        ax.legend(loc="lower right", frameon=False, fontsize="small")
    else:
        ax.set_xlim(0, 10)
        ax.set_yticks([])
        no_data(ax, empty)
    return fig


def movers_chart(
    movers: pl.DataFrame,
    *,
    start: date,
    end: date,
    baseline: str,
    z_min: float,
    min_articles: int,
) -> Figure:
    """Diverging bars: each mover's change in share of articles against its trailing
    baseline, rising in blue, falling in orange, 'not significant' (the largest changes
    shown when no mover passed the test) in grey.

    Expects name, share, baseline_share, change_baseline, z_baseline, mover.
    """
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    rows = movers.sort("change_baseline")
    names = rows["name"].to_list()
    changes = [c * 100 for c in rows["change_baseline"].to_list()]
    colours = [_MOVER_COLOURS.get(m, NOT_SIGNIFICANT) for m in rows["mover"].to_list()]
    significant = any(m in _MOVER_COLOURS for m in rows["mover"].to_list())
    bars = ax.barh(names, changes, color=colours)
    for bar, row in zip(bars, rows.iter_rows(named=True), strict=True):
        width = bar.get_width()
        # A period without any article has a change (to 0%) but no z to test it by.
        z = "n/a" if row["z_baseline"] is None else signed(f"{row['z_baseline']:.1f}")
        ax.annotate(
            f"{shares_from_to(row['baseline_share'], row['share'])} (z = {z})",
            (width, bar.get_y() + bar.get_height() / 2),
            xytext=(6 if width >= 0 else -6, 0),
            textcoords="offset points",
            ha="left" if width >= 0 else "right",
            va="center",
            fontsize="small",
            gid=INSIDE,  # the longest bar's label may need more room than the limit leaves
        )
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.xaxis.set_major_formatter(DashMinus())  # falling: negative changes
    heading = "Movers" if significant or not names else "Largest changes, none significant"
    chart_title(
        fig,
        f"{heading}, {period_label(start, end)}: change in share of articles "
        f"against {baseline} (a mover has |z| of {z_min:g} or more and at least "
        f"{min_articles} articles)",
    )
    ax.set_xlabel("change in share of articles (percentage points)")
    ax.set_ylabel("country or leader")
    limit = max([abs(c) for c in changes] + [5.0]) * 1.6
    ax.set_xlim(-limit if any(c < 0 for c in changes) else -limit * 0.15, limit)
    ax.grid(True, axis="x", alpha=0.3)
    if not names:
        no_data(ax, "no significant movers in this period")
    else:
        from matplotlib.patches import Patch

        present = set(rows["mover"].to_list())
        handles = [
            Patch(color=colour, label=direction)
            for direction, colour in (*_MOVER_COLOURS.items(), ("not significant", NOT_SIGNIFICANT))
            if direction in present
        ]
        ax.legend(
            handles=handles,
            loc="lower right",
            frameon=False,
            fontsize="small",
        )
    return fig


def forms_chart(split: pl.DataFrame, *, start: date, end: date, labels: dict[str, str]) -> Figure:
    """Stacked horizontal bars, one per country, each 100%: how the country's
    mentions split by form (name, adjective, capital, metonym, its leaders), the
    total mentions written at the end; forms that do not count are hatched.

    Expects entity_id, name, form, mentions, counted (one row per entity and form).
    """
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    order = split.select("entity_id", "name").unique("entity_id", maintain_order=True)
    names = list(reversed(order["name"].to_list()))
    ids = list(reversed(order["entity_id"].to_list()))
    totals = split.group_by("entity_id").agg(pl.col("mentions").sum())
    total_by_id = dict(
        zip(totals["entity_id"].to_list(), totals["mentions"].to_list(), strict=True)
    )
    left = [0.0] * len(ids)
    for form in split["form"].unique(maintain_order=True).to_list():
        rows = split.filter(pl.col("form") == form)
        by_id = dict(zip(rows["entity_id"].to_list(), rows["mentions"].to_list(), strict=True))
        counted = bool(rows["counted"].any())
        values = [
            100.0 * by_id.get(e, 0) / total_by_id[e] if total_by_id.get(e) else 0.0 for e in ids
        ]
        ax.barh(
            names,
            values,
            left=left,
            color=_FORM_COLOURS.get(form, "#BBBBBB"),
            hatch=None if counted else "//",
            edgecolor="white" if counted else "#333333",
            linewidth=0.5,
            label=labels.get(form, form) + ("" if counted else " (not counted)"),
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    for name, entity_id in zip(names, ids, strict=True):
        ax.annotate(
            f"{total_by_id.get(entity_id, 0):,} mentions",
            (100.0, name),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
            gid=INSIDE,  # a year's millions need more room than a month's
        )
    chart_title(
        fig,
        f"How each top country was mentioned, {period_label(start, end)}: "
        "share of its mentions by form",
    )
    ax.set_xlabel("% of the country's mentions (label: all its mentions)")
    ax.set_ylabel("country")
    ax.set_xlim(0, 122)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.grid(True, axis="x", alpha=0.3)
    if ids:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    else:
        no_data(ax)
    return fig


def lay_out(fig: Figure, *, standard: bool = False) -> None:
    """Compute the figure's layout once, on an Agg canvas, and drop its layout engine,
    its titles broken for the font it will be drawn in (``standard``: the PDF's
    Helvetica, else DejaVu Sans; ``reports.fitting``).

    The PNG and then the PDF each draw the figure once on that layout, sharing the
    renderer's cache of text sizes, instead of savefig drawing it once more for the
    layout (a placeholder engine would make savefig do that for the PDF page too).
    Only the first call does anything.
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    engine = fig.get_layout_engine()
    if engine is not None:
        fit_texts(fig, standard=standard)
        with drawing_rc():
            engine.execute(fig)
            fig.set_layout_engine(None)
            _widen_for_labels(fig)


_LABEL_PAD_PX = 3.0


def _widen_for_labels(fig: Figure) -> None:
    """Widen the x-axis of each axes until its labels marked ``INSIDE`` fit within it:
    a label's size is in points and its anchor in data, so how much room a bar leaves
    beside it is known only once the axes have their size. Each step widens by what
    the labels overflow, measured; a few steps settle it (the labels move inwards as
    the scale shrinks)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:
        labels = [t for t in ax.texts if t.get_gid() == INSIDE and t.get_visible()]
        for _ in range(8) if labels else ():
            box = ax.get_window_extent(renderer)
            extents = [label.get_window_extent(renderer) for label in labels]
            left = box.x0 + _LABEL_PAD_PX - min(e.x0 for e in extents)
            right = max(e.x1 for e in extents) - (box.x1 - _LABEL_PAD_PX)
            if left <= 0 and right <= 0:
                break
            low, high = ax.get_xlim()
            per_px = (high - low) / box.width
            ax.set_xlim(low - max(left, 0.0) * per_px, high + max(right, 0.0) * per_px)


def save_chart(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG (the format from the suffix) and return the path, laid
    out first (``lay_out``) unless it already is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lay_out(fig)
    write_png(fig, path, compression=3)  # unfiltered rows: reports/render.py
    return path
