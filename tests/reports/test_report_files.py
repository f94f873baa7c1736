"""A report's files: PNGs and CSVs here, the PDF from a child process drawn at once."""

from __future__ import annotations

import concurrent.futures
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
import polars as pl
import pytest
from matplotlib.figure import Figure
from PIL import Image

from jobs import report_files
from jobs.report_files import PdfError, write_report_files
from reports.files import BuiltReport, ChartFile, PdfDocument
from reports.html import ReportPage


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
        drawing = report_files.PdfDrawing(tmp_path / "report.pdf", _report().pdf)
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


def test_a_child_still_drawing_after_the_wait_is_stopped_and_the_pdf_drawn_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A fork of a threaded process can inherit a lock another thread held: the child
    # would wait for ever, and the job with it.
    parent = os.getpid()
    real = report_files.write_pdf

    def hangs_in_the_child(*args: object, **kwargs: object) -> None:
        if os.getpid() != parent:
            time.sleep(3600)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_files, "write_pdf", hangs_in_the_child)
    drawing = report_files.PdfDrawing(tmp_path / "report.pdf", _report().pdf)
    child = drawing.child
    assert child is not None
    with caplog.at_level(logging.WARNING, logger="jobs.report_files"):
        path = drawing.finish(timeout=1.0)
    assert path.read_bytes().startswith(b"%PDF")
    assert "not done after 1 s; drawn here instead" in caplog.text
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # stopped and reaped


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
from jobs.report_files import PdfDrawing
from reports.files import PdfDocument

BACKEND = "matplotlib.backends.backend_pdf"
logging.basicConfig(level=logging.WARNING)
assert BACKEND not in sys.modules, "imported before the test could"
fig = Figure(figsize=(4, 3))
fig.add_subplot().plot([1, 2], [2, 1])
pdf = PdfDocument(pages=[fig], captions=[None], title="t", created_at=datetime(2026, 1, 1))
preload(BACKEND)
started = time.monotonic()
path = PdfDrawing(Path(sys.argv[1]), pdf).finish(timeout=float(sys.argv[2]))
print(f"{time.monotonic() - started:.1f}")
"""


def test_the_pdf_child_is_forked_after_the_preload_of_its_backend(
    tmp_path: Path,
) -> None:
    # The report job imports the PDF backend on a thread while it queries; a fork in the
    # middle of that import would leave the child waiting for ever on the import's lock.
    path, wait = tmp_path / "report.pdf", 60.0
    done = subprocess.run(
        [sys.executable, "-c", _FORK_DURING_IMPORT, str(path), str(wait)],
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
