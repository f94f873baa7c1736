"""What surrounds a candidate: the title before it, the word before and after it.

Every function returns a polars expression over the candidate frame's ``before`` and
``after`` columns (the text next to the match), so the rules run vectorised on
candidates only. The words they look for are listed in ``word_lists``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.extraction.word_lists import (
    GEOGRAPHIC_HEADS,
    HONORIFICS,
    NOT_NAMES,
    OFFICE_TITLES,
    OTHER_OFFICES,
    OTHER_TITLES,
    ROLE_OFFICE,
    SPOUSE_TITLES,
)

# "former President Bush", "the late King Hussein": not the incumbent.
_FORMER = r"(?:[Ff]ormer|FORMER|[Ll]ate|LATE|[Ee]x-|EX-|[Tt]hen-?|THEN-?)\s*"


def title_spellings() -> set[str]:
    """Every title as the rules read it before a name: as listed, in capitals, and with
    a small first letter ("former president Trump")."""
    titles: set[str] = set()
    for title in (*OFFICE_TITLES, *OTHER_TITLES):
        titles.update({title, title.upper()})
        if title[0].isupper() and not title.isupper():
            titles.add(title[0].lower() + title[1:])
    return titles


def _title_alternation() -> str:
    ordered = sorted(title_spellings(), key=lambda t: (-len(t), t))
    return "|".join(pl.escape_regex(t).replace(r"\-", "[-‐‑]") for t in ordered)


# The title at the end of the text before a name, and the same pattern with a word's
# edge before it. A regex's capture groups cost more than its match (extracting the
# title as a group took 18.6 ms on a chunk's 137,000 candidates; this, 11.9): the title
# is the whole text where it is all title, else the match less its first character.
_TITLE = rf"(?:{_FORMER})?(?:{_title_alternation()})\s+$"
_TITLE_ONLY = rf"^{_TITLE}"
_TITLE_AT_END = rf"(?:^|[^\p{{L}}]){_TITLE}"
_TITLE_KEY = {t.upper(): office for t, office in OFFICE_TITLES.items()}

# A capitalised word right before the match, one space away.
_PREV_WORD = r"(?:^|[\s(\[\"“‘'/])(\p{Lu}[\p{L}'’]*)\s$"
# An initial right before the match: "Booker T. Washington".
_PREV_INITIAL = r"(?:^|\s)\p{Lu}\.\s$"
_NEXT_WORD = r"^\s(\p{Lu}[\p{L}'’]*)"
_SENTENCE_START = r"(?:^|[.!?:;]\s+|\n\s*|[\"“]\s*)$"
# "the Sea of Japan", "the Gulf of Mexico": a geographic name too.
_GEOGRAPHIC_BEFORE = r"(?:Sea|Gulf|Bay|Straits?|Lake|Isthmus|Sea|SEA|GULF|BAY|STRAITS?) of\s$"
# After a surname, a generational suffix names a relative: "Trump Jr.", "Bush Sr."
_SUFFIX_AFTER = r"^,?\s(?:Jr\.?|Sr\.?|JR\.?|SR\.?|III?|IV)(?:$|[^\p{L}])"
# "the Biden administration", "Biden-Harris Administration", "the Assad regime",
# "Obama-era": the person's government or time in office.
_GOVERNMENT_AFTER = (
    r"^(?:['’]s)?(?:[-‐‑]\p{Lu}[\p{L}]+)?\s+(?:[Aa]dministration|ADMINISTRATION|[Rr]egime|REGIME)"
    r"(?:$|[^\p{L}])|^[-‐‑](?:[Ee]ra|ERA)(?:$|[^\p{L}])"
)
_POSSESSIVE_AFTER = r"^['’](?:s|S)?(?:$|[^\p{L}])"


def only_where(frame: pl.DataFrame, where: pl.Expr, flag: pl.Expr) -> pl.Series:
    """``flag`` for each row of ``frame``, evaluated on the rows where ``where`` holds
    only, and False on the others (and where either is null). polars evaluates every
    branch of an expression on every row: a costly check that matters for a few rows
    ("&" near a name, a name in capitals) is cheaper on those few."""
    return _flag_on(frame, frame.select(where.fill_null(False)).to_series().to_numpy(), flag)


def _flag_on(frame: pl.DataFrame, rows: np.ndarray, flag: pl.Expr) -> pl.Series:
    """``flag`` read on the ``rows`` (a mask) of ``frame``, False on the others; no step
    at all where no row is asked (a step of polars costs some 25 us however few its
    rows, and a batch's rules ask this twenty times). Only the columns the flag reads
    are taken (the frames of the rules hold up to 21, the flags read 2 to 4; one, for a
    flag that reads none). (As one lazy query, the three steps took 130 us against 80.)"""
    out = np.zeros(frame.height, dtype=np.bool_)
    if rows.any():
        read = list(dict.fromkeys(flag.meta.root_names())) or frame.columns[:1]
        found = frame.select(read).filter(pl.Series(rows)).select(flag.fill_null(False))
        out[rows] = found.to_series().to_numpy()
    return pl.Series(out)


def marked(marks: int) -> pl.Expr:
    """True where a row's ``edges`` hold one of the bits ``marks``
    (``analytics.extraction.edges``: each a necessary condition of the checks it
    gates)."""
    return (pl.col("edges") & marks) != 0


def _marked_rows(frame: pl.DataFrame, marks: int) -> np.ndarray:
    """The rows of ``frame`` whose edges hold one of ``marks``, as a mask (read by
    numpy: no step of polars)."""
    return (frame.get_column("edges").to_numpy() & marks) != 0


def only_marked(frame: pl.DataFrame, marks: int, flag: pl.Expr) -> pl.Series:
    """``flag`` read on the rows whose edges hold one of ``marks``, False on the others:
    a check of a context's first or last characters by a regular expression costs the
    same on every row; its bit was read for all of them in one compiled pass."""
    return _flag_on(frame, _marked_rows(frame, marks), flag)


def marked_value(frame: pl.DataFrame, marks: int, value: pl.Expr) -> pl.Series:
    """``value`` for each row of ``frame`` whose edges hold one of ``marks``, read on
    those rows only; null on the others (where ``value`` is null too)."""
    rows = _marked_rows(frame, marks)
    read = list(dict.fromkeys(value.meta.root_names())) or frame.columns[:1]
    found = frame.select(read).filter(pl.Series(rows)).select(value).to_series()
    out = pl.repeat(None, frame.height, dtype=found.dtype, eager=True).alias(found.name)
    return out.scatter(np.flatnonzero(rows), found) if found.len() else out


def has_title(before: pl.Expr) -> pl.Expr:
    """True where a title stands right before the match (``title_text`` is not null)."""
    return before.str.contains(_TITLE_AT_END)


def title_text(before: pl.Expr) -> pl.Expr:
    """The title (and its trailing space) right before the match ('President ',
    'former PM '), or null."""
    return (
        pl.when(before.str.contains(_TITLE_ONLY))
        .then(before)
        .otherwise(before.str.extract(_TITLE_AT_END, 0).str.slice(1))
    )


def office_of_title(title: pl.Expr) -> pl.Expr:
    """The office a title names ('President', 'Prime Minister' ...), or null for honorifics."""
    return _title_core(title).replace_strict(_TITLE_KEY, default=None, return_dtype=pl.String)


def _title_core(title: pl.Expr) -> pl.Expr:
    return (
        title.str.replace(rf"^{_FORMER}", "")
        .str.strip_chars()
        .str.replace_all("[‐‑]", "-")
        .str.to_uppercase()
    )


def office_of_role(role: pl.Expr) -> pl.Expr:
    """The office a term's role is, as titles name it: an acting, interim or co- president
    is a president; a Taoiseach is a prime minister."""
    core = role.str.replace(
        r"^(?:Acting |Interim |Provisional |Transitional Council |Co-|State )", ""
    )
    return core.replace(ROLE_OFFICE)


def title_kind(title: pl.Expr) -> pl.Expr:
    """'office', 'honorific', 'other-office', 'spouse', or null without a title."""
    kinds = {t.upper(): "office" for t in OFFICE_TITLES}
    kinds |= {t.upper(): "honorific" for t in HONORIFICS}
    kinds |= {t.upper(): "other-office" for t in OTHER_OFFICES}
    kinds |= {t.upper(): "spouse" for t in SPOUSE_TITLES}
    return _title_core(title).replace_strict(kinds, default=None, return_dtype=pl.String)


def is_former(title: pl.Expr) -> pl.Expr:
    return title.str.contains(rf"^{_FORMER}").fill_null(False)


# A capitalised word right before the match that starts no sentence and is no
# possessive: with a title excluded (it is found apart), it is part of a name.
_NAME_BEFORE = r"[^\n.!?:;\"“(\[\s]\s+(\p{Lu}[\p{L}]*)\s$"


def word_before(before: pl.Expr) -> pl.Expr:
    """The capitalised word right before the match, unless it starts a sentence."""
    return before.str.extract(_NAME_BEFORE, 1)


def name_before(before: pl.Expr) -> pl.Expr:
    """True when a capitalised word that is part of a person's name stands right before
    the match ("Kamala Harris", "Rob Barrow", "Viet Cong"); not a sentence's first word,
    not a function word of a title-case headline, not a possessive ("Russia's Putin")."""
    word = before.str.extract(_NAME_BEFORE, 1)
    return (word.is_not_null() & ~word.is_in(NOT_NAMES)).fill_null(False)


def prev_word(before: pl.Expr) -> pl.Expr:
    return before.str.extract(_PREV_WORD, 1)


def prev_is_initial(before: pl.Expr) -> pl.Expr:
    return before.str.contains(_PREV_INITIAL)


def next_word(after: pl.Expr) -> pl.Expr:
    return after.str.extract(_NEXT_WORD, 1)


def at_sentence_start(before: pl.Expr) -> pl.Expr:
    return before.str.contains(_SENTENCE_START)


def geographic_name(before: pl.Expr, after: pl.Expr) -> pl.Expr:
    """The country word is part of a sea, strait, river ... name."""
    heads = "|".join(GEOGRAPHIC_HEADS)
    return after.str.contains(rf"^\s(?:{heads}|{heads.upper()})(?:$|[^\p{{L}}])") | (
        before.str.contains(_GEOGRAPHIC_BEFORE)
    )


def thing_name(after: pl.Expr, heads: tuple[str, ...], *, words_between: int = 0) -> pl.Expr:
    """The match begins a name whose head noun is one of ``heads``, with up to
    ``words_between`` capitalised words in between (the Eisenhower Executive Office
    Building)."""
    alternation = "|".join(heads)
    between = rf"(?:\p{{Lu}}[\p{{L}}.'’-]*\s){{0,{words_between}}}" if words_between else ""
    return after.str.contains(rf"^\s{between}(?:{alternation})(?:$|[^\p{{L}}])")


# Capitals right before or after: a headline, a speaker label ("MS. PSAKI:").
_CAPS_BEFORE = r"(?:^|[^\p{L}])\p{Lu}{2,}[^\p{L}]*$"
_CAPS_AFTER = r"^[^\p{L}]*\p{Lu}{2,}(?:$|[^\p{L}])"
_LABEL = r"(?:^|\n)[^\p{L}\n]*$"


def capitals_around(before: pl.Expr, after: pl.Expr) -> pl.Expr:
    """The match stands in capitalised text (a headline, a speaker label), where a name
    in capitals is a name and not an acronym (DOE, MA)."""
    return (
        before.str.contains(_CAPS_BEFORE)
        | after.str.contains(_CAPS_AFTER)
        | (before.str.contains(_LABEL) & after.str.starts_with(":"))
    )


def hyphen_joined(before: pl.Expr, after: pl.Expr) -> pl.Expr:
    """Glued by a hyphen to a capitalised word that is no alias itself: part of a longer
    name (Jean-Pierre, Geerlings-Simons). Next to another alias ("Biden-Harris",
    "Trump-Putin") the gap is the hyphen alone, and that is a compound of two names."""
    return (after.str.contains(r"^[-‐‑]\p{Lu}") & (pl.col("gap_after") > 1)) | (
        before.str.contains(r"\p{Lu}\p{L}*[-‐‑]$") & (pl.col("gap_before") > 1)
    )


# "Hussein al-Sheikh", "Salman bin Hamad": the name goes on, so it is someone's longer name.
_NAME_GOES_ON = (
    r"^\s(?:(?:al|Al|AL|el|El|EL)[-‐‑\s]\p{Lu}"
    r"|(?:bin|ibn|bint|Bin|Ibn|BIN|IBN|ben|Ben)[-‐‑\s]\p{Lu})"
)


def name_goes_on(after: pl.Expr) -> pl.Expr:
    return after.str.contains(_NAME_GOES_ON)


def relative_suffix(after: pl.Expr) -> pl.Expr:
    return after.str.contains(_SUFFIX_AFTER)


def government_after(after: pl.Expr) -> pl.Expr:
    return after.str.contains(_GOVERNMENT_AFTER)


def possessive_after(after: pl.Expr) -> pl.Expr:
    return after.str.contains(_POSSESSIVE_AFTER)
