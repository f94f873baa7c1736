"""The extractor on real sentences: offsets, forms, rules, and the seed article's counts."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date

import numpy as np
import polars as pl
import pytest

from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.mentions import _order, extract_mentions
from tests.conftest import GOLD, SEED_ARTICLE, needs_shared


def _mentions(gazetteer: Gazetteer, text: str, published: date | None = None) -> pl.DataFrame:
    articles = pl.DataFrame(
        {"article_id": ["a"], "title": [""], "text": [text], "published_at": [published]},
        schema={
            "article_id": pl.String,
            "title": pl.String,
            "text": pl.String,
            "published_at": pl.Date,
        },
    )
    return extract_mentions(articles, gazetteer)


def test_offsets_point_at_the_surface(gazetteer: Gazetteer) -> None:
    text = "Ünïcode first: the U.S.-Russia talks in Washington, then Moscow’s reply."
    found = _mentions(gazetteer, text)
    assert found["surface"].to_list() == ["U.S.", "Russia", "Washington", "Moscow"]
    for row in found.iter_rows(named=True):
        assert text[row["start_pos"] : row["end_pos"]] == row["surface"]
    assert found["form"].to_list() == ["name", "name", "capital", "capital"]


def test_case_rules_us_is_not_the_pronoun(gazetteer: Gazetteer) -> None:
    found = _mentions(gazetteer, "Let us see what the US does. UKRAINE WAR: RUSSIAN TROOPS")
    assert found["entity_id"].to_list() == ["USA", "UKR", "RUS"]


def test_legal_citation_is_not_a_country(gazetteer: Gazetteer) -> None:
    assert _mentions(gazetteer, "under 50 U.S.C. 1622(d), the order").is_empty()


def test_longer_names_block_their_country_word(gazetteer: Gazetteer) -> None:
    text = "From New Mexico to the South China Sea, The Washington Post reported."
    assert _mentions(gazetteer, text).is_empty()


def test_surname_needs_the_full_name_or_the_office(gazetteer: Gazetteer) -> None:
    found = _mentions(gazetteer, "Vladimir Putin spoke. Later Putin’s aide spoke.")
    assert found["entity_id"].to_list() == ["Vladimir Putin", "Vladimir Putin"]
    assert found["rule"].to_list() == ["full-name", "surname+named-in-article"]
    assert found["form"].to_list() == ["full", "possessive"]


def test_title_and_administration_forms(gazetteer: Gazetteer) -> None:
    found = _mentions(
        gazetteer, "President Biden said the Biden administration would act.", date(2022, 3, 1)
    )
    assert found["surface"].to_list() == ["President Biden", "Biden"]
    assert found["form"].to_list() == ["title", "administration"]
    assert found["rule"].to_list() == ["title+in-office", "surname+named-in-article"]


def test_namesakes_are_not_the_leader(gazetteer: Gazetteer) -> None:
    found = _mentions(gazetteer, "Hunter Biden and Donald Trump Jr. met.", date(2022, 3, 1))
    assert found.is_empty()


def test_georgia_needs_caucasus_context(gazetteer: Gazetteer) -> None:
    assert _mentions(gazetteer, "Voters in Georgia went to the polls in Atlanta.").is_empty()
    found = _mentions(gazetteer, "Georgia's government in Tbilisi protested.")
    assert found["surface"].to_list() == ["Georgia", "Tbilisi"]


def test_seed_article_counts_match_the_gold_file(gazetteer: Gazetteer) -> None:
    title, _, text = SEED_ARTICLE.read_text(encoding="utf-8").strip().partition("\n")
    found = _mentions(gazetteer, title + "\n" + text.strip())
    counts = Counter(found["entity_id"].to_list())
    expected = {
        "USA": 29,
        "RUS": 31,
        "UKR": 16,
        "IRN": 3,
        "SYR": 3,
        "ISR": 2,
        "SAU": 1,
        "FRA": 1,
        "Donald Trump": 5,
        "Vladimir Putin": 4,
        "Joe Biden": 2,
        "Volodymyr Zelenskyy": 1,
        "Bashar al-Assad": 1,
    }
    assert dict(counts) == expected


@needs_shared(GOLD / "dev.jsonl")
def test_seed_counts_agree_with_shared_gold(gazetteer: Gazetteer) -> None:
    gold = next(
        json.loads(line)
        for line in (GOLD / "dev.jsonl").open(encoding="utf-8")
        if json.loads(line)["id"] == "us-russia-second-round-talks"
    )
    title, _, text = SEED_ARTICLE.read_text(encoding="utf-8").strip().partition("\n")
    counts = Counter(_mentions(gazetteer, title + "\n" + text.strip())["entity_id"].to_list())
    assert {k: counts[k] for k in gold["countries"]} == gold["countries"]
    assert {k: counts[k] for k in gold["leaders"]} == gold["leaders"]


@pytest.mark.parametrize("largest_start", [1_000, (1 << 31) - 1, 1 << 31, 1 << 40])
def test_mentions_are_ordered_by_article_title_first_then_position(largest_start: int) -> None:
    """The one-integer order is the three keys' order, at every edge of its parts (the
    last row number, the largest start that fits); a start past them takes the keys."""
    rng = random.Random(largest_start)
    rows = {
        (rng.choice([0, 1, 2, (1 << 32) - 1]), rng.choice(["title", "text"]), start)
        for start in [rng.randint(0, largest_start) for _ in range(300)] + [largest_start]
    }
    # A title's last start beside the text's first, where parts that overlap would tie.
    rows |= {(doc, field, 0) for doc in (0, (1 << 32) - 1) for field in ("title", "text")}
    rows |= {(doc, "title", largest_start) for doc in (0, (1 << 32) - 1)}
    frame = pl.DataFrame(
        list(rows),
        schema={"doc": pl.UInt32, "field": pl.String, "start_pos": pl.Int64},
        orient="row",
    ).sample(fraction=1.0, shuffle=True, seed=1)
    expected = sorted(rows, key=lambda r: (r[0], r[1] != "title", r[2]))
    order = _order(frame)
    assert frame.sort(order).rows() == expected
    if isinstance(order, pl.Expr):  # one integer a mention: no two the same, no ties
        assert frame.select(order).to_series().n_unique() == frame.height


def test_meanings_by_spelling_are_the_meanings_of_its_key(gazetteer: Gazetteer) -> None:
    """Every spelling of the automaton, gathered by its number, means what its key means
    in the aliases (each kind, each meaning once)."""
    from analytics.extraction.automaton import automaton
    from analytics.extraction.resolve import _by_spelling, _meanings

    keys = automaton(gazetteer).keys
    spellings = keys.to_frame().with_row_index("spelling")
    meanings = _meanings(gazetteer)
    for kind, spelled in _by_spelling(gazetteer).items():
        gathered = spelled.of(spellings, np.arange(spellings.height))
        joined = spellings.join(
            meanings.filter(pl.col("kind") == kind), left_on="key", right_on="alias"
        )
        columns = ["spelling", "entity_id", "form", "shouted", "country", "country_code"]
        assert gathered.height == joined.height > 1000
        assert gathered.sort(columns).select(columns).equals(joined.sort(columns).select(columns))
        assert gathered.get_column("kind").unique().to_list() == [kind]


@pytest.mark.parametrize(
    ("column", "code"), [("country", "country_code"), ("entity_id", "entity_code")]
)
def test_each_country_and_entity_has_one_number(
    gazetteer: Gazetteer, column: str, code: str
) -> None:
    """Every entity's country, and every entity, is numbered once, 0, 1 ..., and a
    meaning carries its number: which countries an article mentions, and which leaders
    it names, are read by them."""
    from analytics.extraction.resolve import _meanings, country_codes, entity_codes

    codes = (country_codes if column == "country" else entity_codes)(gazetteer)
    values = gazetteer.entities.get_column(column)
    assert codes.get_column(code).to_list() == list(range(codes.height))
    assert sorted(codes.get_column(column).to_list()) == sorted(values.unique().to_list())
    numbered = dict(codes.select(column, code).iter_rows())
    meanings = _meanings(gazetteer).select(column, code).unique()
    assert meanings.height > 100
    assert all(numbered[value] == number for value, number in meanings.iter_rows())


def test_a_cascade_decides_each_span_by_its_first_step_with_one_leader() -> None:
    """A span goes to the one row of the first step whose flag holds on exactly one of
    its rows: a step that holds for two leaders decides nothing, a null is no, and a
    span no step singles out is left out."""
    from analytics.extraction.leader_rules import _cascade

    rows = pl.DataFrame(
        {
            "span": [7, 7, 7, 2, 2, 9, 9, 4],
            "leader": ["a", "b", "c", "d", "e", "f", "g", "h"],
            "first": [True, True, False, None, True, False, False, True],
            "second": [False, True, False, True, True, True, True, False],
        }
    )
    steps = [(pl.col("first"), "first-rule"), (pl.col("second"), "second-rule")]
    decided = _cascade(rows, steps)
    assert decided.select("span", "leader", "rule").rows() == [
        (7, "b", "second-rule"),
        (2, "e", "first-rule"),
        (4, "h", "first-rule"),
    ]
    assert _cascade(rows.clear(), steps).columns == [*rows.columns, "rule"]


def test_a_name_wrapped_around_a_nul_has_no_meaning(gazetteer: Gazetteer) -> None:
    """A NUL inside a name is matched as a space in the copy, but the name as written
    keeps its own key, which no alias has: not counted, and the rest of the text is."""
    found = _mentions(gazetteer, "The United\x00States and\n  Russia met. Xi\x00Jinping spoke.")
    assert found.select("entity_id", "surface").rows() == [("RUS", "Russia")]


@pytest.mark.parametrize("slice_bytes", [1, 300])
def test_texts_matched_in_slices_give_the_mentions_of_the_whole(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch, slice_bytes: int
) -> None:
    """A batch's texts matched a few articles at a time (``MATCH_SLICE_BYTES``; one byte:
    an article a slice), their candidates put together before the rules: the same
    mentions as the batch matched whole, also where a rule reads another article's
    mention (a surname named in full elsewhere in its own article only) and a text is
    wire copy."""
    texts = [
        "Vladimir Putin spoke. Later Putin's aide spoke.",
        "Putin alone, named by surname in another article.",
        "The talks in\n  Kyiv with President\n   Zelensky and the United\nStates.",
        "",
        "Ünïcode: the U.S.-Russia talks in Washington, then Moscow's reply.",
    ] * 3
    articles = pl.DataFrame(
        {
            "article_id": [f"a{i}" for i in range(len(texts))],
            "title": ["Ukraine" if i % 2 else "" for i in range(len(texts))],
            "text": texts,
            "published_at": [date(2023, 5, 1)] * len(texts),
        }
    )
    whole = extract_mentions(articles, gazetteer)
    monkeypatch.setattr("analytics.extraction.mentions.MATCH_SLICE_BYTES", slice_bytes)
    sliced = extract_mentions(articles, gazetteer)
    assert whole.height > 30
    assert set(whole["entity_id"]) >= {"Vladimir Putin", "Volodymyr Zelenskyy", "USA", "UKR"}
    assert sliced.equals(whole)
