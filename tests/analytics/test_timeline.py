"""analytics.timeline and analytics.entity_names on tiny inline frames."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.entity_names import (
    AmbiguousEntityError,
    UnknownEntityError,
    resolve_entity,
)
from analytics.timeline import TimelineError, check_request, timeline_frame

ARTICLE_ENTITIES = pl.DataFrame(
    {
        "article_id": ["a", "b", "c"],
        "entity_id": ["RUS", "RUS", "UKR"],
        "published_at": [datetime(2022, 3, 1, 12), datetime(2022, 5, 9), datetime(2022, 5, 9)],
        "mentions": [2, 1, 1],
    }
)
ARTICLES = pl.DataFrame(
    {
        "published_at": [
            datetime(2022, 3, 1, 12),
            datetime(2022, 5, 9),
            datetime(2022, 5, 9, 1),
            datetime(2022, 7, 20),
        ],
        "story_id": ["a", "b", "c", "d"],
    }
)
CHOSEN = pl.DataFrame({"entity_id": ["UKR", "RUS"], "name": ["Ukraine", "Russia"]})


def test_quarters_zero_filled_and_partial() -> None:
    frame = timeline_frame(
        ARTICLE_ENTITIES, ARTICLES, CHOSEN, date(2022, 3, 1), date(2022, 7, 21), "quarter"
    )
    expected = pl.DataFrame(
        {
            "bucket_start": [date(2022, 1, 1)] * 2
            + [date(2022, 4, 1)] * 2
            + [date(2022, 7, 1)] * 2,
            "entity_id": ["UKR", "RUS"] * 3,
            "name": ["Ukraine", "Russia"] * 3,
            "articles": [0, 1, 1, 1, 0, 0],
            "total_articles": [1, 1, 2, 2, 1, 1],
            "share": [0.0, 1.0, 0.5, 0.5, 0.0, 0.0],
            "mentions": [0, 2, 1, 1, 0, 0],
            "partial": [True, True, False, False, True, True],
        }
    )
    assert_frame_equal(frame, expected, check_dtypes=False)


def test_one_year_bucket_sums_before_dividing() -> None:
    frame = timeline_frame(
        ARTICLE_ENTITIES, ARTICLES, CHOSEN, date(2022, 1, 1), date(2023, 1, 1), "year"
    )
    assert frame.select("entity_id", "articles", "total_articles", "share", "partial").rows() == [
        ("UKR", 1, 4, 0.25, False),
        ("RUS", 2, 4, 0.5, False),
    ]


def test_smoothing_is_a_ratio_of_sums_not_a_mean_of_shares() -> None:
    frame = timeline_frame(
        ARTICLE_ENTITIES, ARTICLES, CHOSEN[1:], date(2022, 1, 1), date(2022, 12, 31), "quarter", 2
    )
    # Q2: (1 + 1) / (1 + 2) = 2/3; a mean of the shares 1.0 and 0.5 would say 0.75.
    assert frame["share"].to_list()[1] == pytest.approx(2 / 3)
    assert frame["partial"].to_list() == [True, False, False, True]  # Q1: no Q4 of 2021


@pytest.mark.parametrize(
    ("ids", "start", "end", "message"),
    [
        (["RUS"], date(2022, 3, 2), date(2022, 3, 1), "is empty or reversed"),
        ([], date(2022, 3, 1), date(2022, 3, 2), "name at least one entity"),
        ([str(i) for i in range(13)], date(2022, 3, 1), date(2022, 3, 2), "at most 12"),
    ],
)
def test_bad_requests(ids: list[str], start: date, end: date, message: str) -> None:
    with pytest.raises(TimelineError, match=message):
        check_request(ids, start, end, "week")


ENTITIES = pl.DataFrame(
    {
        "entity_id": ["RUS", "GBR", "Boris Johnson", "Andrew Johnson"],
        "kind": ["country", "country", "leader", "leader"],
        "name": ["Russia", "United Kingdom", "Boris Johnson", "Andrew Johnson"],
        "country": [None, None, "GBR", "USA"],
    }
)
ALIASES = pl.DataFrame(
    {
        "alias": ["Russia", "RUSSIA", "Moscow", "Johnson", "Johnson", "Britain", "Georgia"],
        "entity_id": ["RUS", "RUS", "RUS", "Boris Johnson", "Andrew Johnson", "GBR", "GEO"],
        "kind": ["country", "country", "country", "leader", "leader", "country", "none"],
    }
)
TERMS = pl.DataFrame(
    {
        "entity_id": ["Boris Johnson", "Andrew Johnson"],
        "role": ["Prime Minister", "President"],
        "start_on": [date(2019, 7, 24), date(1865, 4, 15)],
        "end_on": [date(2022, 9, 6), date(1869, 3, 4)],
    }
)


@pytest.mark.parametrize(
    ("name", "entity_id"),
    [("rus", "RUS"), ("RUSSIA", "RUS"), ("moscow", "RUS"), ("boris johnson", "Boris Johnson")],
)
def test_names_resolve_case_insensitively(name: str, entity_id: str) -> None:
    assert resolve_entity(name, ENTITIES, ALIASES, TERMS).entity_id == entity_id


def test_ambiguous_lists_countries_and_terms() -> None:
    with pytest.raises(AmbiguousEntityError) as caught:
        resolve_entity("johnson", ENTITIES, ALIASES, TERMS)
    assert [c.entity_id for c in caught.value.candidates] == ["Andrew Johnson", "Boris Johnson"]
    assert "Boris Johnson (leader, GBR: Prime Minister 2019-07-24 to 2022-09-06)" in str(
        caught.value
    )


def test_unknown_gives_closest_names_and_skips_non_naming_aliases() -> None:
    with pytest.raises(UnknownEntityError) as caught:
        resolve_entity("Rusia", ENTITIES, ALIASES, TERMS)
    assert caught.value.closest[0] == "Russia"
    with pytest.raises(UnknownEntityError):
        resolve_entity("Georgia", ENTITIES, ALIASES, TERMS)  # kind 'none': not a name
