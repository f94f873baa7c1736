"""Spellings: how one alias is written in news text, and the key a match is looked up by.

The seed files list each name once; the spellings that only differ by typography
(curly apostrophes, Unicode hyphens) or by a regular transliteration choice
(Mohammed / Muhammad / Mohamed, al- / Al-) are generated here, so a user adding a
leader does not have to list them.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import product

import polars as pl

# One given name, many transliterations; news uses all of them for the same person.
_MOHAMMED = ("Mohammed", "Mohammad", "Muhammad", "Mohamed", "Mohamad", "Muhammed")
# The Arabic article before a family name, written every way news writes it:
# "al-Sudani", "Al-Sudani", "Al Sudani", "el-Sisi", "El-Sisi", "El Sisi".
_ARTICLES = ("al-", "Al-", "Al ", "el-", "El-", "El ")
_APOSTROPHES = ("'", "’")
# Letters that lose more than an accent when news types a name in ASCII; German umlauts
# are written with an e by the wire services (Schlueter, von Weizsaecker) as well as
# bare (Schluter), and the Croatian đ as dj (Tudjman) as well as d (Tudman).
_ASCII_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ð": "d",
        "þ": "th",
    }
)
_WIRE_LETTERS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "đ": "dj", "Đ": "Dj"}
)
_HYPHENS = ("-", "‐", "‑")


# Every whitespace run as one space. The same as replacing r"\s+", five times faster on
# prose: a single plain space, most of them, is no match and is left alone.
_SPACE_RUN = r"\s{2,}|[\s&&[^ ]]"


def one_space(expr: pl.Expr) -> pl.Expr:
    """``expr`` with every whitespace run (line breaks, tabs, odd spaces) one space."""
    return expr.str.replace_all(_SPACE_RUN, " ")


# A context pattern simple enough to read on the text as written: letters, digits,
# quotes, "-", ",", "&", escaped dots, classes of letters and quotes ("[Dd]"), groups
# (no flags: "(?x)" would drop its spaces), alternatives and quantifiers, and spaces
# each right between two of its letters (or quotes, classes, escaped dots): so no part
# of it but a space matches whitespace, and no match holds two spaces side by side.
_LITERAL = r"[^\W_]|['’\-,&]"
_NEXT_TO_SPACE = rf"(?:{_LITERAL}|\\\.|\[(?:[^\W_]|['’])+\])"
_SIMPLE_TOKEN = re.compile(
    rf"(?P<space>(?<={_LITERAL}|\.|\]) (?={_NEXT_TO_SPACE}))"
    rf"|{_NEXT_TO_SPACE}|\(\?:|\((?!\?)|[)|?*+]"
)


def spaced_pattern(pattern: str) -> str | None:
    """A regex that matches a text wherever ``pattern`` matches its ``one_space`` copy,
    for a pattern simple enough to be sure of it (see _SIMPLE_TOKEN), else None: each
    of its spaces, always between two characters that are not whitespace, becomes a
    whitespace run. A text is then read as written, not copied (the articles that ask
    for a country's context were 8% of the rules' time)."""
    spaced, at = [], 0
    for token in _SIMPLE_TOKEN.finditer(pattern):
        if token.start() != at:
            return None
        spaced.append(r"\s+" if token.group("space") else token.group())
        at = token.end()
    return "".join(spaced) if at == len(pattern) else None


def normalise_surface(expr: pl.Expr) -> pl.Expr:
    """The key under which a matched surface is looked up: one space, straight quotes,
    ASCII hyphens."""
    return one_space(expr).str.replace_all("[’‘`]", "'").str.replace_all("[‐‑–]", "-")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_LETTERS))
    return "".join(c for c in folded if not unicodedata.combining(c))


def plain_spellings(alias: str) -> list[str]:
    """The alias and the ways wire copy types it without diacritics: accents dropped
    (Erdogan, Walesa) and umlauts and đ spelled out (Schlueter, Tudjman)."""
    return sorted({alias, _ascii(alias), _ascii(alias.translate(_WIRE_LETTERS))})


def _article_variants(alias: str) -> set[str]:
    words = alias.split(" ")
    slots = [i for i, w in enumerate(words) if w[:3] in ("al-", "Al-", "el-", "El-") and len(w) > 3]
    if not slots:
        return {alias}
    out = set()
    for article in _ARTICLES:
        new = list(words)
        for i in slots:
            new[i] = article + words[i][3:]
        out.add(" ".join(new))
    return out


def alias_spellings(alias: str, *, full_name: bool, article: bool = False) -> list[str]:
    """The alias and its regular transliteration variants: for full names of people the
    Arabic article (al-/el-), "bin"/"Bin" and Mohammed's spellings; for surnames
    (``article``) the Arabic article only."""
    alias = " ".join(alias.split())
    if not full_name:
        return sorted(_article_variants(alias)) if article else [alias]
    if " bin " in alias or " Bin " in alias:
        alias_forms = {alias.replace(" Bin ", " bin "), alias.replace(" bin ", " Bin ")}
    else:
        alias_forms = {alias}
    spellings = set()
    for variant in {v for a in alias_forms for v in _article_variants(a)}:
        words = variant.split(" ")
        slots = [i for i, w in enumerate(words) if w in _MOHAMMED]
        if not slots:
            spellings.add(variant)
            continue
        for name in _MOHAMMED:
            spellings.add(" ".join(name if i in slots else w for i, w in enumerate(words)))
    return sorted(spellings)


def typographic_variants(alias: str, *, hyphens: bool = False) -> list[str]:
    """Every way the (normalised) alias can be typed: straight or curly apostrophes and,
    with ``hyphens``, ASCII or Unicode hyphens (the matcher makes Unicode hyphens ASCII
    in the text instead, so patterns need not). Each variant has the alias's length."""
    apostrophes = _APOSTROPHES if "'" in alias else ("'",)
    dashes = _HYPHENS if hyphens and "-" in alias else ("-",)
    return sorted({alias.replace("'", a).replace("-", h) for a, h in product(apostrophes, dashes)})
