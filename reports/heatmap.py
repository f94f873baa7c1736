"""The co-mention heatmap: which entities the same articles talk about."""

from __future__ import annotations

from datetime import date

import matplotlib
import polars as pl
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from reports.style import DPI, SQUARE_SIZE, DashMinus, chart_title, no_data
from reports.words import period_label

# PuOr is a ColorBrewer diverging scheme that stays readable with red-green
# colour-vision deficiencies; grey marks the diagonal and pairs never seen together.
CMAP = "PuOr_r"
DIAGONAL = "#DDDDDD"


def comention_heatmap(matrix: pl.DataFrame, *, start: date, end: date) -> Figure:
    """A square of entities: each cell coloured by the pair's NPMI (-1 never together,
    0 independent, 1 always together) and labelled with the articles mentioning both;
    the diagonal holds each entity's own articles.

    Expects entity_a, entity_b, name_a, name_b, together, npmi in row-major order
    (as ``comention_matrix`` returns it).
    """
    fig = Figure(figsize=SQUARE_SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    names = matrix.select("entity_a", "name_a").unique("entity_a", maintain_order=True)
    labels = names["name_a"].to_list()
    size = len(labels)
    chart_title(
        fig,
        f"Co-mentions, {period_label(start, end)}: articles mentioning both (number) and "
        "how tied the pair is (colour: NPMI, \u20131 never together, 0 independent, 1 always)",
    )
    if size == 0:
        ax.set_xlabel("mentioned with")
        ax.set_ylabel("country or leader")
        no_data(ax)
        return fig
    npmi = matrix["npmi"].to_list()
    together = matrix["together"].to_list()
    grid = [[npmi[r * size + c] for c in range(size)] for r in range(size)]
    norm = Normalize(vmin=-1.0, vmax=1.0)
    image = ax.imshow(
        [[v if v is not None else float("nan") for v in row] for row in grid],
        cmap=matplotlib.colormaps[CMAP].with_extremes(bad=DIAGONAL),
        norm=norm,
        aspect="equal",
    )
    for r in range(size):
        for c in range(size):
            value = grid[r][c]
            dark = value is not None and abs(value) > 0.55
            label = ax.text(
                c,
                r,
                str(together[r * size + c]),
                ha="center",
                va="center",
                fontsize="small" if size <= 12 else "x-small",
                color="white" if dark else "#222222",
                fontweight="bold" if r == c else "normal",
            )
            label.set_in_layout(False)
    ax.set_xticks(range(size), labels, rotation=45, ha="right")
    ax.set_yticks(range(size), labels)
    ax.set_xlabel("mentioned with")
    ax.set_ylabel("country or leader")
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("NPMI (normalised pointwise mutual information)")
    colorbar.formatter = DashMinus()  # its scale runs from -1
    return fig
