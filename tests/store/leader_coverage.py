"""How much of 1945-2025 the leader terms cover: country-years with a head of state or
government in office.

The universe is every UN member (``UN_MEMBERS``) and every historical state of
``seeds/countries.csv``. A country-year counts as covered when at least one term in
``seeds/leader_terms.csv`` for that country overlaps the year. Years in which a
historical state did not exist (``EXISTED``) are left out of the count: they are the
documented exceptions, and so are the years before independence of the UN members
that became independent after 1990. Years before the independence of the others are
*not* left out (no dated list of every independence day is kept here): they show up as
gaps.

Run ``uv run python -m tests.benchmarks.leader_coverage`` for the numbers and the gaps.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.store.test_seeds import UN_MEMBERS

FIRST_YEAR = 1945
LAST_YEAR = 2025
# Years in which the historical states of seeds/countries.csv existed (the exceptions:
# no leader is expected outside them). East Germany was founded on 1949-10-07; the
# Soviet Union was dissolved on 1991-12-26, Czechoslovakia on 1992-12-31, and the
# Socialist Federal Republic of Yugoslavia broke up in 1992.
EXISTED: dict[str, tuple[int, int]] = {
    "SUN": (1945, 1991),
    "YUG": (1945, 1992),
    "CSK": (1945, 1992),
    "DDR": (1949, 1990),
    # UN members that became independent after 1990 (before that they were part of
    # another member, which is counted): North Macedonia 1991-11-17, Eritrea
    # 1993-05-24, East Timor 2002-05-20, South Sudan 2011-07-09.
    "MKD": (1991, LAST_YEAR),
    "ERI": (1993, LAST_YEAR),
    "TLS": (2002, LAST_YEAR),
    "SSD": (2011, LAST_YEAR),
}


@dataclass
class Coverage:
    covered: int = 0
    total: int = 0
    gaps: dict[str, list[int]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 0.0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def universe(seeds_dir: Path) -> dict[str, tuple[int, int]]:
    """Each country of the universe with the years it is expected to have a leader."""
    countries = _rows(seeds_dir / "countries.csv")
    span = {code: EXISTED.get(code, (FIRST_YEAR, LAST_YEAR)) for code in UN_MEMBERS}
    for row in countries:
        if row["historical"] == "true":
            span[row["entity_id"]] = EXISTED.get(row["entity_id"], (FIRST_YEAR, LAST_YEAR))
    return span


def measure(seeds_dir: Path) -> Coverage:
    years: dict[str, set[int]] = defaultdict(set)
    for row in _rows(seeds_dir / "leader_terms.csv"):
        start = int(row["start_on"][:4])
        end = int(row["end_on"][:4]) if row["end_on"] else LAST_YEAR
        years[row["country"]].update(range(max(start, FIRST_YEAR), min(end, LAST_YEAR) + 1))
    result = Coverage()
    for code, (first, last) in sorted(universe(seeds_dir).items()):
        wanted = set(range(first, last + 1))
        missing = sorted(wanted - years[code])
        result.total += len(wanted)
        result.covered += len(wanted) - len(missing)
        if missing:
            result.gaps[code] = missing
    return result


def ranges(years: list[int]) -> str:
    """[1945, 1946, 1947, 1960] -> '1945-1947 1960'."""
    parts: list[str] = []
    for year in years:
        if parts and int(parts[-1].split("-")[-1]) == year - 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{year}"
        else:
            parts.append(str(year))
    return " ".join(parts)
