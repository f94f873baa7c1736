"""A report chart's PNG rasterised from its page of the report's PDF, so each chart is
drawn once.

The report's PDF holds every chart as a vector page; matplotlib drew each chart twice,
once on Agg for the PNG (layout, every glyph rasterised by FreeType one at a time in
Python since matplotlib 3.11) and once more for the PDF. PDFium (``pypdfium2``, the PDF
engine of Chromium) rasterises a drawn page in 4-30 ms: a month's eight charts at a
million articles took 1.98 s of one core for their layout, PDF pages and PNGs together,
where the PNGs alone had taken 2.06 s and the pages 1.21 more.

A chart's page is the figure with the PDF's footer (caption, page number) added below
it (``reports.pdf``): its PNG is the page's top, the figure's own size at the figure's
dpi, the footer cut away. Its text is the PDF's: Helvetica where the standard fonts
suffice (PDFium's own metric twin of it: no system font is read), else DejaVu Sans,
embedded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
from matplotlib.figure import Figure

from reports.render import write_pixels

Target = tuple[int, Figure, Path]
"""A page's index in the PDF, the figure drawn on it, and where its PNG goes."""


def pngs_from_pdf(pdf: Path, targets: Sequence[Target]) -> list[Target]:
    """For each target, write the page's top, the figure's size at the figure's dpi,
    as an opaque PNG; return the targets whose page came out at another size (a figure
    of a fractional number of pixels, which PDFium and Agg may round apart), written
    nowhere: they are for Agg to draw."""
    left = []
    document = pdfium.PdfDocument(pdf)
    try:
        for target in targets:
            index, figure, path = target
            if not _write_png(document[index], figure, path):
                left.append(target)
    finally:
        document.close()
    return left


def _write_png(page: pdfium.PdfPage, figure: Figure, path: Path) -> bool:
    width_in, height_in = figure.get_size_inches()
    expected = (int(width_in * figure.dpi), int(height_in * figure.dpi))
    _, page_height = page.get_size()
    below = max(page_height - height_in * 72, 0.0)  # the footer, in points
    try:
        bitmap = page.render(scale=figure.dpi / 72, crop=(0, below, 0, 0), rev_byteorder=True)
        pixels = bitmap.to_numpy()
    finally:
        page.close()
    height, width = pixels.shape[:2]
    if (width, height) != expected:
        return False
    write_pixels(pixels[:, :, :3], path, compression=3)  # RGB (of RGBx: x dropped)
    return True
