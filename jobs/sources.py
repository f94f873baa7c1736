"""Readers for the ways articles arrive: text files, folders, JSONL dumps, feeds and
pages (by URL or saved as files).

A reader yields ``Record`` objects one at a time (never a whole corpus in memory)
and reports each input it cannot use as a ``BadInput`` through ``on_error``,
then carries on with the rest.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from jobs.dates import parse_timestamp
from jobs.feeds import FEED_SUFFIXES, read_feed_bytes
from jobs.pages import HTML_SUFFIXES, page_record
from jobs.records import BadInput, ErrorSink, ReadContext, Record, SourceError
from jobs.urls import is_url
from jobs.web import read_url

__all__ = [
    "BadInput",
    "ErrorSink",
    "ReadContext",
    "Record",
    "SourceError",
    "parse_timestamp",
    "read_source",
    "source_kind",
]

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"}
MAX_FILE_BYTES = 20_000_000


def source_kind(location: str) -> str:
    """'url' (a feed or a page: known once fetched), 'folder', 'jsonl', 'feed', 'html' or
    'text' for a location."""
    if is_url(location):
        return "url"
    path = Path(location)
    if path.is_dir():
        return "folder"
    if not path.exists():
        raise SourceError(f"{location} does not exist")
    name = path.name.lower()
    if any(name.endswith(suffix) for suffix in JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(FEED_SUFFIXES):
        return "feed"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return "text"


URL_KINDS = ("url", "feed", "page", "auto")


def read_source(
    location: str, kind: str, on_error: ErrorSink, *, context: ReadContext | None = None
) -> Iterator[Record]:
    """Every record of one source; ``kind`` 'auto' is guessed from the location.

    ``context`` carries the source's options, its remembered state (feed
    validators) and the HTTP limits; without one, defaults are used.
    """
    ctx = context or ReadContext(on_error=on_error)
    if is_url(location):
        if kind not in URL_KINDS:
            raise SourceError(f"{location}: a URL is a feed or a page, not {kind!r}")
        try:
            yield from read_url(location, "auto" if kind == "url" else kind, ctx)
        finally:
            if context is None:
                ctx.close()
        return
    if kind == "auto":
        kind = source_kind(location)
    readers: dict[str, Callable[[Path, ReadContext], Iterator[Record]]] = {
        "folder": read_folder,
        "jsonl": lambda path, c: read_jsonl(path, c.on_error),
        "text": lambda path, c: read_text_file(path, c.on_error),
        "feed": read_feed_file,
        "html": read_html_file,
    }
    if kind not in readers:
        raise SourceError(f"{location}: unknown source kind {kind!r}")
    path = Path(location)
    if not path.exists():
        raise SourceError(f"{location} does not exist")
    try:
        yield from readers[kind](path, ctx)
    finally:
        if context is None:
            ctx.close()


def _read_capped(path: Path, on_error: ErrorSink) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            on_error(
                BadInput(str(path), f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,} limit")
            )
            return None
        return path.read_bytes()
    except OSError as exc:
        on_error(BadInput(str(path), f"cannot read: {exc.strerror or exc}"))
        return None


def read_feed_file(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """An RSS or Atom document saved as a file."""
    content = _read_capped(path, ctx.on_error)
    if content is not None:
        yield from read_feed_bytes(content, str(path), ctx)


def read_html_file(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """A saved HTML page: its main text, title, date and (declared) URL."""
    content = _read_capped(path, ctx.on_error)
    if content is None:
        return
    record = page_record(content, str(path.resolve()), ctx)
    if record is not None:
        yield record


def read_folder(folder: Path, ctx: ReadContext) -> Iterator[Record]:
    """Every text, JSONL, feed and HTML file under ``folder``, recursively, in name order."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        name = path.name.lower()
        if any(name.endswith(s) for s in JSONL_SUFFIXES):
            yield from read_jsonl(path, ctx.on_error)
        elif path.suffix.lower() in TEXT_SUFFIXES:
            yield from read_text_file(path, ctx.on_error)
        elif name.endswith(FEED_SUFFIXES):
            yield from read_feed_file(path, ctx)
        elif name.endswith(HTML_SUFFIXES):
            yield from read_html_file(path, ctx)


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
