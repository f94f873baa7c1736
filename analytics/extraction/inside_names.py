"""When a country's, capital's or leader's word is part of another name: a place inside
a country (Washington County, the Kyiv region, Malta, N.Y.), a firm (Whitehall Corp.,
Johnson & Johnson), or a person whose given name is a demonym (German Gref).

Like ``context``, every function returns a polars expression over the candidate frame
(``before``, ``after``, ``key``), but ``named_as_person``, which reads a frame of words
and their articles, and the word lists are facts of English, not data
about countries or leaders (MENTIONS.md: a capital inside a name is not the capital).
"""

from __future__ import annotations

import numpy as np
import polars as pl

# Nouns after a capital or a metonym that make it the name of a sub-national place, an
# institution or a firm: Washington County, the Kyiv region, Kyiv Oblast, Lusaka
# Hospital, Whitehall Corp.
PLACE_HEADS: tuple[str, ...] = (
    "County",
    "District",
    "Region",
    "region",
    "Oblast",
    "oblast",
    "Province",
    "province",
    "Governorate",
    "Prefecture",
    "Township",
    "Territory",
    "Hospital",
    "Clinic",
    "Corp",
    "Corporation",
    "Inc",
    "Co",
    "Ltd",
    "Company",
    "Cos",
)
# "the Eastern District of Washington", "the County of Kyiv": a place within a country.
_PLACE_OF = r"(?:District|County|Province|Region|Diocese|Archdiocese|Borough) of\s$"
# A town named after a country or a capital, followed by its U.S. state as wire copy
# writes it (AP abbreviations): Malta, N.Y.; Whitehall, Pa.; Paris, Tenn.; Lebanon, Ky.
# Full state names are left out: "Moscow, New York and London" is a list of capitals.
US_STATES = (
    "Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss "
    "Mo Mont Neb Nev N.H N.J N.M N.Y N.C N.D Okla Ore Pa R.I S.C S.D Tenn Vt Va Wash W.Va "
    "Wis Wyo"
).split()
_US_STATE_AFTER = (
    r"^,\s(?:" + "|".join(s.replace(".", r"\.") for s in US_STATES) + r")\.(?:$|[^\p{L}])"
)
# "Johnson & Johnson", "Marks & Spencer": a firm named after people.
_AMPERSAND_AFTER = r"^(\s*&\s*)(\p{Lu}[\p{L}'’]*)"
_AMPERSAND_BEFORE = r"(\p{Lu}[\p{L}'’]*)(\s*&\s*)$"


def place_name(before: pl.Expr, after: pl.Expr) -> pl.Expr:
    """The capital or metonym is part of the name of a place in the country, an
    institution or a firm (Washington County, Eastern District of Washington, Kyiv
    Oblast, Lusaka Hospital, Whitehall Corp.)."""
    heads = "|".join(PLACE_HEADS)
    return after.str.contains(rf"^\s(?:{heads})(?:$|[^\p{{L}}])") | before.str.contains(_PLACE_OF)


def us_town(after: pl.Expr) -> pl.Expr:
    """The word is a U.S. town's name, followed by its state: Malta, N.Y."""
    return after.str.contains(_US_STATE_AFTER)


def firm_name(before: pl.Expr, after: pl.Expr, key: pl.Expr) -> pl.Expr:
    """The name is joined by an ampersand to a name that is no alias or to itself: a
    firm (Johnson & Johnson, Procter & Gamble), not two leaders ("Truman & Reagan",
    whose gap to the next match is the ampersand alone)."""
    sides = []
    for text, pattern, amp, word, gap in (
        (after, _AMPERSAND_AFTER, 1, 2, "gap_after"),
        (before, _AMPERSAND_BEFORE, 2, 1, "gap_before"),
    ):
        joint = text.str.extract(pattern, amp)
        other = text.str.extract(pattern, word)
        sides.append(
            joint.is_not_null()
            & ((pl.col(gap).fill_null(0) > joint.str.len_chars()) | (other == key))
        )
    return (sides[0] | sides[1]).fill_null(False)


def named_as_person(rows: pl.DataFrame) -> pl.Series:
    r"""For each of ``rows`` (word: the word after a demonym that is a given name, or
    null; context: its article), whether the article itself makes the word someone's
    surname: it stands after Mr/Ms/Mrs/Dr, after an initial (G. Gref), or before a colon
    as a speaker label (German Gref:), so the demonym is that person's first name.

    The full pattern (``(?:(?:Mr|Ms|Mrs|Dr)\.?\s+|\p{Lu}\.\s*)WORD\b|\bWORD:``) is read
    on the articles cheaper ones pick, each a filter of the rows left (a pattern is made
    and compiled for every row it is read on, even a row whose answer is set, and
    Unicode word boundaries make the engine read at a tenth of its speed): the word at
    all; then before a colon, or after Mr/Ms/Mrs/Dr or a full stop (a pattern that
    begins with letters or a full stop gives the engine words to look for first); then
    before a colon, or after the titles or an initial (each of these matches wherever the
    next does: a string holds a match of ``A|B`` where it holds one of A or of B). Read
    as three alternations in turn on every row, a chunk's 51 such rows took 3.0 ms; so,
    1.5."""
    word = pl.col("word").str.replace_all(r"[.*+?()\[\]{}|^$\\]", "")
    context = pl.col("context")
    # The word holds no character a pattern reads as anything but itself: as a literal,
    # "WORD:" is the pattern "WORD:".
    colon = context.str.contains(pl.format("{}:", word), literal=True)
    stages = [
        context.str.contains(word, literal=True),
        colon | context.str.contains(pl.format(r"(?:Mr|Ms|Mrs|Dr|\.)\.?\s*{}", word)),
        colon
        | context.str.contains(pl.format(r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+|\p{{Lu}}\.\s*){}", word)),
        context.str.contains(pl.format(r"\b{}:", word))
        | context.str.contains(pl.format(r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+|\p{{Lu}}\.\s*){}\b", word)),
    ]
    left = (
        rows.select("word", "context")
        .with_row_index("_row")
        .filter(pl.col("word").is_not_null() & context.is_not_null())
    )
    for stage in stages:
        if left.is_empty():
            break
        left = left.filter(stage.fill_null(False))
    found = np.zeros(rows.height, dtype=np.bool_)
    found[left.get_column("_row").to_numpy()] = True
    return pl.Series(found)
