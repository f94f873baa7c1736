"""Which candidate spans are mentions, of whom, in what form, and by which rule.

Every rule is a vectorised step over the candidate frame; the ``rule`` column of
each mention names the step that accepted it, so a number in a chart can be
explained down to the sentence and the reason. Countries are decided in
``country_rules``, leaders in ``leader_rules``; a span that can be both (the
surname of Luís Montenegro, the country Montenegro) goes to the leader only when
the leader rules accept it.
"""

from __future__ import annotations

import polars as pl

from analytics.extraction.country_rules import resolve_countries
from analytics.extraction.gazetteer import Gazetteer, per_version
from analytics.extraction.leader_rules import resolve_leaders, with_titles

RESOLVED_SCHEMA = {
    "doc": pl.UInt32,
    "field": pl.String,
    "start_pos": pl.Int64,
    "end_pos": pl.Int64,
    "surface": pl.String,
    "kind": pl.String,
    "entity_id": pl.String,
    "country": pl.String,
    "form": pl.String,
    "rule": pl.String,
}


@per_version
def _meanings(gazetteer: Gazetteer) -> pl.DataFrame:
    """The aliases that can be a mention: a country's or a leader's, unless a longer
    phrase that is neither ("New Mexico", "Washington Post") blocks every meaning of its
    spelling, or a leader's namesake ("Hunter Biden", "Costa Rica" for António Costa,
    "Theodore Roosevelt" for FDR) stops that leader's (never a country's, nor another
    leader's whose name it is). All of this follows from the spelling alone, so it is
    worked out once per gazetteer, not for every span (it took 13% of the rules); and
    with each meaning, its entity's country (joined to the mentions, it took 4%)."""
    aliases = gazetteer.aliases
    none = aliases.filter(pl.col("kind") == "none")
    blocked = none.filter(pl.col("form") != "namesake").get_column("alias")
    namesakes = none.filter(pl.col("form") == "namesake").select("alias", "entity_id").unique()
    return (
        aliases.filter((pl.col("kind") != "none") & ~pl.col("alias").is_in(blocked.implode()))
        .join(namesakes, on=["alias", "entity_id"], how="anti", maintain_order="left")
        .join(
            gazetteer.entities.select("entity_id", "country"),
            on="entity_id",
            how="left",
            maintain_order="left",
        )
    )


def resolve_candidates(
    candidates: pl.DataFrame, docs: pl.DataFrame, gazetteer: Gazetteer
) -> pl.DataFrame:
    """Mentions among ``candidates`` (from ``matcher.candidate_spans``).

    ``docs`` has doc, published_on (Date, may be null), title and text (for rules that
    look at the whole article: ``country_rules.with_context``). Returns the columns
    of RESOLVED_SCHEMA, one row per accepted mention, in no particular order (the
    caller sorts them once, ``extract_mentions``).
    """
    if candidates.is_empty():
        return pl.DataFrame(schema=RESOLVED_SCHEMA)
    # The rules carry only what they read; where a mention is and how it is written
    # are gathered back for the mentions they keep (each column a frame carries costs
    # every join and filter of the rules: 7% of their time for two more).
    spans = (
        candidates.with_row_index("span")
        .select("span", "doc", "key", "before", "after", "gap_before", "gap_after")
        .rechunk()
    )
    meanings = spans.join(_meanings(gazetteer), left_on="key", right_on="alias", how="inner")
    country_rows = meanings.filter(pl.col("kind") == "country")
    countries = resolve_countries(
        country_rows.drop("kind", "shouted", "gap_before", "gap_after"), docs, gazetteer
    )
    leaders = resolve_leaders(
        meanings.filter(pl.col("kind") == "leader").join(
            docs.select("doc", "published_on"), on="doc", how="left"
        ),
        country_spans=country_rows.select("span").unique(),
        doc_countries=countries.select("doc", country="entity_id").unique(),
        gazetteer=gazetteer,
    )
    countries = countries.join(leaders.select("span").unique(), on="span", how="anti")
    found = pl.concat(
        [
            countries.select(
                "span", "doc", "entity_id", "country", "form", "rule", kind=pl.lit("country")
            ),
            leaders.select("span", "doc", "entity_id", "country", "form", "rule", "title", "kind"),
        ],
        how="diagonal_relaxed",
        # One chunk, as ``written`` has: side by side, columns cut into chunks at other
        # rows are put in one again by every later step (5 chunks against 1 made
        # ``with_titles`` take twice as long).
        rechunk=True,
    )
    written = candidates.select(
        pl.col("field", "start_pos", "end_pos", "surface", "before_written").gather(found["span"])
    )
    return (
        with_titles(pl.concat([found, written], how="horizontal"))
        .select(list(RESOLVED_SCHEMA))
        .cast(RESOLVED_SCHEMA)  # type: ignore[arg-type]
    )
