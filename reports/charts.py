"""Charts as values: frame in, ``matplotlib.figure.Figure`` out.

Figures are built with ``Figure()`` rather than pyplot, so nothing accumulates in
global state when a scheduler renders charts for months in one process.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402  (after selecting the backend)
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

# Paul Tol's "muted" scheme plus grey: distinguishable with the common colour-vision
# deficiencies, and in greyscale print through the line styles that go with it.
PALETTE = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#777777",
)
LINESTYLES = ("-", "--", "-.", ":")
SIZE = (10.0, 5.0)
DPI = 100


def _label(period_start: date, period_end: date) -> str:
    last = date.fromordinal(period_end.toordinal() - 1)
    if period_start == last:
        return period_start.isoformat()
    return f"{period_start.isoformat()} to {last.isoformat()}"


def attention_chart(
    frequencies: pl.DataFrame,
    entity_ids: list[str],
    *,
    what: str,
    bucket_name: str,
    start: date,
    end: date,
    value: str = "share",
) -> Figure:
    """Lines over time for ``entity_ids``: the share of articles that mention each
    (``value='share'``) or raw counts (``'articles'``, ``'mentions'``).

    Expects entity_id, name, bucket and the ``value`` column.
    """
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for i, entity_id in enumerate(entity_ids):
        series = frequencies.filter(pl.col("entity_id") == entity_id).sort("bucket")
        if series.is_empty():
            continue
        values = series[value].to_list()
        if value == "share":
            values = [v * 100 for v in values]
        ax.plot(
            series["bucket"].to_list(),
            values,
            label=series["name"][0],
            color=PALETTE[i % len(PALETTE)],
            linestyle=LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)],
            marker="o" if series.height <= 40 else None,
            markersize=3,
            linewidth=1.6,
        )
    noun = {"share": "share of articles", "articles": "articles", "mentions": "mentions"}[value]
    ax.set_title(f"{what}: {noun} mentioning each, per {bucket_name}, {_label(start, end)}")
    ax.set_xlabel(f"{bucket_name} (UTC)")
    ax.set_ylabel("% of all articles" if value == "share" else f"{noun} per {bucket_name}")
    if value == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylim(bottom=0)
    ax.set_xlim(mdates.date2num(start), mdates.date2num(date.fromordinal(end.toordinal() - 1)))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, alpha=0.3)
    if entity_ids:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    else:
        ax.text(
            0.5,
            0.5,
            "no mentions in this period",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#555555",
        )
    return fig


def top_entities_chart(top: pl.DataFrame, *, what: str, start: date, end: date) -> Figure:
    """Horizontal bars: articles mentioning each entity in the period, largest on top.

    Expects name, articles, share.
    """
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    rows = top.sort("articles")
    names = rows["name"].to_list()
    counts = rows["articles"].to_list()
    bars = ax.barh(names, counts, color=PALETTE[0])
    for bar, share in zip(bars, rows["share"].to_list(), strict=True):
        ax.annotate(
            f"{share:.0%}",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.set_title(f"{what}: articles mentioning each, {_label(start, end)}")
    ax.set_xlabel("articles (label: share of all articles)")
    ax.set_ylabel(what.lower())
    ax.grid(True, axis="x", alpha=0.3)
    if not names:
        ax.text(
            0.5,
            0.5,
            "no mentions in this period",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#555555",
        )
    return fig


def save_chart(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG (the format from the suffix) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
