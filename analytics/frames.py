"""Checks shared by the frame functions of ``analytics``."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl


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
