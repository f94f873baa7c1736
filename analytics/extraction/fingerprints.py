"""What each string of the gazetteer means, as a fingerprint, so that two versions of
``seeds/`` can be compared string by string.

A mention can only change between two versions of the gazetteer if the article holds
a string whose meaning changed: an alias added, dropped or pointed elsewhere, a rule
or a common-name entry for it, or the terms and country of a leader it names. Every
such input of a string goes into its fingerprint; the strings whose fingerprints differ
are the only ones worth looking for in stored articles.
"""

from __future__ import annotations

import hashlib

import polars as pl

from analytics.extraction.gazetteer import ENGINE_VERSION, Gazetteer
from analytics.extraction.spelling import typographic_variants

FINGERPRINT_SCHEMA = {"string": pl.String, "fingerprint": pl.String}


def _fold(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")


def _row_text(*columns: str) -> pl.Expr:
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in columns], separator="\t")


def string_fingerprints(gazetteer: Gazetteer) -> pl.DataFrame:
    """One row per string (alias, guarded alias or common name, as written and in
    capitals): string, fingerprint (16 hex digits over everything that decides what the
    string means)."""
    terms = (
        gazetteer.terms.sort("entity_id", "start_on", "country", "role")
        .group_by("entity_id", maintain_order=True)
        .agg(terms=_row_text("country", "role", "office", "start_on", "end_on").str.join(";"))
    )
    entities = gazetteer.entities.join(terms, on="entity_id", how="left")
    names = gazetteer.names.with_columns(folded=_fold(pl.col("name")))
    names_by_fold = names.group_by("folded").agg(
        names=_row_text("name", "kind").sort().str.join(";")
    )
    aliases = (
        gazetteer.aliases.join(entities, on="entity_id", how="left")
        .with_columns(folded=_fold(pl.col("alias").str.to_titlecase()))
        .join(names_by_fold, on="folded", how="left")
        .select(
            string="alias",
            text=_row_text(
                "entity_id",
                "kind",
                "form",
                "shouted",
                "kind_right",
                "name",
                "country",
                "terms",
                "names",
            ),
        )
    )
    rules = gazetteer.rules.select(string="alias", text=_row_text("rule", "entity_id", "pattern"))
    name_rows = pl.concat(
        [
            names.select(string="name", text=_row_text("kind")),
            names.select(string=pl.col("name").str.to_uppercase(), text=_row_text("kind")),
        ]
    )
    rows = (
        pl.concat([aliases, rules, name_rows])
        .group_by("string")
        .agg(pl.col("text").sort().str.join("\n"))
    )
    salt = ENGINE_VERSION.encode()
    digests = [
        hashlib.blake2b(text.encode(), digest_size=8, salt=salt[:16]).hexdigest()
        for text in rows["text"].to_list()
    ]
    return (
        rows.select("string")
        .with_columns(fingerprint=pl.Series(digests, dtype=pl.String))
        .sort("string")
    )


def changed_strings(old: pl.DataFrame, new: pl.DataFrame) -> list[str]:
    """Strings whose meaning differs between two fingerprint tables (added, dropped or
    changed), with every typographic spelling a text may use for them."""
    both = old.join(new, on="string", how="full", coalesce=True, suffix="_new")
    changed = both.filter(
        pl.col("fingerprint").is_null()
        | pl.col("fingerprint_new").is_null()
        | (pl.col("fingerprint") != pl.col("fingerprint_new"))
    )["string"]
    return sorted({v for s in changed.to_list() for v in typographic_variants(s, hyphens=True)})


def holds_any(text: pl.Expr, strings: list[str]) -> pl.Expr:
    """True where ``text`` contains one of ``strings`` anywhere (a superset of the
    articles whose mentions can change: no word boundaries, so nothing is missed)."""
    if not strings:
        return pl.lit(False)
    return text.fill_null("").str.contains_any(strings)
