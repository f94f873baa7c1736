"""The notebook API's evidence and co-mentions on the ten-article chart corpus, against
values worked out by hand from tests/chart_corpus.py."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.entity_names import UnknownEntityError
from jobs import explore
from jobs.settings import Settings
from tests.explore.chart_corpus import load_chart_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_chart_corpus(tmp_path_factory.mktemp("explore"))


def test_evidence_of_russia_in_march(corpus: Settings) -> None:
    frame = explore.evidence(corpus, "Russia", start=date(2022, 3, 8), end=date(2022, 3, 31))
    assert frame.select("title", "mentions", "sentences").rows() == [
        ("Report 1", 2, ["Russia attacked Ukraine.", "Russia denied it."]),
        ("Report 2", 1, ["Vladimir Putin spoke in Moscow."]),
        ("Report 6", 1, ["Russian troops moved."]),
        ("Report 8", 1, ["Russia and France talked."]),
    ]
    assert frame["url"].to_list()[0] == "https://news.example/c/1"


def test_evidence_follows_the_forms(corpus: Settings) -> None:
    # Under name only, Moscow (c2) and Russian (c6) do not count for Russia.
    frame = explore.evidence(corpus, "RUS", forms="name")
    assert frame["title"].to_list() == ["Report 1", "Report 8", "Report 9"]


def test_comentions_of_russia(corpus: Settings) -> None:
    # Russia: c1 c2 c6 c8 c9. Putin c2 c6; Ukraine c1 c4 c9; France c7 c8 c9 (Paris).
    frame = explore.comentions(corpus, "russia")
    assert sorted(frame.select("entity_id", "together", "articles").rows()) == [
        ("FRA", 2, 3),
        ("UKR", 2, 3),
        ("Vladimir Putin", 2, 2),
    ]
    assert frame["entity_id"][0] == "Vladimir Putin"  # the strongest tie (npmi) first


def test_timeline_in_a_notebook_matches_the_cli(corpus: Settings) -> None:
    frame = explore.timeline(corpus.db_path, "Putin", every="month")
    assert frame.select("bucket_start", "articles", "total_articles", "mentions").rows() == [
        (date(2022, 3, 1), 2, 8, 2),
        (date(2022, 4, 1), 0, 2, 0),
    ]


def test_unknown_entity_raises_with_closest(corpus: Settings) -> None:
    with pytest.raises(UnknownEntityError) as caught:
        explore.find_entity(str(corpus.db_path), "Zelenksy")
    assert any("Zelensk" in name for name in caught.value.closest)
