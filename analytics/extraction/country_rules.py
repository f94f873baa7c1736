"""Country rules: which country candidates count (MENTIONS.md, "Countries").

A candidate that survived the exclusions of ``seeds/alias_rules.csv`` is a mention
unless one of these guards says its words mean something else:

- ``requires_context`` (alias_rules): the alias counts only when the article also
  matches the rule's pattern (Georgia needs Tbilisi, the Caucasus ...);
- person: an alias that is also a person's name (``common_names.csv``) or marked
  ``not_person`` is not counted inside a person's name: after a given name or an
  initial (Michael Jordan, Booker T. Washington), or, being a given name itself,
  before a surname (Chad Wolf, Jordan Peterson);
- geography: a country word inside the name of a sea, strait, river ... (the South
  China Sea, the Korean Peninsula, the Gulf of Mexico);
- thing: a capital inside the name of a newspaper, treaty, team ... (The Washington
  Post, the Paris Agreement).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from analytics.extraction.context import (
    geographic_name,
    has_title,
    marked,
    next_word,
    only_marked,
    only_where,
    prev_is_initial,
    prev_word,
    thing_name,
    word_before,
)
from analytics.extraction.edges import (
    AFTER_CAPITAL,
    AFTER_GEOGRAPHIC_HEAD,
    AFTER_NAME_HEAD,
    AFTER_PLACE_HEAD,
    AFTER_STATE,
    BEFORE_INITIAL,
    BEFORE_NAME,
    BEFORE_OF,
    BEFORE_TITLE,
)
from analytics.extraction.gazetteer import Gazetteer, per_version
from analytics.extraction.inside_names import named_as_person, place_name, us_town
from analytics.extraction.spelling import one_space, spaced_pattern
from analytics.extraction.word_lists import NAME_HEADS


@dataclass(frozen=True)
class _Lists:
    """What the rules look words up in, read off a gazetteer once per version (each
    batch of candidates asks; made anew, they were a tenth of a small batch's rules)."""

    given: pl.Series  # given names that are not everyday words
    given_all: pl.Series  # every given name
    surnames: pl.Series
    person_aliases: pl.Series  # aliases that are also a person's name
    # key, entity_id, context_pattern, and as_written: the pattern to read on the text as
    # written (``spelling.spaced_pattern``), where it can be
    context_rules: pl.DataFrame


@per_version
def _lists(gazetteer: Gazetteer) -> _Lists:
    names, rules = gazetteer.names, gazetteer.rules
    words = names.filter(pl.col("kind") == "word")["name"]
    given_all = names.filter(pl.col("kind") == "given")["name"]
    return _Lists(
        given=given_all.filter(~given_all.is_in(words.implode())),
        given_all=given_all,
        surnames=names.filter(pl.col("kind") == "surname")["name"],
        person_aliases=pl.concat(
            [
                rules.filter(pl.col("rule") == "not_person")["alias"],
                names.filter(pl.col("kind").is_in(["given", "surname"]))["name"],
            ]
        ).unique(),
        context_rules=rules.filter(pl.col("rule") == "requires_context").select(
            key="alias",
            entity_id="entity_id",
            context_pattern="pattern",
            as_written=pl.col("pattern").map_elements(spaced_pattern, return_dtype=pl.String),
        ),
    )


@per_version
def alias_facts(gazetteer: Gazetteer) -> pl.DataFrame:
    """What the rules read of each country alias, the same for every span of it: alias,
    entity_id, the context_pattern it needs (``requires_context``, or null) and
    person_alias (also a person's name, or ``not_person``: the person checks apply).
    Gathered with each candidate's meaning (``resolve._by_spelling``): joined to the
    candidates and looked up in a list for each, they took 3% of the rules."""
    lists = _lists(gazetteer)
    aliases = gazetteer.aliases.filter(pl.col("kind") == "country").select("alias", "entity_id")
    return (
        aliases.unique(maintain_order=True)
        .join(
            lists.context_rules.select(
                alias="key", entity_id="entity_id", context_pattern="context_pattern"
            ),
            on=["alias", "entity_id"],
            how="left",
            maintain_order="left",
        )
        .with_columns(person_alias=pl.col("alias").is_in(lists.person_aliases.implode()))
    )


def name_sets(gazetteer: Gazetteer) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(given names that are not everyday words, every given name, surnames)."""
    lists = _lists(gazetteer)
    return lists.given, lists.given_all, lists.surnames


def with_context(rows: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (doc ...) with context: the title and text of their article (``docs``:
    doc, title, text), one line apart. Made for the few articles a rule reads whole,
    not for every article of a batch (a copy of all their text: 6 ms a 32 MB chunk)."""
    return rows.join(docs.select("doc", "title", "text"), on="doc").select(
        pl.exclude("title", "text"), context=pl.concat_str("title", "text", separator="\n")
    )


# What ``resolve_countries`` returns of each country row it keeps, besides its rule.
_RESOLVED = ("span", "doc", "entity_id", "country", "country_code", "form")


def resolve_countries(rows: pl.DataFrame, docs: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """The country meanings among ``rows`` that count: span, doc, entity_id, country,
    country_code (``resolve.country_codes``), form, rule.

    ``rows`` are candidate meanings of kind 'country' (span, doc, key, entity_id,
    country, form, before, after, and the alias's facts: ``alias_facts``); ``docs`` has
    doc, title and text.
    """
    if rows.is_empty():
        return rows.select(*_RESOLVED, rule=pl.lit(None, pl.String))
    lists = _lists(gazetteer)
    given, given_all, surnames = lists.given, lists.given_all, lists.surnames
    # Each guard marks the rows it drops, read on the rows it concerns only; the rows
    # are filtered once, at the end (split by guard, filtered and put back together,
    # they were filtered eight times over).
    keep = np.ones(rows.height, dtype=np.bool_)
    needs_context = rows.get_column("context_pattern").is_not_null()
    if needs_context.any():
        # Checked once per article and pattern: a long article naming Georgia forty
        # times is read once, not forty times. A wrapped line ("South\n    Ossetia")
        # reads as one space, as in a name: the text is read as written with a pattern
        # whose spaces match any whitespace, or, for a pattern too intricate to be sure
        # of that, in a copy with every whitespace run one space.
        asked = rows.select("doc", "context_pattern").with_row_index("row").filter(needs_context)
        checks = (
            asked.select("doc", "context_pattern")
            .unique()
            .join(
                lists.context_rules.select("context_pattern", "as_written").unique(),
                on="context_pattern",
            )
            .pipe(with_context, docs)
        )
        satisfied = pl.concat(
            [
                checks.filter(pl.col("as_written").is_not_null()).filter(
                    pl.col("context").str.contains(pl.col("as_written"))
                ),
                checks.filter(pl.col("as_written").is_null()).filter(
                    one_space(pl.col("context")).str.contains(pl.col("context_pattern"))
                ),
            ]
        ).select("doc", "context_pattern")
        unsatisfied = asked.join(satisfied, on=["doc", "context_pattern"], how="anti")
        keep[unsatisfied.get_column("row").to_numpy()] = False
    before, after = pl.col("before"), pl.col("after")
    # Only names of people and capitals (cities named after people, people named after
    # cities) need the costlier person checks.
    person_like = pl.col("person_alias") | (pl.col("form") == "capital")
    # After a title a name is a person's: "State Senator London Lamar", "Mr. Jordan".
    inside_person = (
        has_title(before)
        | word_before(before).is_in(given_all.implode()).fill_null(False)
        | prev_word(before).is_in(given.implode()).fill_null(False)
        | prev_is_initial(before)
        | (
            pl.col("key").is_in(given_all.implode())
            & next_word(after).is_in(pl.concat([surnames, given]).implode()).fill_null(False)
        )
    )
    inside_thing = (pl.col("form") == "capital") & thing_name(after, NAME_HEADS)
    # Each part needs a shape at the context's edge (a title's last word, a capitalised
    # word or an initial before; a capital or a name's head noun after): read on the
    # rows that have one (``edges``: 13% of the person-like rows of the benchmark's text).
    person_edges = (
        marked(BEFORE_TITLE | BEFORE_NAME | BEFORE_INITIAL)
        | (marked(AFTER_CAPITAL) & pl.col("key").is_in(given_all.implode()))
        | (marked(AFTER_NAME_HEAD) & (pl.col("form") == "capital"))
    )
    keep &= ~only_where(rows, person_like & person_edges, inside_person | inside_thing).to_numpy()
    # A demonym that is a given name before a word the article uses as a surname
    # ("German Gref: ...", "Mr Gref") is a person's first name. (The next word is read
    # on the demonyms that are given names only: 1% of the rows.)
    first_names = (
        rows.select("doc", "key", "form", "after")
        .with_row_index("row")
        .filter(
            pl.Series(keep)
            & (pl.col("form") == "adjective")
            & pl.col("key").is_in(given_all.implode())
        )
        .select("row", "doc", word=next_word(after))
        .filter(pl.col("word").is_not_null())
    )
    if not first_names.is_empty():
        read = first_names.pipe(with_context, docs)
        named = read.filter(named_as_person(read))
        keep[named.get_column("row").to_numpy()] = False
    # Inside the name of a place in the country, an institution or a firm (Kyiv Oblast,
    # Whitehall Corp.), or a U.S. town named after the country or capital (Malta, N.Y.).
    # (The place names are read for capitals and metonyms only: 8% of the rows.)
    keep &= ~only_where(
        rows,
        pl.col("form").is_in(["capital", "metonym"]) & marked(AFTER_PLACE_HEAD | BEFORE_OF),
        place_name(before, after),
    ).to_numpy()
    # A sea's or a strait's name, or a U.S. town's state: read where the context's edges
    # can hold one (``edges``: 15% of the rows of the benchmark's text).
    keep &= ~only_marked(
        rows,
        AFTER_GEOGRAPHIC_HEAD | BEFORE_OF | AFTER_STATE,
        geographic_name(before, after) | us_town(after),
    ).to_numpy()
    return rows.filter(pl.Series(keep)).select(
        *_RESOLVED,
        rule=pl.when(pl.col("context_pattern").is_not_null())
        .then(pl.lit("country-alias+context"))
        .otherwise(pl.lit("country-alias")),
    )
