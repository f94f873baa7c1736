"""How counts read in English, for the reports and the command line alike.

Kept apart from ``reports.style`` so that a command's summary line does not import
matplotlib.
"""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 article', '2 articles', '12,345 articles' (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
