"""Write a report's files into its folder: each chart as PNG and CSV, the tables, the PDF.

Each chart is drawn once, on its page of the PDF; its PNG is that page rasterised
(``reports.raster``: PDFium, a few milliseconds a chart). The drawing is shared with a
forked child process, as the machine has a second core: the child lays out the second
half of the charts, draws their pages into a part of the PDF of its own and their
PNGs from it; this process does the same for the text pages and the first half (a
chart less where it has text pages too: they weigh one or two charts), and the two
parts are merged (``reports.pdf.merge_pdf``: qpdf, a few milliseconds). Each process
lays out only the charts it draws. For a month at a million articles the whole drawing
(layout, fourteen PDF pages, eight PNGs) is about 2.6 s of one core (the charts 2.0, the
six text pages 0.65) where drawing each chart on Agg too took 3.9 (matplotlib 3.11
rasterises text a glyph at a time in Python); ``mentions report`` took 4.7-4.9 s from
the CLI on a slow day's machine against 5.4-5.7 (three alternating rounds).
The child starts with matplotlib's PDF backend imported (0.36 s), by a thread of the
report job while it queried (``jobs.preload``); the fork waits for that import. The
footers the PDF's pages get are removed once each is drawn (``write_pdf``).

The child is a bare ``os.fork``, not a ``multiprocessing`` process: the scheduler runs
jobs in a thread pool's workers, and a ``multiprocessing`` child forked from one ends
with exit code 1 after its work (its exit joins the pool's threads, its own among
them). The child blocks SIGINT and SIGTERM: Ctrl-C reaches the whole process group,
and the scheduler's graceful stop lets the running job, drawing included, finish. A
fork from a threaded process can inherit a lock another thread held, so a child that
dies without a word (a crash, the OOM killer) or is not done ``PDF_WAIT`` seconds after
this process's share is stopped, and its share is drawn here instead, as everything is
where no process can be forked. A child that reports an error ends the report with it
(``PdfError`` for its part of the PDF, ``ChartFileError`` for a PNG): drawing it here
would fail the same way.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from jobs.preload import wait_for_preload
from reports.charts import lay_out, save_chart
from reports.files import BuiltReport, ChartFile, PdfDocument
from reports.navigation import PDF_NAME
from reports.pdf import merge_pdf, standard_fonts_likely, write_pdf
from reports.raster import pngs_from_pdf

log = logging.getLogger(__name__)

PDF_WAIT = 300.0
"""Seconds the child may still take once this process has drawn its share (a month:
well under 1 s)."""

_MESSAGE_BYTES = 4096  # one atomic write to a pipe
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PDF, _CHART = b"pdf", b"chart"  # what a child's error was about, before its message

# Python 3.12+ warns at every fork of a threaded process; the timeout above is the answer.
warnings.filterwarnings(
    "ignore", message=r".*use of fork\(\) may lead to deadlocks", category=DeprecationWarning
)


class PdfError(RuntimeError):
    """The report's PDF could not be written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: the report's PDF could not be written: {reason}")


class ChartFileError(OSError):
    """A chart's PNG could not be written by the child process drawing it."""


def write_report_files(folder: Path, report: BuiltReport) -> Path:
    """Write every chart (PNG and CSV), table (CSV) and the PDF of ``report`` into
    ``folder``; return the PDF's path (``PdfError`` if it could not be written)."""
    folder.mkdir(parents=True, exist_ok=True)
    drawing = SharedDrawing(folder, report, report.charts[_first_of_theirs(report) :])
    try:
        drawing.draw_own_share()
        for chart in report.charts:
            chart.data.write_csv(folder / f"{chart.stem}.csv", float_precision=6)
        for name, table in report.tables.items():
            table.write_csv(folder / name, float_precision=6)
    except BaseException:
        drawing.cancel()
        raise
    return drawing.finish()


def _first_of_theirs(report: BuiltReport) -> int:
    """Where the child's charts begin: at the second half, or, where this process
    draws text pages too, a chart before it (a month at a million articles: the text
    pages took as long as one or two charts' PDF page and PNG)."""
    charts = len(report.charts)
    on_pages = {id(chart.figure) for chart in report.charts}
    text_pages = any(id(page) not in on_pages for page in report.pdf.pages)
    return max(charts // 2 - 1, 0) if text_pages and charts > 2 else charts // 2


def _write(
    path: Path, pdf: PdfDocument, pages: Sequence[int] | None = None, *, of: Path | None = None
) -> None:
    """The PDF's ``pages`` (indices; default all) at ``path``, numbered in the whole
    (``of``: the report's PDF, if ``path`` is a part of it)."""
    chosen = range(len(pdf.pages)) if pages is None else pages
    write_pdf(path, [pdf.pages[i] for i in chosen], title=pdf.title,
              created_at=pdf.created_at, captions=[pdf.captions[i] for i in chosen],
              numbers=[i + 1 for i in chosen], total=len(pdf.pages), named=of)  # fmt: skip


def _draw_pdf(
    path: Path, pdf: PdfDocument, pages: Sequence[int] | None = None, *, of: Path | None = None
) -> None:
    """``_write``, its failure a ``PdfError`` naming the report's PDF (``of``: the
    whole ``path`` is a part of)."""
    try:
        _write(path, pdf, pages, of=of)
    except Exception as exc:
        raise PdfError(of or path, f"{type(exc).__name__}: {exc}") from exc


def _lay_out(charts: Sequence[ChartFile]) -> None:
    """Each chart laid out before its PDF page is drawn: the page is drawn on it, in
    the font its texts foretell (``standard_fonts_likely``)."""
    for chart in charts:
        lay_out(chart.figure, standard=standard_fonts_likely(chart.figure))


def _draw_pngs(
    folder: Path, charts: Sequence[ChartFile], path: Path, pdf: PdfDocument, pages: Sequence[int]
) -> None:
    """Each chart's PNG: rasterised from its page in the PDF at ``path`` (which holds
    the document's ``pages``, in order), or drawn where it is on none of them or its
    page came out at another size."""
    where = {id(pdf.pages[index]): k for k, index in enumerate(pages)}
    on_pages = []
    for chart in charts:
        target = folder / f"{chart.stem}.png"
        if id(chart.figure) in where:
            on_pages.append((where[id(chart.figure)], chart.figure, target))
        else:
            save_chart(chart.figure, target)
    for _, figure, target in pngs_from_pdf(path, on_pages) if on_pages else []:
        save_chart(figure, target)


def _draw_share(
    folder: Path, charts: Sequence[ChartFile], path: Path, pdf: PdfDocument,
    pages: Sequence[int], *, of: Path | None = None,
) -> None:  # fmt: skip
    """Lay out ``charts``, draw the PDF's ``pages`` at ``path`` (``PdfError`` naming
    ``of``, the report's PDF, if ``path`` is a part of it), then the charts' PNGs."""
    _lay_out(charts)
    if pages:
        _draw_pdf(path, pdf, pages, of=of)
    _draw_pngs(folder, charts, path, pdf, pages)


def _draw_in_child(
    folder: Path, charts: Sequence[ChartFile], part: Path, pdf: PdfDocument,
    pages: Sequence[int], errors: int,
) -> NoReturn:  # fmt: skip
    """The child's whole life: draw its part of the PDF, then its charts' PNGs from it,
    send the error if any (what it was about, a NUL, the message), exit without cleanups
    (the parent's buffers, atexit hooks and connections are the parent's)."""
    code = 1
    what = _PDF
    try:
        try:
            _lay_out(charts)
            _write(part, pdf, pages, of=folder / PDF_NAME)
            what = _CHART
            _draw_pngs(folder, charts, part, pdf, pages)
            code = 0
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")
            os.write(errors, (what + b"\0" + message)[:_MESSAGE_BYTES])
    finally:
        os._exit(code)


class SharedDrawing:
    """A report's charts and PDF, drawn by this process and by a child forked when this
    is made, which draws ``theirs`` (their PNGs and their pages of the PDF); without a
    child, all of it is drawn here."""

    def __init__(self, folder: Path, report: BuiltReport, theirs: Sequence[ChartFile]) -> None:
        self.path = folder / PDF_NAME
        self._folder, self._report = folder, report
        self._theirs = list(theirs)
        figures = {id(chart.figure) for chart in self._theirs}
        self._their_pages = [i for i, page in enumerate(report.pdf.pages) if id(page) in figures]
        self._own_pages = [i for i in range(len(report.pdf.pages)) if i not in self._their_pages]
        self._parts = (self.path.with_name(f".{PDF_NAME}.own"),
                       self.path.with_name(f".{PDF_NAME}.child"))  # fmt: skip
        self.child: int | None = None
        """The child's pid while it draws; None where everything is drawn here."""
        self._own_drawn = False
        if not self._theirs or not hasattr(os, "fork"):
            return
        wait_for_preload()  # no import half done in the child
        read, write = os.pipe()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                os.close(read)
                # Signals stay blocked there.
                part, pages = self._parts[1], self._their_pages
                _draw_in_child(folder, self._theirs, part, report.pdf, pages, write)
        except OSError as exc:  # the process limit reached, memory short
            os.close(read)
            log.warning("%s: could not start a process to draw it (%s); drawn here after "
                        "the PNGs", self.path, exc)  # fmt: skip
            return
        except BaseException:
            os.close(read)
            raise
        finally:  # the parent's side: the child never returns
            os.close(write)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self.child, self._errors = pid, read

    def draw_own_share(self) -> None:
        """This process's part of the PDF (the whole PDF without a child), then the PNGs
        of its charts from it."""
        pdf = self._report.pdf
        charts, path = self._report.charts, self.path
        pages: Sequence[int] = range(len(pdf.pages))
        if self.child is not None:
            theirs = {id(chart) for chart in self._theirs}
            charts = [c for c in charts if id(c) not in theirs]
            path, pages = self._parts[0], self._own_pages
        _draw_share(self._folder, charts, path, pdf, pages, of=self.path)
        self._own_drawn = True

    def finish(self, timeout: float = PDF_WAIT) -> Path:
        """Draw this process's share unless it is drawn (``draw_own_share``), wait for
        the child's (or draw its share here) and put the PDF together; return its path."""
        if not self._own_drawn:
            try:
                self.draw_own_share()
            except BaseException:
                self.cancel()
                raise
        if self.child is None:
            return self.path
        parts = [(self._parts[0], self._own_pages), (self._parts[1], self._their_pages)]
        try:
            message, done = self._read_errors(timeout)
            if not done:
                self.cancel()
                log.warning("%s: the process drawing it was not done after %.0f s; "
                            "drawn here instead", self.path, timeout)  # fmt: skip
                return self._draw_theirs_here()
            code = self._reap()
            if message:
                what, _, text = message.partition(b"\0")
                reason = text.decode("utf-8", "replace")
                if what == _CHART:
                    raise ChartFileError(reason)
                raise PdfError(self.path, reason)
            if code != 0:
                log.warning("%s: the process drawing it ended with exit code %d and no "
                            "message; drawn here instead", self.path, code)  # fmt: skip
                return self._draw_theirs_here()
            try:
                merge_pdf(self.path, [(p, [i + 1 for i in pages]) for p, pages in parts if pages])
            except Exception as exc:
                raise PdfError(self.path, f"{type(exc).__name__}: {exc}") from exc
            return self.path
        finally:  # a failure here, or Ctrl-C while waiting, stops the child too
            self.cancel()

    def _draw_theirs_here(self) -> Path:
        pdf = self._report.pdf
        _draw_share(self._folder, self._theirs, self.path, pdf, range(len(pdf.pages)))
        return self.path

    def cancel(self) -> None:
        """Stop the child if it still runs (the report failed, or was stopped) and take
        the PDF's parts away."""
        if self.child is not None:
            try:
                os.kill(self.child, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()
        for part in self._parts:
            part.unlink(missing_ok=True)

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
