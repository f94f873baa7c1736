"""The Parquet lake: the DuckDB file exported by month, and the same SQL names over it."""

from __future__ import annotations

__all__ = ["export", "files", "views"]
