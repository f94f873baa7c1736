"""The bits of a context's edges are necessary conditions of the checks they gate."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from analytics.extraction import edges as E
from analytics.extraction.context import (
    geographic_name,
    government_after,
    has_title,
    hyphen_joined,
    name_before,
    name_goes_on,
    next_word,
    possessive_after,
    prev_is_initial,
    prev_word,
    relative_suffix,
    thing_name,
    title_text,
    word_before,
)
from analytics.extraction.edge_kernels import edge_marks
from analytics.extraction.inside_names import firm_name, place_name, us_town
from analytics.extraction.word_lists import NAME_HEADS, NAMED_AFTER_HEADS
from analytics.utf8 import utf8_buffer

before, after = pl.col("before"), pl.col("after")

# Each gate as the rules use it: the bits, and the check read where one of them is set
# (where the rules look a word up, here any word found).
GATES = {
    "sea or town": (
        E.AFTER_GEOGRAPHIC_HEAD | E.BEFORE_OF | E.AFTER_STATE,
        geographic_name(before, after) | us_town(after),
    ),
    "place": (E.AFTER_PLACE_HEAD | E.BEFORE_OF, place_name(before, after)),
    "person": (
        E.BEFORE_TITLE | E.BEFORE_NAME | E.BEFORE_INITIAL | E.AFTER_CAPITAL | E.AFTER_NAME_HEAD,
        has_title(before)
        | word_before(before).is_not_null()
        | prev_word(before).is_not_null()
        | prev_is_initial(before)
        | next_word(after).is_not_null()
        | thing_name(after, NAME_HEADS),
    ),
    "title": (E.BEFORE_TITLE, title_text(before).is_not_null() | has_title(before)),
    "untitled name": (
        E.BEFORE_NAME | E.BEFORE_INITIAL,
        name_before(before) | prev_word(before).is_not_null() | prev_is_initial(before),
    ),
    "firm": (E.AMPERSAND, firm_name(before, after, pl.col("key"))),
    "thing": (E.AFTER_CAPITAL, thing_name(after, NAMED_AFTER_HEADS, words_between=3)),
    "hyphen": (E.AFTER_DASH | E.BEFORE_DASH, hyphen_joined(before, after)),
    "ticker": (E.TICKER, before.str.ends_with("<") & after.str.starts_with(">")),
    "suffix": (E.AFTER_SUFFIX, relative_suffix(after)),
    "particle": (E.AFTER_PARTICLE, name_goes_on(after)),
    "government": (E.AFTER_GOVERNMENT, government_after(after)),
    "possessive": (E.AFTER_APOSTROPHE, possessive_after(after)),
}

# Pieces of context near a name, with the spaces, dashes and apostrophes outside ASCII
# that a regular expression reads as ``\s``, ``[-‐‑]`` or ``['’]``.
PIECES = [
    *[" ", "  ", "\n", "\t", "\u00a0", "\u2009", "\u3000", "\u202f", "\u0085", "\x1c"],
    *[",", "'", "’", "-", "‐", "‑", "—", "<", ">", ".", ":", "(", '"', "&", " & ", "“"],
    *["of", "Sea", "SEA", "Gulf", "Bay", "Strait", "Peninsula", "Administration"],
    *["administration", "ADMINISTRATION", "Regime", "regime", "era", "Era", "ERA", "s"],
    *["S", "Jr.", "Jr", "Sr", "JR", "III", "II", "IV", "al", "Al", "EL", "el", "bin"],
    *["Ibn", "BIN", "ben", "Pa.", "N.Y.", "Ky.", "Wash.", "Airport", "Street", "Tower"],
    *["Hall", "Foundation", "Agreement", "agreement", "accord", "Post", "County"],
    *["region", "Oblast", "Hospital", "Corp", "Co", "District", "President", "president"],
    *["PRESIDENT", "Prime", "Minister", "Mr.", "Mrs", "MR.", "former", "ex-", "Vice"],
    *["Sheikh", "King", "Gov.", "Dr.", "then-", "É", "Émile", "Ørsted", "x", "and"],
    *["said", "the", "Biden", "Harris", "Johnson", "Hunter", "Kamala", "T.", "Ö.", "B", "O'Neil"],
]


def _marks(frame: pl.DataFrame) -> np.ndarray:
    b_data, b_offsets = utf8_buffer(frame.get_column("before"))
    a_data, a_offsets = utf8_buffer(frame.get_column("after"))
    return edge_marks(b_data, b_offsets[:-1], b_offsets[1:], a_data, a_offsets[:-1], a_offsets[1:])


def _contexts(count: int, seed: int) -> pl.DataFrame:
    rng = random.Random(seed)

    def text() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 5)))

    return pl.DataFrame(
        {
            "before": [text() for _ in range(count)],
            "after": [text() for _ in range(count)],
            "gap_before": [rng.choice([0, 1, 5]) for _ in range(count)],
            "gap_after": [rng.choice([0, 1, 5]) for _ in range(count)],
            "key": [rng.choice(["Johnson", "Biden", "Harris"]) for _ in range(count)],
        }
    )


@pytest.mark.parametrize("name", list(GATES))
def test_every_context_a_check_holds_for_has_its_bit(name: str) -> None:
    bits, check = GATES[name]
    frame = _contexts(20_000, seed=len(name))
    holds = frame.select(check.fill_null(False)).to_series().to_numpy()
    marked = (_marks(frame) & bits) != 0
    assert holds.any(), "the random contexts never meet the check: the test proves nothing"
    missed = frame.filter(pl.Series(holds & ~marked))
    assert missed.is_empty(), missed.head(5).to_dicts()


@pytest.mark.parametrize(
    ("before_text", "after_text", "present", "absent"),
    [
        ("the Sea of\u00a0", " Japan", E.BEFORE_OF | E.AFTER_CAPITAL, E.AFTER_GEOGRAPHIC_HEAD),
        ("the Sea of ", "\u2009Gulf", E.BEFORE_OF | E.AFTER_GEOGRAPHIC_HEAD, E.BEFORE_NAME),
        ("", "’s rule", E.AFTER_APOSTROPHE | E.AFTER_GOVERNMENT, E.AFTER_CAPITAL),
        ("", "’t", E.AFTER_APOSTROPHE, E.AFTER_GOVERNMENT),
        ("Jean‑", "‑Era", E.BEFORE_DASH | E.AFTER_DASH | E.AFTER_GOVERNMENT, E.TICKER),
        ("<", ">", E.TICKER, E.AFTER_DASH),
        ("<", " x", 0, E.TICKER),
        ("", ", Jr.", E.AFTER_SUFFIX, E.AFTER_CAPITAL),
        ("", ", and", 0, E.AFTER_SUFFIX | E.AFTER_STATE),
        ("", ", N.Y.", E.AFTER_STATE, E.AFTER_SUFFIX),
        ("", "-led", E.AFTER_DASH, E.AFTER_GOVERNMENT),
        ("", "'t", E.AFTER_APOSTROPHE, E.AFTER_GOVERNMENT),
        ("said O'Neil ", "", E.BEFORE_NAME, 0),
        ("said iPhone ", "", 0, E.BEFORE_NAME),
        ("the U.S. ", "", 0, E.BEFORE_NAME),
        ("", " al-Sheikh", E.AFTER_PARTICLE, E.AFTER_CAPITAL),
        ("", "  Administration", E.AFTER_GOVERNMENT, E.AMPERSAND),
        ("", " administration", E.AFTER_GOVERNMENT, E.AFTER_CAPITAL),
        ("", " Biden said", E.AFTER_CAPITAL, E.AFTER_NAME_HEAD),
        ("", " agreement", E.AFTER_NAME_HEAD, E.AFTER_CAPITAL),
        ("", " Oblast", E.AFTER_PLACE_HEAD | E.AFTER_CAPITAL, E.AFTER_PARTICLE),
        ("said President ", "", E.BEFORE_TITLE | E.BEFORE_NAME, E.BEFORE_OF),
        ("the ex-President  ", "", E.BEFORE_TITLE, E.BEFORE_NAME),
        ("met Hunter ", "", E.BEFORE_NAME, E.BEFORE_INITIAL),
        ("Booker T. ", "", E.BEFORE_INITIAL, E.BEFORE_OF | E.BEFORE_NAME),
        ("Göran Ö. ", "", E.BEFORE_INITIAL, E.BEFORE_OF),
        ("of the ", "", 0, E.BEFORE_NAME | E.BEFORE_OF),
        ("Johnson & ", " &Johnson", E.AMPERSAND, E.BEFORE_NAME),
        ("said ", " said", 0, -1),
        ("", "", 0, -1),
        ("", "—Sea", 0, -1),
    ],
)
def test_marks_of_edges(before_text: str, after_text: str, present: int, absent: int) -> None:
    frame = pl.DataFrame({"before": [before_text], "after": [after_text]})
    marks = int(_marks(frame)[0])
    assert marks & present == present
    assert marks & absent == 0


def test_candidates_carry_the_marks_of_their_contexts_as_the_rules_read_them() -> None:
    """Plain texts and copies (a wrapped line's context made plain) alike."""
    from analytics.extraction.automaton import Automaton
    from analytics.extraction.matcher import candidate_spans

    automaton = Automaton(["Biden", "Japan"])
    fields = pl.DataFrame(
        {
            "doc": [0, 1],
            "field": ["text", "text"],
            "value": [
                "the Sea of Japan, Biden-era",
                "the Sea of\n    Japan\u2019s Biden\n  Administration",
            ],
        }
    )
    found = candidate_spans(fields, automaton)
    assert found.get_column("edges").to_list() == _marks(found).tolist()
    by_surface = dict(zip(found["surface"].to_list(), found["edges"].to_list(), strict=False))
    assert by_surface["Japan"] & E.BEFORE_OF
    assert found.height == 4
