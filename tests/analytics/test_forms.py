from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.form_policy import COUNTRY_FORMS, UnknownFormError, describe_forms, parse_forms
from analytics.forms import article_entities, counted_rows, form_split

ENTITIES = pl.DataFrame(
    {
        "entity_id": ["RUS", "UKR", "Vladimir Putin"],
        "kind": ["country", "country", "leader"],
        "name": ["Russia", "Ukraine", "Vladimir Putin"],
    }
)


def _entity_forms() -> pl.DataFrame:
    # a1: Russia by name twice, Moscow once, Putin twice; a2: only "Russian" and Putin;
    # a3: Ukraine by name.
    t1, t2, t3 = datetime(2022, 3, 1), datetime(2022, 3, 2), datetime(2022, 3, 3)
    return pl.DataFrame(
        {
            "article_id": ["a1", "a1", "a1", "a2", "a2", "a3"],
            "entity_id": ["RUS", "RUS", "Vladimir Putin", "RUS", "Vladimir Putin", "UKR"],
            "kind": ["country", "country", "leader", "country", "leader", "country"],
            "name": ["Russia", "Russia", "Vladimir Putin", "Russia", "Vladimir Putin", "Ukraine"],
            "country": ["RUS", "RUS", "RUS", "RUS", "RUS", "UKR"],
            "published_at": [t1, t1, t1, t2, t2, t3],
            "story_id": ["s1", "s1", "s1", "s2", "s2", "s3"],
            "form": ["name", "capital", "surname", "adjective", "title", "name"],
            "mentions": [2, 1, 2, 1, 1, 4],
        }
    )


def test_parse_forms_orders_validates_and_expands_all() -> None:
    assert parse_forms("adjective, name") == ("name", "adjective")
    assert parse_forms(["all"]) == (*COUNTRY_FORMS, "leaders")
    with pytest.raises(UnknownFormError, match="'demonym'"):
        parse_forms("name,demonym")
    with pytest.raises(UnknownFormError, match="count no country mention"):
        parse_forms(["leaders"])


def test_describe_forms() -> None:
    assert describe_forms(["name", "capital", "leaders"]) == (
        "name and capital; a leader's mentions also count for their country"
    )
    assert describe_forms(["name"]) == "name; leaders count only for themselves"


def test_dropping_a_form_drops_its_mentions_and_articles() -> None:
    rows = counted_rows(_entity_forms(), ENTITIES, ["name", "capital"])
    counted = article_entities(rows).select("article_id", "entity_id", "mentions")
    # a2 mentions Russia only as an adjective: it no longer counts for Russia.
    expected = pl.DataFrame(
        {
            "article_id": ["a1", "a1", "a2", "a3"],
            "entity_id": ["RUS", "Vladimir Putin", "Vladimir Putin", "UKR"],
            "mentions": [3, 2, 1, 4],
        }
    )
    assert_frame_equal(counted, expected, check_row_order=False)


def test_leaders_roll_up_to_their_country() -> None:
    rows = counted_rows(_entity_forms(), ENTITIES, ["name", "leaders"])
    counted = article_entities(rows).select("article_id", "entity_id", "name", "mentions")
    expected = pl.DataFrame(
        {
            "article_id": ["a1", "a1", "a2", "a2", "a3"],
            "entity_id": ["RUS", "Vladimir Putin", "RUS", "Vladimir Putin", "UKR"],
            "name": ["Russia", "Vladimir Putin", "Russia", "Vladimir Putin", "Ukraine"],
            # a1: 2 names + 2 Putin; a2: the adjective is off, Putin's 1 rolls up.
            "mentions": [4, 2, 1, 1, 4],
        }
    )
    assert_frame_equal(counted, expected, check_row_order=False)


def test_form_split_counts_every_form_with_zeros() -> None:
    split = form_split(_entity_forms(), ["RUS", "UKR"], ["name", "adjective"], total_articles=4)
    rus = split.filter(pl.col("entity_id") == "RUS")
    assert rus["form"].to_list() == ["name", "adjective", "capital", "metonym", "leaders"]
    assert rus["mentions"].to_list() == [2, 1, 1, 0, 3]
    assert rus["articles"].to_list() == [1, 1, 1, 0, 2]
    assert rus["share"].to_list() == [0.25, 0.25, 0.25, 0.0, 0.5]
    assert rus["counted"].to_list() == [True, True, False, False, False]
    ukr = split.filter(pl.col("entity_id") == "UKR")
    assert ukr["mentions"].to_list() == [4, 0, 0, 0, 0]
