"""The DuckDB file: connect, schema and migrations, and the queries by table family."""

from __future__ import annotations

__all__: list[str] = []
