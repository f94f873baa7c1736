"""``only_where``: a flag read on some rows only, False on the others; ``title_text``: the
title at the end of the text before a name."""

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
