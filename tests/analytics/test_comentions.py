from __future__ import annotations

import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.comentions import comention_matrix, comention_pairs, strongest_pairs


def _rows() -> pl.DataFrame:
    # 10 articles in the period; a1..a4 mention USA and RUS, a1..a2 also UKR,
    # a5, a7, a8 USA alone, a6 Putin with RUS; a9, a10 mention nothing.
    pairs = [
        ("a1", "USA"), ("a1", "RUS"), ("a1", "UKR"),
        ("a2", "USA"), ("a2", "RUS"), ("a2", "UKR"),
        ("a3", "USA"), ("a3", "RUS"),
        ("a4", "USA"), ("a4", "RUS"),
        ("a5", "USA"),
        ("a6", "RUS"), ("a6", "Vladimir Putin"),
        ("a7", "USA"), ("a8", "USA"),
    ]  # fmt: skip
    names = {"USA": "United States", "RUS": "Russia", "UKR": "Ukraine"}
    return pl.DataFrame(
        {
            "article_id": [a for a, _ in pairs],
            "entity_id": [e for _, e in pairs],
            "name": [names.get(e, e) for _, e in pairs],
        }
    )


def test_pairs_count_articles_and_compute_lift_and_npmi() -> None:
    pairs = comention_pairs(_rows(), total_articles=10)
    rus_usa = pairs.filter((pl.col("entity_a") == "RUS") & (pl.col("entity_b") == "USA")).row(
        0, named=True
    )
    # RUS in 5 articles, USA in 7, together in 4 of 10: lift = 4*10/(5*7) = 8/7
    assert (rus_usa["together"], rus_usa["articles_a"], rus_usa["articles_b"]) == (4, 5, 7)
    assert rus_usa["lift"] == pytest.approx(8 / 7)
    assert rus_usa["npmi"] == pytest.approx(math.log(8 / 7) / -math.log(0.4))
    rus_ukr = pairs.filter((pl.col("entity_a") == "RUS") & (pl.col("entity_b") == "UKR"))
    # UKR in 2, always with RUS: lift = 2*10/(5*2) = 2
    assert rus_ukr["lift"][0] == pytest.approx(2.0)
    assert pairs.height == 4  # RUS-USA, RUS-UKR, UKR-USA, RUS-Putin
    assert pairs["together"].to_list() == [4, 2, 2, 1]


def test_strongest_pairs_rank_by_npmi_not_size_and_skip_own_leader() -> None:
    pairs = comention_pairs(_rows(), total_articles=10)
    countries = pl.DataFrame(
        {
            "entity_id": ["USA", "RUS", "UKR", "Vladimir Putin"],
            "country": ["USA", "RUS", "UKR", "RUS"],
        }
    )
    top = strongest_pairs(pairs, 5, min_together=1, countries=countries)
    # npmi: RUS-UKR ln 2 / ln 5 = 0.43; UKR-USA ln(10/7) / ln 5 = 0.22;
    # RUS-USA ln(8/7) / ln 2.5 = 0.15: the biggest pair is the least tied.
    assert top["npmi"].to_list() == pytest.approx(
        [math.log(2) / math.log(5), math.log(10 / 7) / math.log(5), math.log(8 / 7) / math.log(2.5)]
    )
    # Putin beside Russia is left out when entities carry their country.
    assert ("RUS", "Vladimir Putin") in strongest_pairs(pairs, 5, min_together=1).select(
        "entity_a", "entity_b"
    ).rows()
    assert top.select("entity_a", "entity_b").rows() == [
        ("RUS", "UKR"),
        ("UKR", "USA"),
        ("RUS", "USA"),
    ]
    assert strongest_pairs(pairs, 5, min_together=3).height == 1


def test_matrix_is_square_symmetric_and_zero_filled() -> None:
    matrix = comention_matrix(_rows(), ["RUS", "USA", "GEO"], total_articles=10)
    assert matrix.height == 9
    assert_frame_equal(
        matrix.select("entity_a", "entity_b", "together"),
        pl.DataFrame(
            {
                "entity_a": ["RUS"] * 3 + ["USA"] * 3 + ["GEO"] * 3,
                "entity_b": ["RUS", "USA", "GEO"] * 3,
                "together": [5, 4, 0, 4, 7, 0, 0, 0, 0],
            }
        ),
    )
    cells = {(a, b): v for a, b, v in matrix.select("entity_a", "entity_b", "npmi").rows()}
    assert cells[("RUS", "USA")] == pytest.approx(cells[("USA", "RUS")])
    assert cells[("RUS", "RUS")] is None and cells[("GEO", "RUS")] is None
    assert matrix.filter(pl.col("entity_a") == "GEO")["name_a"][0] == "GEO"
