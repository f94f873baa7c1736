"""The chart of ``mentions chart`` and of the notebook API: chosen entities over any range.

One line per entity of a timeline frame (see analytics/timeline.py): the share of
articles (axis 0-100%), articles or mentions per bucket. Partial buckets (cut by the
range) are drawn dashed, every bucket carries a marker so a one-bucket series is still
visible, and the layout is constrained so the title and legend are never clipped.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from reports.render import settle
from reports.style import (
    DPI,
    LINESTYLES,
    MUTED_TEXT,
    PALETTE,
    SIZE,
    chart_title,
    date_axis,
    no_data,
)

LABELS = {
    "share": "share of articles mentioning it",
    "articles": "articles mentioning it",
    "mentions": "mentions",
}


def _span(frame: pl.DataFrame) -> str:
    days: list[date] = frame["bucket_start"].unique().sort().to_list()
    if not days:
        return "no buckets"
    if len(days) == 1:
        return f"the bucket of {days[0].isoformat()}"
    return f"buckets from {days[0].isoformat()} to {days[-1].isoformat()}"


def timeline_chart(
    frame: pl.DataFrame,
    measure: str = "share",
    every: str | None = None,
    smooth: int | None = None,
    settled: bool = False,
) -> Figure:
    """Lines of ``measure`` (share, articles or mentions) per bucket, one per entity in
    the frame's order; ``every`` (the bucket's name) and ``smooth`` (buckets summed)
    go into the title. Expects bucket_start, entity_id, name, partial and ``measure``.
    ``settled``: laid out once with its ticks fixed, for a figure saved once and
    thrown away (reports/render.py); otherwise constrained layout, for editing."""
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.subplots()
    entity_ids = list(dict.fromkeys(frame["entity_id"].to_list()))
    for i, entity_id in enumerate(entity_ids):
        rows = frame.filter(pl.col("entity_id") == entity_id).sort("bucket_start")
        x = rows["bucket_start"].to_list()
        y = rows[measure].cast(pl.Float64).to_list()
        colour = PALETTE[i % len(PALETTE)]
        style = LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)]
        # Dashed under everything, solid where both ends of a segment are whole buckets.
        ax.plot(x, y, color=colour, linestyle="--", linewidth=1.5, alpha=0.8)
        whole = [v if not p else float("nan") for v, p in zip(y, rows["partial"], strict=True)]
        ax.plot(x, whole, color=colour, linestyle=style, linewidth=2.0, label=rows["name"][0])
        ax.plot(x, y, color=colour, linestyle="none", marker="o", markersize=4, clip_on=False)
        hollow = [(d, v) for d, v, p in zip(x, y, rows["partial"], strict=True) if p]
        if hollow:
            ax.plot(
                [d for d, _ in hollow],
                [v for _, v in hollow],
                linestyle="none",
                marker="o",
                markersize=6,
                markerfacecolor="white",
                markeredgecolor=colour,
                clip_on=False,
            )
    if measure == "share":
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(LABELS[measure])
    ax.set_xlabel("bucket start (UTC)")
    date_axis(ax.xaxis)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    if frame.is_empty():
        no_data(ax, "no buckets in this range")
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    notes = []
    if frame["partial"].any():
        note = ax.annotate(
            "dashed, hollow: partial (the range cuts the bucket or its smoothing window)",
            xy=(0, 0),
            xycoords="figure fraction",
            xytext=(6, 4),
            textcoords="offset points",
            color=MUTED_TEXT,
            fontsize="small",
        )
        notes.append(note)
    names = ", ".join(dict.fromkeys(frame["name"].to_list()))
    per = f" per {every}" if every else ""
    summed = f", sums of {smooth} {every or 'bucket'}s" if smooth and smooth > 1 else ""
    title = chart_title(
        fig, f"{LABELS[measure].capitalize()}{per}{summed}: {names}; {_span(frame)}"
    )
    if settled:
        settle(fig, ax, title, notes)
    return fig
