"""Readers for the ways articles arrive: text files, folders, dumps (JSONL, CSV,
Parquet), feeds and pages (by URL or saved as files).

A reader yields ``Record`` objects one at a time (never a whole corpus in memory)
and reports each input it cannot use as a ``BadInput`` through ``on_error``,
then carries on with the rest. With ``ReadContext.track_files``, files (of a
folder, or a dump given alone) that are unchanged since they were last read to
the end are skipped: same size and mtime is enough; a touched file with the
same SHA-256 is not parsed again either. After each file read to its end a
``FileDone`` follows its records, for ingest to store with them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from jobs.sources.dates import filename_date
from jobs.sources.dumps import dump_kind, read_csv, read_jsonl, read_parquet
from jobs.sources.kinds import FEED_SUFFIXES, FILE_KINDS, HTML_SUFFIXES, URL_KINDS
from jobs.sources.records import BadInput, ErrorSink, FileDone, ReadContext, Record, SourceError
from jobs.sources.urls import is_url

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".text", ".md")
MAX_FILE_BYTES = 20_000_000

Item = Record | FileDone
Reader = Callable[[Path, ReadContext], Iterator[Record]]


def file_kind(name: str) -> str | None:
    """The kind of a file by its name, or None for files a folder read skips."""
    lowered = name.lower()
    dump = dump_kind(lowered)
    if dump:
        return dump
    if lowered.endswith(FEED_SUFFIXES):
        return "feed"
    if lowered.endswith(HTML_SUFFIXES):
        return "html"
    if lowered.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def source_kind(location: str) -> str:
    """'url' (a feed or a page: known once fetched), 'folder', or a file kind
    ('jsonl', 'csv', 'parquet', 'feed', 'html', 'text') for a location."""
    if is_url(location):
        return "url"
    path = Path(location)
    if path.is_dir():
        return "folder"
    if not path.exists():
        raise SourceError(f"{location} does not exist")
    return file_kind(path.name) or "text"


def read_source(
    location: str, kind: str, on_error: ErrorSink, *, context: ReadContext | None = None
) -> Iterator[Record]:
    """Every record of one source; ``kind`` 'auto' is guessed from the location.

    ``context`` carries the source's options, its remembered state (feed
    validators, files read) and the HTTP limits; without one, defaults are used.
    """
    for item in read_items(location, kind, on_error, context=context):
        if isinstance(item, Record):
            yield item


def read_items(
    location: str, kind: str, on_error: ErrorSink, *, context: ReadContext | None = None
) -> Iterator[Item]:
    """Records, and a FileDone after each file read to its end when tracking files."""
    ctx = context or ReadContext(on_error=on_error)
    try:
        if is_url(location):
            if kind not in URL_KINDS:
                raise SourceError(f"{location}: a URL is a feed or a page, not {kind!r}")
            # Feeds, pages and HTTP (feedparser, trafilatura, lxml, httpx: 0.5 s to
            # import) load only when they are read: a dump's ingest never needs them.
            from jobs.sources.remote import read_url

            yield from read_url(location, "auto" if kind == "url" else kind, ctx)
            return
        if kind == "auto":
            kind = source_kind(location)
        path = Path(location)
        if kind != "folder" and kind not in FILE_KINDS:
            raise SourceError(f"{location}: unknown source kind {kind!r}")
        if not path.exists():
            raise SourceError(f"{location} does not exist")
        if kind == "folder":
            yield from read_folder(path, ctx)
        else:
            yield from _tracked(path, READERS[kind], ctx)
    finally:
        if context is None:
            ctx.close()


def read_folder(folder: Path, ctx: ReadContext) -> Iterator[Item]:
    """Every file of a known kind under ``folder``, recursively, in path order; hidden
    files and folders are left out."""
    for path in _walk(folder):
        kind = file_kind(path.name)
        if kind is not None:
            yield from _tracked(path, READERS[kind], ctx)


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder`` in sorted path order, one directory listed at a time."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        log.warning("%s: cannot list: %s", folder, exc.strerror or exc)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _sha256_unless(path: Path, stop: threading.Event) -> str | None:
    """The file's SHA-256, or None if ``stop`` is set before the end."""
    digest = hashlib.sha256()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as fh:
        while (size := fh.readinto(buffer)) and not stop.is_set():
            digest.update(view[:size])  # releases the GIL: the reading goes on meanwhile
    return None if stop.is_set() else digest.hexdigest()


# A new file at least this large is hashed on a thread while it is read: a 10 GB dump
# took 8 s to hash on one core before its first record was read. Smaller files (a
# folder's pages) are hashed in line: a thread each would cost more than it hides.
HASH_BESIDE_BYTES = 8 << 20


class _Digest:
    """A file's SHA-256 computed on a thread (``value`` waits for it)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stop = threading.Event()
        self._value: str | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name=f"sha256 {path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = _sha256_unless(self._path, self._stop)
        except OSError as exc:
            self._error = exc

    def value(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None  # only a stopped digest has none
        return self._value

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _tracked(path: Path, read: Reader, ctx: ReadContext) -> Iterator[Item]:
    if not ctx.track_files:
        yield from read(path, ctx)
        return
    try:
        stat = path.stat()
        key = str(path.resolve())
        known = ctx.state.files.get(key)
        if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
            ctx.state.files_skipped += 1
            return
        beside = known is None and stat.st_size >= HASH_BESIDE_BYTES
        digest = "" if beside else _sha256(path)
    except OSError as exc:
        ctx.on_error(BadInput(str(path), f"cannot read: {exc.strerror or exc}"))
        return
    if beside:
        yield from _read_hashing(path, read, ctx, FileDone(key, stat.st_size, stat.st_mtime_ns, ""))
        return
    if known is None or known[2] != digest:
        yield from read(path, ctx)
    else:
        ctx.state.files_skipped += 1
    yield FileDone(key, stat.st_size, stat.st_mtime_ns, digest)


def _read_hashing(path: Path, read: Reader, ctx: ReadContext, done: FileDone) -> Iterator[Item]:
    """A new file read while its digest is computed beside: nothing but its FileDone
    (``done``, given the digest) needs it, as there is no earlier one to compare."""
    digest = _Digest(path)
    try:
        yield from read(path, ctx)
        try:
            value = digest.value()
        except OSError as exc:  # left unremembered: read again next time
            ctx.on_error(BadInput(str(path), f"cannot read: {exc.strerror or exc}"))
            return
    finally:
        digest.stop()  # also when the reading stopped early: no thread left hashing
    yield replace(done, sha256=value)


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


def _dated_by_name(record: Record, path: Path) -> Record:
    """A record without a date of its own takes the date its file name carries."""
    if record.published_at is not None:
        return record
    day = filename_date(path.name)
    return replace(record, published_at=day, date_source="filename") if day else record


def read_feed_file(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """An RSS or Atom document saved as a file."""
    content = _read_capped(path, ctx.on_error)
    if content is not None:
        from jobs.sources.feeds import read_feed_bytes

        yield from read_feed_bytes(content, str(path), ctx)


def read_html_file(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """A saved HTML page: its main text, title, date and (declared) URL."""
    content = _read_capped(path, ctx.on_error)
    if content is None:
        return
    from jobs.sources.pages import page_record

    record = page_record(content, str(path.resolve()), ctx)
    if record is not None:
        yield _dated_by_name(record, path)


def read_text_file(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """A plain UTF-8 text file: the first non-empty line is the title, the rest the text."""
    raw = _read_capped(path, ctx.on_error)
    if raw is None:
        return
    if b"\x00" in raw[:8192]:
        ctx.on_error(BadInput(str(path), "binary file, not text"))
        return
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        ctx.on_error(BadInput(str(path), f"not UTF-8 text (byte {exc.start})"))
        return
    title, _, text = content.strip().partition("\n")
    title, text = title.strip(), text.strip("\n").strip()
    if not title and not text:
        ctx.on_error(BadInput(str(path), "empty article"))
        return
    yield _dated_by_name(Record(title=title, text=text, url=str(path.resolve())), path)


READERS: dict[str, Reader] = {
    "jsonl": read_jsonl,
    "csv": read_csv,
    "parquet": read_parquet,
    "feed": read_feed_file,
    "html": read_html_file,
    "text": read_text_file,
}
