"""Which candidate spans are mentions, of whom, in what form, and by which rule.

Every rule is a vectorised step over the candidate frame; the ``rule`` column of
each mention names the step that accepted it, so a number in a chart can be
explained down to the sentence and the reason.
"""

from __future__ import annotations

import polars as pl

from analytics.gazetteer import Gazetteer, normalise_surface

MENTION_SCHEMA = {
    "doc": pl.UInt32,
    "field": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "surface": pl.String,
    "kind": pl.String,
    "entity_id": pl.String,
    "country": pl.String,
    "form": pl.String,
    "rule": pl.String,
}

_WORD_CHAR = r"[\p{L}\p{N}_]"
# "the Biden administration", "Biden-Harris Administration", "the Assad regime", "Obama-era"
_GOVERNMENT_SUFFIX = (
    r"^(?:[-‐‑][A-Z][\p{L}]+)?\s+(?:[Aa]dministration|ADMINISTRATION|[Rr]egime)\b|^[-‐‑][Ee]ra\b"
)
_POSSESSIVE = r"^['’]s?\b"
# A capitalised word right before the match, not at a sentence start: "Michael Jordan".
_NAME_BEFORE = r"(?:^|[^.!?:;\n\s]\s+)[A-Z][\p{Ll}]+\s+$"
# A capitalised word right after the match: "Jordan Peterson", "Chad Johnson".
_NAME_AFTER = r"^\s+[A-Z][\p{Ll}]+"
_OFFICE_TITLES = {
    "President": "President",
    "President-elect": "President",
    "President-Elect": "President",
    "Prime Minister": "Prime Minister",
    "Prime Minister-elect": "Prime Minister",
    "Prime Minister-designate": "Prime Minister",
    "Premier": "Premier",
    "Chancellor": "Chancellor",
    "King": "King",
    "Queen": "Queen",
    "Emir": "Emir",
    "Sultan": "Sultan",
    "Pope": "Pope",
    "Supreme Leader": "Supreme Leader",
}


def resolve_candidates(
    candidates: pl.DataFrame, docs: pl.DataFrame, gazetteer: Gazetteer
) -> pl.DataFrame:
    """Mentions among ``candidates`` (from ``matcher.candidate_spans``).

    ``docs`` has doc, published_on (Date, may be null) and context (the article's
    title and text, for rules that look at the whole article). Returns the columns
    of MENTION_SCHEMA, one row per accepted mention.
    """
    if candidates.is_empty():
        return pl.DataFrame(schema=MENTION_SCHEMA)
    spans = (
        candidates.with_row_index("span")
        .with_columns(key=normalise_surface(pl.col("surface")))
        .with_columns(title=pl.col("key").str.extract(f"({gazetteer.title_pattern})", 1))
        .with_columns(
            core=pl.when(pl.col("title").is_not_null())
            .then(pl.col("key").str.slice(pl.col("title").str.len_chars()))
            .otherwise(pl.col("key")),
            title=pl.col("title").str.strip_chars(),
        )
        # The ASCII word boundaries of the pattern miss accented neighbours ("Putiné").
        .filter(
            ~pl.col("before").str.contains(f"{_WORD_CHAR}$")
            & ~pl.col("after").str.contains(f"^{_WORD_CHAR}")
        )
    )
    meanings = spans.join(gazetteer.aliases, left_on="core", right_on="alias", how="inner")
    # A longer phrase that is not a country or leader ("New Mexico", "Hunter Biden",
    # "Washington Post") blocks every meaning of the span.
    blocked = meanings.filter(pl.col("kind") == "none").select("span").unique()
    meanings = meanings.join(blocked, on="span", how="anti").filter(
        pl.col("title").is_null() | (pl.col("kind") == "leader")
    )
    meanings = meanings.join(docs.select("doc", "published_on"), on="doc", how="left")
    countries = _countries(meanings.filter(pl.col("kind") == "country"), docs, gazetteer)
    leaders = _leaders(meanings.filter(pl.col("kind") == "leader"), gazetteer)
    entity_country = gazetteer.entities.select("entity_id", "country")
    return (
        pl.concat([countries, leaders], how="diagonal_relaxed")
        .join(entity_country, on="entity_id", how="left")
        .select(list(MENTION_SCHEMA))
        .cast(MENTION_SCHEMA)  # type: ignore[arg-type]
        .sort("doc", "field", "start")
    )


def _countries(rows: pl.DataFrame, docs: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    rules = gazetteer.rules
    guarded = rows.join(
        rules.select(
            pl.col("alias").alias("core"), "entity_id", guard="rule", guard_pattern="pattern"
        ),
        on=["core", "entity_id"],
        how="left",
    )
    needs_context = guarded.filter(pl.col("guard") == "requires_context")
    if not needs_context.is_empty():
        context = (
            needs_context.select("span", "doc", "guard_pattern")
            .join(docs.select("doc", "context"), on="doc")
            .filter(pl.col("context").str.contains(pl.col("guard_pattern")))
            .select("span")
        )
        guarded = pl.concat(
            [
                guarded.filter(pl.col("guard").is_null() | (pl.col("guard") != "requires_context")),
                needs_context.join(context, on="span", how="semi"),
            ]
        ).unique(["span", "entity_id"])
    person = (pl.col("guard") == "not_person") & (
        pl.col("before").str.contains(_NAME_BEFORE) | pl.col("after").str.contains(_NAME_AFTER)
    )
    return guarded.filter(~person.fill_null(False)).with_columns(
        rule=pl.when(pl.col("guard").is_not_null())
        .then(pl.format("alias+{}", pl.col("guard")))
        .otherwise(pl.lit("alias"))
    )


def _leaders(rows: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    if rows.is_empty():
        return rows.with_columns(rule=pl.lit(None, pl.String))
    named = rows.filter(pl.col("form") != "surname")
    # Leaders named in full (or by an unambiguous short name) anywhere in the article.
    in_article = named.select("doc", "entity_id").unique().with_columns(named_in_article=True)
    surnames = rows.filter(pl.col("form") == "surname").join(
        in_article, on=["doc", "entity_id"], how="left"
    )
    office = pl.col("title").replace_strict(_OFFICE_TITLES, default=None)
    terms = gazetteer.terms.select("entity_id", "role", "start_on", "end_on")
    in_office = (
        surnames.select("span", "entity_id", "published_on", office=office)
        .join(terms, on="entity_id")
        .filter(
            (pl.col("start_on") <= pl.col("published_on"))
            & (pl.col("end_on").is_null() | (pl.col("published_on") <= pl.col("end_on")))
            & (pl.col("office").is_null() | (pl.col("office") == pl.col("role")))
        )
        .select("span", "entity_id")
        .unique()
        .with_columns(in_office=True)
    )
    surnames = surnames.join(in_office, on=["span", "entity_id"], how="left").with_columns(
        pl.col("named_in_article", "in_office").fill_null(False),
        meanings=pl.len().over("span"),
    )
    # The first rule that leaves exactly one person for a span decides it.
    chosen = []
    decided = pl.DataFrame(schema={"span": pl.UInt32})
    for flag, rule in (
        ("named_in_article", "surname+named-in-article"),
        ("in_office", "surname+in-office"),
    ):
        hits = surnames.join(decided, on="span", how="anti").filter(pl.col(flag))
        single = hits.filter(pl.len().over("span") == 1).with_columns(rule=pl.lit(rule))
        chosen.append(single)
        decided = pl.concat([decided, hits.select(pl.col("span").cast(pl.UInt32)).unique()])
    unique = (
        surnames.join(decided, on="span", how="anti")
        .filter(pl.col("meanings") == 1)
        .with_columns(rule=pl.lit("surname+only-leader-of-that-name"))
    )
    chosen.append(unique)
    named = named.with_columns(rule=pl.format("{}-name", pl.col("form")))
    out = pl.concat([named, *chosen], how="diagonal_relaxed")
    return out.with_columns(
        form=pl.when(pl.col("after").str.contains(_GOVERNMENT_SUFFIX))
        .then(pl.lit("administration"))
        .when(pl.col("after").str.contains(_POSSESSIVE))
        .then(pl.lit("possessive"))
        .when(pl.col("title").is_not_null())
        .then(pl.lit("title"))
        .otherwise(pl.col("form"))
    )
