"""Merge the Wikidata head-of-state / head-of-government list into seeds/leaders.csv.

    uv run python -m tests.benchmarks.merge_wikidata_leaders [--write]

Reads ``seeds/sources/wikidata_world_leaders.csv``, a local copy of ``data/wikidata.csv``
of the EveryPolitician scraper repository ``every-politician-scrapers/world-leaders-2021``
(a Wikidata query: every holder of a country's head-of-state (P1906) or
head-of-government (P1313) office still in office or in office in 2021-2022, with the
years of the term; Wikidata's data is CC0). It runs offline from that file.

Each row is matched with a leader of ``seeds/leaders.csv`` (by name or alias, compared
without accents, case and punctuation, after ``of Belgium`` / ``, Prince of Monaco`` are
dropped) who has a term for the same country starting the same year (one year either
side: Wikidata gives years, the seeds give days). A matched leader's ``source`` gets
``wikidata`` added (``knowledge;wikidata``). With ``--write`` the file is rewritten.

Rows are never added from this file: it gives only years, and ``leader_terms.csv``
needs days; a row that matches nothing is printed for review instead (a leader missing
from the seeds, a name spelled differently, or a Wikidata error), grouped by reason.
Rows that are not a head of state or government (governors-general, members of the
Swiss Federal Council or of Myanmar's State Administration Council), holders without
an English label, and terms that began before 1945 are skipped.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jobs.settings import DEFAULT_SEEDS_DIR
from tests.store.test_seeds import _person_key

SOURCE = "wikidata"
RAW = DEFAULT_SEEDS_DIR / "sources" / "wikidata_world_leaders.csv"
# Wikidata's English country labels that are not a name in seeds/countries.csv.
COUNTRY_LABELS = {
    "Kingdom of Denmark": "DNK",
    "Kingdom of the Netherlands": "NLD",
    "People's Republic of China": "CHN",
    "The Bahamas": "BHS",
    "The Gambia": "GMB",
}
# Position-holder lists (Wikidata P39, with days) saved from the EveryPolitician
# position-history repositories (tmtmtmtm/<cc>-<office>-wikipedia, wikidata.json): each
# file, with the country, the title news uses and the office.
# The seeds list every head of state and government since 1990: a later term that
# matches none of theirs is a spelling or an error to look at, never added.
COMPLETE_FROM = "1990-01-01"
P39_DIR = DEFAULT_SEEDS_DIR / "sources" / "wikidata_p39"
P39_FILES = {
    "BOL-president.json": ("BOL", "President", "both"),
    "FIN-prime-minister.json": ("FIN", "Prime Minister", "head_of_government"),
    "HND-president.json": ("HND", "President", "both"),
    "NIC-president.json": ("NIC", "President", "both"),
    "SOM-prime-minister.json": ("SOM", "Prime Minister", "head_of_government"),
}
NOT_HEADS = re.compile(
    r"Governor-General|Member of the Swiss Federal Council|State Administration Council"
    r"|military leader|Pontifical Commission",
    re.IGNORECASE,
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: v or "" for k, v in row.items()} for row in csv.DictReader(fh)]


def _country_index(seeds: Path) -> dict[str, str]:
    index: dict[str, str] = {}
    for row in _rows(seeds / "countries.csv"):
        for name in [row["name"], row["official_name"], *row["names"].split("|")]:
            if name:
                index.setdefault(name, row["entity_id"])
    index.update(COUNTRY_LABELS)
    return index


def name_keys(label: str) -> set[str]:
    """'Philippe of Belgium' -> {'philippe of belgium', 'philippe'};
    'Albert II, Prince of Monaco' -> {..., 'albert ii'}."""
    forms = {label, label.split(",")[0]}
    forms |= {re.sub(r"\s+of\s+[A-Z][\w ]+$", "", f) for f in list(forms)}
    forms |= {re.sub(r"\s+I$", "", f) for f in list(forms)}
    forms |= {f.replace('"', "") for f in list(forms)}
    # A Spanish full name with the mother's surname: 'Rafael Leonardo Callejas Romero'.
    forms |= {f.rsplit(" ", 1)[0] for f in list(forms) if len(f.split()) >= 3}
    # Mohammed / Muhammad / Mohamed ... are one name (as the extractor treats them).
    return {_MOHAMMED.sub("mohammed", _person_key(f)) for f in forms if f}


_MOHAMMED = re.compile(r"\b(?:mohammed|mohammad|muhammad|mohamed|mohamad|muhammed)\b")


@dataclass
class Merged:
    leaders: list[dict[str, str]]
    terms: list[dict[str, str]]
    added: list[dict[str, str]] = field(default_factory=list)
    new_leaders: list[str] = field(default_factory=list)
    confirmed: set[str] = field(default_factory=set)
    left: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def _years(start: str, end: str) -> tuple[int, int]:
    return int(start[:4]), int(end[:4]) if end else 9999


def _day_from_seeds(terms: list[dict[str, str]], column: str, year: int) -> dict[str, str] | None:
    """A term of the same person whose ``column`` day falls in ``year``: the day a
    Commonwealth realm's reign began or ended is the day it did in the United Kingdom."""
    for term in terms:
        if term[column][:4] == str(year):
            return term
    return None


def merge(seeds: Path, raw: Path) -> Merged:
    """The leaders and terms of ``seeds`` with the dataset merged in."""
    countries = _country_index(seeds)
    leaders = _rows(seeds / "leaders.csv")
    terms = _rows(seeds / "leader_terms.csv")
    by_key: dict[str, set[str]] = defaultdict(set)
    for row in leaders:
        for name in [row["entity_id"], *row["aliases"].split("|")]:
            if name:
                by_key[_MOHAMMED.sub("mohammed", _person_key(name))].add(row["entity_id"])
    terms_of: dict[str, list[dict[str, str]]] = defaultdict(list)
    for term in terms:
        terms_of[term["entity_id"]].append(term)
    result = Merged(leaders, terms)
    matched: set[str] = set()
    for row in _rows(raw):
        what = (
            f"{row['country']}: {row['officeholderLabel']}"
            f" ({row['positionLabel']}, {row['start_year']}-{row['end_year']})"
        )
        reason = _skip_reason(row)
        country = countries.get(row["country"])
        if reason is None and country is None:
            reason = "country not in seeds/countries.csv"
        if reason is not None or country is None:
            result.left[reason or ""].append(what)
            continue
        keys = name_keys(row["officeholderLabel"])
        ids = set().union(*(by_key.get(k, set()) for k in keys))
        if len(ids) > 1:  # two leaders of one name (Albert II): the one of that country
            ids = {i for i in ids if any(t["country"] == country for t in terms_of[i])}
        if len(ids) != 1:
            result.left["no single leader of that name in seeds/leaders.csv"].append(what)
            continue
        (leader,) = ids
        first, last = _years(row["start_year"], row["end_year"])
        if any(
            t["country"] == country
            and _years(t["start_on"], t["end_on"])[0] <= last
            and _years(t["start_on"], t["end_on"])[1] >= first
            for t in terms_of[leader]
        ):
            matched.add(leader)
            continue
        began = _day_from_seeds(terms_of[leader], "start_on", first)
        ended = _day_from_seeds(terms_of[leader], "end_on", last) if row["end_year"] else None
        if began is None or (row["end_year"] and ended is None):
            result.left["leader known, no term then, no day for a new one"].append(what)
            continue
        term = {
            "entity_id": leader,
            "country": country,
            "role": began["role"],
            "office": began["office"],
            "start_on": began["start_on"],
            "end_on": ended["end_on"] if ended else "",
        }
        result.added.append(term)
        terms_of[leader].append(term)
        matched.add(leader)
    for name, (country, role, office) in P39_FILES.items():
        _merge_p39(result, raw.parent / "wikidata_p39" / name, country, role, office)
        for leader_id in {t["entity_id"] for t in result.added} | result.confirmed:
            matched.add(leader_id)
    result.leaders.sort(key=lambda r: r["entity_id"])
    result.terms = sorted([*terms, *result.added], key=lambda t: (t["entity_id"], t["start_on"]))
    for row in leaders:
        if row["entity_id"] in matched:
            sources = [s for s in row["source"].split(";") if s]
            if SOURCE not in sources:
                row["source"] = ";".join([*sources, SOURCE])
    return result


def _merge_p39(result: Merged, path: Path, country: str, role: str, office: str) -> None:
    """Merge one position-holder list: day-precise terms that reach into 1945 or later.
    A holder not in the seeds becomes a leader known by full name only (no surnames,
    so that a surname alone is never taken for them)."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for row in result.leaders:
        for name in [row["entity_id"], *row["aliases"].split("|")]:
            if name:
                by_key[_MOHAMMED.sub("mohammed", _person_key(name))].add(row["entity_id"])
    terms_of: dict[str, list[dict[str, str]]] = defaultdict(list)
    for term in [*result.terms, *result.added]:
        terms_of[term["entity_id"]].append(term)
    common = _common_names(path.parents[2])
    for entry in json.loads(path.read_text(encoding="utf-8")):
        label = entry["item"]["label"]
        start, end = entry.get("start"), entry.get("end")
        what = f"{country}: {label} ({start and start['value'][:10]}-{end and end['value'][:10]})"
        if re.fullmatch(r"Q\d+", label) or not start:
            result.left["skipped: no English label or no start"].append(what)
            continue
        if start["precision"] != "11" or (end and end["precision"] != "11"):
            result.left["skipped: dates not to the day"].append(what)
            continue
        start_on, end_on = start["value"][:10], end["value"][:10] if end else ""
        if end_on and end_on < "1945-01-01":
            continue
        ids = set().union(*(by_key.get(k, set()) for k in name_keys(label)))
        if len(ids) > 1:
            ids = {i for i in ids if any(t["country"] == country for t in terms_of[i])}
        if len(ids) > 1:
            result.left["two leaders of that name"].append(what)
            continue
        if start_on >= COMPLETE_FROM and not any(
            t["country"] == country
            and t["start_on"] <= (end_on or "9999")
            and (t["end_on"] or "9999") >= start_on
            for i in ids
            for t in terms_of[i]
        ):
            result.left["not added: since 1990 the seeds are complete, check by hand"].append(what)
            continue
        if not ids and _too_common(label, common):
            result.left["not added: a given name and a frequent surname, too common"].append(what)
            continue
        leader = next(iter(ids)) if ids else label
        if not ids:
            result.leaders.append(
                {
                    "entity_id": label,
                    "country": country,
                    "aliases": "",
                    "surnames": "",
                    "short_names": "",
                    "nicknames": "",
                    "namesakes": "",
                    "source": SOURCE,
                }
            )
            result.new_leaders.append(label)
            by_key[_MOHAMMED.sub("mohammed", _person_key(label))].add(label)
        if any(
            t["country"] == country
            and t["start_on"] <= (end_on or "9999")
            and (t["end_on"] or "9999") >= start_on
            for t in terms_of[leader]
        ):
            result.confirmed.add(leader)
            continue
        term = {
            "entity_id": leader,
            "country": country,
            "role": role,
            "office": office,
            "start_on": start_on,
            "end_on": end_on,
        }
        result.added.append(term)
        terms_of[leader].append(term)


def _fold(word: str) -> str:
    text = unicodedata.normalize("NFKD", word)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _common_names(seeds: Path) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = defaultdict(set)
    for row in _rows(seeds / "common_names.csv"):
        kinds[_fold(row["name"])].add(row["kind"])
    return kinds


def _too_common(label: str, common: dict[str, set[str]]) -> bool:
    """'David Padilla', 'Juan José Torres': given names and a frequent surname name many
    people; a leader known only by such a full name would be found in other people."""
    words = label.split()
    return all("given" in common[_fold(w)] for w in words[:-1]) and (
        "surname" in common[_fold(words[-1])]
    )


def _skip_reason(row: dict[str, str]) -> str | None:
    if NOT_HEADS.search(row["positionLabel"]):
        return "skipped: not a head of state or government"
    if re.fullmatch(r"Q\d+", row["officeholderLabel"]):
        return "skipped: no English label"
    if int(row["start_year"]) < 1945:
        return "skipped: began before 1945"
    return None


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the seeds files")
    args = parser.parse_args()
    merged = merge(DEFAULT_SEEDS_DIR, RAW)
    tagged = sum(SOURCE in row["source"].split(";") for row in merged.leaders)
    print(
        f"leaders with source {SOURCE}: {tagged}; leaders added: {len(merged.new_leaders)};"
        f" terms added: {len(merged.added)}"
    )
    for term in merged.added:
        print(f"  + {term}")
    for reason, items in sorted(merged.left.items()):
        print(f"\n{reason} ({len(items)}):")
        for item in items:
            print(f"  {item}")
    if args.write:
        _write(DEFAULT_SEEDS_DIR / "leaders.csv", merged.leaders)
        _write(DEFAULT_SEEDS_DIR / "leader_terms.csv", merged.terms)


if __name__ == "__main__":
    main()
