"""The Parquet lake: the DuckDB file exported by month with the same SQL names over it
(``export``, ``files``, ``views``), and extraction over its monthly partitions, locally
(``partitions``) or mapped over a Dask cluster (``cluster``)."""

from __future__ import annotations

__all__ = ["cluster", "export", "files", "partitions", "views"]
