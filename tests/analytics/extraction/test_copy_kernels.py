"""The matching copy of a text with odd whitespace, made by ``copy_kernels``, against the
same copy read on Python strings with polars' regular expressions (what the matcher did
before the copy was compiled): whitespace is what ``\\s`` matches, names wrapped across
lines match with offsets, surfaces and contexts as written, contexts read as the
rules read them, and a title found in a context as written."""

from __future__ import annotations

import random

import ahocorasick_rs
import numpy as np
import polars as pl
import pytest

from analytics.extraction.copy_kernels import _space_width, needs_copy, plain_copy, plain_text
from analytics.extraction.leader_rules import _title_as_written, with_titles
from analytics.extraction.matcher import CONTEXT_CHARS
from analytics.extraction.span_kernels import as_words
from analytics.extraction.spelling import normalise_surface
from analytics.utf8 import utf8_buffer
from tests.analytics.extraction.test_candidate_spans import spans, word_characters

PATTERNS = ["United States", "Xi Jinping", "al-Sudani", "France", "Biden", "中国", "Ma"]
# Whitespace of every kind (and two that are none: U+001C, U+200B), hyphens, characters
# of one to four bytes, and the words of the spellings, to be run together.
PIECES = [
    "United",
    "States",
    "Xi",
    "Jinping",
    "al",
    "Sudani",
    "France",
    "Biden",
    "Ma",
    "中国",
    " ",
    "  ",
    "\n",
    "\n    ",
    "\n\n",
    " \n \n ",
    "\r\n",
    "\t",
    "\x00",
    "\x01",
    "\x1c",
    "\u00a0",
    "\u0085",
    "\u2009",
    "\u200b",
    "\u3000",
    "\u2010",
    "\u2011",
    "-",
    "é",
    "😀",
    ",",
    "a",
]
COLUMNS = ["doc", "start_pos", "end_pos", "surface", "key", "before", "after", "before_written"]
_ODD = ("\x00", "\x01", "\t", "\r", "\u00a0", "\u2010", "\u2011", "  ")


def _regex_whitespace(chars: list[str]) -> list[bool]:
    """Whether polars' ``\\s`` matches each character."""
    return pl.Series(chars, dtype=pl.String).str.contains(r"^\s$").to_list()


def _regex_plain(texts: list[str]) -> list[str]:
    """Contexts as the rules read them, by the regular expressions the matcher used."""
    return (
        pl.Series(texts, dtype=pl.String)
        .str.replace_all("[\x00\x01]", " ")
        .str.replace_all(r"\s*\n\s*\n\s*", "\x01")
        .str.replace_all(r"\s{2,}|[\s&&[^ ]]", " ")
        .str.replace_all("\x01", "\n\n", literal=True)
        .str.replace_all("[\u2010\u2011]", "-")
        .to_list()
    )


def _regex_copy(text: str) -> tuple[str, list[int]]:
    """The matching copy of ``text`` on Python strings, and for each of its characters
    the index of the first character of the text it stands for."""
    chars = sorted(set(text))
    spaces = {
        c: regex or c in "\x00\x01"
        for c, regex in zip(chars, _regex_whitespace(chars), strict=True)
    }
    copy, source = [], []
    i = 0
    while i < len(text):
        if spaces[text[i]]:
            j = i
            while j < len(text) and spaces[text[j]]:
                j += 1
            copy.append("\x01" if text[i:j].count("\n") >= 2 else " ")
            source.append(i)
            i = j
        else:
            copy.append("-" if text[i] in "\u2010\u2011" else text[i])
            source.append(i)
            i += 1
    return "".join(copy), source


def _reference(texts: list[str]) -> pl.DataFrame:
    """The spans of texts that need a copy: matched leftmost first in the copy, a match
    glued to a letter, digit or underscore dropped, then offsets and surface in
    the text as written (its key made from it), and CONTEXT_CHARS characters of it each
    side, read plain."""
    machine = ahocorasick_rs.AhoCorasick(PATTERNS, matchkind=ahocorasick_rs.MatchKind.LeftmostFirst)
    word = word_characters(texts)
    rows = []
    for doc, text in enumerate(texts):
        copy, source = _regex_copy(text)
        for _, low, high in machine.find_matches_as_indexes(copy):
            around = copy[low - 1 : low] + copy[high : high + 1]
            if any(c in word for c in around):
                continue
            start, end = source[low], source[high - 1] + 1
            before_from = max(start - CONTEXT_CHARS, 0)
            rows.append(
                (
                    doc,
                    start,
                    end,
                    text[start:end],
                    text[before_from:start],
                    text[end : end + CONTEXT_CHARS],
                )
            )
    frame = pl.DataFrame(
        rows,
        schema=["doc", "start_pos", "end_pos", "surface", "before_written", "after"],
        orient="row",
    )
    return (
        frame.with_columns(
            normalise_surface(pl.col("surface")).alias("key"),
            pl.Series("before", _regex_plain(frame["before_written"].to_list()), dtype=pl.String),
            pl.Series("after", _regex_plain(frame["after"].to_list()), dtype=pl.String),
        )
        .select(COLUMNS)
        .cast({"doc": pl.UInt32, "start_pos": pl.Int64, "end_pos": pl.Int64})
    )


def _spans(texts: list[str]) -> pl.DataFrame:
    return spans(texts, PATTERNS, COLUMNS)


def test_whitespace_is_what_polars_reads_as_whitespace() -> None:
    """Every code point: ``\\s`` in polars (Unicode's White_Space), and NUL and \\x01."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    expected = [
        regex or c in "\x00\x01" for c, regex in zip(chars, _regex_whitespace(chars), strict=True)
    ]
    data, starts = utf8_buffer(pl.Series(chars, dtype=pl.String))
    found = [bool(_space_width(data, starts[i], starts[i + 1])) for i in range(len(chars))]
    assert found == expected


def _regex_needs_copy(texts: list[str]) -> list[bool]:
    """Which texts need a matching copy, by the searches the matcher made in polars."""
    value = pl.Series("value", texts, dtype=pl.String)
    return (
        pl.DataFrame(value)
        .select(
            pl.any_horizontal(
                *(pl.col("value").str.contains(c, literal=True) for c in _ODD),
                pl.col("value").str.contains("[^\\n]\\n[^\\n]"),
            )
        )
        .to_series()
        .to_list()
    )


def _needs_copy(texts: list[str]) -> list[bool]:
    data, starts = utf8_buffer(pl.Series(texts, dtype=pl.String))
    return needs_copy(data, as_words(data), starts).tolist()


@pytest.mark.parametrize("seed", range(6))
def test_the_texts_that_need_a_copy_are_those_the_searches_found(seed: int) -> None:
    """Texts of every length side by side, so each piece falls at every place of a 64-bit
    word and at the edges of texts (a space ending one text and one starting the next
    are not two spaces; nor is a line break at a text's edge a wrapped line)."""
    rng = random.Random(seed)
    pieces = [*PIECES, "\n", "\n", " ", "\u00a0", "\u2010", "\u2011", "\u2012", "\u00a1", "\x0b"]
    texts = [
        "".join(rng.choices(pieces, k=rng.randint(0, 4)))
        + "".join(rng.choices("ab é中😀", k=rng.randint(0, 30)))
        + "".join(rng.choices(pieces, k=rng.randint(0, 4)))
        for _ in range(2000)
    ]
    expected = _regex_needs_copy(texts)
    assert 0.2 < sum(expected) / len(texts) < 0.9  # both kinds, plenty of each
    assert _needs_copy(texts) == expected


def test_what_needs_a_copy_is_found_at_every_place_of_a_word() -> None:
    """Each thing that needs a copy, and its near misses, at every offset of a text and
    of the buffer: found in the words read whole, their edges and the bytes around them."""
    things = ["\x00", "\x01", "\t", "\r", "\u00a0", "\u2010", "\u2011", "  ", "a\nb", "é\n中"]
    misses = ["\n\n", "\u00a1", "\u2012", "\u0090", " ", "\x0b\x0c", "\n", "a\n\nb", "é \n\n 中"]
    texts = [
        "x" * lead + piece + "y" * trail
        for piece in things + misses
        for lead in range(17)
        for trail in (0, 1, 7, 8, 9, 16)
    ]
    for shift in range(9):  # every alignment of the buffer
        batch = ["z" * shift, *texts]
        assert _needs_copy(batch) == _regex_needs_copy(batch)
    assert _needs_copy(["\n", "a\n", "\nb", " ", " ", "a\n", "b"]) == [False] * 7


@pytest.mark.parametrize("seed", range(4))
def test_contexts_read_plain_as_the_regular_expressions_read_them(seed: int) -> None:
    rng = random.Random(seed)
    texts = ["".join(rng.choices(PIECES, k=rng.randint(0, 40))) for _ in range(300)]
    data, starts = utf8_buffer(pl.Series(texts, dtype=pl.String))
    offsets, out = plain_text(data, starts[:-1].copy(), starts[1:].copy())
    found = [bytes(out[offsets[i] : offsets[i + 1]]).decode() for i in range(len(texts))]
    assert found == _regex_plain(texts)


def test_the_copy_is_the_regular_expressions_copy() -> None:
    rng = random.Random(5)
    texts = ["".join(rng.choices(PIECES, k=rng.randint(0, 60))) for _ in range(300)]
    data, starts = utf8_buffer(pl.Series(texts, dtype=pl.String))
    copy, copy_starts, *_ = plain_copy(data, starts)
    found = [bytes(copy[copy_starts[i] : copy_starts[i + 1]]).decode() for i in range(len(texts))]
    assert found == [_regex_copy(text)[0] for text in texts]


@pytest.mark.parametrize("seed", range(4))
def test_wrapped_texts_give_spans_as_written(seed: int) -> None:
    """Random texts that each need a copy (a wrapped line or an odd character in each)."""
    rng = random.Random(seed)
    texts = [
        "".join(rng.choices(PIECES, k=rng.randint(1, 80))) + rng.choice(["a\nb", *_ODD])
        for _ in range(300)
    ]
    assert _spans(texts).equals(_reference(texts))


def test_the_copy_s_records_grow_past_their_first_room() -> None:
    """A text of nothing but runs: more records than the first guess makes room for."""
    text = "Xi  " * 20_000 + "Xi\n   Jinping"
    found = _spans([text])
    assert found.equals(_reference([text]))
    assert found.row(-1, named=True)["surface"] == "Xi\n   Jinping"
    data, starts = utf8_buffer(pl.Series([text]))
    *_, record_at, _, _ = plain_copy(data, starts)
    assert record_at.size > data.size // 64 + 16


def test_texts_that_need_no_copy_and_texts_that_do_in_one_batch() -> None:
    """Plain texts keep their place before the copies; each text's spans are its own."""
    texts = ["France and Biden", "Xi\n  Jinping", "", "the United States", "al\u2011Sudani"]
    found = _spans(texts)
    assert found.select("doc", "surface", "key").rows() == [
        (0, "France", "France"),
        (0, "Biden", "Biden"),
        (1, "Xi\n  Jinping", "Xi Jinping"),
        (3, "United States", "United States"),
        (4, "al\u2011Sudani", "al-Sudani"),
    ]
    assert found.filter(pl.col("doc").is_in([1, 4])).equals(
        _reference(texts).filter(pl.col("doc").is_in([1, 4]))
    )
    assert np.array_equal(found["before_written"].is_null().to_numpy(), [1, 1, 0, 1, 0])


@pytest.mark.parametrize("width", [78, 79, 80, 81])
@pytest.mark.parametrize("wide", ["é", "中", "😀"])
def test_contexts_of_eighty_characters_end_on_a_character(width: int, wide: str) -> None:
    """A context of ASCII text is cut without counting; one with a wider character at
    its far end is counted, and never cut inside it."""
    text = wide + "a" * width + " Xi\n  Jinping " + "b" * width + wide + "\t"
    found = _spans([text])
    assert found.equals(_reference([text]))
    assert found.row(0, named=True)["before_written"] == text[: text.index("Xi")][-CONTEXT_CHARS:]


def _regex_titles(before: list[str], titles: list[str]) -> list[str | None]:
    """The end of each context holding as many characters that are not whitespace as
    its title, by the regular expression the leader rules used."""
    frame = pl.DataFrame({"before_written": before, "title": titles})
    count = pl.col("title").str.replace_all(r"\s", "").str.len_chars()
    pattern = pl.format(r"^\s*(?:\S\s*){{{}}}\S", count - 1)
    return (
        frame.select(pl.col("before_written").str.reverse().str.extract(pattern, 0).str.reverse())
        .to_series()
        .to_list()
    )


@pytest.mark.parametrize("seed", range(3))
def test_a_title_is_found_as_written_as_the_regular_expression_finds_it(seed: int) -> None:
    rng = random.Random(seed)
    words = ["Prime", "Minister", "President", "Vice", "é", "中国", "😀", "-", ",", "\x00"]
    spaces = [" ", "\n    ", "\t", "\u00a0", "\u3000", "\r\n ", "\x1c"]
    before, titles = [], []
    for _ in range(400):
        parts = rng.choices(words, k=rng.randint(0, 6))
        title = rng.choice(["President ", "Prime Minister ", "Vice President ", "PM ", "é中 "])
        before.append("".join(p + rng.choice(spaces) for p in parts))
        titles.append(title)
    frame = pl.DataFrame({"before_written": before, "title": titles})
    assert _title_as_written(frame).to_list() == _regex_titles(before, titles)


def test_a_wrapped_title_is_part_of_its_mention_as_written() -> None:
    mentions = pl.DataFrame(
        {
            "start_pos": [30, 20],
            "surface": ["Trudeau", "Biden"],
            "before_written": ["It was Prime\n    Minister ", None],
            "title": ["Prime Minister ", "President "],
        }
    )
    found = with_titles(mentions).sort("start_pos")
    assert found.select("start_pos", "surface").rows() == [
        (10, "President Biden"),
        (11, "Prime\n    Minister Trudeau"),
    ]
