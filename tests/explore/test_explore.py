"""The notebook API's evidence and co-mentions on the ten-article chart corpus, against
values worked out by hand from tests/chart_corpus.py."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from analytics.entity_names import UnknownEntityError
from analytics.form_policy import DEFAULT_FORMS
from jobs import explore
from jobs.evidence import read_evidence
from jobs.settings import Settings
from jobs.store.connect import connect
from jobs.store.gazetteer import read_entities
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


@pytest.mark.parametrize("hours", [14, -12])
def test_evidence_is_found_when_times_are_a_zones_wall_clock(corpus: Settings, hours: int) -> None:
    # Reports hand the evidence reader times in their zone (UTC+14 to UTC-12), while
    # the reader narrows the articles it reads by their stored UTC time.
    with connect(corpus.db_path, read_only=True) as con:
        ((article_id, published_at),) = con.sql(
            "SELECT article_id, published_at FROM articles WHERE url LIKE '%/c/1'"
        ).fetchall()
        entities = read_entities(con)
        chosen = pl.DataFrame(
            {
                "target_id": ["t"],
                "entity_id": ["RUS"],
                "article_id": [article_id],
                "mentions": [2],
                "published_at": [published_at + timedelta(hours=hours)],
                "rank": [1],
            }
        )
        found = read_evidence(con, chosen, entities, DEFAULT_FORMS)
    assert found.articles["url"].to_list() == ["https://news.example/c/1"]
    assert found.sentences.height == 2  # "Russia attacked Ukraine.", "Russia denied it."
