"""Extraction outside ingest: JSONL in, mentions out (stateless), and re-extraction of
stored articles whose mentions were made from an older version of ``seeds/``."""

from __future__ import annotations

import errno
import gzip
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, cast

import polars as pl

from analytics.extraction.mentions import extract_mentions
from jobs.reextract import reextract_stale
from jobs.settings import Settings
from jobs.sources.dates import parse_timestamp
from jobs.sources.records import BadInput, json_line
from jobs.store.connect import connect
from jobs.store.schema import ensure_schema
from jobs.store.seeds import load_gazetteer, load_seeds

log = logging.getLogger(__name__)

# Input batches of `mentions extract` are about this many bytes of whole lines, read and
# parsed one at a time, bounded so memory stays flat on any input size.
INPUT_BATCH_BYTES = 32_000_000
# Parsed batches are extracted together up to about this many bytes of text: each call
# of the extractor has a fixed cost (its some 165 polars steps, about 50 ms), which a
# larger call pays less often (``extract_mentions`` matches its texts 32 MB at a time).
# 1,000 MB of the benchmark's corpus on one thread, alternating: 20.2-20.8 s against
# 21.7-23.0 extracted 32 MB at a time (user CPU 18.1-18.8 s against 19.8-21.0), the peak
# 1.31-1.35 GB against 0.87-0.90; 96 MB at a time, 20.3-20.5 s and 1.64 GB.
EXTRACT_BATCH_BYTES = 64_000_000
# Mentions are written this many at a time (about 15 MB of lines): made a call's 35 MB
# at once, the lines were fresh pages each time (750,000 page faults over the 1,000 MB
# against 570,000; 50 MB more at the peak).
OUTPUT_ROWS = 100_000
INPUT_SCHEMA = {
    "article_id": pl.String,
    "title": pl.String,
    "text": pl.String,
    "published_at": pl.Date,
}


@dataclass
class ExtractResult:
    """Counts of one extraction run."""

    articles: int = 0
    mentions: int = 0
    errors: int = 0


_GZIP_MAGIC = b"\x1f\x8b"


class _Replayed(io.RawIOBase):
    """``head`` (bytes already read from ``source``), then the rest of ``source``."""

    def __init__(self, head: bytes, source: IO[bytes]) -> None:
        self._head = head
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _decompressed(source: IO[bytes]) -> IO[bytes]:
    """``source``, read through gzip when it starts as gzip does (a ``.jsonl.gz`` dump,
    as the ingest reads, or one piped in): cut into batches as it was, a compressed
    file failed in polars with an error that gave no reason. A source that can neither
    peek nor seek is read as it is."""
    if hasattr(source, "peek"):
        head = source.peek(2)[:2]
        if len(head) == 1:  # a pipe's first read held one byte: wait for the second
            head = source.read(2)
            source = cast("IO[bytes]", io.BufferedReader(_Replayed(head, source)))
    elif source.seekable():
        at = source.tell()
        head = source.read(2)
        source.seek(at)
    else:
        return source
    if head != _GZIP_MAGIC:
        return source
    return cast("IO[bytes]", gzip.GzipFile(fileobj=source, mode="rb"))


def _input_batches(
    source: IO[bytes], name: str, on_error: Callable[[BadInput], None]
) -> Iterator[pl.DataFrame]:
    """The input in batches of whole lines, about INPUT_BATCH_BYTES each: read as bytes
    and handed to polars without a pass of Python over every line. Every read goes into
    one buffer, kept for the whole input, and a batch is copied out of it once (up to
    its last line break; the line cut short moves to the buffer's front). A new buffer
    for every read, and a join of the line cut short with it, were two batches' worth of
    fresh pages, each page a fault: `mentions extract` of 1,000 MB took 365,000-420,000
    page faults, now 270,000-335,000 (six rounds, alternating). A batch is counted and
    checked for blankness without a copy."""
    # Imported here: numba takes a quarter of a second to import, paid on first use.
    from jobs.batch_scan import batch_facts

    first_line = 1
    buffer = bytearray(INPUT_BATCH_BYTES)
    held = 0  # bytes at the buffer's front not handed on yet: a line cut short
    while True:
        if len(buffer) - held < INPUT_BATCH_BYTES:  # a line longer than a batch
            buffer.extend(bytes(INPUT_BATCH_BYTES))
        with memoryview(buffer) as view:
            read = _fill(source, view[held : held + INPUT_BATCH_BYTES])
            end = held + read
            cut = buffer.rfind(b"\n", held, end) + 1 if read else end
            if read and not cut:  # no line break yet: read on
                held = end
                continue
            data = bytes(view[:cut])
        buffer[: end - cut] = buffer[cut:end]
        held = end - cut
        lines, typed = batch_facts(data)  # one compiled pass, no 32 MB mask of the batch
        if data and not data.isspace():
            yield _parse_batch(data, first_line, lines, name, on_error, typed=typed)
        first_line += lines
        if not read:
            return


def _fill(source: IO[bytes], view: memoryview) -> int:
    """Bytes read from ``source`` into ``view``: as many as it holds, unless the source
    ends first (a raw stream, a pipe's, may give a few at a time)."""
    filled = 0
    while filled < len(view):
        got = source.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return filled


def _numbered_lines(data: bytes, first_line: int) -> list[tuple[int, bytes]]:
    """The non-blank lines of a batch with their line numbers in the whole input."""
    return [(first_line + i, line) for i, line in enumerate(data.split(b"\n")) if line.strip()]


def _parse_batch(
    data: bytes,
    first_line: int,
    breaks: int,
    name: str,
    on_error: Callable[[BadInput], None],
    *,
    typed: bool,
) -> pl.DataFrame:
    """A batch of input lines (``breaks`` line breaks) as INPUT_SCHEMA rows. polars' JSON
    reader takes a clean batch ten times faster than ``json.loads`` line by line; a batch
    it cannot take whole (a broken line, a title that is not a string: ``typed``, from
    ``batch_scan.batch_facts``) is read line by line, so each bad line is named with its
    reason."""
    frame = None if typed else _clean_batch(data, breaks)
    if frame is not None:
        return _with_dates(frame, data, first_line, name, on_error)
    rows = []
    for line_no, raw in _numbered_lines(data, first_line):
        where = f"{name}:{line_no}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            on_error(BadInput(where, f"not UTF-8 text (byte {exc.start})"))
            continue
        row = _input_row(line, where, on_error)
        if row is not None:
            rows.append(row)
    return pl.DataFrame(rows, schema=INPUT_SCHEMA, orient="row")


# The fields read; any other is skipped unread. Given, not inferred: inferring a batch's
# schema is a pass over every line of its own (32 MB: 0.057 s to read, 0.030 so), and a
# field that is not a string was caught above (an id may be a number: it is text here).
_RAW_SCHEMA = {
    "id": pl.String,
    "title": pl.String,
    "text": pl.String,
    "published_time": pl.String,
    "published": pl.String,
}


def _clean_batch(data: bytes, breaks: int) -> pl.DataFrame | None:
    """The batch (``breaks`` line breaks) read by polars, or None when any line needs a
    closer look. (Read from the bytes themselves: through a BytesIO, 8 ms more a 32 MB
    batch.)"""
    try:
        raw = pl.read_ndjson(data, schema=_RAW_SCHEMA)
    except (pl.exceptions.PolarsError, ValueError, OSError):
        # OSError: a batch that starts with gzip's, zstd's or zlib's magic bytes is read
        # as compressed data, and fails as such.
        return None
    lines = breaks + (not data.endswith(b"\n"))
    if raw.height != lines and raw.height != len(_numbered_lines(data, 1)):
        return None
    if raw["id"].null_count():
        return None
    return raw.select(
        article_id="id",
        title=pl.col("title").fill_null(""),
        text=pl.col("text").fill_null(""),
        published_raw=pl.coalesce("published_time", "published"),
    )


def _with_dates(
    frame: pl.DataFrame,
    data: bytes,
    first_line: int,
    name: str,
    on_error: Callable[[BadInput], None],
) -> pl.DataFrame:
    """Publication dates (UTC) from ISO 8601 strings: the common shapes vectorised, the
    rest through ``parse_timestamp`` one by one, and a bad one reported and ignored."""
    raw = pl.col("published_raw")
    parsed = frame.with_columns(
        published_at=pl.coalesce(
            raw.str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_zone="UTC", strict=False),
            raw.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us", "UTC")),
        ).dt.date(),
    ).with_row_index("row")
    odd = parsed.filter(pl.col("published_at").is_null() & raw.is_not_null())
    if not odd.is_empty():
        numbers = [line_no for line_no, _ in _numbered_lines(data, first_line)]
        fixes: dict[int, date | None] = {}
        for row, value in odd.select("row", "published_raw").iter_rows():
            try:
                fixes[row] = parse_timestamp(value).date()
            except ValueError:
                where = f"{name}:{numbers[row]}"
                on_error(BadInput(where, f"bad published date {value[:40]!r}; ignored"))
        fixed = pl.DataFrame(
            {"row": list(fixes), "fixed": list(fixes.values())},
            schema={"row": pl.UInt32, "fixed": pl.Date},
        )
        parsed = parsed.join(fixed, on="row", how="left").with_columns(
            published_at=pl.coalesce("published_at", "fixed")
        )
    return parsed.select(list(INPUT_SCHEMA)).cast(INPUT_SCHEMA)  # type: ignore[arg-type]


def _input_row(
    line: str, where: str, on_error: Callable[[BadInput], None]
) -> tuple[str, str, str, date | None] | None:
    """(article_id, title, text, published date) of one input line, or None if bad."""
    decoded, obj = json_line(line, where, on_error)
    if not decoded:
        return None
    if not isinstance(obj, dict) or obj.get("id") is None:
        on_error(BadInput(where, "not an object with an id"))
        return None
    title, text = obj.get("title") or "", obj.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        on_error(BadInput(where, "title and text must be strings"))
        return None
    published: date | None = None
    raw = obj.get("published_time") or obj.get("published")
    if raw:
        try:
            published = parse_timestamp(str(raw)).date()
        except ValueError:
            on_error(BadInput(where, f"bad published date {str(raw)[:40]!r}; ignored"))
    return str(obj["id"]), title, text, published


def _gathered(batches: Iterator[pl.DataFrame], text_bytes: int) -> Iterator[pl.DataFrame]:
    """Consecutive ``batches`` as frames of at least ``text_bytes`` of titles and texts
    (but the last), in order."""
    held: list[pl.DataFrame] = []
    size = 0
    for batch in batches:
        held.append(batch)
        size += sum(batch.select(pl.col("title", "text").str.len_bytes().sum()).row(0))
        if size >= text_bytes:
            yield pl.concat(held, rechunk=False)
            held, size = [], 0
    if held:
        yield pl.concat(held, rechunk=False)


def output_rows(mentions: pl.DataFrame) -> pl.DataFrame:
    """``extract_mentions``' rows as `mentions extract` writes them."""
    return mentions.select(
        "article_id",
        "field",
        "kind",
        id="entity_id",
        country="country",
        start="start_pos",
        end="end_pos",
        text="surface",
        form="form",
    )


def extract_jsonl(
    source: IO[bytes],
    sink: IO[bytes] | IO[str],
    seeds_dir: Path,
    *,
    name: str = "<stdin>",
    on_error: Callable[[BadInput], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ExtractResult:
    """Read ``{"id","title","text"[,"published"]}`` lines, write one JSON object per mention:
    article_id, field, kind, id, country, start, end, text, form. ``sink`` is best
    binary (UTF-8 lines written as bytes by polars, four times faster); a text file
    (``sys.stdout`` in a notebook) takes the same lines."""
    gazetteer = load_gazetteer(seeds_dir)
    result = ExtractResult()

    def count_error(bad: BadInput) -> None:
        result.errors += 1
        if on_error is not None:
            on_error(bad)

    batches = _input_batches(_decompressed(source), name, count_error)
    for batch in _gathered(batches, EXTRACT_BATCH_BYTES):
        out = output_rows(extract_mentions(batch, gazetteer))
        for part in out.iter_slices(OUTPUT_ROWS):
            # Each part's lines made by polars and written by Python's file: written by
            # polars to the file, a closed pipe (`| head`) came back as a plain OSError
            # of no number, the input's error to the command.
            lines = io.BytesIO()
            part.write_ndjson(lines)
            if isinstance(sink, io.TextIOBase):
                sink.write(lines.getvalue().decode("utf-8"))
            else:
                _write_all(cast("IO[bytes]", sink), lines.getbuffer())
        result.articles += batch.height
        result.mentions += out.height
        if on_progress is not None:
            on_progress(batch.height)
    return result


def _write_all(sink: IO[bytes], data: memoryview) -> None:
    """Every byte of ``data`` written to ``sink``. A raw stream (standard output when
    Python runs unbuffered, ``PYTHONUNBUFFERED``) may take part of a write and say so: a
    pipe whose reader stopped took 72 KB of 5 MB, and the rest was dropped in silence."""
    while data:
        written = sink.write(data)
        if written is None:  # a non-blocking stream that could take nothing now
            raise BlockingIOError(errno.EAGAIN, "the output takes no more now")
        data = data[written:]


def run_extract(
    settings: Settings, *, on_progress: Callable[[int, int], None] | None = None
) -> ExtractResult:
    """Bring every stored article's mentions to the current version of ``seeds/``.

    Only articles holding a string whose meaning changed are re-extracted; the rest are
    re-stamped; the new mentions replace the old in one transaction (``jobs.reextract``).
    Returns the number of articles re-extracted and their mentions.
    """
    gazetteer = load_gazetteer(settings.seeds_dir)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        ensure_schema(con)
        load_seeds(con, gazetteer)
    done = reextract_stale(settings, gazetteer, on_progress=on_progress)
    return ExtractResult(articles=done.reextracted, mentions=done.mentions)
