"""Which candidate spans are mentions, of whom, in what form, and by which rule.

Every rule is a vectorised step over the candidate frame; the ``rule`` column of
each mention names the step that accepted it, so a number in a chart can be
explained down to the sentence and the reason. Countries are decided in
``country_rules``, leaders in ``leader_rules``; a span that can be both (the
surname of Luís Montenegro, the country Montenegro) goes to the leader only when
the leader rules accept it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from analytics.extraction.automaton import automaton
from analytics.extraction.country_rules import alias_facts, resolve_countries
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
            gazetteer.entities.select("entity_id", "country")
            .join(country_codes(gazetteer), on="country")
            .join(entity_codes(gazetteer), on="entity_id"),
            on="entity_id",
            how="left",
            maintain_order="left",
        )
    )


@per_version
def entity_codes(gazetteer: Gazetteer) -> pl.DataFrame:
    """Each entity of the gazetteer (entity_id) and its number (entity_code: 0, 1 ...),
    in the order of their ids: a meaning carries its entity by number too, so the
    leaders an article names are a set of numbers (``leader_rules._ARTICLE_LEADER``)."""
    return (
        gazetteer.entities.select(pl.col("entity_id").unique().sort())
        .with_row_index("entity_code")
        .select("entity_id", "entity_code")
    )


@per_version
def country_codes(gazetteer: Gazetteer) -> pl.DataFrame:
    """Each country of the gazetteer's entities (country) and its number (country_code:
    0, 1 ...), in the order of their codes: a meaning carries its entity's country by
    number too, so which countries an article mentions is a table of articles by
    countries, read by position (``_mentioned``), not a frame made unique and joined."""
    return (
        gazetteer.entities.select(pl.col("country").unique().sort())
        .with_row_index("country_code")
        .select("country", "country_code")
    )


def _mentioned(countries: pl.DataFrame, docs: int, gazetteer: Gazetteer) -> np.ndarray:
    """Which countries each of ``docs`` articles mentions (``countries``: doc,
    country_code): a table of articles by country numbers (``country_codes``), True where
    the article mentions the country. (Made unique and joined to a 31 MB chunk's 29,000
    surnames, the article's countries took 8 ms; set and read by position, 1)."""
    mentioned = np.zeros((docs, country_codes(gazetteer).height), dtype=np.bool_)
    mentioned[
        countries.get_column("doc").to_numpy(), countries.get_column("country_code").to_numpy()
    ] = True
    return mentioned


@dataclass(frozen=True)
class _Spelled:
    """The meanings of one kind (``_meanings``' rows, and what the rules read of their
    aliases: ``country_rules.alias_facts``, ``gazetteer.surnames``) by the automaton's
    spellings: spelling p can mean rows ``rows[offsets[p] : offsets[p + 1]]`` of
    ``meanings`` (``by_alias``, less the alias)."""

    by_alias: pl.DataFrame
    meanings: pl.DataFrame
    offsets: np.ndarray
    rows: np.ndarray

    def of(self, spans: pl.DataFrame, spellings: np.ndarray) -> pl.DataFrame:
        """``spans`` (of these spellings) with each of their meanings, a row each."""
        # Imported here: numba takes a quarter of a second to import and memory to hold,
        # paid on first use (a process that only stores, as an ingest's, never does).
        from analytics.extraction.span_kernels import meaning_rows

        span_rows, meanings = meaning_rows(spellings, self.offsets, self.rows)
        return pl.concat([spans[span_rows], self.meanings[meanings]], how="horizontal")


@per_version
def _by_spelling(gazetteer: Gazetteer) -> dict[str, _Spelled]:
    """What each spelling of the automaton can mean, by kind ('country', 'leader'): a
    candidate's meanings are gathered by its spelling's number, not joined by its key
    (the join of a 31 MB chunk's 132,000 candidates and the two filters by kind took
    18 ms; the gathers, 12)."""
    keys = automaton(gazetteer).keys.to_frame().with_row_index("spelling")
    meanings = _meanings(gazetteer)
    spelled = {}
    for kind in ("country", "leader"):
        # With each meaning, what the rules read of its alias (joined to each span, the
        # surnames' facts took 3% of the rules, the countries' another 3).
        facts = gazetteer.surnames if kind == "leader" else alias_facts(gazetteer)
        of_kind = meanings.filter(pl.col("kind") == kind).join(
            facts, on=["alias", "entity_id"], how="left", maintain_order="left"
        )
        of_kind = of_kind.rechunk()
        pairs = keys.join(
            of_kind.select("alias").with_row_index("meaning"), left_on="key", right_on="alias"
        ).sort("spelling", "meaning")
        offsets = np.searchsorted(
            pairs.get_column("spelling").to_numpy(), np.arange(keys.height + 1)
        )
        spelled[kind] = _Spelled(
            of_kind,
            of_kind.drop("alias"),
            offsets.astype(np.int64),
            pairs.get_column("meaning").to_numpy().astype(np.int64),
        )
    return spelled


def _with_meanings(spans: pl.DataFrame, spelled: _Spelled) -> pl.DataFrame:
    """``spans`` (span, pattern, doc, key ...) with each of their meanings of one kind:
    gathered by spelling, or joined by key where a span has a key of its own (null
    pattern: rare, ``matcher.candidate_spans``)."""
    own_key = spans.get_column("pattern").is_null()
    spelled_spans = spans.filter(~own_key) if own_key.any() else spans
    found = spelled.of(
        spelled_spans.drop("pattern"),
        spelled_spans.get_column("pattern").to_numpy().astype(np.int64),
    )
    if not own_key.any():
        return found
    keyed = (
        spans.filter(own_key)
        .drop("pattern")
        .join(spelled.by_alias, left_on="key", right_on="alias")
    )
    return pl.concat([found, keyed.select(found.columns)])


def resolve_candidates(
    candidates: pl.DataFrame, docs: pl.DataFrame, gazetteer: Gazetteer
) -> pl.DataFrame:
    """Mentions among ``candidates`` (from ``matcher.candidate_spans``).

    ``docs`` has doc (its row: 0, 1 ...), published_on (Date, may be null), title and
    text (for rules that look at the whole article: ``country_rules.with_context``).
    Returns the columns
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
        .select(
            "span", "pattern", "doc", "key", "before", "after", "gap_before", "gap_after", "edges"
        )
        .rechunk()
    )
    spelled = _by_spelling(gazetteer)
    country_rows = _with_meanings(spans, spelled["country"])
    countries = resolve_countries(
        country_rows.drop("kind", "shouted", "gap_before", "gap_after"), docs, gazetteer
    )
    leader_rows = _with_meanings(spans, spelled["leader"])
    # A span's row in ``spans`` is its number: which spans can be a country, and which
    # a leader took, are read off by number (joined and made unique, they took 10 ms).
    can_be_country = np.zeros(spans.height, dtype=np.bool_)
    can_be_country[country_rows.get_column("span").to_numpy()] = True
    leaders = resolve_leaders(
        leader_rows.with_columns(
            published_on=docs.get_column("published_on").gather(leader_rows.get_column("doc"))
        ),
        can_be_country=pl.Series(can_be_country),
        mentioned=_mentioned(countries, docs.height, gazetteer),
        gazetteer=gazetteer,
    )
    taken = np.zeros(spans.height, dtype=np.bool_)
    taken[leaders.get_column("span").to_numpy()] = True
    countries = countries.filter(~pl.Series(taken).gather(countries.get_column("span")))
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
