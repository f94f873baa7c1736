"""Extraction of one sentence, as the rule tests read it."""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.mentions import extract_mentions


def found_in(
    gazetteer: Gazetteer, text: str, published: date | None, title: str = ""
) -> list[tuple[str, str, str]]:
    """(surface, entity_id, form) of every mention in one article, after checking that
    each mention's offsets point at its surface in the text as written."""
    articles = pl.DataFrame(
        {"article_id": ["a"], "title": [title], "text": [text], "published_at": [published]},
        schema={
            "article_id": pl.String,
            "title": pl.String,
            "text": pl.String,
            "published_at": pl.Date,
        },
    )
    found = extract_mentions(articles, gazetteer)
    for row in found.iter_rows(named=True):
        source = title if row["field"] == "title" else text
        assert source[row["start_pos"] : row["end_pos"]] == row["surface"], row
    return list(zip(found["surface"], found["entity_id"], found["form"], strict=True))
