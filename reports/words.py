"""How counts, shares and periods read in English, for the reports' pages and charts
and the command line alike.

Kept apart from ``reports.style`` (matplotlib's look) so that a command's summary line
or a report's HTML does not import matplotlib.
"""

from __future__ import annotations

from datetime import date, timedelta


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 article', '2 articles', '12,345 articles' (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def period_label(start: date, end: date) -> str:
    """'2022-03-01 to 2022-03-31' for [start, end); one day is just that day, a calendar
    month 'March 2022', a quarter '2022-Q1' and a calendar year '2022'."""
    last = end - timedelta(days=1)
    if start == last:
        return start.isoformat()
    if start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        if months == 1:
            return start.strftime("%B %Y")
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}-Q{start.month // 3 + 1}"
        if months == 12 and start.month == 1:
            return str(start.year)
    return f"{start.isoformat()} to {last.isoformat()}"


def points(value: float | None, decimals: int = 1) -> str:
    """A change of share as signed percentage points ('+12.3 pts'); a change that
    rounds to zero is '0 pts' (never '-0'), and no change at all (nothing to compare
    with) is 'n/a'."""
    if value is None or value != value:
        return "n/a"
    rounded = round(value * 100, decimals)
    if rounded == 0:
        return "0 pts"
    return f"{rounded:+.{decimals}f} pts"


def shares_apart(before: float | None, after: float | None) -> tuple[str, str]:
    """Two shares written with the fewest decimals (up to two) at which they read apart,
    so a rise is never written as '1%' to '1%', and with one at least where either is
    under 10% ('0.4%' to '0.6%', not '0%' to '1%'); 'n/a' for a missing one."""
    known = [v for v in (before, after) if v is not None]
    least = 1 if any(v < 0.1 for v in known) else 0
    decimals = least
    if before is not None and after is not None and before != after:
        decimals = next((d for d in range(least, 2) if f"{before:.{d}%}" != f"{after:.{d}%}"), 2)

    def share(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.{decimals}%}"

    return share(before), share(after)


def shares_from_to(before: float | None, after: float | None) -> str:
    """'0.8% to 1.1%' (as ``shares_apart`` writes them; in words, not an arrow: the
    PDF's standard fonts have no arrow, ``reports.style.DashMinus``)."""
    return " to ".join(shares_apart(before, after))
