"""When a country's, capital's or leader's word is part of another name: a place inside
a country (Washington County, the Kyiv region, Malta, N.Y.), a firm (Whitehall Corp.,
Johnson & Johnson), or a person whose given name is a demonym (German Gref).

Like ``context``, every function returns a polars expression over the candidate frame
(``before``, ``after``, ``key``), and the word lists are facts of English, not data
about countries or leaders (MENTIONS.md: a capital inside a name is not the capital).
"""

from __future__ import annotations

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


def named_as_person(next_word: pl.Expr, context: pl.Expr) -> pl.Expr:
    """The next word is someone's surname by the article's own evidence: it stands after
    Mr/Ms, after an initial (G. Gref), or before a colon as a speaker label (German
    Gref:), so a demonym that is a given name before it is that person's first name."""
    word = next_word.str.replace_all(r"[.*+?()\[\]{}|^$\\]", "")
    # Unicode word boundaries make the regex engine read the article at a tenth of its
    # speed, so the pattern without them (it matches wherever the full one does) picks
    # the few articles the full one must read; and the loose one, whose capital-letter
    # class gives the engine no words to look for first, reads at half the speed of a
    # pattern that starts with the titles' words or the initial's full stop (it matches
    # wherever the loose one does), which picks the articles the loose one must read.
    rough = pl.format(r"(?:Mr|Ms|Mrs|Dr|\.)\.?\s*{}|{}:", word, word)
    loose = pl.format(r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+|\p{{Lu}}\.\s*){}|{}:", word, word)
    pattern = pl.format(r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+|\p{{Lu}}\.\s*){}\b|\b{}:", word, word)
    rough_match = context.str.contains(rough).fill_null(False)
    maybe = pl.when(rough_match).then(context).str.contains(loose).fill_null(False)
    exact = pl.when(maybe).then(context).str.contains(pattern).fill_null(False)
    return next_word.is_not_null() & maybe & exact
