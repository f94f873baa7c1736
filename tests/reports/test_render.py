"""Charts drawn once (reports/render.py): the one-pass layout (nothing clipped, nothing
overlapping, the axes as large as constrained layout makes them, the ticks kept) and the
unfiltered PNG (the pixels savefig writes)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import matplotlib as mpl
import numpy as np
import polars as pl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

from reports.render import png_bytes, write_png
from reports.style import TEXT_HINTING, drawing_rc
from reports.timeline import timeline_chart

NAMES = {
    "USA": "United States",
    "COD": "Democratic Republic of the Congo",
    "P1": "Mohammed bin Salman Al Saud",
}


def _frame(entities: dict[str, str], weeks: int, scale: float) -> pl.DataFrame:
    rows = []
    first = date(2021, 1, 4)
    for i, (entity_id, name) in enumerate(entities.items()):
        for week in range(weeks):
            articles = (week * 37 + i * 11) % 50
            rows.append(
                {
                    "bucket_start": first + timedelta(weeks=week),
                    "entity_id": entity_id,
                    "name": name,
                    "articles": int(articles * scale),
                    "total_articles": int(60 * scale),
                    "share": articles / 60,
                    "mentions": int(articles * scale * 3),
                    "partial": week in (0, weeks - 1),
                }
            )
    return pl.DataFrame(rows)


def _inside(box: Bbox, outer: Bbox) -> bool:
    return (
        box.x0 >= outer.x0 - 0.5
        and box.y0 >= outer.y0 - 0.5
        and box.x1 <= outer.x1 + 0.5
        and box.y1 <= outer.y1 + 0.5
    )


@pytest.mark.parametrize(
    ("measure", "weeks", "scale"),
    [("share", 26, 1.0), ("mentions", 280, 400.0), ("articles", 3, 1.0)],
)
def test_settled_chart_fits_the_figure_and_is_as_large_as_constrained(
    measure: str, weeks: int, scale: float
) -> None:
    frame = _frame(NAMES, weeks, scale)
    settled = timeline_chart(frame, measure, "week", settled=True)
    constrained = timeline_chart(frame, measure, "week")
    assert settled.get_layout_engine() is None
    renderer = FigureCanvasAgg(settled).get_renderer()
    figure_box = settled.bbox
    (ax,) = settled.axes
    title = settled.get_suptitle()
    assert title
    title_box = settled._suptitle.get_window_extent(renderer)  # noqa: SLF001  (matplotlib keeps no other handle)
    note = [t for t in ax.texts if t.get_text().startswith("dashed, hollow")]
    assert note, "partial buckets carry their note"
    note_box = note[0].get_window_extent(renderer)
    legend_box = ax.get_legend().get_window_extent(renderer)
    decorated = ax.get_tightbbox(renderer)  # the note is out of the layout
    for name, box in [
        ("title", title_box),
        ("note", note_box),
        ("legend", legend_box),
        ("axes with labels", decorated),
    ]:
        assert _inside(box, figure_box), f"{name} {box} leaves the figure {figure_box}"
    assert decorated.y1 <= title_box.y0, "the axes reach into the title"
    assert decorated.y0 >= note_box.y1, "the axes reach into the note"
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    drawn = [t for t in ax.get_xticklabels() if x0 <= t.get_position()[0] <= x1] + [
        t for t in ax.get_yticklabels() if y0 <= t.get_position()[1] <= y1
    ]
    assert len(drawn) >= 4
    for label in drawn:
        assert _inside(label.get_window_extent(renderer), figure_box), label.get_text()
    # Not squeezed: the plotting area is within a few percent of constrained layout's.
    constrained.draw_without_rendering()
    area = ax.get_position().width * ax.get_position().height
    theirs = constrained.axes[0].get_position()
    assert area >= 0.95 * theirs.width * theirs.height


def test_settled_ticks_are_the_ones_the_locators_gave() -> None:
    frame = _frame({"USA": "United States"}, 120, 1.0)
    constrained = timeline_chart(frame, "share", "week")
    constrained.draw_without_rendering()
    settled = timeline_chart(frame, "share", "week", settled=True)
    settled.draw_without_rendering()

    def labels(fig: object) -> list[str]:
        ax = fig.axes[0]  # type: ignore[attr-defined]
        return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]

    assert labels(settled) == labels(constrained)
    assert labels(settled)[:2] == ["2021", "May"]
    assert [t.get_text() for t in settled.axes[0].get_yticklabels()][-1] == "100%"


def test_settled_empty_chart_still_says_so() -> None:
    empty = pl.DataFrame(schema=_frame(NAMES, 2, 1.0).schema)
    fig = timeline_chart(empty, "share", "week", settled=True)
    (ax,) = fig.axes
    assert any(t.get_text() == "no buckets in this range" for t in ax.texts)
    assert fig.get_layout_engine() is None


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return np.asarray(image.convert("RGBA"))


def test_png_has_the_pixels_savefig_writes(tmp_path: Path) -> None:
    frame = _frame(NAMES, 30, 1.0)
    ours = png_bytes(timeline_chart(frame, "share", "week", settled=True))
    theirs = io.BytesIO()
    with drawing_rc():  # the text as the charts draw it
        timeline_chart(frame, "share", "week", settled=True).savefig(theirs, format="png")
    with Image.open(io.BytesIO(ours)) as image:
        # An opaque chart: RGB, at the figure's size in pixels.
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (1000, 500))
    assert np.array_equal(_pixels(ours), _pixels(theirs.getvalue()))
    # Written to a path too, and smaller than what savefig's encoder made.
    path = tmp_path / "chart.png"
    write_png(timeline_chart(frame, "share", "week", settled=True), path, compression=6)
    assert np.array_equal(_pixels(path.read_bytes()), _pixels(ours))
    assert len(ours) < len(theirs.getvalue())


def _text_figure() -> Figure:
    fig = Figure(figsize=(3, 1), dpi=100)
    fig.text(0.05, 0.4, "Zelenskyy 1,234 mentions", fontsize=9)
    return fig


def _savefig(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_charts_draw_their_text_unhinted_and_leave_the_settings_be() -> None:
    """Glyphs are drawn as their outlines say (FreeType's hinter, run for every glyph
    at every measure and draw, was a fifth of a report's PNGs), for the drawing only:
    the user's own figures keep the user's settings."""
    before = dict(mpl.rcParams)
    ours = _pixels(png_bytes(_text_figure()))
    assert dict(mpl.rcParams) == before
    hinted = _pixels(_savefig(_text_figure()))
    with mpl.rc_context({"text.hinting": "no_hinting"}):
        unhinted = _pixels(_savefig(_text_figure()))
    assert TEXT_HINTING == "no_hinting"
    assert np.array_equal(ours, unhinted)
    assert not np.array_equal(ours, hinted)


def test_png_keeps_transparency_when_the_figure_has_it() -> None:
    fig = Figure(figsize=(2, 1), dpi=50)
    fig.patch.set_alpha(0.0)
    fig.subplots().plot([0, 1], [0, 1])
    theirs = io.BytesIO()
    with drawing_rc():
        fig.savefig(theirs, format="png")
    ours = png_bytes(fig)
    with Image.open(io.BytesIO(ours)) as image:
        assert image.mode == "RGBA"
    assert np.array_equal(_pixels(ours), _pixels(theirs.getvalue()))
