"""Two period analyses compared field by field (every frame, every top list, every
number), for tests that compute one analysis two ways."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from analytics.period import PeriodAnalysis


def assert_same_analysis(
    mine: PeriodAnalysis,
    theirs: PeriodAnalysis,
    prepare: Callable[[str, Any, Any], tuple[Any, Any]] | None = None,
) -> None:
    """Fail, naming the field, where ``mine`` and ``theirs`` differ; ``prepare`` may
    turn each field's two values (by field name) into what is to be compared."""
    for field in fields(PeriodAnalysis):
        left, right = getattr(mine, field.name), getattr(theirs, field.name)
        if prepare is not None:
            left, right = prepare(field.name, left, right)
        try:
            if isinstance(right, pl.DataFrame):
                assert_frame_equal(left, right)
            elif isinstance(right, dict):
                assert left.keys() == right.keys()
                for kind in right:
                    assert_frame_equal(left[kind], right[kind])
            else:
                assert left == right
        except AssertionError as exc:
            raise AssertionError(f"PeriodAnalysis.{field.name} differs: {exc}") from exc
