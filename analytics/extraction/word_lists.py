"""What surrounds a candidate: the title before it, the word before and after it.

Every function returns a polars expression over the candidate frame's ``before`` and
``after`` columns (the text next to the match), so the rules run vectorised on
candidates only. The word lists are language facts, not data about countries or
leaders, so they live here and not in ``seeds/``.
"""

from __future__ import annotations

import polars as pl

# Titles that name an office: "President Bush" is whoever was president on the date.
OFFICE_TITLES: dict[str, str] = {
    "President": "President",
    "President-elect": "President",
    "President-Elect": "President",
    "Prime Minister": "Prime Minister",
    "Prime Minister-elect": "Prime Minister",
    "Prime Minister-designate": "Prime Minister",
    "PM": "Prime Minister",
    "Premier": "Premier",
    "Chancellor": "Chancellor",
    "Taoiseach": "Prime Minister",
    "King": "King",
    "Queen": "Queen",
    "Emperor": "Emperor",
    "Emir": "Emir",
    "Amir": "Emir",
    "Sultan": "Sultan",
    "Grand Duke": "Grand Duke",
    "Pope": "Pope",
    "Supreme Leader": "Supreme Leader",
    "General Secretary": "General Secretary",
    "State Counsellor": "State Counsellor",
}
# Honorifics: after them a surname is resolved like a bare one ("Mr. Modi").
HONORIFICS: tuple[str, ...] = (
    "Mr.",
    "Mr",
    "Ms.",
    "Ms",
    "Madam",
    "Madame",
    "Sir",
    "Dame",
    "Lord",
    "Sheikh",
    "Sheik",
    "Ayatollah",
    "Comrade",
    "Marshal",
    "Field Marshal",
    "General",
    "Gen.",
    "Chairman",
)
# Titles of another office: whoever bears one is not the head of state or government
# then ("Senator Risch" is not Liechtenstein's prime minister), but may have been or
# become one, if the article names them in full ("Vice President Biden").
OTHER_OFFICES: tuple[str, ...] = (
    "Vice President",
    "[Vice] President",
    "Vice-President",
    "Deputy Prime Minister",
    "Vice Premier",
    "Vice Chancellor",
    "Crown Prince",
    "Prince",
    "Princess",
    "Senator",
    "Sen.",
    "Governor",
    "Gov.",
    "Secretary",
    "Minister",
    "Foreign Minister",
    "Defense Minister",
    "Representative",
    "Rep.",
    "Speaker",
    "Mayor",
    "Ambassador",
    "Judge",
    "Justice",
)
# Words that make the name someone's spouse or another person: "Mrs. Kishida", "Dr.
# Biden" (Jill Biden), "First Lady Biden". Never the leader.
SPOUSE_TITLES: tuple[str, ...] = (
    "Mrs.",
    "Mrs",
    "Dr.",
    "Dr",
    "Madame",
    "First Lady",
    "Second Gentleman",
)
OTHER_TITLES: tuple[str, ...] = HONORIFICS + OTHER_OFFICES + SPOUSE_TITLES
# "former President Bush", "the late King Hussein": not the incumbent.
_FORMER = r"(?:[Ff]ormer|FORMER|[Ll]ate|LATE|[Ee]x-|EX-|[Tt]hen-?|THEN-?)\s*"


def _title_alternation() -> str:
    titles: set[str] = set()
    for title in (*OFFICE_TITLES, *OTHER_TITLES):
        titles.update({title, title.upper()})
        if title[0].isupper() and not title.isupper():
            titles.add(title[0].lower() + title[1:])  # "former president Trump"
    ordered = sorted(titles, key=lambda t: (-len(t), t))
    return "|".join(pl.escape_regex(t).replace(r"\-", "[-‐‑]") for t in ordered)


_TITLE_AT_END = rf"(?:^|[^\p{{L}}])((?:{_FORMER})?(?:{_title_alternation()})\s+)$"
_TITLE_KEY = {t.upper(): office for t, office in OFFICE_TITLES.items()}

# A capitalised word right before the match, one space away.
_PREV_WORD = r"(?:^|[\s(\[\"“‘'/])(\p{Lu}[\p{L}'’]*)\s$"
# An initial right before the match: "Booker T. Washington".
_PREV_INITIAL = r"(?:^|\s)\p{Lu}\.\s$"
_NEXT_WORD = r"^\s(\p{Lu}[\p{L}'’]*)"
_SENTENCE_START = r"(?:^|[.!?:;]\s+|\n\s*|[\"“]\s*)$"

# Nouns that make a geographic name of a country word: the South China Sea, the Korean
# Peninsula, the Jordan River (MENTIONS.md: geographic names do not count).
GEOGRAPHIC_HEADS: tuple[str, ...] = (
    "Sea",
    "Seas",
    "Strait",
    "Straits",
    "Gulf",
    "Peninsula",
    "Ocean",
    "River",
    "Valley",
    "Basin",
    "Plateau",
    "Desert",
    "Channel",
    "Canal",
    "Sound",
    "Bay",
    "Lake",
    "Delta",
    "Highlands",
    "Mountains",
    "Rift",
    "Trench",
    "Isthmus",
    "Archipelago",
)
_GEOGRAPHIC_BEFORE = r"(?:Sea|Gulf|Bay|Straits?|Lake|Isthmus|Sea|SEA|GULF|BAY|STRAITS?) of\s$"
# Nouns that make the name of a thing of a capital: The Washington Post, the Paris
# Agreement, the Minsk format (MENTIONS.md: a capital inside a name does not count).
NAME_HEADS: tuple[str, ...] = (
    "Post",
    "Times",
    "Journal",
    "Examiner",
    "Herald",
    "Tribune",
    "Telegraph",
    "Gazette",
    "Independent",
    "Agreement",
    "Agreements",
    "Accord",
    "Accords",
    "Climate",
    "Protocol",
    "Protocols",
    "Convention",
    "Declaration",
    "Consensus",
    "Treaty",
    "Format",
    "Principles",
    "Process",
    "Club",
    "Stock",
    "Exchange",
    "Airport",
    "University",
    "College",
    "School",
    "Institute",
    "Nationals",
    "Commanders",
    "Wizards",
    "Capitals",
    "Mystics",
    "Monument",
    "Metro",
    "Zoo",
    "Marathon",
    "Olympics",
    "Olympic",
    "Games",
    "Summit",
    "Conference",
    "Charter",
    "Pact",
    "Memorandum",
    "Communiqué",
    "Initiative",
    "Forum",
    "Group",
    "Statement",
    "Rules",
    "Dulles",
    "National",
    "Center",
    "Centre",
    "Consensus",
    "Mall",
    "Policy",
    "Wall",
    "Airlift",
    "agreement",
    "agreements",
    "accord",
    "accords",
    "format",
    "protocol",
    "consensus",
    "declaration",
)
# Words after a leader's surname that make a thing named after the person
# (Kennedy Airport, Lenin Avenue, Trump Tower: MENTIONS.md, these do not count).
NAMED_AFTER_HEADS: tuple[str, ...] = (
    "Airport",
    "Avenue",
    "Boulevard",
    "Bridge",
    "Building",
    "Center",
    "Centre",
    "Foundation",
    "Hospital",
    "Hotel",
    "Institute",
    "Library",
    "Memorial",
    "Monument",
    "Museum",
    "Park",
    "Plaza",
    "School",
    "Square",
    "Stadium",
    "Street",
    "Tower",
    "Towers",
    "University",
    "Highway",
    "Expressway",
    "Station",
    "Hall",
    "Dam",
    "Mosque",
    "Organization",
    "Road",
)
# After a surname, a generational suffix names a relative: "Trump Jr.", "Bush Sr."
_SUFFIX_AFTER = r"^,?\s(?:Jr\.?|Sr\.?|JR\.?|SR\.?|III?|IV)(?:$|[^\p{L}])"
# "the Biden administration", "Biden-Harris Administration", "the Assad regime",
# "Obama-era": the person's government or time in office.
_GOVERNMENT_AFTER = (
    r"^(?:['’]s)?(?:[-‐‑]\p{Lu}[\p{L}]+)?\s+(?:[Aa]dministration|ADMINISTRATION|[Rr]egime|REGIME)"
    r"(?:$|[^\p{L}])|^[-‐‑](?:[Ee]ra|ERA)(?:$|[^\p{L}])"
)
_POSSESSIVE_AFTER = r"^['’](?:s|S)?(?:$|[^\p{L}])"
_WORD_CHAR = r"[\p{L}\p{N}_]"


def glued(before: pl.Expr, after: pl.Expr) -> pl.Expr:
    """True where the match is part of a longer word ("Kimberly", "AMBUSH")."""
    return before.str.contains(f"{_WORD_CHAR}$") | after.str.contains(f"^{_WORD_CHAR}")


def title_text(before: pl.Expr) -> pl.Expr:
    """The title (and its trailing space) right before the match ('President ',
    'former PM '), or null."""
    return before.str.extract(_TITLE_AT_END, 1)


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


# Roles of leader_terms.csv that name the same office as a title in the text.
_ROLE_OFFICE = {
    "Taoiseach": "Prime Minister",
    "Chairman of the Council of Ministers": "Prime Minister",
    "President of the Council of Ministers": "Prime Minister",
    "Chairman of the Cabinet of Ministers": "Prime Minister",
    "Head of Government": "Prime Minister",
    "Head of State": "President",
    "President of the Presidency": "President",
    "First Secretary": "General Secretary",
}


def office_of_role(role: pl.Expr) -> pl.Expr:
    """The office a term's role is, as titles name it: an acting, interim or co- president
    is a president; a Taoiseach is a prime minister."""
    core = role.str.replace(
        r"^(?:Acting |Interim |Provisional |Transitional Council |Co-|State )", ""
    )
    return core.replace(_ROLE_OFFICE)


def title_kind(title: pl.Expr) -> pl.Expr:
    """'office', 'honorific', 'other-office', 'spouse', or null without a title."""
    kinds = {t.upper(): "office" for t in OFFICE_TITLES}
    kinds |= {t.upper(): "honorific" for t in HONORIFICS}
    kinds |= {t.upper(): "other-office" for t in OTHER_OFFICES}
    kinds |= {t.upper(): "spouse" for t in SPOUSE_TITLES}
    return _title_core(title).replace_strict(kinds, default=None, return_dtype=pl.String)


def is_former(title: pl.Expr) -> pl.Expr:
    return title.str.contains(rf"^{_FORMER}").fill_null(False)


# Capitalised words that may stand before a leader's surname without being a first
# name: function words of title-case headlines, days and months.
_NOT_NAMES = (
    "The A An And Or But Nor Of In On At For With By From To As After Before Under Over "
    "Between Against Without About Into Than Like If When While Because Since Why How What "
    "Who Whom Whose Which Where That This These Those His Her Their Our My Your Its Not No "
    "Yes Even Only Also Then Now So Said Says Say Thank Thanks Dear Welcome Via Per Vs "
    "Both Either Neither Every Each All Any Some Many Most More Much Such Other Another "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December Is Was Are Were Will Would "
    "Can Could Should Must Has Have Had Do Does Did Let Here There"
).split()
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
    return (word.is_not_null() & ~word.is_in(_NOT_NAMES)).fill_null(False)


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
