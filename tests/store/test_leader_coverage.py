"""How much of 1945-2025 seeds/leader_terms.csv covers (tests/store/leader_coverage.py).

The share may only go up: raise the floor when leaders are added. The gaps are listed by
``uv run python -m tests.benchmarks.leader_coverage``.
"""

from __future__ import annotations

from tests.conftest import SEEDS_DIR
from tests.store.leader_coverage import EXISTED, measure, ranges

# Country-years covered on the last count (2026-12: 10491 of 15601, 67.2%). Most gaps
# are years before 1990 of countries outside the G20 (the seeds list every leader only
# since 1990 there), and years before a country's independence.
FLOOR = 10491


def test_coverage_does_not_drop() -> None:
    result = measure(SEEDS_DIR)
    assert result.covered >= FLOOR, (result.covered, result.total)


# Known gaps since 1990: San Marino's Captains Regent (two every six months) are listed
# only from 2019; Somalia had no government recognised abroad in 1998-1999.
KNOWN_GAPS_SINCE_1990 = {"SMR": "1990-2019", "SOM": "1998-1999"}


def test_every_country_is_covered_from_1990() -> None:
    """Since 1990 every country of the universe has a leader in office every year, but
    for the known gaps."""
    result = measure(SEEDS_DIR)
    late = {
        code: ranges([y for y in years if y >= 1990])
        for code, years in result.gaps.items()
        if any(y >= 1990 for y in years)
    }
    assert late == KNOWN_GAPS_SINCE_1990, late


def test_historical_states_are_counted_only_while_they_existed() -> None:
    assert EXISTED["DDR"] == (1949, 1990)
    assert ranges([1945, 1946, 1947, 1960]) == "1945-1947 1960"
