"""The gazetteer: every string we look for, what it means, and the patterns that find them.

Built from the frames of ``seeds/`` (read by the caller). Candidates are found by one
Aho-Corasick pass (polars ``str.replace_many``) over a batch of texts: a literal
automaton does not grow slower or hit a size limit as the alias list grows, where
one regex alternation of 30,000 names does. Word boundaries, titles and every other
rule are then checked on the candidates only (``resolve``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import polars as pl

from analytics.extraction.spelling import (
    alias_spellings,
    normalise_surface,
    plain_spellings,
    typographic_variants,
)
from analytics.frames import require_columns

# Bump when the matching or resolution rules in code change, so stored mentions
# made by older rules are re-extracted like those made from older seeds.
ENGINE_VERSION = "2"

COUNTRY_FORMS = {
    "name": "name",
    "official_name": "name",
    "names": "name",
    "adjectives": "adjective",
    "capitals": "capital",
    "metonyms": "metonym",
}
LEADER_FORMS = {
    "entity_id": "full",
    "aliases": "full",
    "surnames": "surname",
    "short_names": "short",
    # Nicknames that are also given names, tickers or other people's initials (Ike,
    # Fidel, HBJ): the leader only with evidence in the article (leader_rules).
    "nicknames": "nickname",
}
RULE_KINDS = ("exclude", "requires_context", "not_person")
NAME_KINDS = ("given", "surname", "word", "uncommon")

ALIAS_SCHEMA = {
    "alias": pl.String,
    "entity_id": pl.String,
    "kind": pl.String,
    "form": pl.String,
    "written": pl.Boolean,
}


class GazetteerError(ValueError):
    """The seed frames contradict each other (a rule of an unknown kind, a bad date ...)."""


@dataclass(frozen=True)
class Gazetteer:
    """What the extractor knows; every field is a plain frame a user can inspect.

    aliases: alias (normalised spelling), entity_id, kind ('country', 'leader' or
    'none' for phrases that block a shorter match: namesakes, 'New Mexico'), form,
    shouted (the alias in capitals, "BIDEN": a leader only in capitalised text).
    entities: entity_id, kind, name, country.  terms: entity_id, country, role,
    office, start_on, end_on.  rules: alias, rule, entity_id, pattern.
    names: name, kind ('given', 'surname', 'word': too common to identify a person on
    their own; 'uncommon': a rarer name or word in English text).  surnames: alias,
    entity_id, common, uncommon, surname_first (one row per leader surname).
    patterns: every spelling to look for, longest first (the candidate automaton's
    priority order).
    """

    aliases: pl.DataFrame
    entities: pl.DataFrame
    terms: pl.DataFrame
    rules: pl.DataFrame
    names: pl.DataFrame
    surnames: pl.DataFrame
    patterns: pl.Series
    version: str


T = TypeVar("T")


def per_version(build: Callable[[Gazetteer], T]) -> Callable[[Gazetteer], T]:
    """``build`` made once per process and gazetteer version (a digest of everything a
    gazetteer comes from), one version at a time: a seeds change replaces it. For what
    every batch of candidates needs and need not make again (the automaton, word lists)."""
    lock = threading.Lock()
    made: dict[str, T] = {}

    def cached(gazetteer: Gazetteer) -> T:
        with lock:
            if gazetteer.version not in made:
                made.clear()
                made[gazetteer.version] = build(gazetteer)
            return made[gazetteer.version]

    cached.__doc__ = build.__doc__
    return cached


def _split(cell: str | None) -> list[str]:
    if not cell:
        return []
    return [part.strip() for part in cell.split("|") if part.strip()]


def _alias_rows(
    frame: pl.DataFrame, forms: dict[str, str], kind: str
) -> list[dict[str, str | bool]]:
    rows = []
    for record in frame.iter_rows(named=True):
        for column, form in forms.items():
            written = _split(record.get(column))
            # People's names are typed without their diacritics too (Schlueter, Tudjman).
            expanded = (
                [p for a in written for p in plain_spellings(a)] if kind == "leader" else written
            )
            for alias in dict.fromkeys(expanded):
                for spelling in alias_spellings(
                    alias, full_name=form == "full", article=form == "surname"
                ):
                    rows.append(
                        {
                            "alias": spelling,
                            "entity_id": record["entity_id"],
                            "kind": kind,
                            "form": form,
                            "written": spelling == " ".join(alias.split()),
                        }
                    )
        if kind == "leader":
            for alias in _split(record.get("namesakes")):
                for spelling in alias_spellings(alias, full_name=True):
                    rows.append(
                        {
                            "alias": spelling,
                            "entity_id": record["entity_id"],
                            "kind": "none",
                            "form": "namesake",
                            "written": False,
                        }
                    )
    return rows


def _check_rules(rules: pl.DataFrame) -> None:
    unknown = rules.filter(~pl.col("rule").is_in(RULE_KINDS))
    if unknown.height:
        row = unknown.row(0, named=True)
        raise GazetteerError(
            f"alias_rules: rule {row['rule']!r} for {row['alias']!r} is not one of "
            f"{', '.join(RULE_KINDS)}"
        )
    context = rules.filter((pl.col("rule") == "requires_context") & pl.col("pattern").is_null())
    if context.height:
        raise GazetteerError(
            f"alias_rules: requires_context for {context['alias'][0]!r} needs a pattern"
        )


def _fold_accents(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")


def _surname_table(aliases: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """One row per leader surname (as written and in capitals): is it common (too common
    to name a leader alone), and does the leader's name start with it (Kim Jong Un)?"""
    surnames = aliases.filter(
        (pl.col("kind") == "leader") & (pl.col("form") == "surname") & ~pl.col("shouted")
    )
    shared = surnames.group_by("alias").agg(holders=pl.col("entity_id").n_unique())
    # Compared without accents: the name lists are ASCII ("Hernandez"), news is not.
    common = names.group_by(folded=_fold_accents(pl.col("name"))).agg(
        listed=(pl.col("kind") != "uncommon").any(),
        uncommon=(pl.col("kind") == "uncommon").any(),
    )
    table = (
        surnames.select("alias", "entity_id")
        .unique()
        .join(shared, on="alias")
        .with_columns(folded=_fold_accents(pl.col("alias")))
        .join(common, on="folded", how="left")
        .with_columns(
            common=pl.col("listed").fill_null(False) | (pl.col("holders") >= 3),
            uncommon=pl.col("uncommon").fill_null(False),
            surname_first=pl.col("entity_id").str.starts_with(pl.col("alias") + " "),
        )
        .select("alias", "entity_id", "common", "uncommon", "surname_first")
    )
    shouted = table.with_columns(alias=pl.col("alias").str.to_uppercase())
    return (
        pl.concat([table, shouted])
        .group_by("alias", "entity_id")
        .agg(pl.col("common").any(), pl.col("uncommon").any(), pl.col("surname_first").any())
        .sort("alias", "entity_id")
    )


def build_gazetteer(
    countries: pl.DataFrame,
    leaders: pl.DataFrame,
    terms: pl.DataFrame,
    rules: pl.DataFrame,
    names: pl.DataFrame | None = None,
) -> Gazetteer:
    """Turn the seed frames into alias tables and the candidate patterns.

    Expects the columns documented in seeds/README.md.
    """
    require_columns(countries, {"entity_id", "name", *COUNTRY_FORMS})
    require_columns(
        leaders, {"entity_id", "country", "aliases", "surnames", "short_names", "namesakes"}
    )
    require_columns(terms, {"entity_id", "country", "role", "office", "start_on", "end_on"})
    require_columns(rules, {"alias", "rule", "entity_id", "pattern"})
    if names is None:
        names = pl.DataFrame(schema={"name": pl.String, "kind": pl.String})
    require_columns(names, {"name", "kind"})
    _check_rules(rules)
    unknown_kinds = names.filter(~pl.col("kind").is_in(NAME_KINDS))
    if unknown_kinds.height:
        raise GazetteerError(
            f"common_names: kind {unknown_kinds['kind'][0]!r} for {unknown_kinds['name'][0]!r}"
            f" is not one of {', '.join(NAME_KINDS)}"
        )
    rows = _alias_rows(countries, COUNTRY_FORMS, "country")
    rows += _alias_rows(leaders, LEADER_FORMS, "leader")
    for record in rules.filter(pl.col("rule") == "exclude").iter_rows(named=True):
        for spelling in alias_spellings(record["alias"], full_name=False):
            rows.append(
                {
                    "alias": spelling,
                    "entity_id": "",
                    "kind": "none",
                    "form": "exclude",
                    "written": True,
                }
            )
    base = (
        pl.DataFrame(rows, schema=ALIAS_SCHEMA)
        .with_columns(alias=normalise_surface(pl.col("alias")))
        .unique()
    )
    # Upper-case spellings (headlines, speaker labels, signature blocks) resolve like
    # the alias itself. Long full names and namesakes are not looked for in capitals:
    # headlines use short forms, and every pattern costs matching time.
    # Only spellings as written in the seeds are looked for in capitals (not the
    # generated transliterations), and not long full names nor namesakes: headlines
    # use short forms, and every pattern costs matching time.
    upper = (
        base.filter(
            pl.col("written"),
            pl.col("alias").str.count_matches(" ") < 3,
        )
        .with_columns(upper=pl.col("alias").str.to_uppercase())
        .filter(pl.col("upper").str.len_chars() == pl.col("alias").str.len_chars())
        .select("upper", "entity_id", "kind", "form", shouted=pl.col("upper") != pl.col("alias"))
        .rename({"upper": "alias"})
    )
    aliases = (
        pl.concat([base.drop("written").with_columns(shouted=pl.lit(False)), upper])
        .group_by("alias", "entity_id", "kind", "form")
        .agg(pl.col("shouted").min())
        .sort("alias", "entity_id", "form")
    )
    names = names.select("name", "kind").unique().sort("name", "kind")
    entities = (
        pl.concat(
            [
                countries.select(
                    "entity_id", kind=pl.lit("country"), name="name", country="entity_id"
                ),
                leaders.select(
                    "entity_id", kind=pl.lit("leader"), name="entity_id", country="country"
                ),
            ]
        )
        .unique("entity_id", keep="first")
        .sort("entity_id")
    )
    try:
        terms = terms.with_columns(
            start_on=pl.col("start_on").str.to_date("%Y-%m-%d"),
            end_on=pl.col("end_on").str.to_date("%Y-%m-%d"),
        )
    except pl.exceptions.InvalidOperationError as exc:
        raise GazetteerError(f"leader_terms: a date is not YYYY-MM-DD ({exc})") from exc
    spellings = sorted(
        {v for a in aliases["alias"].unique().to_list() for v in typographic_variants(a)},
        key=lambda a: (-len(a), a),
    )
    digest = hashlib.sha256(ENGINE_VERSION.encode())
    for frame in (countries, leaders, terms, rules, names):
        digest.update(frame.write_csv().encode())
    # Rules hold for the alias in capitals too ("GEORGIA" needs the Caucasus as well).
    guards = rules.filter(pl.col("rule") != "exclude")
    guards = pl.concat(
        [guards, guards.with_columns(alias=pl.col("alias").str.to_uppercase())]
    ).unique(["alias", "rule", "entity_id"], keep="first", maintain_order=True)
    return Gazetteer(
        aliases=aliases,
        entities=entities,
        terms=terms,
        rules=guards,
        names=names,
        surnames=_surname_table(aliases, names),
        patterns=pl.Series("pattern", spellings, pl.String),
        version=digest.hexdigest()[:16],
    )
