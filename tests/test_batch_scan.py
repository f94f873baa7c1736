"""``batch_scan.batch_facts`` against what it replaced: ``bytes.count`` of line breaks
and the regular expression that finds a title, text or date given as no string."""

from __future__ import annotations

import random
import re

import pytest

from jobs.batch_scan import batch_facts

NOT_A_STRING = re.compile(rb'"(?:title|text|published|published_time)"\s*:\s*[^"\sn]')
# Keys and near misses, quotes, colons, every kind of whitespace, values of each type.
PIECES = [
    b'"title"',
    b'"text"',
    b'"published"',
    b'"published_time"',
    b'"publish"',
    b'"titles"',
    b'\\"title\\"',
    b'"',
    b":",
    b" ",
    b"\t",
    b"\n",
    b"\r",
    b"\x0b",
    b"\x0c",
    b"null",
    b"1",
    b"[",
    b"{",
    b"t",
    b"\xc3\xa9",
    b"x",
]


def expected(data: bytes) -> tuple[int, bool]:
    return data.count(b"\n"), bool(NOT_A_STRING.search(data))


@pytest.mark.parametrize("seed", range(8))
def test_facts_are_what_the_count_and_the_search_tell(seed: int) -> None:
    rng = random.Random(seed)
    typed = 0
    for _ in range(400):
        data = b"".join(rng.choices(PIECES, k=rng.randint(0, 40)))
        assert batch_facts(data) == expected(data), data
        typed += expected(data)[1]
    assert 10 < typed < 390  # both answers, plenty of each


def test_a_match_is_found_at_every_place_of_a_word_and_at_the_end() -> None:
    """The pattern and its near misses at every offset, the value at the very end or
    cut off by it, in real lines of the input."""
    line = b'{"id": "a", "title": "Kyiv", "text": "Russia.", "published": null}\n'
    pieces = [b'"title": 1', b'"text" :\t[', b'"published_time":\n{', b'"title": "x"']
    pieces += [b'"text": null', b'"title":', b'"title": ', b'"text"', b'x"title": t']
    for piece in pieces:
        for lead in range(17):
            data = line * 2 + b" " * lead + piece
            assert batch_facts(data) == expected(data), data
    assert batch_facts(b"") == (0, False)
    assert batch_facts(line * 1000) == (1000, False)
