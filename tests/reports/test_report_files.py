"""A report's files: PNGs, CSVs and the PDF, drawn half here and half by a child process."""

from __future__ import annotations

import concurrent.futures
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pikepdf
import polars as pl
import pytest
from matplotlib.figure import Figure
from PIL import Image

from jobs import report_files
from jobs.report_files import PdfError, SharedDrawing, write_report_files
from reports.charts import lay_out
from reports.files import BuiltReport, ChartFile, PdfDocument
from reports.html import ReportPage
from reports.pdf import TextBlock, text_pages, write_pdf
from reports.render import png_bytes
from tests.conftest import assert_chart_image


def _figure(title: str) -> Figure:
    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [3, 1, 2])
    ax.set_title(title)
    return fig


def _report(charts: int = 2) -> BuiltReport:
    files = [
        ChartFile(
            stem=f"chart{i}",
            figure=_figure(f"Chart {i}"),
            data=pl.DataFrame({"x": [1, 2, 3], "y": [3.0, 1.0, 2.0]}),
            caption=f"Chart {i}.",
        )
        for i in range(charts)
    ]
    pdf = PdfDocument(
        pages=[c.figure for c in files],
        captions=[c.caption for c in files],
        title="A test report",
        created_at=datetime(2026, 1, 1),
    )
    page = ReportPage.__new__(ReportPage)  # the files never read the page
    return BuiltReport(page=page, charts=files, tables={"top.csv": files[0].data}, pdf=pdf)


def test_pngs_csvs_and_a_pdf_of_every_page(tmp_path: Path) -> None:
    report = _report(3)
    sizes = [tuple(c.figure.get_size_inches()) for c in report.charts]
    pdf = write_report_files(tmp_path / "r", report)
    assert pdf == tmp_path / "r" / "report.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 3
    for i in range(3):
        with Image.open(tmp_path / "r" / f"chart{i}.png") as image:
            assert image.size == (400, 300)
        assert pl.read_csv(tmp_path / "r" / f"chart{i}.csv").height == 3
    assert pl.read_csv(tmp_path / "r" / "top.csv").columns == ["x", "y"]
    # The PDF's footers were added to the child's copies of the figures, not to these.
    assert [tuple(c.figure.get_size_inches()) for c in report.charts] == sizes


def test_each_chart_is_drawn_once_its_png_rasterised_from_its_pdf_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def drawn_again(*args: object) -> None:
        raise AssertionError("a chart on a page of the PDF drawn a second time for its PNG")

    monkeypatch.setattr(report_files, "save_chart", drawn_again)  # the child's too (fork)
    report = _report(4)
    write_report_files(tmp_path / "r", report)
    for i in range(4):
        with Image.open(tmp_path / "r" / f"chart{i}.png") as image:
            assert image.size == (400, 300)
            # The chart's line, in matplotlib's first colour, is in it.
            pixels = np.asarray(image.convert("RGB")).astype(int)
        assert (np.abs(pixels - (31, 119, 180)).sum(axis=2) < 60).sum() > 100


def test_a_chart_on_no_page_of_the_pdf_is_drawn_for_its_png(tmp_path: Path) -> None:
    report = _report(4)
    pdf = PdfDocument(pages=report.pdf.pages[:3], captions=report.pdf.captions[:3],
                      title="t", created_at=datetime(2026, 1, 1))  # fmt: skip
    write_report_files(tmp_path / "r", BuiltReport(report.page, report.charts, {}, pdf))
    for i in range(4):
        assert_chart_image(tmp_path / "r" / f"chart{i}.png", (400, 300))
    with pikepdf.open(tmp_path / "r" / "report.pdf") as merged:
        assert len(merged.pages) == 3


def test_a_page_rasterised_at_another_size_is_drawn_for_its_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PDFium and Agg may round a fractional number of pixels apart: such a PNG is drawn.
    monkeypatch.setattr(report_files, "pngs_from_pdf", lambda path, targets: list(targets))
    write_report_files(tmp_path / "r", _report(2))
    for i in range(2):
        assert_chart_image(tmp_path / "r" / f"chart{i}.png", (400, 300))


def test_a_pdf_that_cannot_be_written_is_named_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    (folder / "report.pdf").mkdir(parents=True)  # a folder where the PDF should go
    with pytest.raises(PdfError, match=r"report\.pdf: the report's PDF could not be written: "):
        write_report_files(folder, _report())
    assert (folder / "chart0.png").is_file() and (folder / "chart1.png").is_file()


def test_a_failed_chart_stops_the_pdf_and_keeps_its_own_error(tmp_path: Path) -> None:
    (tmp_path / "r" / "chart1.png").mkdir(parents=True)  # no PNG can go there
    with pytest.raises(OSError) as failed:
        write_report_files(tmp_path / "r", _report())
    assert not isinstance(failed.value, PdfError)
    assert (tmp_path / "r" / "chart0.png").is_file()


def test_this_process_s_part_of_the_pdf_failing_names_the_report_s_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = report_files.write_pdf

    def disk_full_here(*args: object, **kwargs: object) -> None:
        if os.getpid() == parent:
            raise OSError(28, "No space left on device")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_files, "write_pdf", disk_full_here)
    with pytest.raises(PdfError, match=r"/r/report\.pdf: .* OSError: .*No space left on device"):
        write_report_files(tmp_path / "r", _report(3))
    assert not [p.name for p in (tmp_path / "r").iterdir() if p.name.startswith(".")]


def _long_labels_figure() -> Figure:
    fig = Figure(figsize=(4, 3), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    names = ["United Kingdom of Great Britain", "Saint Vincent and the Grenadines"]
    ax.barh(names, [3, 5])
    ax.set_ylabel("country")
    return fig


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_the_pdf_draws_charts_on_their_layout(tmp_path: Path) -> None:
    # Constrained layout makes room for long tick labels; without it they run off the
    # page's left edge. The child draws the PDF, so the layout must come before it.
    fig = _long_labels_figure()
    report = _report(1)
    chart = ChartFile(stem="chart0", figure=fig, data=report.charts[0].data, caption="Long.")
    pdf = PdfDocument(pages=[fig], captions=["Long."], title="t", created_at=datetime(2026, 1, 1))
    built = BuiltReport(page=report.page, charts=[chart], tables={}, pdf=pdf)
    path = write_report_files(tmp_path / "r", built)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    with Image.open(tmp_path / "page.png") as image:
        pixels = np.asarray(image.convert("L"))
    assert pixels[:, :3].min() > 200, "the tick labels run off the page's left edge"
    with Image.open(tmp_path / "r" / "chart0.png") as image:
        assert np.asarray(image.convert("L"))[:, :3].min() > 200


def _write_from_a_worker_thread(folder: Path, report: BuiltReport) -> Path:
    # The scheduler runs jobs in a thread pool's worker threads.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(write_report_files, folder, report).result(timeout=120)


def test_a_job_in_a_worker_thread_gets_its_pdf(tmp_path: Path) -> None:
    # A fork from a thread pool's worker once ended the child with exit code 1 after
    # it had drawn the PDF: multiprocessing's exit joined the pool's threads, the
    # forking one among them ("cannot join current thread").
    pdf = _write_from_a_worker_thread(tmp_path / "r", _report())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")


def test_a_child_that_dies_without_a_word_leaves_the_pdf_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    parent = os.getpid()
    real = report_files.write_pdf

    def crashes_in_the_child(*args: object, **kwargs: object) -> None:
        if os.getpid() != parent:
            os._exit(3)  # as a segfault or the OOM killer would: no message
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_files, "write_pdf", crashes_in_the_child)
    with caplog.at_level(logging.WARNING, logger="jobs.report_files"):
        pdf = write_report_files(tmp_path / "r", _report())
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "exit code 3" in caplog.text and "drawn here instead" in caplog.text


def test_a_stop_signal_to_the_child_is_left_to_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C reaches the whole process group: the scheduler stops gracefully, letting
    # the running job finish, so the child drawing its PDF must not die of it, nor
    # echo it into the scheduler's signal pipe (two signals there exit at once).
    real = report_files.write_pdf
    started = tmp_path / "child-started"

    def slow(*args: object, **kwargs: object) -> None:
        started.touch()
        time.sleep(1.0)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_files, "write_pdf", slow)
    read, write = os.pipe()
    os.set_blocking(write, False)
    os.set_blocking(read, False)
    previous_fd = signal.set_wakeup_fd(write)
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        report = _report()
        drawing = report_files.SharedDrawing(tmp_path, report, report.charts[1:])
        deadline = time.monotonic() + 60
        while not started.exists():
            assert time.monotonic() < deadline, "the child never started drawing"
            time.sleep(0.01)
        assert drawing.child is not None
        os.kill(drawing.child, signal.SIGINT)
        os.kill(drawing.child, signal.SIGTERM)
        path = drawing.finish()
        with pytest.raises(BlockingIOError):
            os.read(read, 16)  # no signal byte from the child
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.set_wakeup_fd(previous_fd)
        os.close(read)
        os.close(write)
    assert path.read_bytes().startswith(b"%PDF")


def _hanging_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[SharedDrawing, int]:
    """A drawing whose child never ends its part of the PDF (as one that inherited a
    lock held would not), and the child's pid; this process draws as ever."""
    parent = os.getpid()
    real = report_files.write_pdf

    def hangs_in_the_child(*args: object, **kwargs: object) -> None:
        if os.getpid() != parent:
            time.sleep(3600)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_files, "write_pdf", hangs_in_the_child)
    report = _report(3)
    drawing = SharedDrawing(tmp_path, report, report.charts[1:])
    assert drawing.child is not None
    return drawing, drawing.child


def test_a_child_still_drawing_after_the_wait_is_stopped_and_the_pdf_drawn_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A fork of a threaded process can inherit a lock another thread held: the child
    # would wait for ever, and the job with it.
    drawing, child = _hanging_child(tmp_path, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="jobs.report_files"):
        path = drawing.finish(timeout=1.0)
    assert path.read_bytes().startswith(b"%PDF")
    assert "not done after 1 s; drawn here instead" in caplog.text
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # stopped and reaped


def test_ctrl_c_while_waiting_for_the_child_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: SharedDrawing, timeout: float) -> tuple[bytes, bool]:
        raise KeyboardInterrupt

    drawing, child = _hanging_child(tmp_path, monkeypatch)
    monkeypatch.setattr(SharedDrawing, "_read_errors", interrupted)
    with pytest.raises(KeyboardInterrupt):
        drawing.finish()
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # stopped and reaped
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_no_process_to_draw_in_leaves_the_pdf_to_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A fork fails when the user's process limit is reached (EAGAIN) or memory is short.
    def cannot_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(report_files.os, "fork", cannot_fork)
    before = set(os.listdir(f"/proc/{os.getpid()}/fd")) if Path("/proc").is_dir() else None
    with caplog.at_level(logging.WARNING, logger="jobs.report_files"):
        pdf = write_report_files(tmp_path / "r", _report())
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "could not start a process to draw it" in caplog.text
    assert "Resource temporarily unavailable" in caplog.text
    if before is not None:  # the error pipe is closed, both ends
        assert set(os.listdir(f"/proc/{os.getpid()}/fd")) <= before


_FORK_DURING_IMPORT = """
import logging, sys, time
from datetime import datetime
from pathlib import Path
from matplotlib.figure import Figure
from jobs.preload import preload
from jobs.report_files import SharedDrawing
from reports.files import BuiltReport, ChartFile, PdfDocument

BACKEND = "matplotlib.backends.backend_pdf"
logging.basicConfig(level=logging.WARNING)
assert BACKEND not in sys.modules, "imported before the test could"
fig = Figure(figsize=(4, 3))
fig.add_subplot().plot([1, 2], [2, 1])
pdf = PdfDocument(pages=[fig], captions=[None], title="t", created_at=datetime(2026, 1, 1))
chart = ChartFile(stem="chart", figure=fig, data=None, caption="")
report = BuiltReport(page=None, charts=[chart], tables={}, pdf=pdf)
preload(BACKEND)
started = time.monotonic()
path = SharedDrawing(Path(sys.argv[1]), report, [chart]).finish(timeout=float(sys.argv[2]))
print(f"{time.monotonic() - started:.1f}")
"""


def test_the_pdf_child_is_forked_after_the_preload_of_its_backend(
    tmp_path: Path,
) -> None:
    # The report job imports the PDF backend on a thread while it queries; a fork in the
    # middle of that import would leave the child waiting for ever on the import's lock.
    path, wait = tmp_path / "report.pdf", 60.0
    done = subprocess.run(
        [sys.executable, "-c", _FORK_DURING_IMPORT, str(tmp_path), str(wait)],
        capture_output=True,
        text=True,
        timeout=wait + 60,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "drawn here instead" not in done.stderr, done.stderr
    assert float(done.stdout) < wait / 2
    assert path.read_bytes().startswith(b"%PDF")


def _constrained(title: str) -> Figure:
    fig = Figure(figsize=(4, 3), dpi=100, layout="constrained")
    fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
    fig.suptitle(title)
    return fig


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_the_two_halves_of_the_drawing_make_one_pdf_in_page_order(tmp_path: Path) -> None:
    """This process draws the text pages and the charts before the second half's first
    (it has the text pages to draw besides), a child the rest: one PDF comes of the two
    parts, every page in its place, numbered in the whole, with the report's title;
    each process laid out only what it drew."""
    charts = [
        ChartFile(stem=f"chart{i}", figure=_constrained(f"Chart number {i}"),
                  data=pl.DataFrame({"x": [i]}), caption=f"Caption {i}.")
        for i in range(4)
    ]  # fmt: skip
    head = text_pages("Head", [TextBlock("Opening words", ["First line."])])
    tail = text_pages("Tail", [TextBlock("Closing words", ["Last line."])])
    pages = [*head, *(c.figure for c in charts), *tail]
    captions = [None, *(c.caption for c in charts), None]
    pdf = PdfDocument(pages=pages, captions=captions, title="A shared report",
                      created_at=datetime(2026, 1, 1))  # fmt: skip
    report = BuiltReport(page=ReportPage.__new__(ReportPage), charts=charts, tables={}, pdf=pdf)
    path = write_report_files(tmp_path / "r", report)
    expected = ["Opening words", *(f"Chart number {i}" for i in range(4)), "Closing words"]
    for number, words in enumerate(expected, start=1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        assert words in text and f"page {number} of 6" in text, (number, text)
    assert "Caption 2." in subprocess.run(
        ["pdftotext", "-f", "4", "-l", "4", str(path), "-"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    with pikepdf.open(path) as merged:
        assert str(merged.docinfo["/Title"]) == "A shared report"
        assert str(merged.docinfo["/Creator"]) == "Mentions"
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == sorted(
        [f"chart{i}.{ext}" for i in range(4) for ext in ("png", "csv")] + ["report.pdf"]
    )  # no part left behind
    # The child laid out and drew charts 1 to 3: here they still wait for a layout.
    assert [c.figure.get_layout_engine() is None for c in charts] == [True, False, False, False]
    for chart in charts:
        with Image.open(tmp_path / "r" / f"{chart.stem}.png") as image:
            assert image.size == (400, 300)


def test_a_page_is_as_it_was_once_drawn_into_the_pdf(tmp_path: Path) -> None:
    """The caption and page number a PDF page gets are the PDF's only: the figure
    draws the same pixels after (this process draws PNGs and PDF pages alike)."""
    fig = _constrained("A chart with a title")
    fig.text(0.5, 0.02, "a note at the bottom")
    lay_out(fig)
    before = np.asarray(Image.open(io.BytesIO(png_bytes(fig))))
    texts = len(fig.texts)
    write_pdf(tmp_path / "p.pdf", [fig], title="t", created_at=datetime(2026, 1, 1),
              captions=["A caption long enough to take two lines " * 4])  # fmt: skip
    assert tuple(fig.get_size_inches()) == (4.0, 3.0) and len(fig.texts) == texts
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png_bytes(fig)))), before)
