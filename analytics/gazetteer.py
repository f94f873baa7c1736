"""The gazetteer: every string we look for, what it means, and one compiled pattern.

Built from the frames of ``seeds/`` (read by the caller). The pattern is a single
alternation for polars' Rust regex engine, which finds every candidate in a batch
of texts in one vectorised pass; the rules in ``resolve`` then decide which
candidates are mentions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from analytics.frames import require_columns

# Bump when the matching or resolution rules in code change, so stored mentions
# made by older rules are re-extracted like those made from older seeds.
ENGINE_VERSION = "1"

# Titles that may stand before a leader's name ("President Xi", "Mr Modi").
TITLES: tuple[str, ...] = (
    "President-elect",
    "President-Elect",
    "President",
    "Prime Minister-designate",
    "Prime Minister-elect",
    "Prime Minister",
    "Premier",
    "Chancellor",
    "Vice Chancellor",
    "King",
    "Queen",
    "Emperor",
    "Empress",
    "Pope",
    "Supreme Leader",
    "Ayatollah",
    "Crown Prince",
    "Prince",
    "Princess",
    "Sheikh",
    "Sheik",
    "Emir",
    "Amir",
    "Sultan",
    "Grand Duke",
    "General Secretary",
    "Chairman",
    "State Counsellor",
    "Taoiseach",
    "Mr.",
    "Mr",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Madam",
    "Dr.",
    "Dr",
    "Dame",
    "Sir",
    "Marshal",
    "General",
    "Gen.",
    "Comrade",
)

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
}

ALIAS_SCHEMA = {"alias": pl.String, "entity_id": pl.String, "kind": pl.String, "form": pl.String}


@dataclass(frozen=True)
class Gazetteer:
    """What the extractor knows; every field is a plain frame a user can inspect.

    aliases: alias (normalised), entity_id, kind ('country', 'leader' or 'none' for
    phrases that block a shorter match: namesakes, 'New Mexico'), form.
    entities: entity_id, kind, name, country.  terms: entity_id, country, role,
    office, start_on, end_on.  rules: alias, rule, entity_id, pattern.
    """

    aliases: pl.DataFrame
    entities: pl.DataFrame
    terms: pl.DataFrame
    rules: pl.DataFrame
    pattern: str
    title_pattern: str
    version: str


def normalise_surface(expr: pl.Expr) -> pl.Expr:
    """The key under which a matched surface is looked up: one space, straight quotes."""
    return (
        expr.str.replace_all(r"\s+", " ")
        .str.replace_all("[’‘`]", "'")
        .str.replace_all("[‐‑–]", "-")
    )


def _split(cell: str | None) -> list[str]:
    if not cell:
        return []
    return [part.strip() for part in cell.split("|") if part.strip()]


def _alias_rows(frame: pl.DataFrame, forms: dict[str, str], kind: str) -> list[dict[str, str]]:
    rows = []
    for record in frame.iter_rows(named=True):
        for column, form in forms.items():
            for alias in _split(record.get(column)):
                rows.append(
                    {"alias": alias, "entity_id": record["entity_id"], "kind": kind, "form": form}
                )
        if kind == "leader":
            for alias in _split(record.get("namesakes")):
                rows.append(
                    {
                        "alias": alias,
                        "entity_id": record["entity_id"],
                        "kind": "none",
                        "form": "namesake",
                    }
                )
    return rows


def _fragment(alias: str) -> str:
    """Regex for one alias: literal, flexible whitespace and apostrophes, and a
    trailing word boundary when the alias ends in a word character (``\\b`` never
    matches after the period of ``U.S.``)."""
    pieces = []
    for token in alias.split(" "):
        escaped = pl.escape_regex(token).replace("'", "['’]").replace(r"\-", "[-‐‑]")
        pieces.append(escaped)
    body = r"\s+".join(pieces)
    return body + r"(?-u:\b)" if alias[-1].isascii() and alias[-1].isalnum() else body


def _variants(alias: str) -> list[str]:
    upper = alias.upper()
    return [alias] if upper == alias or len(upper) != len(alias) else [alias, upper]


def compile_pattern(aliases: list[str], leader_names: list[str]) -> tuple[str, str]:
    """One alternation, longest alias first so the leftmost match is also the longest.

    Returns (pattern, title_pattern); the title branch lets a match start at a title
    ("President Putin") so the surface holds the whole reference.
    """
    variants = sorted({v for a in aliases for v in _variants(a)}, key=lambda a: (-len(a), a))
    names = sorted({v for a in leader_names for v in _variants(a)}, key=lambda a: (-len(a), a))
    titles = sorted({v for t in TITLES for v in _variants(t)}, key=lambda a: (-len(a), a))
    title_alt = "|".join(pl.escape_regex(t).replace(r"\-", "[-‐‑]") for t in titles)
    names_alt = "|".join(_fragment(a) for a in names)
    # ASCII word boundaries keep the Rust engine on its fast DFA path; aliases that
    # start with a non-ASCII letter ("Élysée") get no leading boundary and the
    # resolver checks the character before every match instead.
    ascii_start = "|".join(_fragment(a) for a in variants if a[0].isascii())
    other_start = "|".join(_fragment(a) for a in variants if not a[0].isascii())
    # ASCII word boundaries keep the Rust engine on its fast DFA path; aliases that
    # start with a non-ASCII letter ("Élysée") get no leading boundary and the
    # resolver checks the character before every match instead.
    pattern = rf"(?-u:\b)(?:(?:{title_alt})\s+(?:{names_alt})|{ascii_start})"
    if other_start:
        pattern += f"|(?:{other_start})"
    return pattern, rf"^(?:{title_alt})\s+"


def build_gazetteer(
    countries: pl.DataFrame,
    leaders: pl.DataFrame,
    terms: pl.DataFrame,
    rules: pl.DataFrame,
) -> Gazetteer:
    """Turn the seed frames into alias tables and the compiled pattern.

    Expects the columns documented in seeds/README.md.
    """
    require_columns(countries, {"entity_id", "name", *COUNTRY_FORMS})
    require_columns(
        leaders, {"entity_id", "country", "aliases", "surnames", "short_names", "namesakes"}
    )
    require_columns(terms, {"entity_id", "country", "role", "office", "start_on", "end_on"})
    require_columns(rules, {"alias", "rule", "entity_id", "pattern"})
    rows = _alias_rows(countries, COUNTRY_FORMS, "country")
    rows += _alias_rows(leaders, LEADER_FORMS, "leader")
    for record in rules.filter(pl.col("rule") == "exclude").iter_rows(named=True):
        rows.append({"alias": record["alias"], "entity_id": "", "kind": "none", "form": "exclude"})
    aliases = (
        pl.DataFrame(rows, schema=ALIAS_SCHEMA)
        .with_columns(alias=normalise_surface(pl.col("alias")))
        .unique()
        .sort("alias", "entity_id", "form")
    )
    # Upper-case variants (headlines, signature blocks) resolve like the alias itself.
    upper = aliases.with_columns(alias=pl.col("alias").str.to_uppercase()).filter(
        pl.col("alias").str.len_chars() == aliases["alias"].str.len_chars()
    )
    lookup = pl.concat([aliases, upper]).unique().sort("alias", "entity_id", "form")
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
    leader_names = aliases.filter(pl.col("kind") == "leader")["alias"].to_list()
    pattern, title_pattern = compile_pattern(aliases["alias"].to_list(), leader_names)
    terms = terms.with_columns(
        start_on=pl.col("start_on").str.to_date("%Y-%m-%d"),
        end_on=pl.col("end_on").str.to_date("%Y-%m-%d"),
    )
    digest = hashlib.sha256(ENGINE_VERSION.encode())
    for frame in (countries, leaders, terms, rules):
        digest.update(frame.write_csv().encode())
    return Gazetteer(
        aliases=lookup,
        entities=entities,
        terms=terms,
        rules=rules.filter(pl.col("rule") != "exclude"),
        pattern=pattern,
        title_pattern=title_pattern,
        version=digest.hexdigest()[:16],
    )
