"""Candidate spans in characters, whatever the bytes: the compiled scan against a plain
Python reading of the same texts (a character-offset automaton and string slices)."""

from __future__ import annotations

import random

import ahocorasick_rs
import polars as pl
import pytest

from analytics.extraction.automaton import Automaton
from analytics.extraction.matcher import CONTEXT_CHARS, candidate_spans

PATTERNS = ["United States", "Xi Jinping", "中华人民共和国", "France", "Biden", "中国", "Ma"]
# Pieces of text: spellings, parts of them, and characters of one to four bytes; no
# piece starts or ends with a space, so no text needs the copy a whitespace run makes.
PIECES = [
    "United States",
    "Xi Jinping",
    "中国",
    "中华人民共和国",
    "France",
    "Fra",
    "nce",
    "Biden",
    "Ma",
    "Make",
    "a b",
    ".",
    "é",
    "€",
    "—",
    "🇫🇷",
    "😀",
    "e\u0301",
    "ß",
    "Ελλάδα",
    "a",
    "word",
]
COLUMNS = ["doc", "start_pos", "end_pos", "surface", "before", "after", "gap_before", "gap_after"]


def word_characters(texts: list[str]) -> set[str]:
    """The characters of ``texts`` that polars' ``[\\p{L}\\p{N}_]`` matches: a match
    next to one is glued inside a longer word."""
    chars = sorted(set("".join(texts)))
    found = pl.Series(chars, dtype=pl.String).str.contains(r"^[\p{L}\p{N}_]$").to_list()
    return {c for c, word in zip(chars, found, strict=True) if word}


def reference(texts: list[str]) -> pl.DataFrame:
    """What the spans must be, read with Python strings: every leftmost-first match with
    character offsets, the gaps to its neighbours (to the text's edges at its ends), and
    up to CONTEXT_CHARS characters each side, running on through one neighbour and
    stopping at the match beyond it. A match glued to a letter, digit or underscore
    ("Ma" in "Make", "Biden" in "éBiden") is none, but bounds its neighbours as any match
    does."""
    machine = ahocorasick_rs.AhoCorasick(PATTERNS, matchkind=ahocorasick_rs.MatchKind.LeftmostFirst)
    word = word_characters(texts)
    rows = []
    for doc, text in enumerate(texts):
        hits = machine.find_matches_as_indexes(text)
        for k, (pattern, start, end) in enumerate(hits):
            previous_end = hits[k - 1][2] if k >= 1 else 0
            next_start = hits[k + 1][1] if k + 1 < len(hits) else len(text)
            low = max(hits[k - 2][2] if k >= 2 else 0, start - CONTEXT_CHARS)
            high = min(hits[k + 2][1] if k + 2 < len(hits) else len(text), end + CONTEXT_CHARS)
            if any(c in word for c in text[start - 1 : start] + text[end : end + 1]):
                continue
            rows.append(
                (
                    doc,
                    start,
                    end,
                    PATTERNS[pattern],
                    text[low:start],
                    text[end:high],
                    start - previous_end,
                    next_start - end,
                )
            )
    return pl.DataFrame(rows, schema=COLUMNS, orient="row").cast(
        {"doc": pl.UInt32, "start_pos": pl.Int64, "end_pos": pl.Int64}
    )


def spans(
    texts: list[str], patterns: list[str] = PATTERNS, columns: list[str] = COLUMNS
) -> pl.DataFrame:
    """The candidate spans of ``texts`` (one text per doc), ``columns`` of them, in order."""
    fields = pl.DataFrame(
        {"doc": range(len(texts)), "field": "text", "value": texts},
        schema={"doc": pl.UInt32, "field": pl.String, "value": pl.String},
    )
    found = candidate_spans(fields, Automaton(patterns))
    return found.select(columns).sort("doc", "start_pos")


def test_offsets_and_contexts_count_characters_not_bytes() -> None:
    texts = [
        "😀" * 90 + "France" + "€" * 90,  # contexts of 80 characters of 4 and 3 bytes
        "中国" + "é" * 3 + "Biden",  # a match at the very start, multi-byte neighbours
        "Ελλάδα and France" + "🇫🇷",  # ... and one just before the end
        "BidenFranceMa" + "e\u0301" * 100,  # matches that touch: gaps of 0
        "Xi Jinping — " + "ß" * 200 + " Biden — " + "ß" * 10 + " France — United States",
        "中华人民共和国",  # a text that is one match
        "no match here, é€😀",
    ]
    assert spans(texts).equals(reference(texts))


@pytest.mark.parametrize("texts", [["", ""], ["nothing to find", "", "é😀"]])
def test_texts_without_a_match_give_no_spans(texts: list[str]) -> None:
    assert spans(texts).is_empty()


def test_no_match_runs_from_one_text_into_the_next() -> None:
    """The texts are scanned as one buffer, each right after the one before: "Fra"
    ending one and "nce" starting the next are not "France", a match is not glued to the
    letters of the text after it ("Biden" before "ese", "France" before "wick"), and a
    context stops at its own text's edge; a text between them that needs a matching copy
    changes none of it."""
    texts = ["Vive la Fra", "nce et Biden", "ese France", "wick  Biden", "Ma", "ke Biden"]
    found = spans(texts)
    # (The copy's gaps count its whitespace runs as one space, as the rules read them.)
    assert found.filter(pl.col("doc") != 3).equals(reference(texts).filter(pl.col("doc") != 3))
    assert found.select("doc", "surface", "before", "after").rows() == [
        (1, "Biden", "nce et ", ""),
        (2, "France", "ese ", ""),
        (3, "Biden", "wick ", ""),
        (4, "Ma", "", ""),
        (5, "Biden", "ke ", ""),
    ]


def test_a_match_inside_a_longer_word_is_none_but_bounds_its_neighbours() -> None:
    """ "Ma" in "Make" and "France" in "Frances" are glued to an ASCII letter: no
    candidates, yet the gaps and contexts of the matches beside them count them as any
    match, as they did when the resolver dropped them (a context runs on through one
    neighbour, glued or not, and stops at the next)."""
    texts = ["Biden Make Frances and Biden", "_Biden1 Ma Biden"]
    found = spans(texts)
    assert found.equals(reference(texts))
    assert found.select("doc", "surface", "before", "after", "gap_before", "gap_after").rows() == [
        (0, "Biden", "", " Make ", 0, 1),
        (0, "Biden", "ke Frances and ", "", 6, 0),
        (1, "Ma", "_Biden1 ", " Biden", 2, 1),
        (1, "Biden", "1 Ma ", "", 1, 0),
    ]


def test_a_match_glued_to_any_letter_or_digit_is_none() -> None:
    """Glued to a letter or digit of any script ("éBiden", "Biden中", an Arabic-Indic
    three), no candidate; beside punctuation or a symbol of any script, one."""
    texts = ["éBiden", "Biden中", "\u0663Biden", "Bidenß", "Biden\u02b0", "FranceΕ"]
    texts += ["Biden’s", "«Biden»", "—France—", "€Biden", "Biden\u0301", "🇫🇷France"]
    found = spans(texts)
    assert found.equals(reference(texts))
    assert found.get_column("doc").to_list() == [6, 7, 8, 9, 10, 11]


@pytest.mark.parametrize("seed", range(5))
def test_random_texts_of_every_width_of_character(seed: int) -> None:
    rng = random.Random(seed)
    texts = ["".join(rng.choices(PIECES, k=rng.randint(1, 120))) for _ in range(300)]
    assert spans(texts).equals(reference(texts))


def test_a_wrapped_text_s_offsets_are_in_the_text_as_written() -> None:
    """A text with a wrapped line is matched in a copy with one space per run: its
    offsets, surfaces and contexts come from the text as written, in characters."""
    text = "Le président 😀 Xi\n    Jinping a vu « France »\n\nÉtats et Biden."
    found = spans([text]).rows(named=True)
    assert [(r["surface"], r["start_pos"], r["end_pos"]) for r in found] == [
        ("Xi\n    Jinping", 15, 29),
        ("France", 37, 43),
        ("Biden", 56, 61),
    ]
    for row in found:
        assert text[row["start_pos"] : row["end_pos"]] == row["surface"]
    # Each is looked up under its spelling's key, whatever the whitespace as written.
    fields = pl.DataFrame({"doc": [0], "field": ["text"], "value": [text]})
    keys = candidate_spans(fields, Automaton(PATTERNS)).sort("start_pos")["key"]
    assert keys.to_list() == ["Xi Jinping", "France", "Biden"]
