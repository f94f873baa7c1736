"""seeds/ against the Wikidata list of heads of state and government, and that list
against the hand-written list of current leaders.

Three sources, and which is independent of which:

- ``seeds/leaders.csv`` and ``seeds/leader_terms.csv``: written by hand from general
  knowledge (``source=knowledge``), with ``wikidata`` added to the rows the dataset
  confirms (``tests/benchmarks/merge_wikidata_leaders.py``);
- ``seeds/sources/wikidata_world_leaders.csv``: a Wikidata query (CC0), by
  EveryPolitician, of every head of state and government in office, or in office in
  2021-2022;
- ``tests/data/current_leaders.csv`` and ``tests/data/us_presidents.csv``: written by
  hand, independently of both (see test_seeds.py).

The Wikidata list is checked against the hand-written current leaders: every open
Wikidata term of a UN member names a person the hand list names for that country,
except the disagreements below, each looked at and listed with the reason.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from tests.benchmarks.merge_wikidata_leaders import RAW, SOURCE, _skip_reason, merge, name_keys
from tests.conftest import ROOT, SEEDS_DIR
from tests.store.test_seeds import UN_MEMBERS

# Open Wikidata terms whose holder the hand list does not name for the country, looked
# at one by one. "newer": the Wikidata copy (stored in 2026) records a change the hand
# list does not have (or a claim that could not be checked here); "older": Wikidata
# still has open a term the hand list and the seeds record as over; "spelling": the same
# person, in a spelling neither the hand list nor the seeds' aliases have; "label": a
# broken English label on Wikidata's side.
DISAGREEMENTS = {
    "newer": {
        "BGD Hafiz Uddin Ahmad",
        "BGD Mirza Fakhrul Islam Alamgir",
        "BGD Tarique Rahman",
        "BEN Romuald Wadagni",
        "BGR Iliana Iotova",
        "CPV Francisco Carvalho",
        "COL Abelardo de la Espriella",
        "IRQ Nizar Amidi",
        "IRQ Ali Falih Al-Zaidi",
        "NLD Rob Jetten",
        "LVA Andris Kulbergs",
        "LTU Mindaugas Sinkevičius",
        "MDA Vasile Tofan",
        "MNG Uchral Nyam-Osor",
        "NPL Balendra Shah",
        "PER José María Balcázar",
        "PER Keiko Fujimori",
        "SVN Janez Janša",
        "SLB Matthew Wale",
        "UKR Serhii Koretskyi",
        "GBR Andy Burnham",
        "VNM Lê Minh Hưng",
        "YEM Shaea al-Zindani",
        "NIC Rosario Murillo",
        "TON Fatafehi Fakafānua, 8th Lord Fakafānua",
        "TUV Ben Do",
    },
    "older": {
        "BDI Gervais Ndirakobuca",
        "BWA Mokgweetsi Masisi",
        "CRI Rodrigo Chaves",
        "ETH Tesfaye Dinka",
        "GAB Raymond Ndong Sima",
        "GNB Rui Duarte de Barros",
        "GNQ Manuela Roka",
        "KGZ Akylbek Japarov",
        "LBY Fathi Bashagha",
        "MMR Win Myint",
        "PRK Kim Tok-hun",
        "SDN Osman Hussein",
        "SMR Lorenzo Bugli",
        "SMR Matteo Rossi",
        "STP Patrice Trovoada",
        "SYC Wavel Ramkalawan",
        "TUV Kausea Natano",
        "VCT Ralph Gonsalves",
    },
    "spelling": {
        "BHR Hamad II of Bahrain",
        "LKA Anura Kurankan Dissanayake",
        "NLD William Alexander of the Netherlands",
        "UGA Nabbanja Robinah",
    },
    "label": {"SLV Nayib buke", "SWZ Edeupa Yerimin"},
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: v or "" for k, v in row.items()} for row in csv.DictReader(fh)]


def test_seeds_are_up_to_date_with_the_dataset() -> None:
    """Running the converter again changes nothing: every confirmed leader says so."""
    merged = merge(SEEDS_DIR, RAW)
    assert not merged.added, merged.added
    assert merged.leaders == _rows(SEEDS_DIR / "leaders.csv")
    tagged = [r for r in merged.leaders if SOURCE in r["source"].split(";")]
    assert len(tagged) >= 300


def test_wikidata_current_holders_agree_with_the_independent_list() -> None:
    hand: dict[str, set[str]] = defaultdict(set)
    for row in _rows(ROOT / "tests" / "data" / "current_leaders.csv"):
        for column in ("head_of_state", "head_of_government"):
            for person in filter(None, row[column].split("|")):
                hand[row["country"]] |= name_keys(person)
    presidents = _rows(ROOT / "tests" / "data" / "us_presidents.csv")
    hand["USA"] |= name_keys(max(presidents, key=lambda p: p["took_office"])["name"])
    # The seeds' aliases bridge spellings (Toqaev = Tokayev): a Wikidata name counts as
    # the hand list's when one seeds leader has both among their names.
    names_of: dict[str, set[str]] = defaultdict(set)
    for row in _rows(SEEDS_DIR / "leaders.csv"):
        keys = set().union(
            *(name_keys(n) for n in [row["entity_id"], *row["aliases"].split("|")] if n)
        )
        for key in keys:
            names_of[key] |= keys
    codes = {row["name"]: row["entity_id"] for row in _rows(SEEDS_DIR / "countries.csv")}
    codes |= {
        "Kingdom of Denmark": "DNK",
        "Kingdom of the Netherlands": "NLD",
        "People's Republic of China": "CHN",
        "The Bahamas": "BHS",
        "The Gambia": "GMB",
        "Czech Republic": "CZE",
        "Cape Verde": "CPV",
        "Ivory Coast": "CIV",
        "Federated States of Micronesia": "FSM",
        "Timor-Leste": "TLS",
    }
    found: set[str] = set()
    for row in _rows(RAW):
        code = codes.get(row["country"], "")
        if row["end_year"] or _skip_reason(row) or code not in UN_MEMBERS:
            continue
        keys = name_keys(row["officeholderLabel"])
        bridged = keys | set().union(*(names_of.get(k, set()) for k in keys))
        if not bridged & hand[code]:
            found.add(f"{code} {row['officeholderLabel']}")
    documented = set().union(*DISAGREEMENTS.values())
    assert found == documented, (sorted(found - documented), sorted(documented - found))
