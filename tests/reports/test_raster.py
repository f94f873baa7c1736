"""A report chart's PNG rasterised from its PDF page: the figure's own size and place,
the PDF's footer cut away."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from reports.pdf import write_pdf
from reports.raster import pngs_from_pdf

RED = (220, 20, 20)


def _quartered(size: tuple[float, float] = (4.0, 3.0)) -> Figure:
    """A white figure whose bottom-left quarter is red, with a title at the top."""
    fig = Figure(figsize=size, dpi=100)
    ax = fig.add_axes((0, 0, 0.5, 0.5), facecolor=[c / 255 for c in RED])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.suptitle("A title")
    return fig


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        return np.asarray(image).astype(int)


def test_the_png_is_the_figure_without_the_pdf_s_footer(tmp_path: Path) -> None:
    fig = _quartered()
    pdf = write_pdf(
        tmp_path / "r.pdf", [fig], title="t", created_at=datetime(2026, 1, 1),
        captions=["A caption long enough to take two lines of the footer " * 3],
    )  # fmt: skip
    pngs_from_pdf(pdf, [(0, fig, tmp_path / "chart.png")])
    pixels = _pixels(tmp_path / "chart.png")
    assert pixels.shape == (300, 400, 3)
    red = np.abs(pixels - RED).sum(axis=2) < 40
    # The red quarter fills the PNG's bottom-left corner to its last row and column:
    # nothing of the footer below it, nothing shifted.
    assert red[152:, :198].all()
    assert not red[:148, :].any() and not red[:, 202:].any()
    # The title is drawn at the top (dark pixels), the rest of the top right is white.
    assert pixels[:40].min() < 100
    assert (pixels[60:140, 220:] > 245).all()


def test_a_page_of_another_size_than_its_figure_is_left_for_agg(tmp_path: Path) -> None:
    drawn, other = _quartered((4.0, 3.0)), _quartered((5.0, 3.0))
    pdf = write_pdf(tmp_path / "r.pdf", [drawn], title="t", created_at=datetime(2026, 1, 1))
    fits, misfit = (0, drawn, tmp_path / "a.png"), (0, other, tmp_path / "b.png")
    assert pngs_from_pdf(pdf, [fits, misfit]) == [misfit]
    assert (tmp_path / "a.png").is_file() and not (tmp_path / "b.png").exists()
