"""Readers for the ways articles arrive: text files, folders of them, JSONL dumps.

A reader yields ``Record`` objects one at a time (never a whole corpus in memory)
and reports each input it cannot use as a ``BadInput`` through ``on_error``,
then carries on with the rest.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"}
MAX_FILE_BYTES = 20_000_000


@dataclass(frozen=True)
class Record:
    """One article as a source delivered it, times already in UTC (naive)."""

    title: str
    text: str
    url: str
    external_id: str | None = None
    published_at: datetime | None = None
    date_source: str = "ingested"


@dataclass(frozen=True)
class BadInput:
    """An input that could not become an article, and why (one line)."""

    location: str
    reason: str


ErrorSink = Callable[[BadInput], None]


class SourceError(ValueError):
    """A whole source cannot be read (missing path, unknown kind)."""


def source_kind(location: str) -> str:
    """'folder', 'jsonl' or 'text' for a path."""
    path = Path(location)
    if path.is_dir():
        return "folder"
    if not path.exists():
        raise SourceError(f"{location} does not exist")
    name = path.name.lower()
    if any(name.endswith(suffix) for suffix in JSONL_SUFFIXES):
        return "jsonl"
    return "text"


def read_source(location: str, kind: str, on_error: ErrorSink) -> Iterator[Record]:
    """Every record of one source; ``kind`` 'auto' is guessed from the location."""
    if kind == "auto":
        kind = source_kind(location)
    readers: dict[str, Callable[[Path, ErrorSink], Iterator[Record]]] = {
        "folder": read_folder,
        "jsonl": read_jsonl,
        "text": read_text_file,
    }
    if kind not in readers:
        raise SourceError(f"{location}: unknown source kind {kind!r}")
    path = Path(location)
    if not path.exists():
        raise SourceError(f"{location} does not exist")
    yield from readers[kind](path, on_error)


def read_folder(folder: Path, on_error: ErrorSink) -> Iterator[Record]:
    """Every text and JSONL file under ``folder``, recursively, in name order."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        name = path.name.lower()
        if any(name.endswith(s) for s in JSONL_SUFFIXES):
            yield from read_jsonl(path, on_error)
        elif path.suffix.lower() in TEXT_SUFFIXES:
            yield from read_text_file(path, on_error)


def read_text_file(path: Path, on_error: ErrorSink) -> Iterator[Record]:
    """A plain UTF-8 text file: the first non-empty line is the title, the rest the text."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            on_error(
                BadInput(str(path), f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,} limit")
            )
            return
        raw = path.read_bytes()
    except OSError as exc:
        on_error(BadInput(str(path), f"cannot read: {exc.strerror or exc}"))
        return
    if b"\x00" in raw[:8192]:
        on_error(BadInput(str(path), "binary file, not text"))
        return
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        on_error(BadInput(str(path), f"not UTF-8 text (byte {exc.start})"))
        return
    title, _, text = content.strip().partition("\n")
    title, text = title.strip(), text.strip("\n").strip()
    if not title and not text:
        on_error(BadInput(str(path), "empty article"))
        return
    yield Record(title=title, text=text, url=str(path.resolve()))


def read_jsonl(path: Path, on_error: ErrorSink) -> Iterator[Record]:
    """One article per line: id, title, text, and optional published, url, source."""
    try:
        handle: IO[str] = (
            gzip.open(path, "rt", encoding="utf-8")
            if path.name.lower().endswith(".gz")
            else path.open(encoding="utf-8")
        )
    except OSError as exc:
        on_error(BadInput(str(path), f"cannot read: {exc.strerror or exc}"))
        return
    with handle:
        line_no = 0
        try:
            for line_no, line in enumerate(handle, 1):  # noqa: B007 (line_no is read after the loop)
                if not line.strip():
                    continue
                where = f"{path}:{line_no}"
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    on_error(BadInput(where, f"not JSON ({exc.msg})"))
                    continue
                record = _jsonl_record(obj, path, where, on_error)
                if record is not None:
                    yield record
        except (UnicodeDecodeError, OSError, EOFError) as exc:
            on_error(BadInput(f"{path}:{line_no + 1}", f"unreadable: {exc}"))


def _jsonl_record(obj: Any, path: Path, where: str, on_error: ErrorSink) -> Record | None:
    if not isinstance(obj, dict):
        on_error(BadInput(where, "not a JSON object"))
        return None
    title = obj.get("title") or ""
    text = obj.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        on_error(BadInput(where, "title and text must be strings"))
        return None
    if not title.strip() and not text.strip():
        on_error(BadInput(where, "empty article"))
        return None
    external_id = None if obj.get("id") is None else str(obj["id"])
    published, date_source = None, "ingested"
    raw_date = obj.get("published_time") or obj.get("published")
    if raw_date:
        try:
            published, date_source = parse_timestamp(str(raw_date)), "source"
        except ValueError:
            on_error(
                BadInput(where, f"bad published date {str(raw_date)[:40]!r}; using ingestion time")
            )
    url = obj.get("url") or (f"{path.resolve()}#{external_id}" if external_id else None)
    if not url:
        on_error(BadInput(where, "record has neither id nor url"))
        return None
    return Record(
        title=title.strip(),
        text=text.strip(),
        url=str(url),
        external_id=external_id,
        published_at=published,
        date_source=date_source,
    )


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 date or time as naive UTC; an offset is applied, none means UTC."""
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
