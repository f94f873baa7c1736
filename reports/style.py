"""What every chart shares: colour-blind-safe palettes, sizes, titles, empty states.

Colours: Okabe & Ito's qualitative set for categories (distinguishable with the common
colour-vision deficiencies; lines also change style after ten), Paul Tol's "vibrant"
blue/orange for up/down, and matplotlib's cividis (made for colour-blind readers)
for the map's sequential scale (reversed: darker means more).

Text is laid out and drawn unhinted (``drawing_rc``): FreeType's hinter runs for every
glyph each time a label is measured or drawn, a fifth of the time a report's PNGs took
(0.79 s against 0.62 for a month's eight charts); unhinted glyphs stand where their
outlines put them, as matplotlib's PDF backend measures them, so the one layout the PNG
and the PDF share fits both. It is set around each layout and drawing, not at import: a
notebook's own figures keep the user's settings.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402  (after selecting the backend)
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from reports.fitting import fit  # noqa: E402

PALETTE = (
    "#0072B2",  # blue        } Okabe & Ito's colour-blind-safe set, in an order where
    "#E69F00",  # orange      } neighbours differ in hue and lightness
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
    "#999999",  # grey        } then two more for a top ten without a repeat
    "#882255",  # wine
    "#B8A000",  # dark yellow (Okabe & Ito's yellow is too light for a line on white)
)
LINESTYLES = ("-", "--", "-.", ":")
RISING = "#0077BB"
FALLING = "#EE7733"
PREVIOUS = "#EE7733"
MUTED_TEXT = "#555555"
PERIOD_SHADE = "#E8E8E8"
SEQUENTIAL = "cividis_r"  # light for little attention, dark for much
DPI = 100
SIZE = (10.0, 5.0)
TREND_SIZE = (10.0, 6.0)
SQUARE_SIZE = (9.0, 8.0)
MAP_SIZE = (11.0, 6.5)


TITLE_SIZE = 12.0

TEXT_HINTING = "no_hinting"
"""How every chart's text is measured and drawn (the ``text.hinting`` rcParam)."""


def drawing_rc() -> AbstractContextManager[None]:
    """The charts' rcParams (``TEXT_HINTING``) for the span of a layout or a drawing,
    the previous values after."""
    return matplotlib.rc_context({"text.hinting": TEXT_HINTING})


def chart_title(fig: Figure, text: str) -> Text:
    """The chart's title across the whole figure, left-aligned and broken into lines
    that fit its width in the font it is drawn in (``reports.fitting``), so a long
    period label or name is never clipped at either edge."""
    title = fig.suptitle(text, x=0.02, ha="left", fontsize=TITLE_SIZE, parse_math=False)
    return fit(fig, title, text, fig.get_figwidth() * 0.96, TITLE_SIZE)


def no_data(ax: Axes, text: str = "no mentions in this period") -> None:
    """Say so in the middle of an empty chart, instead of leaving it blank."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=MUTED_TEXT,
        fontsize="large",
    )


class DashMinus(ScalarFormatter):
    """matplotlib's numbers, a negative one with an en dash ("\u20130.5") where matplotlib
    writes U+2212: the PDF's standard fonts have the dash, not the minus sign, and a
    page holding one character they lack embeds DejaVu Sans (``reports.pdf``), which
    made the co-mentions' page twice as slow to draw (0.34 s against 0.17 at a million
    articles) and its PNG, rasterised from it, a chart in another typeface than the
    rest. Every text the charts write themselves stays in that encoding (cp1252):
    "0.8% to 1.1%", "|z| of 3 or more"."""

    @staticmethod
    def fix_minus(s: str) -> str:
        return s.replace("-", "\N{EN DASH}")


def signed(number: str) -> str:
    """A number as the charts write it, negative with an en dash as their ticks
    (``DashMinus``): "\u20133.6", not "-3.6"."""
    return DashMinus.fix_minus(number)


class _DateFormatter(mdates.ConciseDateFormatter):
    """matplotlib's concise dates, whose offset names a month only where no tick does:
    daily ticks across months name them ("Nov", "Dec"), and the last tick's month
    alone as the offset ("2026-Dec" under the days of a November) read as the chart's.
    Across months the offset is the year, or the first and last years."""

    _span: str | None = None

    def format_ticks(self, values: list[float]) -> list[str]:
        labels: list[str] = super().format_ticks(values)
        dates = [mdates.num2date(value) for value in values]
        self._span = None
        if dates and super().get_offset() == dates[-1].strftime("%Y-%b"):
            if len({(d.year, d.month) for d in dates}) > 1:
                first, last = dates[0].year, dates[-1].year
                self._span = str(last) if first == last else f"{first}\u2013{last}"
        return labels

    def get_offset(self) -> str:
        return self._span if self._span is not None else super().get_offset()


def date_axis(axis: Axis) -> None:
    """Three to ten concise date ticks on ``axis`` (``_DateFormatter``)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    axis.set_major_locator(locator)
    axis.set_major_formatter(_DateFormatter(locator))
