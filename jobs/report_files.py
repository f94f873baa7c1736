"""Where a report's files go: its folder, and each chart as PNG and CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from matplotlib.figure import Figure

from reports.charts import save_chart
from reports.html import Chart


@dataclass
class ChartFiles:
    """Charts written so far (PNG and CSV), kept with their captions for the PDF."""

    folder: Path
    figures: list[Figure]
    captions: list[str | None]

    def chart(self, fig: Figure, stem: str, data: pl.DataFrame, **words: str) -> Chart:
        save_chart(fig, self.folder / f"{stem}.png")
        data.write_csv(self.folder / f"{stem}.csv", float_precision=6)
        self.figures.append(fig)
        self.captions.append(
            " ".join(w for w in (words.get("title", "") + ".", words.get("caption")) if w)
        )
        width, height = (round(v * fig.dpi) for v in fig.get_size_inches())
        return Chart(image=f"{stem}.png", csv=f"{stem}.csv", width=width, height=height, **words)
