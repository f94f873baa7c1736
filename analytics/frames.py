"""The frames ``analytics`` shares with ``jobs`` (rows of the ``articles`` and ``mentions``
tables), and the checks shared by the frame functions of ``analytics``."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

# A row of ``articles`` as ingest builds it and the store inserts it; the column names
# are those of the table (jobs/store/migrations.py), declared here once for both sides.
ARTICLE_SCHEMA = pl.Schema(
    {
        "article_id": pl.String(),
        "source_id": pl.String(),
        "external_id": pl.String(),
        "url": pl.String(),
        "title": pl.String(),
        "text": pl.String(),
        "published_at": pl.Datetime("us"),
        "date_source": pl.String(),
        "story_id": pl.String(),
        "content_hash": pl.String(),
        "ingested_at": pl.Datetime("us"),
        "site_name": pl.String(),
    }
)
ARTICLE_COLUMNS: tuple[str, ...] = tuple(ARTICLE_SCHEMA)
# A row of ``mentions`` as the extractor returns it and the store inserts it:
# [start_pos, end_pos) are character offsets into the article's title or text (field).
MENTION_SCHEMA = pl.Schema(
    {
        "article_id": pl.String(),
        "entity_id": pl.String(),
        "kind": pl.String(),
        "field": pl.String(),
        # INTEGER in the table: offsets into one article's text (at most 20 MB).
        "start_pos": pl.Int32(),
        "end_pos": pl.Int32(),
        "surface": pl.String(),
        "form": pl.String(),
        "rule": pl.String(),
    }
)
MENTION_COLUMNS: tuple[str, ...] = tuple(MENTION_SCHEMA)


class MissingColumnsError(ValueError):
    """A frame handed to an analytics function lacks columns the function needs."""


def require_columns(frame: pl.DataFrame | pl.LazyFrame, columns: Iterable[str]) -> None:
    """Raise MissingColumnsError naming every column of ``columns`` that ``frame`` lacks."""
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    missing = sorted(set(columns) - set(names))
    if missing:
        raise MissingColumnsError(
            f"frame lacks column(s) {', '.join(missing)}; it has {', '.join(names) or 'none'}"
        )
