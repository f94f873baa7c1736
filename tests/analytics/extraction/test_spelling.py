"""The whitespace and spelling normalisations the rules read text through."""

from __future__ import annotations

import random

import polars as pl

from analytics.extraction.spelling import normalise_surface, one_space, spaced_pattern

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


def test_a_spaced_pattern_reads_the_text_as_its_one_space_copy_is_read() -> None:
    rng = random.Random(11)
    pieces = ["a", "b", "ab", " ", " ", "(", ")", "(?:", "|", "?", "*", "+", "[ab]", "\\."]
    pieces += ["’", "-"]
    patterns: set[str] = set()
    while len(patterns) < 1_000:
        pattern = "".join(rng.choices(pieces, k=rng.randint(1, 9)))
        try:
            spaced = spaced_pattern(pattern)
            if spaced is not None:
                pl.select(pl.lit("").str.contains(pattern))  # a regex polars takes
                patterns.add(pattern)
        except pl.exceptions.ComputeError:
            continue
    alphabet = ["a", "b", "a ", "b ", ".", "’", "-", "x", "  "] + list(_SPACES)
    texts = ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(500)]
    frame = pl.DataFrame({"text": texts})
    for pattern in sorted(patterns):
        spaced = spaced_pattern(pattern)
        assert spaced is not None
        copy_read = frame.select(one_space(pl.col("text")).str.contains(pattern)).to_series()
        as_written = frame.select(pl.col("text").str.contains(spaced)).to_series()
        assert as_written.to_list() == copy_read.to_list(), pattern


def test_a_pattern_too_intricate_to_be_sure_of_is_not_spaced() -> None:
    assert spaced_pattern("Georgian Dream|South Ossetia") == r"Georgian\s+Dream|South\s+Ossetia"
    assert spaced_pattern("Crown [Dd]ependenc") == r"Crown\s+[Dd]ependenc"
    for pattern in [
        "St\\.? Helier",  # a space after an optional character: "St  Helier" has two
        "a  b",
        "(a|b) c",
        "a (?:b c)",
        "(?x)a b",  # verbose: its spaces are not spaces
        "a\\sb",
        "a.b",
        "[^a] b",
        "a[ ]b",
        " a",
        "a ",
    ]:
        assert spaced_pattern(pattern) is None, pattern
