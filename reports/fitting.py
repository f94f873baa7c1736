"""Text broken into lines that fit a width, measured in the font the text is drawn in.

A chart is drawn in one of two typefaces: DejaVu Sans on Agg (the explorer's and
``mentions chart``'s PNGs) and on a PDF page holding a character outside cp1252, and
Helvetica, one of the PDF's standard fonts, on every other page of a report's PDF, whose
PNGs are those pages rasterised (``reports.pdf``, ``reports.raster``). Helvetica is
about a tenth narrower ("Movers, March 2022" at 12 points: 108.7 points against 121.9),
so a title broken for DejaVu Sans took two lines on a page where one fits.

``fit`` breaks a text for DejaVu Sans and remembers it; ``fit_texts`` breaks a figure's
remembered texts again for the font it is about to be drawn in (``standard``: the PDF's
standard fonts), before its layout is computed. Widths are measured from each font's
advances, a character at a time, not guessed from a number of characters (Helvetica's
from its metrics file, DejaVu Sans's from FreeType: 5 us a word, where shaping each
word as matplotlib draws it took 340); a line keeps a margin (``MARGIN``).
"""

from __future__ import annotations

import functools
import re
import threading
import warnings
from pathlib import Path
from typing import NamedTuple
from weakref import WeakKeyDictionary

import matplotlib
from fontTools import afmLib, agl
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font, LoadFlags
from matplotlib.text import Text

MARGIN = 0.97
"""The share of a width a line may fill."""

STANDARD_FONT = "Helvetica.afm"
"""The standard font matplotlib's PDF backend picks for the charts' regular sans-serif
text (``pdf.use14corefonts``), read from its metrics file."""

_REFERENCE_SIZE = 10.0  # points: widths are measured at this size and scaled


@functools.cache
def _standard_widths() -> dict[str, float]:
    """Each cp1252 character's advance in Helvetica, in ems."""
    path = Path(matplotlib.get_data_path()) / "fonts" / "pdfcorefonts" / STANDARD_FONT
    metrics = afmLib.AFM(str(path))
    widths = {}
    for code in range(32, 256):
        try:
            char = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        name = agl.UV2AGL.get(ord(char))
        if name is not None and metrics.has_char(name):
            widths[char] = metrics[name][1] / 1000
    widths.setdefault("\N{NO-BREAK SPACE}", widths[" "])
    return widths


@functools.cache
def _dejavu() -> FT2Font:
    """DejaVu Sans (matplotlib's default font) at 10 points, this module's own: the
    font ``get_font`` caches is shared, and other callers change its size."""
    font = FT2Font(findfont(FontProperties()))
    font.set_size(_REFERENCE_SIZE, 72)
    return font


_DEJAVU_LOCK = threading.Lock()  # one FreeType face: charts are built on a thread


@functools.lru_cache(maxsize=1 << 12)
def _dejavu_width(char: str) -> float:
    """``char``'s advance in DejaVu Sans, unhinted, in ems; a character it lacks is
    drawn as a placeholder, counted a full em."""
    with _DEJAVU_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph ... missing from font(s)": said at drawing
        try:
            glyph = _dejavu().load_char(ord(char), flags=LoadFlags.NO_HINTING)
        except RuntimeError:
            return 1.0
    return float(glyph.linearHoriAdvance) / 65536 / _REFERENCE_SIZE


@functools.lru_cache(maxsize=1 << 16)  # words of articles: bounded, for a scheduler's months
def _word_width(word: str, standard: bool) -> float:
    """``word``'s width in ems, in Helvetica (``standard``) or else DejaVu Sans: the
    sum of its characters' advances (kerning left out: a little wider than drawn). A
    character Helvetica lacks is measured in DejaVu Sans (a page holding it is drawn
    in DejaVu Sans anyway)."""
    if not standard:
        return sum(_dejavu_width(c) for c in word)
    widths = _standard_widths()
    return sum(widths[c] if c in widths else _dejavu_width(c) for c in word)


def text_width(text: str, fontsize: float, *, standard: bool | None) -> float:
    """The width of one line of ``text`` at ``fontsize``, in points: in Helvetica
    (``standard``), in DejaVu Sans (not), or the wider of the two (None: a text that
    may be drawn in either)."""
    fonts = (standard,) if standard is not None else (True, False)
    return fontsize * max(
        sum(_word_width(word, font) for word in text.split(" "))
        + _word_width(" ", font) * text.count(" ")
        for font in fonts
    )


def wrapped(
    text: str,
    width_in: float,
    fontsize: float,
    *,
    standard: bool | None = None,
    even: bool = True,
    break_long_words: bool = False,
) -> str:
    """``text`` broken at spaces into lines no wider than ``width_in`` inches at
    ``fontsize`` points (``text_width``'s fonts), as few as fit and, if ``even``, of
    even lengths (no word left alone on a last line: a title's); its own line breaks
    are kept. A word wider than the width stands alone on its line, or with
    ``break_long_words`` is cut into pieces that fit (a long web address)."""
    room = width_in * 72 * MARGIN / fontsize
    space = text_width(" ", 1.0, standard=standard)
    lines = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        if break_long_words:
            words = [piece for word in words for piece in _pieces(word, room, standard)]
        widths = [text_width(word, 1.0, standard=standard) for word in words]
        breaks = _breaks(widths, space, room)
        if even and len(breaks) > 1:  # the narrowest width that needs no more lines
            low, high = max(widths), room
            for _ in range(12):
                middle = (low + high) / 2
                if len(_breaks(widths, space, middle)) > len(breaks):
                    low = middle
                else:
                    high = middle
            breaks = _breaks(widths, space, high)
        lines += [" ".join(words[a:b]) for a, b in breaks]
    return "\n".join(lines)


_CUTS = re.compile(r"(?<=[-/?&=_.])")  # where a web address reads on: after its signs


def _pieces(word: str, room: float, standard: bool | None) -> list[str]:
    """``word`` cut into pieces no wider than ``room`` ems (after a hyphen, a slash
    or another sign of a web address where one is near enough, else anywhere), or
    whole if it fits."""
    if text_width(word, 1.0, standard=standard) <= room:
        return [word]
    pieces, piece, used = [], "", 0.0
    for part in _CUTS.split(word):
        for segment in [part] if text_width(part, 1.0, standard=standard) <= room else part:
            width = text_width(segment, 1.0, standard=standard)  # widths add up: no kerning
            if piece and used + width > room:
                pieces.append(piece)
                piece, used = "", 0.0
            piece, used = piece + segment, used + width
    return [*pieces, piece]


def _breaks(widths: list[float], space: float, room: float) -> list[tuple[int, int]]:
    """Where greedy filling breaks words of ``widths`` into lines of at most ``room``:
    each line's first and past-last word."""
    lines, start, used = [], 0, 0.0
    for k, width in enumerate(widths):
        if k > start and used + space + width > room:
            lines.append((start, k))
            start, used = k, width
        else:
            used += (space if k > start else 0.0) + width
    lines.append((start, len(widths)))
    return lines


class _Fit(NamedTuple):
    """A text's own words and the width they are broken to."""

    raw: str
    width_in: float
    fontsize: float


# Weak both ways: a figure's texts refer to it, and a text kept here for good would
# keep its figure (a scheduler drawing reports for months) alive with it.
_FITS: WeakKeyDictionary[Figure, WeakKeyDictionary[Text, _Fit]] = WeakKeyDictionary()
_STANDARD: WeakKeyDictionary[Figure, bool] = WeakKeyDictionary()


def fit(fig: Figure, text: Text, raw: str, width_in: float, fontsize: float) -> Text:
    """Set ``text`` (an artist of ``fig``) to ``raw`` broken for ``width_in`` inches at
    ``fontsize`` points in DejaVu Sans, and remember it for ``fit_texts``."""
    _FITS.setdefault(fig, WeakKeyDictionary())[text] = _Fit(raw, width_in, fontsize)
    text.set_text(wrapped(raw, width_in, fontsize, standard=False))
    return text


def fitted_for_standard(fig: Figure) -> bool:
    """Whether ``fig``'s fitted texts are broken for Helvetica (else DejaVu Sans)."""
    return _STANDARD.get(fig, False)


def fit_texts(fig: Figure, *, standard: bool) -> None:
    """Break ``fig``'s fitted texts again for Helvetica (``standard``) or DejaVu Sans;
    nothing to do where they already are."""
    if _STANDARD.get(fig, False) == standard:
        return
    for text, how in list(_FITS.get(fig, {}).items()):
        text.set_text(wrapped(how.raw, how.width_in, how.fontsize, standard=standard))
    _STANDARD[fig] = standard
