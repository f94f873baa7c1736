"""Write a report's files into its folder: each chart as PNG and CSV, the tables, the PDF.

The PDF is drawn by a forked child process while this one writes the PNGs: both are
matplotlib drawing the report's figures, each about as long as the other (1.4 and
1.8 s for a month), and the machine has a second core. The child has its own copy of
the figures, laid out before it starts (the layout is drawn on), so the footers it
adds to the PDF's pages never reach the PNGs. Where processes cannot be forked the
PDF is drawn here, after the PNGs.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

from reports.charts import lay_out, save_chart
from reports.files import BuiltReport, PdfDocument
from reports.navigation import PDF_NAME
from reports.pdf import write_pdf


class PdfError(RuntimeError):
    """The report's PDF could not be written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: the report's PDF could not be written: {reason}")


def write_report_files(folder: Path, report: BuiltReport) -> Path:
    """Write every chart (PNG and CSV), table (CSV) and the PDF of ``report`` into
    ``folder``; return the PDF's path (``PdfError`` if it could not be written)."""
    folder.mkdir(parents=True, exist_ok=True)
    for chart in report.charts:  # the child draws the charts on the same layout
        lay_out(chart.figure)
    drawing = PdfDrawing(folder / PDF_NAME, report.pdf)
    try:
        for chart in report.charts:
            save_chart(chart.figure, folder / f"{chart.stem}.png")
            chart.data.write_csv(folder / f"{chart.stem}.csv", float_precision=6)
        for name, table in report.tables.items():
            table.write_csv(folder / name, float_precision=6)
    except BaseException:
        drawing.cancel()
        raise
    return drawing.finish()


def _draw(path: Path, pdf: PdfDocument, errors: Connection | None = None) -> None:
    try:
        write_pdf(path, pdf.pages, title=pdf.title, created_at=pdf.created_at,
                  captions=pdf.captions)  # fmt: skip
    except Exception as exc:
        if errors is None:
            raise PdfError(path, f"{type(exc).__name__}: {exc}") from exc
        errors.send(f"{type(exc).__name__}: {exc}")
    finally:
        if errors is not None:
            errors.close()


class PdfDrawing:
    """The PDF of a report, drawn by a forked child from the moment this is made."""

    def __init__(self, path: Path, pdf: PdfDocument) -> None:
        self.path, self._pdf = path, pdf
        self._process: multiprocessing.process.BaseProcess | None = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        self._errors, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_draw, args=(path, pdf, child_end), name="report-pdf", daemon=True
        )
        self._process.start()
        child_end.close()

    def finish(self) -> Path:
        """Wait for the PDF (or draw it here, without a child); return its path."""
        if self._process is None:
            _draw(self.path, self._pdf)
            return self.path
        self._process.join()
        reason = None
        try:  # the child sent its error, or closed its end having none
            reason = self._errors.recv()
        except EOFError:
            pass
        self._errors.close()
        if reason is None and self._process.exitcode != 0:
            reason = f"the process drawing it ended with exit code {self._process.exitcode}"
        if reason is not None:
            raise PdfError(self.path, reason)
        return self.path

    def cancel(self) -> None:
        """Stop drawing: the report failed before its PDF was needed."""
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._errors.close()
