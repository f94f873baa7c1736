"""Print the share of country-years 1945-2025 that seeds/leader_terms.csv covers.

    uv run python -m tests.benchmarks.leader_coverage [SEEDS_DIR]

One line with the share, then one line per country with a gap (its missing years).
"""

from __future__ import annotations

import sys
from pathlib import Path

from jobs.settings import DEFAULT_SEEDS_DIR as SEEDS_DIR
from tests.store.leader_coverage import FIRST_YEAR, LAST_YEAR, measure, ranges


def main() -> None:
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else SEEDS_DIR
    result = measure(seeds)
    print(
        f"country-years {FIRST_YEAR}-{LAST_YEAR} covered: {result.covered}/{result.total}"
        f" = {result.share:.4f}; countries with gaps: {len(result.gaps)}"
    )
    for code, years in result.gaps.items():
        print(f"{code}\t{len(years)}\t{ranges(years)}")


if __name__ == "__main__":
    main()
