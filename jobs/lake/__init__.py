"""Extraction over a lake of monthly Parquet partitions: the partition task and the
local loop (``partitions``), and the same task mapped over a Dask cluster (``cluster``)."""

__all__ = ["cluster", "partitions"]
