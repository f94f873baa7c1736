"""``only_where``: a flag read on some rows only, False on the others; ``title_text``: the
title at the end of the text before a name; ``named_as_person``: its patterns in turn."""

from __future__ import annotations

import polars as pl

from analytics.extraction.context import only_where, title_text


def test_only_where_reads_the_flag_on_the_chosen_rows_only() -> None:
    frame = pl.DataFrame(
        {
            "where": [True, False, None, True, True],
            "text": ["A & B", "A & B", "A & B", "AB", None],
        }
    )
    flag = pl.col("text").str.contains("&", literal=True)
    # Row 1 would be True but is not chosen; row 2's condition is null; row 4's flag is.
    assert only_where(frame, pl.col("where"), flag).to_list() == [True, False, False, False, False]
    # The flag sees only the chosen rows: a count over them is 3, not 5.
    assert only_where(frame, pl.col("where"), pl.len() == 3).to_list() == [
        True,
        False,
        False,
        True,
        True,
    ]


def test_only_where_with_no_row_chosen_is_all_false() -> None:
    frame = pl.DataFrame({"where": [False, False], "text": ["a", "b"]})
    assert only_where(frame, pl.col("where"), pl.lit(True)).to_list() == [False, False]
    assert only_where(frame.clear(), pl.col("where"), pl.lit(True)).to_list() == []


def test_title_text_is_the_title_without_the_character_before_it() -> None:
    before = pl.Series(
        "before",
        [
            "President ",  # the context's first word
            "said (President ",
            "he met former Prime Minister ",
            "—PM ",
            "the Vice\u00a0President ",
            "Vicepresident ",  # glued to a letter: no title
            "[Vice] President ",  # a transcript's title, with its bracket
            "[President ",
            "President Lula and ",
            "",
            None,
        ],
    )
    titles = before.to_frame().select(title_text(pl.col("before"))).to_series().to_list()
    assert titles == [
        "President ",
        "President ",
        "former Prime Minister ",
        "PM ",
        "President ",
        None,
        "[Vice] President ",
        "President ",
        None,
        None,
        None,
    ]


def test_named_as_person_is_its_full_pattern() -> None:
    """The cheaper patterns read first only pick the articles the full one reads: what
    is found is what the full pattern alone finds (after Mr/Ms/Mrs/Dr, after an initial,
    before a colon; whole words only)."""
    from analytics.extraction.inside_names import named_as_person

    cases = [
        ("Gref", "Mr Gref said"),
        ("Gref", "Mr.\nGref said"),
        ("Gref", "Dr.  Gref"),
        ("Gref", "Mrs Gref"),
        ("Gref", "G. Gref"),
        ("Gref", "G.Gref"),
        ("Gref", "É. Gref"),
        ("Gref", "German Gref: hello"),
        ("Gref", "Gref said"),
        ("Gref", "Mr Grefson"),
        ("Gref", "Grefson: no"),
        ("Gref", "e. Gref"),
        ("Gref", "MrGref"),
        ("Gref", "AGref: no"),
        ("Gref", "Gref:"),
        ("Gref", "Mr. Grefs and G.Gref2"),
        ("Gref", "the Gref. Gref is"),
        ("Chancellor", "the Chancellor. Chancellor said"),
        ("A.B", "Mr A.B"),
        (None, "Mr Gref"),
        ("Gref", None),
    ]
    frame = pl.DataFrame(cases, schema=["word", "context"], orient="row")
    word = pl.col("word").str.replace_all(r"[.*+?()\[\]{}|^$\\]", "")
    full = pl.format(r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+|\p{{Lu}}\.\s*){}\b|\b{}:", word, word)
    found = named_as_person(frame)
    expected = frame.select(
        pl.col("word").is_not_null() & pl.col("context").str.contains(full).fill_null(False)
    ).to_series()
    assert found.to_list() == expected.to_list()
    assert found.to_list()[:8] == [True] * 8
    assert found.sum() == 9
