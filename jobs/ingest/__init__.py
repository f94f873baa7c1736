"""Ingest: sources -> article frames -> mentions -> one transaction per batch.

``run`` reads the sources and stores batch after batch; ``frames`` turns records into
article rows and prepares them (content hashes, mentions, story signatures);
``workers`` prepares batches in worker processes; ``result`` holds the counts.
"""

from jobs.ingest.frames import article_id_for, articles_frame, content_hash_for
from jobs.ingest.result import IngestProgress, IngestResult
from jobs.ingest.run import fetch_limits, plausible_dates, run_ingest

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
