"""Leader rules: who a name refers to, resolved by the article and its date.

A full name or a short name (``Lula``, ``MBS``) names its leader outright. A surname
is resolved in two passes, each a cascade where the first step that leaves exactly
one leader for a span decides it (the step is the mention's ``rule``):

1. after an office title ("President Bush", "Prime Minister Johnson"): the leader
   with that surname who held that office on the article's date (``title+in-office``;
   skipped after "former"), else the one named in full in the article
   (``title+named-in-article``), else the only one who ever held that office
   (``title+only-holder``), else the one whose country the article mentions
   (``title+country-in-article``), else the latest holder before the date
   (``title+latest-holder``);
2. bare, or after an honorific (``Mr.``, ``Vice President``): the leader named in full
   or by title in the article (``surname+named-in-article``); failing that, a surname
   that is common (``common_names.csv``, or shared by three leaders), that is also a
   country word (Montenegro), or that another person in the article bears (Hunter
   Biden) is not counted; otherwise the leader in office on the date
   (``surname+in-office``), the only leader of that name
   (``surname+only-leader-of-that-name``), the one whose country the article
   mentions (``surname+country-in-article``), or the latest to take office before the
   date (``surname+latest-holder``).

Never a leader: a surname after a given name or an initial (Hunter Biden, Dustin
Johnson), or followed by Jr./Sr.; for names written surname first (Kim Jong Un) a
surname followed by another given name (Kim Yo Jong); a name followed by Airport,
Tower, Street ... (Kennedy Airport).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from analytics.extraction.context import (
    capitals_around,
    government_after,
    has_title,
    hyphen_joined,
    is_former,
    marked,
    marked_value,
    name_before,
    name_goes_on,
    next_word,
    office_of_role,
    office_of_title,
    only_marked,
    only_where,
    possessive_after,
    prev_is_initial,
    prev_word,
    relative_suffix,
    thing_name,
    title_kind,
    title_text,
)
from analytics.extraction.country_rules import name_sets
from analytics.extraction.edges import (
    AFTER_APOSTROPHE,
    AFTER_CAPITAL,
    AFTER_DASH,
    AFTER_GOVERNMENT,
    AFTER_PARTICLE,
    AFTER_SUFFIX,
    AMPERSAND,
    BEFORE_DASH,
    BEFORE_INITIAL,
    BEFORE_NAME,
    BEFORE_TITLE,
    TICKER,
)
from analytics.extraction.gazetteer import Gazetteer, per_version
from analytics.extraction.inside_names import firm_name
from analytics.extraction.word_lists import NAMED_AFTER_HEADS
from analytics.utf8 import utf8_buffer

# Capitalised words that may follow a surname-first name without making it another
# person's name ("Xi Administration", "Kim Regime").
_GOVERNMENT_WORDS = ("Administration", "Regime", "Government", "Era", "ADMINISTRATION", "REGIME")


# The G20 members: world news names their leaders by surname alone ("Trump's tariffs",
# "Modi said", "Obama-era", "President Kennedy") without naming the country, so such a
# leader's surname counts without the country in the article (an "uncommon" one only in
# office); elsewhere ("Risch", "Barrow", "Talon") the article must mention the country.
G20 = "ARG AUS BRA CAN CHN DEU FRA GBR IDN IND ITA JPN KOR MEX RUS SAU TUR USA ZAF".split()


def _title_as_written(titled: pl.DataFrame) -> pl.Series:
    """The title as the text writes it, for rows with a title and a context as written
    (before_written): in a wrapped text ("Prime\\n    Minister ") the end of that
    context that holds as many characters that are not whitespace as the title (null
    where it holds fewer). Found by a compiled loop: a regular expression made for each
    row's count took 0.1 s of a 31 MB chunk of wrapped text."""
    from analytics.extraction.copy_kernels import title_starts
    from analytics.extraction.span_kernels import gather

    data, offsets = utf8_buffer(titled.get_column("before_written"))
    titles, title_offsets = utf8_buffer(titled.get_column("title"))
    starts = title_starts(data, offsets, titles, title_offsets)
    found = starts >= 0
    cut_offsets, cut = gather(data, np.where(found, starts, offsets[1:]), offsets[1:])
    array = pa.LargeStringArray.from_buffers(
        titled.height, pa.py_buffer(cut_offsets), pa.py_buffer(cut)
    )
    return pl.Series("title", array).set(pl.Series(~found), None)


def with_titles(mentions: pl.DataFrame) -> pl.DataFrame:
    """``mentions`` (start_pos, surface, before_written, title: the title before a
    leader's name as the rules read it, or null) with each title made part of its
    mention, as written: "Prime\\n    Minister Trudeau" starts at "Prime"."""
    # Only a text whose whitespace was made plain (before_written) may write its title
    # otherwise than the rules read it: those few rows' titles are read anew and set in
    # place, the rows not filtered apart and put back together.
    wrapped = mentions.select(
        pl.col("title").is_not_null() & pl.col("before_written").is_not_null()
    ).to_series()
    if wrapped.any():
        rows = wrapped.arg_true()
        mentions = mentions.with_columns(
            mentions.get_column("title").scatter(rows, _title_as_written(mentions[rows]))
        )
    # Made on the titled rows only (a tenth of a chunk's 108,000 mentions) and set in
    # place: chosen row by row over all of them, 4.4 ms; so, 2.2.
    titled = mentions.get_column("title").is_not_null().arg_true()
    if titled.is_empty():
        return mentions
    title = pl.col("title")
    made = mentions[titled].select(
        pl.col("start_pos") - title.str.len_chars().cast(pl.Int64),
        pl.concat_str(title, "surface").alias("surface"),
    )
    return mentions.with_columns(
        mentions.get_column(name).scatter(titled, made.get_column(name))
        for name in ("start_pos", "surface")
    )


def _evidenced(nicknames: pl.DataFrame, established: pl.Series) -> pl.DataFrame:
    """The nicknames (Ike, Fidel, HBJ) that name their leader: after an office title or
    honorific ("President Ike"), or in an article that names the leader in full or by
    title ("Fidel Castro ... Fidel said": ``established``, of ``_ARTICLE_LEADER``)."""
    # The title read once and its kind once (each read where the rows were filtered and
    # again for each column made: 3 ms of a chunk's rules for its ten nicknames).
    rows = nicknames.with_columns(title=title_text(pl.col("before"))).with_columns(
        by_title=title_kind(pl.col("title")).is_in(["office", "honorific"]).fill_null(False),
        named_in_article=_ARTICLE_LEADER.is_in(established.implode()),
    )
    by_title = pl.col("by_title")
    return (
        rows.filter(by_title | pl.col("named_in_article"))
        .with_columns(
            form=pl.lit("short"),
            rule=pl.when(by_title)
            .then(pl.lit("short-name+title"))
            .otherwise(pl.lit("short-name+named-in-article")),
            title=pl.when(by_title).then(pl.col("title")),
        )
        .drop("by_title", "named_in_article")
    )


# An article and a leader as one number (its row in the batch, the leader's number:
# ``resolve.entity_codes``): which leaders an article names is a set of them, and a row's
# pair is looked up in it (the pairs of doc and entity_id made unique and joined took
# 17 ms of a 31 MB chunk's rules; looked up as numbers, 8).
_ARTICLE_LEADER = pl.col("doc").cast(pl.Int64) * (1 << 32) + pl.col("entity_code").cast(pl.Int64)


def _cascade(rows: pl.DataFrame, steps: list[tuple[pl.Expr, str]]) -> pl.DataFrame:
    """For each span, the first step whose flag holds for exactly one of its leaders.

    In one pass: every step's flag is read on every row, and a span's step is the first
    whose flag holds on exactly one of its rows (a step's count over a span is the same
    whether or not the spans decided before it were set aside: each span keeps all its
    rows until it is decided). The flags are read by polars, one step for all; each
    step's count over a span and the row it picks, by numpy, by the span's number (a
    pass for each step took 28 ms of a 31 MB chunk's rules; one pass grouped, joined
    and picked by polars, 16 over its three cascades; this, 10)."""
    if rows.is_empty():
        return rows.with_columns(rule=pl.lit(None, pl.String))
    flags = rows.select(
        flag.fill_null(False).alias(f"_step{i}") for i, (flag, _) in enumerate(steps)
    ).to_numpy()
    span = rows.get_column("span").to_numpy()
    size = int(span.max()) + 1
    span_step = np.full(size, -1, dtype=np.int64)
    undecided = np.ones(size, dtype=np.bool_)
    for i in range(len(steps)):
        decided = undecided & (np.bincount(span, weights=flags[:, i], minlength=size) == 1)
        span_step[decided] = i
        undecided &= ~decided
    row_step = span_step[span]
    decided_rows = np.flatnonzero(row_step >= 0)
    picked = decided_rows[flags[decided_rows, row_step[decided_rows]]]
    names = pl.Series("rule", [name for _, name in steps], dtype=pl.String)
    return rows[picked].with_columns(names.gather(row_step[picked]))


@per_version
def _terms(gazetteer: Gazetteer) -> pl.DataFrame:
    """The gazetteer's terms with each role's office."""
    return gazetteer.terms.select(
        "entity_id", office_of_role(pl.col("role")).alias("role"), "start_on", "end_on"
    )


def _terms_flags(rows: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """Add per (span, leader): in_office / held_office (for the title's office or any
    office without one) and first_start (first day in that office, or in any)."""
    terms = _terms(gazetteer)
    date = pl.col("published_on")
    on_date = (pl.col("start_on") <= date) & (
        pl.col("end_on").is_null() | (date <= pl.col("end_on"))
    )
    role_ok = pl.col("office").is_null() | (pl.col("office") == pl.col("role"))
    # They follow from the leader, the date and the office alone: worked out once for
    # each of those a batch holds (a chunk's 30,000 surnames have a few thousand), not
    # for each span: 9 ms against 22.
    asked = ["entity_id", "published_on", "office"]
    flags = (
        rows.select(asked)
        .unique()
        .join(terms, on="entity_id")
        .group_by(asked)
        .agg(
            in_office=(on_date & role_ok).fill_null(False).any(),
            held_office=role_ok.any(),
            first_start=pl.col("start_on").filter(role_ok).min(),
        )
    )
    return rows.join(
        flags, on=asked, how="left", nulls_equal=True, maintain_order="left"
    ).with_columns(pl.col("in_office", "held_office").fill_null(False))


def _latest(among: pl.Expr) -> pl.Expr:
    """True for the leader, among the span's rows where ``among`` holds, who first took
    office last before the article's date (any date if it has none)."""
    started = among & (
        pl.col("published_on").is_null() | (pl.col("first_start") <= pl.col("published_on"))
    )
    latest = pl.col("first_start").filter(started).max().over("span")
    return started & (pl.col("first_start") == latest)


def resolve_leaders(
    rows: pl.DataFrame,
    *,
    can_be_country: pl.Series,
    mentioned: np.ndarray,
    gazetteer: Gazetteer,
) -> pl.DataFrame:
    """The leader meanings among ``rows`` that count, one per span, with form, rule and
    title (the office title or honorific before a surname as the context reads it, or
    null: ``with_titles`` makes it part of the mention).

    ``rows`` are candidate meanings of kind 'leader' (with the leader's ``country``, and
    a surname's facts: ``gazetteer.surnames``' common, uncommon and surname_first);
    ``can_be_country`` whether each span (by its number) can also be a country;
    ``mentioned`` the countries each article mentions (by article and country number:
    ``rows``' doc and country_code, ``resolve.country_codes``)
    """
    if rows.is_empty():
        return rows.with_columns(rule=pl.lit(None, pl.String), title=pl.lit(None, pl.String))
    before, after = pl.col("before"), pl.col("after")
    # A name in capitals is a name only in capitalised text ("PRESIDENT BIDEN:"), and a
    # short one only after a title there: "DOE", "MA", "HU" are acronyms otherwise.
    shouted_ok = capitals_around(before, after) & (
        (pl.col("key").str.len_chars() > 3) | has_title(before)
    )
    # A nickname or short name (not initials) followed by a capitalised word that is no alias is
    # someone else's first name ("Ike Kerridge"); one in angle brackets is a ticker
    # ("<HBJ>", "<MBS>").
    # Initials stand before a noun ("the FDR Democratic Party"); a first name does not.
    short_forms = pl.col("form").is_in(["short", "nickname"])
    short = short_forms & (pl.col("key").str.to_uppercase() != pl.col("key"))
    someone_else = (
        short
        & next_word(after).is_not_null()
        & ~next_word(after).is_in(list(_GOVERNMENT_WORDS)).fill_null(False)
        & (pl.col("gap_after").fill_null(2) > 1)
    )
    ticker = only_marked(rows, TICKER, before.str.ends_with("<") & after.str.starts_with(">"))
    # The capitals and the ampersand are read only where they can matter: a name in
    # capitals, a surname with an "&" next to it (15% and 2.5% of the rows of the
    # benchmark's text; this filter took 89 ms of a 33 MB chunk's rules, now 13), and
    # the next word after short names and nicknames only (0.2%; each key's capitals
    # compared on every row took 3 ms).
    miscased = only_where(rows, pl.col("shouted"), ~shouted_ok)
    firm = only_where(
        rows,
        (pl.col("form") == "surname") & marked(AMPERSAND),
        firm_name(before, after, pl.col("key")),
    )
    # The name of a thing and a hyphen are read where the context's edges can hold them
    # (``edges``: 16% and 11% of the rows of the benchmark's text).
    named_thing = only_marked(
        rows, AFTER_CAPITAL, thing_name(after, NAMED_AFTER_HEADS, words_between=3)
    )
    joined = only_marked(rows, AFTER_DASH | BEFORE_DASH, hyphen_joined(before, after))
    rows = rows.filter(
        ~named_thing
        & ~miscased
        & ~joined
        & ~only_where(rows, short_forms, someone_else)
        & ~ticker
        & ~firm
    )
    nicknames = rows.filter(pl.col("form") == "nickname")
    rows = rows.filter(pl.col("form") != "nickname")
    named = rows.filter(pl.col("form") != "surname").with_columns(
        rule=pl.format("{}-name", pl.col("form")), title=pl.lit(None, pl.String)
    )
    given, _, _ = name_sets(gazetteer)
    # (Each surname's facts, common, uncommon and surname_first, come with its meaning:
    # ``resolve._by_spelling``.)
    surnames = rows.filter(pl.col("form") == "surname")
    surnames = surnames.with_columns(
        # Read where the context ends with a title's last word (``edges``).
        title=marked_value(surnames, BEFORE_TITLE, title_text(before)),
        common=pl.col("common").fill_null(False),
        country_word=pl.lit(can_be_country).gather(pl.col("span")),
    )
    # Without a title, a common surname can only be a leader named elsewhere in the
    # article (in full or by title), and a country word never is: drop the others before
    # the costlier checks ("May" the month, "Young", "Montenegro" the country).
    possible = pl.concat(
        [
            named.select(_ARTICLE_LEADER),
            surnames.filter(pl.col("title").is_not_null()).select(_ARTICLE_LEADER),
        ]
    ).to_series()
    untitled = pl.col("title").is_null()
    surnames = pl.concat(
        [
            surnames.filter(~(untitled & (pl.col("common") | pl.col("country_word")))),
            surnames.filter(
                untitled
                & pl.col("common")
                & ~pl.col("country_word")
                & _ARTICLE_LEADER.is_in(possible.implode())
            ),
        ]
    )
    # What a title says, read once per distinct title (a chunk's 30,000 surnames have a
    # few dozen), not per row.
    titles = (
        surnames.select("title")
        .unique()
        .with_columns(
            office=office_of_title(pl.col("title")),
            title_kind=title_kind(pl.col("title")),
            former=is_former(pl.col("title")),
        )
    )
    surnames = surnames.join(titles, on="title", how="left", nulls_equal=True)
    surnames = surnames.filter(pl.col("title_kind").fill_null("") != "spouse")
    # A capitalised word before the surname that is not itself an alias right next to it
    # ("Russian Putin" is two mentions; "Kamala Harris" is someone else).
    # (Each part read only on the rows it concerns: those without a title, the names
    # written surname first.)
    named_before = name_before(before) & (pl.col("gap_before") > 1)
    untitled_name = only_where(
        surnames,
        pl.col("title").is_null() & marked(BEFORE_NAME | BEFORE_INITIAL),
        named_before
        | prev_word(before).is_in(given.implode()).fill_null(False)
        | prev_is_initial(before),
    )
    given_name_after = only_where(
        surnames,
        pl.col("surname_first").fill_null(False),
        next_word(after).is_not_null()
        & ~next_word(after).is_in(list(_GOVERNMENT_WORDS)).fill_null(False),
    )
    other_person = (
        untitled_name
        | only_marked(surnames, AFTER_SUFFIX, relative_suffix(after))
        | only_marked(surnames, AFTER_PARTICLE, name_goes_on(after))
        | given_name_after
    )
    surnames = surnames.with_columns(other_person=other_person)
    namesake_docs = surnames.filter(pl.col("other_person")).select("doc", "key").unique()
    surnames = _terms_flags(surnames.filter(~pl.col("other_person")), gazetteer)
    surnames = surnames.with_columns(
        leader_country=pl.col("country"),
        country_in_article=mentioned[
            surnames.get_column("doc").to_numpy(), surnames.get_column("country_code").to_numpy()
        ],
    )

    established = named.select(_ARTICLE_LEADER).to_series()
    titled = surnames.filter(pl.col("office").is_not_null()).with_columns(
        named_in_article=_ARTICLE_LEADER.is_in(established.implode())
    )
    held = pl.col("held_office")
    by_title = _cascade(
        titled,
        [
            (held & pl.col("in_office") & ~pl.col("former"), "title+in-office"),
            (pl.col("named_in_article"), "title+named-in-article"),
            (held & pl.col("country_in_article"), "title+country-in-article"),
            (
                held & ~pl.col("common") & pl.col("leader_country").is_in(G20),
                "title+only-holder",
            ),
            (
                # A common surname only among holders of a country the article
                # mentions ("President Johnson" in a U.S. text is LBJ, not Andrew).
                _latest(
                    held
                    & (
                        pl.col("country_in_article")
                        | (~pl.col("common") & pl.col("leader_country").is_in(G20))
                    )
                ),
                "title+latest-holder",
            ),
        ],
    )
    established = pl.concat([established, by_title.select(_ARTICLE_LEADER).to_series()])
    bare = (
        surnames.filter(
            pl.col("office").is_null()
            & ~pl.col("span").is_in(by_title.get_column("span").implode())
        )
        .with_columns(named_in_article=_ARTICLE_LEADER.is_in(established.implode()))
        .join(namesake_docs.with_columns(namesake=pl.lit(True)), on=["doc", "key"], how="left")
    )
    # A surname that is also a country word ("Montenegro") is the leader only after a
    # title: without one, "the president of Montenegro" is the country even in an
    # article about Luís Montenegro.
    first = _cascade(
        bare, [(pl.col("named_in_article") & ~pl.col("country_word"), "surname+named-in-article")]
    )
    open_rows = bare.filter(
        ~pl.col("span").is_in(first.get_column("span").implode())
        & pl.col("namesake").is_null()
        & ~pl.col("common")
        & ~pl.col("country_word")
    )
    # Out of office, a surname alone names a leader only in an article about the
    # leader's country ("Obama-era" in a U.S. policy text, "the Assad regime" next to
    # Syria): elsewhere "Toledo", "Mesa" or "Avril" are a city, a city, a first name.
    # After an honorific ("Ms. Simons:" in a transcript) a name out of office is more
    # likely someone else's: only the article or the date can make it a leader.
    about = pl.col("title").is_null() & pl.col("country_in_article")
    rest = _cascade(
        open_rows,
        [
            (
                pl.col("in_office")
                & (pl.col("title_kind").fill_null("") != "other-office")
                & (
                    ~pl.col("uncommon").fill_null(False)
                    | pl.col("country_in_article")
                    | pl.col("leader_country").is_in(G20)
                ),
                "surname+in-office",
            ),
            (about, "surname+country-in-article"),
            (
                pl.col("title").is_null()
                & ~pl.col("uncommon").fill_null(False)
                & pl.col("leader_country").is_in(G20),
                "surname+only-leader-of-that-name",
            ),
            (_latest(about), "surname+latest-holder"),
        ],
    )
    resolved = pl.concat(
        [by_title, first, rest, _evidenced(nicknames, established)], how="diagonal_relaxed"
    )
    resolved = resolved.with_columns(
        form=pl.when(pl.col("title").is_not_null()).then(pl.lit("title")).otherwise(pl.col("form"))
    )
    out = pl.concat([named, resolved], how="diagonal_relaxed")
    government = only_marked(out, AFTER_GOVERNMENT, government_after(after))
    possessive = only_marked(out, AFTER_APOSTROPHE, possessive_after(after))
    return out.with_columns(
        form=pl.when(government)
        .then(pl.lit("administration"))
        .when(possessive)
        .then(pl.lit("possessive"))
        .otherwise(pl.col("form"))
    )
