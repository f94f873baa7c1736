"""The report as one PDF (for people who mail reports around): text pages and charts.

Text from articles goes into matplotlib with mathtext off (``parse_math=False``),
so a title holding ``$x$`` prints as written instead of as a formula.

A page whose every text is in the encoding of the PDF's standard fonts (WinAnsi, that
is cp1252: English news with its dashes and curly quotes) is written in those fonts
(Helvetica, which every PDF reader has): matplotlib writes each string at once, where
an embedded font costs it a step of Python per character (a month's report took 1.65 s
with DejaVu Sans embedded and 0.5 s so). A page holding any other character (an arrow,
Erdoğan, Ελλάδα) embeds DejaVu Sans, as the PNGs use: no character is ever replaced.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import matplotlib as mpl
from matplotlib.category import StrCategoryLocator
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator

from reports.fitting import fit_texts, fitted_for_standard, wrapped
from reports.style import DPI, MUTED_TEXT

log = logging.getLogger(__name__)

PAGE = (11.69, 8.27)  # A4 landscape, inches
LINES_PER_PAGE = 42
BODY_SIZE = 9.0
LEFT, QUOTE_LEFT = 0.05, 0.08  # a row's start, in page widths


@dataclass(frozen=True)
class TextBlock:
    """A heading and its lines (each wrapped to the page); indent marks a quote."""

    heading: str
    lines: list[str]
    indent: list[bool] = field(default_factory=list)


def text_pages(title: str, blocks: list[TextBlock]) -> list[Figure]:
    """Pages of plain text: the title on each page, then the blocks in order, each
    line broken to the page's width in the font its page will be drawn in: Helvetica
    where every text is in its encoding (English news), else as wide as DejaVu Sans
    draws it (``reports.fitting``; a guess of 120 characters filled two thirds of a
    line of Helvetica)."""
    standard = _in_standard_encoding([title, *(b.heading for b in blocks),
                                      *(line for b in blocks for line in b.lines)])  # fmt: skip
    rows: list[tuple[str, str]] = []  # (style, text)
    for block in blocks:
        rows.append(("heading", block.heading))
        for i, line in enumerate(block.lines):
            quoted = bool(block.indent[i]) if i < len(block.indent) else False
            width = PAGE[0] * (1 - (QUOTE_LEFT if quoted else LEFT) - LEFT)
            pieces = wrapped(" ".join(line.split()), width, BODY_SIZE, standard=standard or None,
                             even=False, break_long_words=True)  # fmt: skip
            for piece in pieces.split("\n"):
                rows.append(("quote" if quoted else "body", piece))
        rows.append(("body", ""))
    pages: list[Figure] = []
    for offset in range(0, max(len(rows), 1), LINES_PER_PAGE):
        fig = Figure(figsize=PAGE, dpi=DPI)
        title_size = 14
        fig.text(0.05, 0.95 - _ascent(title_size), title, fontsize=title_size,
                 fontweight="bold", va="baseline", parse_math=False)  # fmt: skip
        y = 0.89
        for style, text in rows[offset : offset + LINES_PER_PAGE]:
            size = 10.5 if style == "heading" else BODY_SIZE
            fig.text(
                QUOTE_LEFT if style == "quote" else LEFT,
                y - _ascent(BODY_SIZE),  # every row on one grid of baselines, headings too
                text,
                fontsize=size,
                fontweight="bold" if style == "heading" else "normal",
                color=MUTED_TEXT if style == "quote" else "#111111",
                va="baseline",
                parse_math=False,
            )
            y -= 0.02
        pages.append(fig)
    return pages


def _ascent(size: float) -> float:
    """A row's baseline below its top, in page heights, for text of ``size`` points.
    Rows are placed by their baselines: placed by their tops, each sat as low as its
    tallest glyph asked, and in the standard fonts an apostrophe asks for 4 points more
    (matplotlib reads their metrics from AFM files), so a row with one sank into the
    next."""
    return 0.76 * size / 72 / PAGE[1]


FOOTER_IN = 0.3  # inches added below a page for its page number
CAPTION_LINE_IN = 0.2  # and per line of caption


@contextmanager
def _with_footer(
    page: Figure, caption: str | None, number: int, total: int, *, standard: bool
) -> Iterator[None]:
    """Grow ``page`` at the bottom and write its caption (broken to the page's width
    in its font: ``standard``, Helvetica) and 'page n of N' there. Everything already
    on the page keeps its place relative to the rest: axes and figure texts move up
    into the old height (the layout is fixed by then). The page is as it was after:
    the footer is the PDF's only."""
    width, height = page.get_size_inches()
    broken = wrapped(" ".join(caption.split()), width * 0.92, 9, standard=standard,
                     even=False, break_long_words=True) if caption else ""  # fmt: skip
    lines = broken.split("\n") if broken else []
    band = FOOTER_IN + CAPTION_LINE_IN * len(lines)
    engine = page.get_layout_engine()
    boxes = [(ax, ax.get_position(original=True)) for ax in page.axes]
    # The suptitle is kept apart from page.texts and has no public getter.
    suptitle = getattr(page, "_suptitle", None)
    texts = [(text, text.get_position()[1])
             for text in [*page.texts, *([suptitle] if suptitle is not None else [])]]  # fmt: skip
    page.set_layout_engine("none")
    page.set_size_inches(width, height + band)
    scale, shift = height / (height + band), band / (height + band)
    for ax, box in boxes:
        ax.set_position((box.x0, box.y0 * scale + shift, box.width, box.height * scale))
    for text, y in texts:
        text.set_y(y * scale + shift)
    bottom = FOOTER_IN / (height + band)
    added = [page.text(0.96, 0.25 * bottom, f"page {number} of {total}", fontsize=8, ha="right",
                       va="bottom", color=MUTED_TEXT)]  # fmt: skip
    if lines:
        added.append(page.text(0.04, bottom, "\n".join(lines), fontsize=9, color=MUTED_TEXT,
                               va="bottom", parse_math=False))  # fmt: skip
    try:
        yield
    finally:
        for text in added:
            text.remove()
        for text, y in texts:
            text.set_y(y)
        for ax, box in boxes:
            ax.set_position(box)
        page.set_size_inches(width, height)
        if engine is not None:
            page.set_layout_engine(engine)


@contextmanager
def _in_fonts(page: Figure, standard: bool) -> Iterator[None]:
    """``page``'s fitted texts (``reports.fitting``) broken for the font it is drawn
    in (``standard``: Helvetica), as they were after. A chart is laid out with them
    broken for the font ``standard_fonts_likely`` foresaw, which the page's ticks
    rarely contradict (a number with U+2212: the line count may then differ)."""
    before = fitted_for_standard(page)
    fit_texts(page, standard=standard)
    try:
        yield
    finally:
        fit_texts(page, standard=before)


def write_pdf(
    path: Path,
    pages: Sequence[Figure],
    *,
    title: str,
    created_at: datetime,
    captions: Sequence[str | None] | None = None,
    numbers: Sequence[int] | None = None,
    total: int | None = None,
    named: Path | None = None,
) -> Path:
    """Write every page (text pages and charts, each at its own size) into one PDF,
    each with its caption (``captions``, by page; None for none) and its page number.
    ``numbers`` and ``total``: the pages' numbers in a document of ``total`` pages
    drawn in parts (``merge_pdf`` puts them together); by default 1 to N of N;
    ``named``: the document the log names (default ``path``). The pages are left as
    they were."""
    # Imported here: it brings fontTools (0.36 s), which only a PDF needs; the report
    # job imports it on a thread while it queries (jobs.preload).
    from matplotlib.backends.backend_pdf import PdfPages  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Title": title, "Creator": "Mentions", "CreationDate": created_at}
    captions = captions or [None] * len(pages)
    numbers = numbers or range(1, len(pages) + 1)
    total = total or len(pages)
    missing: set[str] = set()
    with (
        PdfPages(path, metadata=metadata) as pdf,
        _quiet_standard_font_weights(),
        _missing_glyphs(missing),
    ):
        for page, caption, number in zip(pages, captions, numbers, strict=True):
            # rcParams are the process's: a PDF is drawn in a child of its own, or by
            # the one job the scheduler runs at a time, never beside another drawing.
            standard = standard_fonts_suffice(page) and _in_standard_encoding([caption or ""])
            with (
                _in_fonts(page, standard),
                _with_footer(page, caption, number, total, standard=standard),
                mpl.rc_context({"pdf.use14corefonts": standard}),
            ):
                pdf.savefig(page)
    if missing:
        log.info(
            "%s: %d character%s no font has (%s), drawn as a placeholder",
            named or path,
            len(missing),
            "" if len(missing) == 1 else "s",
            ", ".join(sorted(missing)),
        )
    return path


# matplotlib's warning for a character its fonts lack: "Glyph 128200 (...) missing from
# font(s) DejaVu Sans."
_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")


@contextmanager
def _missing_glyphs(missing: set[str]) -> Iterator[None]:
    """Collect in ``missing`` (as "U+1F4C8") the characters matplotlib warns that no
    font has (it draws a placeholder for each: an emoji in a quoted sentence), instead
    of a warning each on the terminal; any other warning is shown as it would have
    been, once the block ends. The warning filters are the process's, as rcParams are
    (see ``write_pdf``)."""
    recorded: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.filterwarnings("always", message=_MISSING_GLYPH.pattern, category=UserWarning)
            recorded = caught
            yield
    finally:  # a PDF that fails still shows the other warnings its drawing gave
        for warning in recorded:
            found = _MISSING_GLYPH.match(str(warning.message))
            if found and issubclass(warning.category, UserWarning):
                missing.add(f"U+{int(found.group(1)):04X}")
            else:
                warnings.showwarning(warning.message, warning.category, warning.filename,
                                     warning.lineno, warning.file, warning.line)  # fmt: skip


def merge_pdf(path: Path, parts: Sequence[tuple[Path, Sequence[int]]]) -> Path:
    """Write the pages of ``parts`` (PDFs from ``write_pdf``, each with the page numbers
    its pages were given) into one PDF at ``path``, in the order of their numbers; the
    first part's title and dates are the document's. qpdf (``pikepdf``) copies the
    pages with their fonts as they are: a month's report in 4 ms."""
    import pikepdf  # noqa: PLC0415  (0.11 s; the report job preloads it)

    with ExitStack() as stack:
        opened = [stack.enter_context(pikepdf.open(file)) for file, _ in parts]
        placed = sorted(
            (number, k, index)
            for k, (_, numbers) in enumerate(parts)
            for index, number in enumerate(numbers)
        )
        whole = stack.enter_context(pikepdf.new())
        for _, k, index in placed:
            whole.pages.append(opened[k].pages[index])
        for key, value in opened[0].docinfo.items():
            whole.docinfo[key] = value
        whole.save(path, deterministic_id=True)
    return path


STANDARD_ENCODING = "cp1252"  # WinAnsiEncoding, the standard fonts' in a PDF


def _in_standard_encoding(texts: Iterable[str]) -> bool:
    try:
        for text in texts:
            text.encode(STANDARD_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def standard_fonts_suffice(page: Figure) -> bool:
    """True when every text on ``page`` is in the standard fonts' encoding: its texts,
    and the tick labels and offsets its axes will draw at its present size (matplotlib
    writes them when it draws; a negative one starts with U+2212, outside it)."""
    return _in_standard_encoding(_texts(page))


def standard_fonts_likely(page: Figure) -> bool:
    """``standard_fonts_suffice``'s answer before ``page`` is laid out, cheaply: the
    texts it was given (titles, labels, legends, annotations, the labels of ticks
    placed by hand or by category: a bar chart's names), not the numbers and dates its
    tick locators will write (the charts write a negative number with an en dash,
    ``reports.style.DashMinus``), and without making its ticks (half the time of a
    chart's layout)."""
    return _in_standard_encoding(_given_texts(page))


def _given_texts(page: Figure) -> Iterator[str]:
    suptitle = getattr(page, "_suptitle", None)  # no public getter of the artist
    legends = [*page.legends, *(ax.get_legend() for ax in page.axes)]
    yield from (text.get_text() for text in [*page.texts, *([suptitle] if suptitle else [])])
    for ax in page.axes:
        yield from (text.get_text() for text in ax.texts)
        yield from (ax.get_title(loc) for loc in ("left", "center", "right"))
        yield from (ax.get_xlabel(), ax.get_ylabel())
        for axis in (ax.xaxis, ax.yaxis):
            locator = axis.get_major_locator()
            if isinstance(locator, FixedLocator | StrCategoryLocator):  # names
                yield from axis.get_major_formatter().format_ticks(list(locator()))
    for legend in legends:
        if legend is not None:
            yield legend.get_title().get_text()
            yield from (text.get_text() for text in legend.get_texts())


def _texts(page: Figure) -> Iterator[str]:
    """The texts ``page`` will draw. An axis is not drawn where its axes are off (a
    map's), and a tick label not where it is hidden: their texts, negative ticks with
    U+2212 among them, are left out."""
    hidden: set[int] = set()
    for ax in page.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not (ax.axison and axis.get_visible()):
                hidden.update(id(text) for text in axis.findobj(Text))
                continue
            labels = axis.get_ticklabels(which="both")
            yield from (label.get_text() for label in labels if label.get_visible())
            yield axis.get_major_formatter().get_offset()
    yield from (
        text.get_text()
        for text in page.findobj(Text)
        if text.get_visible() and id(text) not in hidden
    )


class _StandardFontWeights(logging.Filter):
    """Drops matplotlib's warning that Helvetica has no 'normal' weight: its metrics
    file calls the regular face 'Medium', and that face is the one wanted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("findfont: Failed to find font weight") and
                    " for Helvetica" in message)  # fmt: skip


@contextmanager
def _quiet_standard_font_weights() -> Iterator[None]:
    logger = logging.getLogger("matplotlib.font_manager")
    quiet = _StandardFontWeights()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)
