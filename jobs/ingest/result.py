"""What an ingest reports: its counts, its progress, and the inputs it could not read."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jobs.settings import SourceConfig
from jobs.sources.records import BadInput, Record
from jobs.sources.urls import is_url


@dataclass
class IngestResult:
    """What one ingest run did, summed over its sources."""

    articles_seen: int = 0
    articles_new: int = 0
    mentions_new: int = 0
    errors: int = 0
    files_skipped: int = 0
    bad_inputs: list[BadInput] = field(default_factory=list)
    sources: int = 0
    # Inputs that could not be read at all (missing, unfetchable, unreadable).
    failed: list[BadInput] = field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        return {
            "articles_seen": self.articles_seen,
            "articles_new": self.articles_new,
            "mentions_new": self.mentions_new,
            "errors": self.errors,
        }


@dataclass(frozen=True)
class IngestProgress:
    """How far an ingest has got, summed over its sources: articles read, bytes of their
    title and text, and the size of the input files (None when a source is a URL)."""

    articles: int
    bytes: int
    total_bytes: int | None


def input_bytes(sources: Iterable[SourceConfig]) -> int | None:
    """The size of the files behind ``sources``, or None when one is a URL."""
    total = 0
    for source in sources:
        if is_url(source.location):
            return None
        path = Path(source.location)
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            for folder, _dirs, names in os.walk(path):
                for name in names:
                    with contextlib.suppress(OSError):
                        total += (Path(folder) / name).stat().st_size
    return total


class InputsFailedError(RuntimeError):
    """Some inputs of an ingest could not be read at all; the others were ingested."""

    def __init__(self, result: IngestResult) -> None:
        self.failed = list(result.failed)
        super().__init__(
            f"{len(self.failed)} of {result.sources} inputs could not be read: "
            + ", ".join(f"{bad.location} ({bad.reason})" for bad in self.failed)
        )


def raise_for_failed_inputs(result: IngestResult) -> None:
    """Raise InputsFailedError if any input of ``result`` could not be read."""
    if result.failed:
        raise InputsFailedError(result)


class ProgressCounter:
    """Sums batches into IngestProgress and hands it to the caller's callback."""

    def __init__(self, callback: Callable[[IngestProgress], None], total: int | None) -> None:
        self.callback = callback
        self.total = total
        self.articles = 0
        self.bytes = 0

    def stored(self, articles: int, nbytes: int) -> None:
        """``articles`` more read and stored, ``nbytes`` of their title and text."""
        self.articles += articles
        self.bytes += nbytes
        self.callback(IngestProgress(self.articles, self.bytes, self.total))


def records_bytes(records: list[Record]) -> int:
    """The UTF-8 size of the records' titles and texts."""
    return sum(len(r.title.encode()) + len(r.text.encode()) for r in records)
