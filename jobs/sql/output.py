"""`mentions sql` output: results as JSON and CSV text."""

from __future__ import annotations

import json
from typing import Any

from jobs.sql.statements import StatementResult


def _records(result: StatementResult) -> list[dict[str, Any]] | None:
    if not result.columns:
        return None
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def results_json(results: list[StatementResult]) -> str:
    """One statement: a JSON array of row objects. Several: an array holding one such
    array per statement, in order (null for a statement that returns no rows at all,
    as SET does)."""
    if len(results) == 1:
        document: Any = _records(results[0]) or []
    else:
        document = [_records(result) for result in results]
    return json.dumps(document, default=str, ensure_ascii=False, indent=1)
