"""The attention chart: each top entity's share of articles over the trend window, over
a panel of all articles per bucket (the denominator of every share).

The frame is fixed rather than computed, so the countries' and the leaders' charts,
shown one above the other, share the same time axis whatever their legends hold.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import matplotlib.dates as mdates
import polars as pl
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from reports.fitting import wrapped
from reports.style import (
    DPI,
    LINESTYLES,
    MUTED_TEXT,
    PALETTE,
    PERIOD_SHADE,
    TREND_SIZE,
    chart_title,
    date_axis,
    no_data,
)
from reports.words import period_label

_NOUNS = {
    "share": "share of articles",
    "rolling_share": "share of articles",
    "articles": "articles",
    "mentions": "mentions",
}


# Bars of all articles per bucket fill 80% of their bucket (in days on the time axis).
_BAR_DAYS = {"day": 0.8, "week": 5.6, "month": 24.0}


def _bucket_end(bucket: date, bucket_name: str) -> date:
    if bucket_name == "month":
        return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)
    return bucket + timedelta(days=7 if bucket_name == "week" else 1)


def _day(bucket: date) -> date:
    return bucket.date() if isinstance(bucket, datetime) else bucket


def _is_partial(bucket: date, bucket_name: str, start: date, covered: date) -> bool:
    """The bucket starts before the window or ends after the data."""
    day = _day(bucket)
    return day < start or _bucket_end(day, bucket_name) > covered


def attention_chart(
    frequencies: pl.DataFrame,
    entity_ids: list[str],
    *,
    what: str,
    bucket_name: str,
    start: date,
    end: date,
    value: str = "share",
    highlight: tuple[date, date] | None = None,
    rolling: int = 1,
    data_end: date | None = None,
    timezone: str = "UTC",
    empty: str = "no mentions in this period",
) -> Figure:
    """Lines over time for ``entity_ids``: the share of articles that mention each
    (``value`` 'share' or 'rolling_share') or raw counts ('articles', 'mentions'),
    over a panel of all articles per bucket (the denominator). ``highlight`` shades
    the report's own period. Buckets cut by ``start`` or by ``data_end`` (the day after
    the newest article) are partial: dashed lines, hatched bars. Buckets are days of
    ``timezone``, as the x axis says.

    Expects entity_id, name, bucket, total_articles and the ``value`` column.
    """
    # A fixed frame, not a computed layout: the countries' and the leaders' charts sit
    # one above the other on the page and must share the same time axis, whatever the
    # length of the names in their legends (wrapped to fit the right margin).
    fig = Figure(figsize=TREND_SIZE, dpi=DPI)
    ax, totals_ax = fig.subplots(
        2,
        1,
        sharex=True,
        gridspec_kw={
            "height_ratios": (3, 1),
            "left": 0.08,
            "right": 0.77,
            "top": 0.86,
            "bottom": 0.09,
            "hspace": 0.08,
        },
    )
    share = value in ("share", "rolling_share")
    covered = min(end, data_end) if data_end is not None else end
    handles = []
    any_partial = False
    for i, entity_id in enumerate(entity_ids):
        series = frequencies.filter(pl.col("entity_id") == entity_id).sort("bucket")
        if series.is_empty():
            continue
        buckets = series["bucket"].to_list()
        values = [math.nan if v is None else v for v in series[value].to_list()]
        if value == "share" and "total_articles" in series.columns:
            # A bucket without any article has no share at all: a gap, not a 0%.
            no_articles = [t == 0 for t in series["total_articles"].to_list()]
            values = [math.nan if e else v for v, e in zip(values, no_articles, strict=True)]
        if data_end is not None:
            # After the newest article there is nothing to show: a rolling average there
            # would only average fewer and fewer days of data, and read like a fall.
            values = [
                math.nan if _day(b) >= data_end else v for v, b in zip(values, buckets, strict=True)
            ]
        if share:
            values = [v * 100 for v in values]
        # A bucket cut by the window's start or by the last article is not a dip: its
        # line is dashed, the solid line only joins whole buckets.
        partial = [_is_partial(b, bucket_name, start, covered) for b in buckets]
        whole = [math.nan if p else v for v, p in zip(values, partial, strict=True)]
        colour = PALETTE[i % len(PALETTE)]
        if any(p and not math.isnan(v) for v, p in zip(values, partial, strict=True)):
            any_partial = True
            ax.plot(buckets, values, color=colour, linestyle="--", linewidth=1.2, alpha=0.7,
                    marker="o", markersize=3, markerfacecolor="white", gid="partial",
                    label="_partial")  # fmt: skip
        (line,) = ax.plot(
            buckets,
            whole,
            label=wrapped(series["name"][0], 1.9, 9),
            color=colour,
            linestyle=LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)],
            # Always a marker: a lone point between gaps is otherwise invisible.
            marker="o",
            markersize=3 if series.height <= 60 else 2,
            linewidth=1.8,
        )
        handles.append(line)
    smoothing = f" ({rolling}-{bucket_name} rolling average)" if rolling > 1 else ""
    noun = _NOUNS[value]
    chart_title(
        fig,
        f"{what}: {noun} mentioning each, per {bucket_name}{smoothing}, {period_label(start, end)}",
    )
    ax.set_ylabel("% of all articles" if share else f"{noun} per {bucket_name}")
    if share:
        # A share never passes 100%; an empty chart still gets a readable 0-10% scale.
        ax.set_ylim(0, min(max(ax.get_ylim()[1], 10.0), 100.0))
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    else:
        ax.set_ylim(bottom=0)
    # Points sit at their bucket's start; the axis runs to the last one, or to the end of
    # the shaded period (a day report's own day is the last point: its shade, a day
    # wide, would otherwise begin at the right edge and not show).
    last = (
        end - timedelta(days=1) if highlight is None else max(end - timedelta(days=1), highlight[1])
    )
    ax.set_xlim(mdates.date2num(start), mdates.date2num(last))
    ax.grid(True, alpha=0.3)
    if any_partial:
        handles.append(
            Line2D([], [], color=MUTED_TEXT, linestyle="--", label=f"dashed: partial {bucket_name}")
        )
    if entity_ids:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize="small",
        )
    else:
        no_data(ax, empty)
    totals = (
        frequencies.select("bucket", "total_articles").unique("bucket").sort("bucket")
        if "total_articles" in frequencies.columns
        else pl.DataFrame({"bucket": [], "total_articles": []})
    )
    width = _BAR_DAYS.get(bucket_name, 0.8)
    bars = totals_ax.bar(
        totals["bucket"].to_list(), totals["total_articles"].to_list(), width=width, color="#999999"
    )
    for bar, bucket in zip(bars, totals["bucket"].to_list(), strict=True):
        if _is_partial(bucket, bucket_name, start, covered):
            bar.set_facecolor("#DDDDDD")
            bar.set_hatch("///")
            bar.set_edgecolor("#999999")
    totals_ax.set_ylabel("all articles")
    totals_ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))  # no half articles
    totals_ax.set_xlabel(f"{bucket_name} ({timezone})")
    totals_ax.grid(True, axis="y", alpha=0.3)
    for axis in (ax, totals_ax):
        if highlight is not None:
            axis.axvspan(
                mdates.date2num(highlight[0]),
                mdates.date2num(highlight[1]),
                color=PERIOD_SHADE,
                zorder=0,
                label="_period",
            )
    if highlight is not None:
        ax.text(
            mdates.date2num(min(highlight[1], last)),  # the period ends the window
            1.01,  # above the axes: a line at 100% would run through it
            "this period",
            transform=ax.get_xaxis_transform(),
            va="bottom",
            ha="right",
            fontsize="small",
            color=MUTED_TEXT,
        )
    date_axis(totals_ax.xaxis)
    return fig
