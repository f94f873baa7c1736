"""The reference data in seeds/: well-formed, consistent, sorted, and complete.

The coverage test checks seeds/leaders.csv against tests/data/current_leaders.csv, a
list of the head of state and the head of government of every UN member written
independently of the leaders files; where the two disagreed, each case was settled
by hand (see the comments of the merge in the closing note of issue 3).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from analytics.extraction.gazetteer import NAME_KINDS, RULE_KINDS
from tests.conftest import ROOT, SEEDS_DIR

CURRENT_LEADERS = ROOT / "tests" / "data" / "current_leaders.csv"
OFFICES = {"head_of_state", "head_of_government", "both"}
LIST_COLUMNS = {
    "countries.csv": ("names", "adjectives", "capitals", "metonyms"),
    "leaders.csv": ("aliases", "surnames", "short_names", "namesakes"),
}
# The 193 UN member states (alpha-3).
UN_MEMBERS = set(
    """AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH
    BWA BRA BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE
    PRK COD DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC
    GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT
    KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MCO MNG
    MNE MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL
    PRT QAT KOR MDA ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM
    ZAF SSD ESP LKA SDN SUR SWE CHE SYR TJK THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR
    TZA USA URY UZB VUT VEN VNM YEM ZMB ZWE""".split()
)
# Titles news puts before a monarch's name ("King Philippe"); not part of the name.
_TITLE_WORDS = re.compile(r"^(?:king|queen|emir|sultan|prince|grand duke|pope|sheikh)\s+")


def _read(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as fh:
        return [{k: v or "" for k, v in row.items()} for row in csv.DictReader(fh)]


def _split(cell: str) -> list[str]:
    return [part for part in cell.split("|") if part]


def _person_key(name: str) -> str:
    """A name compared after accents, case, punctuation and a leading title are dropped:
    'Erdoğan' = 'Erdogan', 'Nicușor Dan' = 'Nicusor Dan', 'King Philippe' = 'Philippe'."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[-‐‑.'’ʻ`]", " ", text)
    text = " ".join(text.split())
    return _TITLE_WORDS.sub("", text)


@pytest.mark.parametrize(
    "name",
    ["countries.csv", "leaders.csv", "leader_terms.csv", "alias_rules.csv", "common_names.csv"],
)
def test_seed_file_is_utf8_with_sorted_rows(name: str) -> None:
    text = (SEEDS_DIR / name).read_bytes().decode("utf-8")  # raises if not UTF-8
    assert "\r" not in text, f"{name} has Windows line ends"
    rows = _read(name)
    assert rows, f"{name} is empty"
    first = next(iter(rows[0]))
    keys = [row[first] for row in rows]
    if name == "leader_terms.csv":
        keys = [f"{row['entity_id']}\x00{row['start_on']}" for row in rows]  # type: ignore[misc]
    if name == "alias_rules.csv":
        keys = [f"{row['rule']}\x00{row['alias']}" for row in rows]  # type: ignore[misc]
    assert keys == sorted(keys), f"{name} rows are not sorted"


@pytest.mark.parametrize("name", ["countries.csv", "leaders.csv"])
def test_no_duplicate_ids_and_clean_list_cells(name: str) -> None:
    rows = _read(name)
    ids = [row["entity_id"] for row in rows]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for row in rows:
        for column in LIST_COLUMNS[name]:
            cell = row[column]
            parts = cell.split("|") if cell else []
            assert all(p and p == p.strip() for p in parts), (row["entity_id"], column, cell)
            assert len(parts) == len(set(parts)), (row["entity_id"], column, cell)


def test_countries_cover_iso_and_historical_states() -> None:
    rows = {row["entity_id"]: row for row in _read("countries.csv")}
    assert UN_MEMBERS <= rows.keys(), sorted(UN_MEMBERS - rows.keys())
    assert {"XKX", "PSE", "TWN", "VAT", "SUN", "YUG", "CSK", "DDR"} <= rows.keys()
    assert len(rows) >= 254
    for code in ("SUN", "YUG", "CSK", "DDR"):
        assert rows[code]["historical"] == "true"
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in rows)


def test_no_country_alias_names_two_countries() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in _read("countries.csv"):
        for alias in [row["name"], row["official_name"]] + [
            a for column in LIST_COLUMNS["countries.csv"] for a in _split(row[column])
        ]:
            owners[alias].add(row["entity_id"])
    shared = {alias: ids for alias, ids in owners.items() if len(ids) > 1}
    assert not shared


def test_every_leader_has_a_country_and_a_term() -> None:
    countries = {row["entity_id"] for row in _read("countries.csv")}
    leaders = _read("leaders.csv")
    with_terms = {row["entity_id"] for row in _read("leader_terms.csv")}
    for row in leaders:
        assert row["country"] in countries, row["entity_id"]
        assert row["entity_id"] in with_terms, row["entity_id"]


def test_terms_name_known_leaders_with_valid_dates() -> None:
    leaders = {row["entity_id"] for row in _read("leaders.csv")}
    countries = {row["entity_id"] for row in _read("countries.csv")}
    for row in _read("leader_terms.csv"):
        where = f"{row['entity_id']} {row['country']} {row['start_on']}"
        assert row["entity_id"] in leaders, where
        assert row["country"] in countries, where
        assert row["office"] in OFFICES, where
        assert row["role"], where
        start = date.fromisoformat(row["start_on"])
        end = date.fromisoformat(row["end_on"]) if row["end_on"] else None
        assert end is None or start <= end, where
        assert start >= date(1789, 4, 30), where  # George Washington took office


def test_no_full_name_names_two_leaders() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in _read("leaders.csv"):
        for alias in [row["entity_id"], *_split(row["aliases"]), *_split(row["short_names"])]:
            owners[alias].add(row["entity_id"])
    assert not {alias: ids for alias, ids in owners.items() if len(ids) > 1}


def test_alias_rules_and_common_names_use_known_kinds() -> None:
    for row in _read("alias_rules.csv"):
        assert row["rule"] in RULE_KINDS, row
        assert row["note"], f"rule for {row['alias']!r} has no note saying why"
        if row["rule"] == "requires_context":
            assert row["pattern"] and row["entity_id"], row
            re.compile(row["pattern"])
    for row in _read("common_names.csv"):
        assert row["kind"] in NAME_KINDS, row


def test_every_current_head_of_state_and_government_is_in_office() -> None:
    """Every head of state and of government of every UN member today (the independent
    list in tests/data) is a leader with an open term for that country."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for row in _read("leaders.csv"):
        for name in [row["entity_id"], *_split(row["aliases"])]:
            by_key[_person_key(name)].add(row["entity_id"])
    open_terms: dict[str, set[str]] = defaultdict(set)
    for row in _read("leader_terms.csv"):
        if not row["end_on"]:
            open_terms[row["entity_id"]].add(row["country"])
    with Path(CURRENT_LEADERS).open(encoding="utf-8", newline="") as fh:
        current = list(csv.DictReader(fh))
    assert {row["country"] for row in current} == UN_MEMBERS
    missing = []
    for row in current:
        for column in ("head_of_state", "head_of_government"):
            for person in _split(row[column]):
                ids = by_key.get(_person_key(person), set())
                if not any(row["country"] in open_terms[i] for i in ids):
                    missing.append(f"{row['country']} {column}: {person}")
    assert not missing, missing


US_PRESIDENTS = ROOT / "tests" / "data" / "us_presidents.csv"


def test_every_us_president_has_a_term_from_the_day_they_took_office() -> None:
    """Every presidency since 1789 (tests/data/us_presidents.csv, one row per term
    started) is a term of a leader of that name."""
    terms = {(row["entity_id"], row["start_on"]) for row in _read("leader_terms.csv")}
    with US_PRESIDENTS.open(encoding="utf-8", newline="") as fh:
        presidencies = list(csv.DictReader(fh))
    assert len(presidencies) == 47
    missing = [p for p in presidencies if (p["name"], p["took_office"]) not in terms]
    assert not missing, missing


def test_every_leader_row_says_where_it_comes_from() -> None:
    for row in _read("leaders.csv"):
        assert row["source"], f"{row['entity_id']} has no source"
