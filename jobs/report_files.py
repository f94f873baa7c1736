"""Write a report's files into its folder: each chart as PNG and CSV, the tables, the PDF."""

from __future__ import annotations

from pathlib import Path

from reports.charts import save_chart
from reports.files import BuiltReport
from reports.navigation import PDF_NAME
from reports.pdf import write_pdf


def write_report_files(folder: Path, report: BuiltReport) -> Path:
    """Write every chart (PNG and CSV), table (CSV) and the PDF of ``report`` into
    ``folder``; return the PDF's path.

    The PNGs go first: the PDF grows each chart's figure for its footer.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for chart in report.charts:
        save_chart(chart.figure, folder / f"{chart.stem}.png")
        chart.data.write_csv(folder / f"{chart.stem}.csv", float_precision=6)
    for name, table in report.tables.items():
        table.write_csv(folder / name, float_precision=6)
    pdf = report.pdf
    return write_pdf(
        folder / PDF_NAME,
        pdf.pages,
        title=pdf.title,
        created_at=pdf.created_at,
        captions=pdf.captions,
    )
