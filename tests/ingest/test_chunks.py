"""A large JSON-lines dump is read in chunks of unparsed lines that the workers parse
(``jobs.sources.dumps.JsonlChunks``): whatever the lines hold, the ingest stores, reports
and remembers exactly what it does reading the same file record by record."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

import jobs.ingest.run as run
from jobs.ingest import run_ingest
from jobs.ingest.workers import BatchPreparer
from jobs.settings import Settings, SourceConfig

NOW = datetime(2024, 5, 1)
STATE_SQL = {
    "articles": """SELECT article_id, external_id, url, title, text, published_at,
        date_source, story_id, content_hash FROM articles ORDER BY article_id""",
    "mentions": "SELECT article_id, entity_id, field, start_pos, end_pos FROM mentions "
    "ORDER BY ALL",
    "signatures": "SELECT * FROM story_signatures ORDER BY article_id",
    "errors": "SELECT location, reason FROM ingest_errors ORDER BY ALL",
    "files": "SELECT path, size, sha256 FROM source_files ORDER BY ALL",
}


def _line(i: int, **fields: Any) -> bytes:
    row = {
        "id": f"doc-{i}",
        "url": f"https://news.example.org/{fields.get('id', f'doc-{i}')}",
        "title": f"Story {i}",
        "text": f"Kenya and Chile signed a grain deal on day {i}. " * 6
        + f"President Ruto met {i} delegates in Nairobi.",
        "published": f"2022-03-{1 + i % 28:02d}T10:15:00+02:00",
        **fields,
    }
    return json.dumps(row).encode()


def _odd_dump(count: int) -> list[bytes]:
    """Good lines with, here and there, each kind of line a reader must report or
    number right: blank lines, broken JSON, a value that is no object, a line ended by a
    lone carriage return, an article with no text, a date in the future, an id seen
    before; and a byte order mark opening the file."""
    lines = [b"\xef\xbb\xbf" + _line(0)]
    for i in range(1, count):
        if i % 9 == 0:
            lines.append(b"")
        if i % 13 == 0:
            lines.append(b"{broken json")
        if i % 17 == 0:
            lines.append(b"[1, 2]")
        if i % 19 == 0:
            lines.append(_line(i, id=f"cr-{i}") + b"\r" + _line(i, id=f"after-cr-{i}"))
        if i % 23 == 0:
            lines.append(_line(i, id=f"empty-{i}", title="", text=" "))
        if i % 29 == 0:
            lines.append(_line(i, id=f"future-{i}", published="2031-01-01T00:00:00Z"))
        if i % 31 == 0:
            lines.append(_line(i - 1))
        lines.append(_line(i))
    return lines


def _state(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in STATE_SQL.items()}


def _ingest_both(
    settings: Settings, dump: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int = 10
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(counts, state) of the dump read record by record, then read in chunks."""
    source = SourceConfig(name="wire", location=str(dump))
    results = []
    chunks: list[int] = []
    submit_chunk = BatchPreparer.submit_chunk

    def counted(self: BatchPreparer, *args: Any) -> Any:
        chunks.append(1)
        return submit_chunk(self, *args)

    monkeypatch.setattr(BatchPreparer, "submit_chunk", counted)
    for workers, chunked in ((1, None), (2, 0)):
        if chunked is not None:
            monkeypatch.setattr(run, "CHUNKED_BYTES", chunked)
        db = settings.db_path.with_name(f"workers-{workers}.duckdb")
        ingest = replace(settings, db_path=db, ingest_batch_size=batch_size, ingest_workers=workers)
        result = run_ingest(ingest, [source], now=NOW, on_error=lambda bad: None)
        counts = (result.articles_seen, result.articles_new, result.mentions_new, result.errors)
        results.append((counts, _state(db)))
    assert chunks, "no chunk went to the workers"
    (by_record, records_state), (by_chunk, chunks_state) = results
    return (by_record, records_state), (by_chunk, chunks_state)


def test_a_dump_read_in_chunks_stores_and_reports_what_its_records_do(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _odd_dump(120)
    dump = tmp_path / "wire.jsonl"
    dump.write_bytes(b"\n".join(lines) + b"\n")
    (records, records_state), (chunks, chunks_state) = _ingest_both(settings, dump, monkeypatch)
    assert chunks == records
    assert chunks_state == records_state
    reasons = {reason.split(" (")[0].split(";")[0] for _, reason in records_state["errors"]}
    assert {"not JSON", "not a JSON object", "empty article"} <= reasons
    assert any("in the future" in reason for _, reason in records_state["errors"])
    # Each line cut in two by a lone carriage return numbers the lines after it one on.
    cut = [b"\r" in line for line in lines]
    broken = [
        f"{dump}:{number + 1 + sum(cut[:number])}"
        for number, line in enumerate(lines)
        if line == b"{broken json"
    ]
    located = [where for where, reason in records_state["errors"] if reason.startswith("not JSON")]
    assert sorted(located) == sorted(broken) and len(broken) == 9
    assert len(records_state["files"]) == 1


def test_a_line_not_utf8_ends_a_chunked_reading_where_it_ends_a_record_reading(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bad line lies three chunks in: the chunks read after it are not stored, the
    lines before it are, and the file is remembered as read record by record leaves it."""
    lines = [_line(i) for i in range(60)]
    lines[34] = b'{"id": "bad", "title": "caf\xe9", "text": "Kenya."}'
    dump = tmp_path / "cut.jsonl"
    dump.write_bytes(b"\n".join(lines) + b"\n")
    (records, records_state), (chunks, chunks_state) = _ingest_both(settings, dump, monkeypatch)
    assert chunks == records
    assert chunks_state == records_state
    assert records[1] == 34
    [(location, reason)] = records_state["errors"]
    assert (location, reason.split(":")[0]) == (f"{dump}:35", "unreadable")


def test_a_gzip_cut_short_ends_a_chunked_reading_where_it_ends_a_record_reading(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = gzip.compress(b"\n".join(_line(i) for i in range(80)) + b"\n")
    dump = tmp_path / "cut.jsonl.gz"
    dump.write_bytes(whole[: len(whole) * 2 // 3])
    (records, records_state), (chunks, chunks_state) = _ingest_both(settings, dump, monkeypatch)
    assert chunks == records
    assert chunks_state == records_state
    assert 0 < records[1] < 80
    [(_, reason)] = records_state["errors"]
    assert reason.startswith("unreadable: ")


def test_a_chunked_dump_stored_in_part_prepares_only_what_is_missing(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest cut short leaves the first batches stored: run again, the chunks are
    parsed in the ingest process, which prepares only their articles not stored, until
    one holds none stored; the workers parse the rest (a worker given a chunk prepares
    all its articles)."""
    dump = tmp_path / "wire.jsonl"
    dump.write_bytes(b"\n".join(_line(i) for i in range(50)) + b"\n")
    monkeypatch.setattr(run, "CHUNKED_BYTES", 0)
    ingest = replace(settings, ingest_batch_size=10, ingest_workers=2)
    half = tmp_path / "half.jsonl"
    half.write_bytes(b"\n".join(_line(i) for i in range(25)) + b"\n")
    assert run_ingest(ingest, [SourceConfig(name="wire", location=str(half))]).articles_new == 25
    prepared: list[int] = []
    chunks: list[int] = []
    submit, submit_chunk = BatchPreparer.submit, BatchPreparer.submit_chunk

    def counted(self: BatchPreparer, articles: Any) -> Any:
        prepared.append(articles.height)
        return submit(self, articles)

    def counted_chunk(self: BatchPreparer, *args: Any) -> Any:
        chunks.append(1)
        return submit_chunk(self, *args)

    monkeypatch.setattr(BatchPreparer, "submit", counted)
    monkeypatch.setattr(BatchPreparer, "submit_chunk", counted_chunk)
    result = run_ingest(ingest, [SourceConfig(name="wire", location=str(dump))], now=NOW)
    assert (result.articles_seen, result.articles_new) == (50, 25)
    assert (prepared, chunks) == ([0, 0, 5, 10], [1])
