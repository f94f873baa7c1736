"""Dumps: JSONL, CSV and Parquet files of articles, gzip or not, streamed row by row.

A column mapping says which field holds what (``title``, ``text``, ``published``,
``url``, ``source``, ``id``); by default the usual names are tried in order, so
``published_time`` (with its offset) wins over a bare ``published`` day. In
``mentions.toml``::

    [[sources]]
    path = "archive/export.csv.gz"
    columns = { title = "headline", text = "body", published = "date" }
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from jobs.sources.dates import coerce_timestamp
from jobs.sources.records import BadInput, ErrorSink, ReadContext, Record, SourceError, json_line
from jobs.sources.urls import canonical_url, is_url

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "text": ("text", "body", "content", "article"),
    "published": (
        "published_time",
        "published_at",
        "published",
        "pubdate",
        "date",
        "datetime",
        "timestamp",
    ),
    "url": ("url", "link"),
    "source": ("source", "site_name", "site", "outlet"),
    "id": ("id", "article_id", "doc_id", "guid"),
}
Columns = dict[str, tuple[str, ...]]


def column_map(location: str, options: Mapping[str, Any]) -> Columns:
    """The fields to read for each role, from the source's ``columns`` option."""
    mapping = dict(DEFAULT_COLUMNS)
    given = options.get("columns") or {}
    if not isinstance(given, Mapping):
        raise SourceError(f"{location}: columns must be a table like {{ text = 'body' }}")
    for role, field in given.items():
        if role not in DEFAULT_COLUMNS:
            raise SourceError(
                f"{location}: unknown column role {role!r}; use {', '.join(DEFAULT_COLUMNS)}"
            )
        mapping[role] = (str(field),)
    return mapping


# An empty dump is reported under this reason and is not a failed input.
EMPTY_DUMP = "empty, no articles"


def _open_text(path: Path) -> IO[str]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _value(row: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = row.get(name)
        if value is not None and value != "":
            return value
    return None


def dump_record(
    row: Any, path: Path, where: str, columns: Columns, on_error: ErrorSink
) -> Record | None:
    """One row of a dump as a record, or None (reported) when it cannot be one."""
    if not isinstance(row, Mapping):
        on_error(BadInput(where, "not a JSON object"))
        return None
    title = _value(row, columns["title"]) or ""
    text = _value(row, columns["text"]) or ""
    if not isinstance(title, str) or not isinstance(text, str):
        on_error(BadInput(where, "title and text must be strings"))
        return None
    if not title.strip() and not text.strip():
        on_error(BadInput(where, "empty article"))
        return None
    raw_id = _value(row, columns["id"])
    external_id = None if raw_id is None else str(raw_id)
    published, date_source = None, "ingested"
    raw_date = _value(row, columns["published"])
    if raw_date is not None:
        try:
            published = coerce_timestamp(raw_date)
            date_source = "source" if published else "ingested"
        except ValueError:
            on_error(
                BadInput(where, f"bad published date {str(raw_date)[:40]!r}; using ingestion time")
            )
    raw_url = _value(row, columns["url"])
    if raw_url is not None and is_url(str(raw_url)):
        url = canonical_url(str(raw_url))
    elif raw_url is not None:
        url = str(raw_url)
    elif external_id:
        url = f"{path.resolve()}#{external_id}"
    else:
        # No identity of its own: its place in the dump (the content hash still
        # keeps a moved copy from being stored twice).
        url = f"{path.resolve()}#{where.rsplit(':', 1)[-1].replace(' ', '-')}"
    site = _value(row, columns["source"])
    return Record(
        title=title.strip(),
        text=text.strip(),
        url=url,
        external_id=external_id,
        published_at=published,
        date_source=date_source,
        site_name=str(site) if site is not None else None,
    )


def read_jsonl(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """One JSON object per line."""
    columns = column_map(str(path), ctx.options)
    try:
        handle = _open_binary(path)
    except OSError as exc:
        ctx.on_error(BadInput(str(path), f"cannot read: {exc.strerror or exc}"))
        return
    with handle:
        written = False
        for line in jsonl_lines(handle, str(path), ctx.on_error):
            written = True
            if line.decoded:
                record = dump_record(line.value, path, line.where, columns, ctx.on_error)
                if record is not None:
                    yield record
        if not written:
            ctx.on_error(BadInput(str(path), EMPTY_DUMP))


def _open_binary(path: Path) -> gzip.GzipFile | io.BufferedReader:
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(path, "rb")
    return path.open("rb")


@dataclass(frozen=True)
class JsonLine:
    """A line of a JSON-lines file that is not blank: where it is ("name:line"), and
    its value if it is JSON (``decoded``; if not, it was reported)."""

    where: str
    decoded: bool
    value: Any


def jsonl_lines(lines: Iterable[bytes], name: str, on_error: ErrorSink) -> Iterator[JsonLine]:
    """The lines of a JSON-lines file that are not blank, parsed. Where the file cannot be
    read on (not UTF-8, a damaged gzip stream), that is reported and the lines end with
    the line that could not be read, not decoded.

    The lines are read as bytes and parsed by orjson (46,000 articles of 11 KB: 30 µs a
    line, where a text file's lines and ``json.loads`` took 45). A line orjson refuses,
    or whose value orjson may read otherwise than ``json`` (past 64 bits, a whole number
    reads as a float there: any field holding a float or a container), is decoded and
    read by ``json``, so every line means what it meant, and a bad one gets the same
    message. As in a text file opened with ``newline=""``, a lone "\r" ends a line too,
    and a UTF-8 byte order mark opening the file is no part of it."""
    line_no = 0  # the last line read
    try:
        for raw in lines:
            if line_no == 0 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            cr = raw.find(b"\r")
            if cr != -1 and raw[cr:] not in (b"\r\n", b"\r"):  # lone carriage returns
                for text in io.StringIO(_decoded(raw, f"{name}:{line_no + 1}"), newline=""):
                    line_no += 1
                    if text.strip():
                        yield _json_text(text, f"{name}:{line_no}", on_error)
                continue
            line_no += 1
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass
            else:
                if type(value) is not dict or not _may_differ(value):
                    yield JsonLine(f"{name}:{line_no}", True, value)
                    continue
            text = _decoded(raw, f"{name}:{line_no}")
            if text.strip():  # not blank (orjson refuses a blank line too)
                yield _json_text(text, f"{name}:{line_no}", on_error)
    except _Unreadable as exc:
        on_error(BadInput(exc.where, f"unreadable: {exc.__cause__}"))
        yield JsonLine(exc.where, False, None)
    except (OSError, EOFError) as exc:
        where = f"{name}:{line_no + 1}"
        on_error(BadInput(where, f"unreadable: {exc}"))
        yield JsonLine(where, False, None)


_BOM = codecs.BOM_UTF8


class _Unreadable(Exception):
    def __init__(self, where: str) -> None:
        self.where = where


def _may_differ(row: dict[str, Any]) -> bool:
    """Whether a row orjson read may hold a value ``json`` reads otherwise."""
    for value in row.values():
        kind = type(value)
        if kind is float or kind is list or kind is dict:
            return True
    return False


def _decoded(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unreadable(where) from exc


def _json_text(text: str, where: str, on_error: ErrorSink) -> JsonLine:
    decoded, value = json_line(text, where, on_error)
    return JsonLine(where, decoded, value)


def read_csv(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """A CSV (or, by suffix, TSV) file with a header row."""
    columns = column_map(str(path), ctx.options)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # article texts are long
    delimiter = "\t" if ".tsv" in path.name.lower() else ","
    try:
        handle = _open_text(path)
    except OSError as exc:
        ctx.on_error(BadInput(str(path), f"cannot read: {exc.strerror or exc}"))
        return
    with handle:
        lines = _RecordLines(handle)
        reader = csv.DictReader(lines, delimiter=delimiter)
        # Each row is held until the next one is read: csv hands over the last row of a
        # file cut in the middle as if it were whole. Cut inside a quoted field, that
        # row's text ends in the field; cut elsewhere, it lacks fields and no line break
        # ends it.
        held: tuple[str, dict[str, Any]] | None = None
        failure: BadInput | None = None
        try:
            if not _has_columns(path, list(reader.fieldnames or []), columns, ctx.on_error):
                return
            lines.next_record()  # the header
            first_line = reader.line_num + 1
            for row in reader:
                if held is not None:
                    yield from _csv_record(held, path, columns, ctx.on_error)
                held = (f"{path}:{first_line}", row)  # where the row starts
                first_line = reader.line_num + 1
                lines.next_record()
        except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
            failure = BadInput(f"{path}:{reader.line_num}", f"unreadable: {exc}")
        cut = held is not None and (
            _inside_quotes(lines.last_record, delimiter)
            or (None in held[1].values() and not lines.last_record.endswith(("\n", "\r")))
        )
        if held is not None and failure is None and cut:
            ctx.on_error(BadInput(held[0], "the file ends inside this row; it is not read"))
        elif held is not None:
            yield from _csv_record(held, path, columns, ctx.on_error)
        if failure is not None:
            ctx.on_error(failure)


class _RecordLines:
    """The lines of a text file as csv reads them, keeping those of the record being
    read (csv reads no further than the end of a record)."""

    def __init__(self, lines: IO[str]) -> None:
        self._lines = lines
        self._record: list[str] = []
        self._last: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self._record.append(line)
            yield line

    def next_record(self) -> None:
        """The record just read is complete: keep its lines, start the next."""
        self._last, self._record = self._record, []

    @property
    def last_record(self) -> str:
        """The text of the last complete record (joined only when asked: once a file)."""
        return "".join(self._last)


def _inside_quotes(record: str, delimiter: str) -> bool:
    """Whether a CSV record's text ends inside a quoted field (a quote opens a field
    only at its start, and two quotes inside one are an escaped quote)."""
    quoted, field_start, i = False, True, 0
    while i < len(record):
        char = record[i]
        if quoted:
            if char == '"' and record.startswith('""', i):
                i += 1
            elif char == '"':
                quoted = False
        elif field_start and char == '"':
            quoted = True
        field_start = not quoted and char in (delimiter, "\n", "\r")
        i += 1
    return quoted


def _csv_record(
    held: tuple[str, dict[str, Any]], path: Path, columns: Columns, on_error: ErrorSink
) -> Iterator[Record]:
    where, row = held
    record = dump_record(row, path, where, columns, on_error)
    if record is not None:
        yield record


def _has_columns(path: Path, header: list[str], columns: Columns, on_error: ErrorSink) -> bool:
    present = set(header)
    for role in ("title", "text"):
        names = columns[role]
        if len(names) == 1 and names != DEFAULT_COLUMNS[role] and names[0] not in present:
            on_error(
                BadInput(
                    str(path),
                    f"no column {names[0]!r} (mapped to {role}); columns are {', '.join(header)}",
                )
            )
            return False
    if not any(name in present for role in ("title", "text") for name in columns[role]):
        on_error(BadInput(str(path), f"no title or text column; columns are {', '.join(header)}"))
        return False
    return True


def read_parquet(path: Path, ctx: ReadContext) -> Iterator[Record]:
    """A Parquet file, read a row group slice at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = column_map(str(path), ctx.options)
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        ctx.on_error(BadInput(str(path), f"not a readable Parquet file ({_first_line(exc)})"))
        return
    header = parquet.schema_arrow.names
    if not _has_columns(path, header, columns, ctx.on_error):
        return
    wanted = [name for names in columns.values() for name in names if name in header]
    row_no = 0
    try:
        for batch in parquet.iter_batches(batch_size=512, columns=list(dict.fromkeys(wanted))):
            for row in batch.to_pylist():
                row_no += 1
                record = dump_record(row, path, f"{path}:row {row_no}", columns, ctx.on_error)
                if record is not None:
                    yield record
    except (pa.ArrowException, OSError) as exc:
        ctx.on_error(BadInput(f"{path}:row {row_no + 1}", f"unreadable: {_first_line(exc)}"))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def dump_kind(name: str) -> str | None:
    """'jsonl', 'csv' or 'parquet' for a file name, else None."""
    lowered = name.lower()
    if lowered.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lowered.endswith(CSV_SUFFIXES):
        return "csv"
    if lowered.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None
