"""A one-pass layout for a chart that is drawn once and thrown away.

matplotlib's constrained layout measures every tick label twice and the figure is then
drawn in full twice more at save time (once with drawing switched off, to run the
layout, once for real); an explorer PNG spent most of its time there. ``settle`` measures
the axes' decorations once, places the axes between the title and the figure-level
notes, fixes the ticks it measured and removes the layout engine, so the save draws
once: about a quarter less CPU for the same picture (the margins come out a few pixels
tighter than constrained layout's).

A settled figure is not for editing: its ticks no longer follow a new range. The
notebook API keeps constrained layout; the explorer and ``mentions chart`` settle.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FixedLocator

PAD_IN = 0.04167  # constrained layout's own padding (3 points)


def settle(fig: Figure, ax: Axes, title: Text | None, notes: Sequence[Artist] = ()) -> None:
    """Place ``ax`` so its tick labels, axis labels and legend fit between ``title``
    (at the top of the figure) and ``notes`` (artists anchored at the bottom of the
    figure, e.g. a caption), with constrained layout's padding; then fix its ticks and
    drop the layout engine."""
    fig.set_layout_engine(None)
    renderer = FigureCanvasAgg(fig).get_renderer()
    pad = PAD_IN * fig.dpi
    width, height = fig.bbox.width, fig.bbox.height
    for note in notes:
        note.set_in_layout(False)  # anchored to the figure: not a margin of the axes
    floor = max((note.get_window_extent(renderer).y1 for note in notes), default=0.0) + pad
    ceiling = title.get_window_extent(renderer).y0 - pad if title is not None else height - pad
    outer, inner = ax.get_tightbbox(renderer), ax.bbox
    if outer is None:
        return
    left = pad + (inner.x0 - outer.x0)
    right = width - pad - (outer.x1 - inner.x1)
    bottom = floor + (inner.y0 - outer.y0)
    top = ceiling - (outer.y1 - inner.y1)
    if right <= left or top <= bottom:  # decorations larger than the figure: leave it
        return
    ax.set_position(
        (left / width, bottom / height, (right - left) / width, (top - bottom) / height)
    )
    fix_ticks(ax)


def fix_ticks(ax: Axes) -> None:
    """Replace both axes' locators and formatters by the ticks and labels they give now
    (date locators are the slowest part of drawing a time axis, and run at every draw)."""
    for axis in (ax.xaxis, ax.yaxis):
        locations = list(axis.get_major_locator()())
        formatter = axis.get_major_formatter()
        labels = formatter.format_ticks(locations)
        fixed = FixedFormatter(labels)
        fixed.set_offset_string(formatter.get_offset())
        axis.set_major_locator(FixedLocator(locations))
        axis.set_major_formatter(fixed)
