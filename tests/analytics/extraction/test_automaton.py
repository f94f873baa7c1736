"""The candidate automaton (a compiled trie walked from anchors) finds exactly what an
Aho-Corasick machine with leftmost-first matching finds: ``ahocorasick_rs`` is the
reference, on made-up spellings chosen for the scan's shortcuts, on the whole gazetteer,
and on real text."""

from __future__ import annotations

import gzip
import random

import ahocorasick_rs
import numpy as np
import pytest

from analytics.extraction.automaton import Automaton, automaton
from analytics.extraction.gazetteer import Gazetteer, per_version
from analytics.extraction.trie_kernels import BLOCK_BYTES, MAX_LEAD, by_words
from tests.conftest import CORPUS, needs_shared

PATTERNS = ["United States", "Biden", "Ma"]
TEXT = "President Biden left the United States. Make way."
# (pattern, start, end): "Ma" inside "Make" too (the resolver drops it, not the machine).
FOUND_ALL = [(1, 10, 15), (0, 25, 38), (2, 40, 42)]

# Spellings for each of the scan's paths: led by small letters ("al-", "the ", "van der
# "), anchored on an apostrophe or a non-ASCII byte, of one to three bytes, prefixes of
# each other, a duplicate (the first wins), all small letters (anchored on their first
# byte), one whose first capital lies past MAX_LEAD, and led ones of one to three bytes
# from their anchor (the scan's first filter reads the bytes from the anchor on). Longest
# first, as the gazetteer sorts its spellings: leftmost first is then leftmost longest,
# what the trie finds.
_TRICKY = [
    "United States of America",
    "United States",
    "United",
    "the Gambia",
    "Gambia",
    "al-Sisi",
    "el-Sisi",
    "Sisi",
    "van der Bellen",
    "der Bellen",
    "eSwatini",
    "'Akilisi Pohiva",
    "’Akilisi Pohiva",  # led by punctuation: anchored on the capital after it
    "ʻAkilisi Pōhiva",
    "'abc",  # punctuation and small letters: anchored on the apostrophe
    "’X",
    "Öcalan",
    "中国",
    "US",
    "X",
    "Xi",
    "Ma",
    "Ma",
    "abc",
    "bcd",
    "carrier Charles de Gaulle",
    "aaaaaaaaaaaaaaaaaaaaB",
    "the UAE",
    "the UK",
    "de X",
    "Chile",  # a tail of five bytes
    "Chilean",
    "Sisio",
]
TRICKY = sorted(_TRICKY, key=len, reverse=True)
# Without "中国" and those anchored on a small letter or an apostrophe, every anchor is a
# byte the scan looks for eight at a time (``trie_kernels.by_words``); with them, byte by
# byte. Both ways are checked.
WORDS = [s for s in TRICKY if s not in {"中国", "abc", "bcd", "'abc", "a" * 20 + "B"}]
BOTH_WAYS = pytest.mark.parametrize("patterns", [TRICKY, WORDS], ids=["bytes", "words"])
# Pieces to build texts from: the spellings, their parts, and what stands around names.
PIECES = [
    *TRICKY,
    "the ",
    "al-",
    "Unit",
    "States",
    "van ",
    "de",
    "e",
    "a",
    "aaaa",
    "'",
    "’",
    "“",
    "ʻ",
    "Ö",
    "中",
    " ",
    "\n",
    "-",
    "\x01",
    "é",
    "😀",
    "Make",
    "ABCD",
    "UK",
    "UAE",
    "de ",
]


def found(machine: Automaton, text: str | bytes = TEXT) -> list[tuple[int, int, int]]:
    """The machine's matches in ``text`` as (pattern, start, end) byte offsets."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    pattern, start, end = machine.scan(np.frombuffer(data, dtype=np.uint8))
    return list(zip(pattern.tolist(), start.tolist(), end.tolist(), strict=True))


def expected(patterns: list[str], text: str | bytes) -> list[tuple[int, int, int]]:
    """What ``ahocorasick_rs`` finds, leftmost first, over the same bytes."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    machine = ahocorasick_rs.BytesAhoCorasick(
        [p.encode("utf-8") for p in patterns], matchkind=ahocorasick_rs.MatchKind.LeftmostFirst
    )
    return [tuple(hit) for hit in machine.find_matches_as_indexes(data)]  # type: ignore[misc]


def test_leftmost_matches_glued_ones_too() -> None:
    assert found(Automaton(PATTERNS)) == FOUND_ALL


def test_the_longest_spelling_at_a_place_wins() -> None:
    """ "United States of America" over "United States" over "United", whatever their
    order; a duplicate is found as its first copy."""
    machine = Automaton(TRICKY)
    text = "the United States of America, the United States, the United Nations; Ma"
    assert found(machine, text) == expected(TRICKY, text)
    assert [TRICKY[p] for p, _, _ in found(machine, text)] == [
        "United States of America",
        "United States",
        "United",
        "Ma",
    ]
    assert found(machine, "Ma")[0][0] == TRICKY.index("Ma")
    shortest_first = TRICKY[::-1]
    assert [shortest_first[p] for p, _, _ in found(Automaton(shortest_first), text)] == [
        "United States of America",
        "United States",
        "United",
        "Ma",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "the Gambia and Gambia",  # a lead of small letters, and the name alone
        "al-Sisi, el-Sisi, Sisi, al-Sisix",
        "President van der Bellen and der Bellen",
        "eSwatini; Swatini; e",
        "'Akilisi Pohiva, ʻAkilisi Pōhiva, Öcalan, 中国",
        "’Akilisi Pohiva, “Akilisi Pohiva”, ’X, ’Xi, 'abc, ’abc",
        "X, Xi, US, USA",  # one, two and three bytes
        "abc abcd xbcd",  # small letters only: anchored on their first byte
        "aaaaaaaaaaaaaaaaaaaaB aaaaaaaaaaaaaaaaaaaaaB",  # its capital past MAX_LEAD
        "carrier Charles de Gaulle",
        "X",  # a one-byte spelling that is the whole text
        "the UK, the UAE, de X, the UKx, de Xi, the UA, UAE",  # led, one to three bytes on
        "the UAE",  # the filter of three bytes at the very end
        "de X",
        "Gambia the",  # a lead at the very end
        "Chile, Chil, Chilea, Chilean; Sisi, Sisio, Sisix",  # tails of four, five and more
        "Sisi",  # a tail of four bytes at the very end
        "Chile",  # of five
        "the Chile, the Sisi, the United, the Gambia, the G",  # a lead before other tails
        "",
    ],
)
def test_each_path_of_the_scan_finds_what_aho_corasick_finds(text: str) -> None:
    assert found(Automaton(TRICKY), text) == expected(TRICKY, text)


def test_punctuation_in_the_text_is_never_an_anchor() -> None:
    """A spelling led by punctuation ("’Akilisi Pohiva") is anchored on its first
    letter: the lead byte of curly quotes and dashes (one in eight of the benchmark
    text's anchors when it was one) and the apostrophe start no walk. Punctuation
    followed by small letters only is still anchored on its first byte."""
    anchor = Automaton(["’Akilisi Pohiva", "'Akilisi Pohiva", "Biden"])._tables[0]  # type: ignore[index]
    assert not anchor[0xE2] and not anchor[ord("'")]
    assert anchor[ord("A")] and anchor[ord("B")]
    assert Automaton(["'abc"])._tables[0][ord("'")]  # type: ignore[index]


def test_a_spelling_whose_capital_is_past_max_lead_is_found() -> None:
    spelling = "a" * (MAX_LEAD + 4) + "B"
    assert found(Automaton([spelling]), "x " + spelling) == [(0, 2, 2 + len(spelling))]


def test_the_anchors_are_looked_for_eight_bytes_at_a_time_where_they_can_be(
    gazetteer: Gazetteer,
) -> None:
    assert by_words(Automaton(WORDS)._tables[0])  # type: ignore[index]
    assert not by_words(Automaton(TRICKY)._tables[0])  # type: ignore[index]
    for odd in ("中国", "abc", "'abc"):  # anchored on 0xE4, a small letter, an apostrophe
        assert not by_words(Automaton([*WORDS, odd])._tables[0])  # type: ignore[index]
    assert by_words(automaton(gazetteer)._tables[0])  # type: ignore[index]


@BOTH_WAYS
def test_random_texts_find_what_aho_corasick_finds(patterns: list[str]) -> None:
    rng = random.Random(12)
    machine = Automaton(patterns)
    for _ in range(400):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40)))
        assert found(machine, text) == expected(patterns, text), text


def test_a_text_anywhere_is_scanned_alike() -> None:
    """Read eight bytes at a time, the bytes before a text's first whole word and after
    its last one by one: wherever the text starts in its buffer and in memory, and
    however long it is."""
    machine = Automaton(WORDS)
    rng = random.Random(14)
    for _ in range(60):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        want = expected(WORDS, text)
        for shift in range(9):
            data = np.frombuffer(b"x" * shift + text.encode(), dtype=np.uint8)[shift:]
            pattern, start, end = machine.scan(data)  # at another address
            assert list(zip(pattern.tolist(), start.tolist(), end.tolist(), strict=True)) == want
            moved = [(p, shift + s, shift + e) for p, s, e in want]  # after a skipped text
            assert _found_in_texts(machine, ["x" * shift, text], [True, False]) == moved


@BOTH_WAYS
def test_matches_across_the_scan_s_blocks(patterns: list[str]) -> None:
    """The scan gathers anchors block by block: a lead ending one block, its anchor
    starting the next, and a name across the boundary are found all the same."""
    machine = Automaton(patterns)
    for name in ("the Gambia", "United States of America", "al-Sisi", "eSwatini", "Öcalan"):
        for shift in range(len(name) + 9):
            text = "x" * (BLOCK_BYTES - shift) + name + " " + name
            assert found(machine, text) == expected(patterns, text), (name, shift)


def _found_in_texts(
    machine: Automaton, texts: list[str], skip: list[bool]
) -> list[tuple[int, int, int]]:
    """The machine's matches in ``texts`` scanned as one buffer of texts (byte offsets
    into it), the texts where ``skip`` holds passed by."""
    raw = [text.encode() for text in texts]
    starts = np.cumsum([0] + [len(r) for r in raw]).astype(np.int64)
    data = np.frombuffer(b"".join(raw), dtype=np.uint8)
    pattern, start, end = machine.scan(data, starts, np.array(skip, dtype=np.bool_))
    return list(zip(pattern.tolist(), start.tolist(), end.tolist(), strict=True))


@BOTH_WAYS
def test_no_match_runs_from_one_text_into_the_next(patterns: list[str]) -> None:
    """Texts scanned as one buffer are matched each on its own, as Aho-Corasick matches
    each: no spelling across a text's end ("United" + " States", "the " + "Gambia", "al-"
    + "Sisi"), a lead never taken from the text before, and the texts to skip unread,
    however the texts fall across the scan's blocks."""
    rng = random.Random(13)
    machine = Automaton(patterns)
    for round_ in range(300):
        texts = [
            "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
            for _ in range(rng.randint(1, 8))
        ]
        if round_ % 10 == 0:  # a long text: the texts after it start in a later block
            texts.insert(rng.randrange(len(texts)), "x" * (BLOCK_BYTES - rng.randint(0, 9)))
        skip = [rng.random() < 0.3 for _ in texts]
        want = []
        at = 0
        for text, skipped in zip(texts, skip, strict=True):
            if not skipped:
                want += [(p, at + s, at + e) for p, s, e in expected(patterns, text)]
            at += len(text.encode())
        assert _found_in_texts(machine, texts, skip) == want, (texts, skip)
    pairs = ["United", " States", "the ", "Gambia", "al-", "Sisi", "U", "S"]
    assert _found_in_texts(machine, pairs, [False] * 8) == [
        (patterns.index("United"), 0, 6),
        (patterns.index("Gambia"), 17, 23),
        (patterns.index("Sisi"), 26, 30),
    ]


def test_invalid_utf8_and_nul_bytes_are_scanned_as_bytes() -> None:
    data = b"\xff\xfeUnited\x00States \xc3United States\xe2\x80 the Gambia\x80"
    assert found(Automaton(TRICKY), data) == expected(TRICKY, data)


def test_no_spellings_or_no_text_find_nothing() -> None:
    assert found(Automaton([]), TEXT) == []
    assert found(Automaton(PATTERNS), "") == []


def test_an_empty_spelling_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Automaton(["France", ""])


def test_the_gazetteer_s_spellings_in_text_made_of_them(gazetteer: Gazetteer) -> None:
    """Every kind of spelling the seeds hold, run together with the words around names
    and each other's pieces: the scan's filters (two bytes before an anchor, a start's
    first two and four bytes) never drop a match."""
    patterns = automaton(gazetteer).patterns
    rng = random.Random(7)
    words = ["the ", "al-", "van ", "de ", " ", ", ", "\n", "President ", "e", "US"]
    pieces = []
    for _ in range(4_000):
        spelling = rng.choice(patterns)
        cut = rng.randint(0, len(spelling))
        pieces.append(rng.choice([spelling, spelling[:cut], spelling[cut:], rng.choice(words)]))
    text = "".join(pieces)
    assert found(automaton(gazetteer), text) == expected(patterns, text)


@needs_shared(CORPUS)
def test_the_briefings_are_scanned_as_aho_corasick_scans_them(gazetteer: Gazetteer) -> None:
    """8 MB of real text, JSON escapes and all, with every spelling of the seeds."""
    with gzip.open(CORPUS, "rb") as source:
        data = source.read(8_000_000)
    machine = automaton(gazetteer)
    assert found(machine, data) == expected(machine.patterns, data)


def test_per_version_builds_once_per_version_and_keeps_one(gazetteer: Gazetteer) -> None:
    """The automaton and the rules' word lists are made once per gazetteer version; a
    new version (a seeds change) replaces the old one rather than adding to it."""
    from dataclasses import replace

    builds: list[str] = []

    @per_version
    def built(g: Gazetteer) -> object:
        builds.append(g.version)
        return object()

    changed = replace(gazetteer, version="another")
    first = built(gazetteer)
    assert built(gazetteer) is first and builds == [gazetteer.version]
    assert built(changed) is not first
    assert built(gazetteer) is not first  # the old version was dropped, so made again
    assert builds == [gazetteer.version, "another", gazetteer.version]
    assert automaton(gazetteer) is automaton(gazetteer)
