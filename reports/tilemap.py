"""The world view: a tile-grid map, one square per country, no shape files needed.

Tile positions come from ``tilegrid.txt`` beside this module (rows of alpha-3 codes,
west to east, north to south), which anyone can edit in a text editor.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import matplotlib
import polars as pl
from matplotlib.collections import PatchCollection
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from reports.fitting import fit
from reports.style import DPI, MAP_SIZE, MUTED_TEXT, SEQUENTIAL, chart_title
from reports.words import period_label

NOT_MENTIONED = "#E6E6E6"


class TileGridError(ValueError):
    """The tile grid file holds a bad code or a country twice."""


def tile_positions(text: str | None = None) -> pl.DataFrame:
    """entity_id, x (column, west to east), y (row, north to south) of every tile.

    ``text`` is the grid (default: the bundled ``tilegrid.txt``); lines starting
    with # are comments and ``...`` is an empty square.
    """
    if text is None:
        text = files("reports").joinpath("tilegrid.txt").read_text(encoding="utf-8")
    records: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    for y, line in enumerate(rows):
        for x, token in enumerate(line.split()):
            if token == "...":
                continue
            if len(token) != 3 or not token.isalpha() or not token.isupper():
                raise TileGridError(f"tile grid row {y + 1} holds {token!r}, not an alpha-3 code")
            if token in seen:
                raise TileGridError(f"tile grid holds {token} twice (row {y + 1})")
            seen.add(token)
            records.append((token, x, y))
    return pl.DataFrame(
        records, schema={"entity_id": pl.String, "x": pl.Int64, "y": pl.Int64}, orient="row"
    )


def world_tile_map(
    world: pl.DataFrame, *, start: date, end: date, positions: pl.DataFrame | None = None
) -> Figure:
    """Tiles coloured by the share of articles mentioning each country (square-root
    scale so small shares stay visible; grey: not mentioned), labelled with the
    alpha-3 code. Countries mentioned but missing from the grid (historical states)
    are listed under the map.

    Expects entity_id, name, articles, share (one row per country).
    """
    tiles = positions if positions is not None else tile_positions()
    fig = Figure(figsize=MAP_SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    shares = dict(zip(world["entity_id"].to_list(), world["share"].to_list(), strict=True))
    counts = dict(zip(world["entity_id"].to_list(), world["articles"].to_list(), strict=True))
    top = max([s for s in shares.values() if s is not None] + [0.01])
    norm = PowerNorm(gamma=0.5, vmin=0.0, vmax=top)
    cmap = matplotlib.colormaps[SEQUENTIAL]
    squares, colours = [], []
    for entity_id, x, y in tiles.iter_rows():
        share = shares.get(entity_id, 0.0) or 0.0
        mentioned = counts.get(entity_id, 0) > 0
        squares.append(Rectangle((x, -y), 0.92, 0.92))
        colours.append(cmap(norm(share)) if mentioned else NOT_MENTIONED)
        dark = mentioned and norm(share) > 0.55
        label = ax.text(
            x + 0.46,
            -y + 0.46,
            entity_id,
            ha="center",
            va="center",
            fontsize=6.5,
            color="white" if dark else ("#222222" if mentioned else "#888888"),
        )
        # Hundreds of labels inside the axes need no room of their own: keeping
        # them out of the layout computation saves most of the drawing time.
        label.set_in_layout(False)
    ax.add_collection(PatchCollection(squares, facecolors=colours, edgecolors="white"))
    width = max(tiles["x"].to_list(), default=0) + 1
    height = max(tiles["y"].to_list(), default=0) + 1
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(-height + 0.8, 1.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    chart_title(
        fig,
        f"World view, {period_label(start, end)}: share of articles mentioning each country "
        "(grey: not mentioned)",
    )
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    colorbar = fig.colorbar(mappable, ax=ax, shrink=0.6, pad=0.01)
    colorbar.set_label("% of all articles (square-root scale)")
    colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    placed = set(tiles["entity_id"].to_list())
    missing = world.filter(~pl.col("entity_id").is_in(placed) & (pl.col("articles") > 0))
    if missing.height:
        listed = ", ".join(
            f"{r['name']} ({r['share']:.0%})" for r in missing.head(12).iter_rows(named=True)
        )
        more = missing.height - 12
        note = f"Not on the map: {listed}" + (f" and {more} more" if more > 0 else "")
        size = 10 * 0.833  # "small"
        text = ax.text(0.0, -0.02, note, transform=ax.transAxes, va="top", fontsize=size,
                       color=MUTED_TEXT)  # fmt: skip
        # Broken to the map's width: one long line would squeeze the map to nothing.
        fit(fig, text, note, MAP_SIZE[0] * 0.8, size)
    return fig
