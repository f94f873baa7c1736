"""Ingest: sources -> article frames -> mentions -> one transaction per batch.

``run`` reads the sources and stores batch after batch; ``frames`` turns records into
article rows and prepares them (content hashes, mentions, story signatures);
``workers`` prepares batches in worker processes; ``result`` holds the counts.

The names below are imported when first asked for: a worker process imports
``jobs.ingest.workers``, and so this package, and needs none of what reading sources
and storing batches import (the feed, page and HTTP libraries, DuckDB).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.ingest.frames import article_id_for, articles_frame, content_hash_for
    from jobs.ingest.result import IngestProgress, IngestResult
    from jobs.ingest.run import fetch_limits, plausible_dates, run_ingest

_WHERE = {
    "IngestProgress": "jobs.ingest.result",
    "IngestResult": "jobs.ingest.result",
    "article_id_for": "jobs.ingest.frames",
    "articles_frame": "jobs.ingest.frames",
    "content_hash_for": "jobs.ingest.frames",
    "fetch_limits": "jobs.ingest.run",
    "plausible_dates": "jobs.ingest.run",
    "run_ingest": "jobs.ingest.run",
}

__all__ = [
    "IngestProgress",
    "IngestResult",
    "article_id_for",
    "articles_frame",
    "content_hash_for",
    "fetch_limits",
    "plausible_dates",
    "run_ingest",
]


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
