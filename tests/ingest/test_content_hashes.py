"""A batch's content hashes, computed over polars columns, equal the definition
(``content_hash_for``: Python's split, join, lower) for every text: the hashes
already stored must keep matching new copies of the same content."""

from __future__ import annotations

import sys

import polars as pl

from jobs.ingest.frames import content_hash_for, with_content_hashes


def _hashes(titles: list[str], texts: list[str]) -> list[str]:
    frame = pl.DataFrame({"title": titles, "text": texts, "n": range(len(texts))})
    # Equal contents are dropped but the first: keep them apart with a distinct tail.
    hashed = with_content_hashes(frame)
    assert hashed.height == len(texts), "contents expected distinct"
    return hashed.sort("n")["content_hash"].to_list()


def test_every_code_point_splits_as_python_splits() -> None:
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    texts = [f"{chr(c)}{c}{chr(c)}{chr(c)}x{chr(c)}" for c in points]
    assert _hashes([""] * len(texts), texts) == [content_hash_for("", t) for t in texts]


def test_blank_texts_fall_back_to_the_title_as_python_decides_blank() -> None:
    texts = ["", " ", "\x1c\x1f", "\u3000\n\t", "\x85", "\u200b", " a "]
    titles = [f"Title {i}\u00a0of\x1dthe batch" for i in range(len(texts))]
    expected = [content_hash_for(title, text) for title, text in zip(titles, texts, strict=True)]
    assert _hashes(titles, texts) == expected
    # U+200B (zero width space) is not whitespace: that text is its own content.
    assert expected[5] != content_hash_for(titles[5], "")


def test_case_and_runs_of_any_whitespace_do_not_count() -> None:
    texts = ["ΟΔΥΣΣΕΥΣ  in\r\nİstanbul", "οδυσσευσ in istanbul", "Kyiv talks\u2003resume "]
    assert _hashes(["t"] * 3, texts) == [content_hash_for("t", t) for t in texts]
