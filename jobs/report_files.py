"""Write a report's files into its folder: each chart as PNG and CSV, the tables, the PDF.

The PDF is drawn by a forked child process while this one writes the PNGs: both are
matplotlib drawing the report's figures, each about as long as the other (for a month
at a million articles the PNGs 0.83 s, the PDF 0.80 s, in the standard fonts where they
suffice), and the machine has a second core. The child starts with matplotlib's PDF
backend imported (0.36 s), by a thread of the report job while it queried
(``jobs.preload``); the fork waits for that import.
The child has its own copy of the figures, laid out before it starts (the layout is
drawn on), so the footers it adds to the PDF's pages never reach the PNGs.

The child is a bare ``os.fork``, not a ``multiprocessing`` process: the scheduler runs
jobs in a thread pool's workers, and a ``multiprocessing`` child forked from one ends
with exit code 1 after its work (its exit joins the pool's threads, its own among
them). The child blocks SIGINT and SIGTERM: Ctrl-C reaches the whole process group,
and the scheduler's graceful stop lets the running job, PDF included, finish. A fork
from a threaded process can inherit a lock another thread held, so a child that dies
without a word (a crash, the OOM killer) or is not done ``PDF_WAIT`` seconds after the
PNGs is stopped, and the PDF is drawn here instead, as it is where no process can be
forked. A child that reports an error ends the report with ``PdfError``: drawing it
here would fail the same way.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import time
import warnings
from pathlib import Path
from typing import NoReturn

from jobs.preload import wait_for_preload
from reports.charts import lay_out, save_chart
from reports.files import BuiltReport, PdfDocument
from reports.navigation import PDF_NAME
from reports.pdf import write_pdf

log = logging.getLogger(__name__)

PDF_WAIT = 300.0
"""Seconds the PDF's child may still take once the PNGs are written (a month: well under 1 s)."""

_MESSAGE_BYTES = 4096  # one atomic write to a pipe
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}

# Python 3.12+ warns at every fork of a threaded process; the timeout above is the answer.
warnings.filterwarnings(
    "ignore", message=r".*use of fork\(\) may lead to deadlocks", category=DeprecationWarning
)


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


def _write(path: Path, pdf: PdfDocument) -> None:
    write_pdf(path, pdf.pages, title=pdf.title, created_at=pdf.created_at,
              captions=pdf.captions)  # fmt: skip


def _draw(path: Path, pdf: PdfDocument) -> None:
    try:
        _write(path, pdf)
    except Exception as exc:
        raise PdfError(path, f"{type(exc).__name__}: {exc}") from exc


def _draw_in_child(path: Path, pdf: PdfDocument, errors: int) -> NoReturn:
    """The child's whole life: draw, send the error if any, exit without cleanups
    (the parent's buffers, atexit hooks and connections are the parent's)."""
    code = 1
    try:
        try:
            _write(path, pdf)
            code = 0
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")
            os.write(errors, message[:_MESSAGE_BYTES])
    finally:
        os._exit(code)


class PdfDrawing:
    """The PDF of a report, drawn by a forked child from the moment this is made."""

    def __init__(self, path: Path, pdf: PdfDocument) -> None:
        self.path, self._pdf = path, pdf
        self.child: int | None = None
        """The child's pid while it draws; None where the PDF is drawn here."""
        if not hasattr(os, "fork"):
            return
        wait_for_preload()  # no import half done in the child
        read, write = os.pipe()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                os.close(read)
                _draw_in_child(path, pdf, write)  # signals stay blocked there
        except OSError as exc:  # the process limit reached, memory short
            os.close(read)
            log.warning("%s: could not start a process to draw it (%s); drawn here after "
                        "the PNGs", path, exc)  # fmt: skip
            return
        except BaseException:
            os.close(read)
            raise
        finally:  # the parent's side: the child never returns
            os.close(write)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self.child, self._errors = pid, read

    def finish(self, timeout: float = PDF_WAIT) -> Path:
        """Wait for the PDF (or draw it here); return its path."""
        if self.child is None:
            _draw(self.path, self._pdf)
            return self.path
        message, done = self._read_errors(timeout)
        if not done:
            self.cancel()
            log.warning("%s: the process drawing it was not done after %.0f s; "
                        "drawn here instead", self.path, timeout)  # fmt: skip
            _draw(self.path, self._pdf)
            return self.path
        code = self._reap()
        if message:
            raise PdfError(self.path, message.decode("utf-8", "replace"))
        if code != 0:
            log.warning("%s: the process drawing it ended with exit code %d and no "
                        "message; drawn here instead", self.path, code)  # fmt: skip
            _draw(self.path, self._pdf)
        return self.path

    def cancel(self) -> None:
        """Stop drawing: the report failed before its PDF was needed."""
        if self.child is not None:
            try:
                os.kill(self.child, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _read_errors(self, timeout: float) -> tuple[bytes, bool]:
        """The child's error message (empty if none) and whether it closed the pipe,
        as it does when it exits, within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        message = b""
        pipe = select.poll()  # select.select fails on descriptors past 1023
        pipe.register(self._errors, select.POLLIN)
        while (left := deadline - time.monotonic()) > 0:
            if pipe.poll(left * 1000):  # readable, or closed (POLLHUP)
                chunk = os.read(self._errors, _MESSAGE_BYTES)
                if not chunk:
                    return message, True
                message += chunk
        return message, False

    def _reap(self) -> int:
        """Wait for the child to end; its exit code (minus the signal that ended it)."""
        assert self.child is not None
        _, status = os.waitpid(self.child, 0)
        os.close(self._errors)
        self.child = None
        return os.waitstatus_to_exitcode(status)
