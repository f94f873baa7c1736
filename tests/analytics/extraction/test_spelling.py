"""The whitespace and spelling normalisations the rules read text through."""

from __future__ import annotations

import random

import polars as pl

from analytics.extraction.spelling import normalise_surface, one_space

# Every character Rust's regex (polars) calls whitespace, and neighbours that are not.
_SPACES = " \t\n\r\x0b\x0c\x85\u00a0\u1680\u2000\u2001\u2007\u200a\u2028\u2029\u202f\u205f\u3000"
_OTHERS = "ab.\x00\x1c\u200b\ufeff-"


def test_one_space_is_every_whitespace_run_as_one_space() -> None:
    rng = random.Random(5)
    alphabet = _SPACES + _OTHERS
    texts = ["", " ", "  ", "\n", "a b", "a  b", " a\tb\n\nc ", "\u00a0", "x\u2028\u2029y"]
    texts += ["".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(2_000)]
    frame = pl.DataFrame({"text": texts})
    expected = frame.select(pl.col("text").str.replace_all(r"\s+", " ")).to_series()
    got = frame.select(one_space(pl.col("text"))).to_series()
    assert got.to_list() == expected.to_list()


def test_surface_keys_have_one_space_straight_quotes_and_ascii_hyphens() -> None:
    surfaces = pl.Series(["Xi\u00a0Jinping", "Yasuhiro\n    Nakasone", "al\u2011Sudani", "O’Neill"])
    keys = pl.select(normalise_surface(pl.lit(surfaces))).to_series().to_list()
    assert keys == ["Xi Jinping", "Yasuhiro Nakasone", "al-Sudani", "O'Neill"]
