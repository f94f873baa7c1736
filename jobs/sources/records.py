"""What readers hand to ingest: records, bad inputs, and the context of one source's read."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jobs.sources.limits import FetchLimits

if TYPE_CHECKING:
    from jobs.sources.http import Fetcher


@dataclass(frozen=True)
class Record:
    """One article as a source delivered it, times already in UTC (naive)."""

    title: str
    text: str
    url: str
    external_id: str | None = None
    published_at: datetime | None = None
    date_source: str = "ingested"
    site_name: str | None = None


@dataclass(frozen=True)
class BadInput:
    """An input that could not become an article, and why (one line)."""

    location: str
    reason: str


ErrorSink = Callable[[BadInput], None]


def json_line(line: str, where: str, on_error: ErrorSink) -> tuple[bool, Any]:
    """(True, value) for one line of a JSON-lines input, or (False, None), reported,
    when it is not JSON (a line may well hold a JSON null).
    Untrusted input can nest deeper than Python's recursion limit: that is a bad line
    too, not a crash."""
    try:
        return True, json.loads(line)
    except json.JSONDecodeError as exc:
        on_error(BadInput(where, f"not JSON ({exc.msg})"))
    except RecursionError:
        on_error(BadInput(where, "not JSON (nested too deeply)"))
    return False, None


class SourceError(ValueError):
    """A whole source cannot be read (missing path, unknown kind)."""


@dataclass(frozen=True)
class FileDone:
    """A file of a folder (or a dump) read to its end: what to remember so an unchanged
    file is skipped next time. Readers yield it after the file's last record."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


@dataclass
class SourceState:
    """What a source remembers between polls (its ``sources`` row) and what this poll
    learned; the learned validators are stored only after the items are."""

    etag: str | None = None
    last_modified: str | None = None
    new_etag: str | None = None
    new_last_modified: str | None = None
    refreshed: bool = False
    kind: str | None = None
    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    files_skipped: int = 0


def _nothing_known(urls: list[str]) -> set[str]:
    return set()


@dataclass
class ReadContext:
    """Everything a reader may use besides its location."""

    on_error: ErrorSink
    options: Mapping[str, Any] = field(default_factory=dict)
    state: SourceState = field(default_factory=SourceState)
    limits: FetchLimits = field(default_factory=FetchLimits)
    known_urls: Callable[[list[str]], set[str]] = _nothing_known
    track_files: bool = False
    _fetcher: Fetcher | None = None

    @property
    def fetcher(self) -> Fetcher:
        """An HTTP client, opened on first use and closed by ``close`` (httpx is
        imported only then: `mentions extract` reads a reader's records, never a URL)."""
        if self._fetcher is None:
            from jobs.sources.http import Fetcher

            self._fetcher = Fetcher(self.limits)
        return self._fetcher

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
