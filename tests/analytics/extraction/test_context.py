"""``only_where``: a flag read on some rows only, False on the others."""

from __future__ import annotations

import polars as pl

from analytics.extraction.context import only_where


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
