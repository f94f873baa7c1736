"""Folders, recursively and incrementally: unchanged files are skipped cheaply."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from jobs.sources import read
from jobs.sources.records import BadInput, FileDone, ReadContext, Record

FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><item>'
    "<title>Peru votes</title><link>https://desk.example/peru</link>"
    "<pubDate>Sun, 06 Jun 2021 20:00:00 -0500</pubDate>"
    "<description>Voters in Lima chose a new president on Sunday.</description>"
    "</item></channel></rss>"
)


def _tree(root: Path) -> None:
    (root / "2022" / "03").mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / "2022" / "03" / "2022-03-01-talks.txt").write_text(
        "Talks resume\nUkraine and Russia met in Belarus.", encoding="utf-8"
    )
    (root / "2022" / "notes.md").write_text("Notes on Chile\nChile voted.", encoding="utf-8")
    (root / "feed.xml").write_text(FEED, encoding="utf-8")
    (root / "page.html").write_text(
        "<html><head><title>Kenya</title></head><body><article><p>Kenya counted its votes in "
        "Nairobi on Thursday as the country waited.</p></article></body></html>",
        encoding="utf-8",
    )
    (root / "dump.jsonl").write_text(
        '{"id": 1, "title": "Mali", "text": "Bamako was calm.", "published": "2022-01-02"}\n',
        encoding="utf-8",
    )
    (root / "broken.txt").write_bytes(b"\x00\x01binary")
    (root / ".cache" / "hidden.txt").write_text("Hidden\nNot an article.", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")


def _articles(settings: Settings) -> dict[str, tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        rows = con.execute("select title, published_at, date_source from articles").fetchall()
    return {r[0]: r[1:] for r in rows}


def _errors(settings: Settings) -> list[str]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return [r[0] for r in con.execute("select reason from ingest_errors").fetchall()]


def test_folder_of_every_kind_then_only_what_changed(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    _tree(root)
    source = SourceConfig(name="archive", location=str(root))
    first = run_ingest(settings, [source])
    stored = _articles(settings)
    assert set(stored) == {"Talks resume", "Notes on Chile", "Peru votes", "Kenya", "Mali"}
    assert stored["Talks resume"][1] == "filename"
    assert stored["Peru votes"][1] == "source"
    assert stored["Notes on Chile"][1] == "ingested"
    assert (first.articles_new, first.errors, first.files_skipped) == (5, 1, 0)
    assert _errors(settings) == ["binary file, not text"]

    again = run_ingest(settings, [source])
    assert (again.articles_seen, again.errors, again.files_skipped) == (0, 0, 6)
    assert _errors(settings) == ["binary file, not text"], (
        "an unchanged bad file is not re-reported"
    )

    # Touched but unchanged: skipped by its hash. Edited, and new: read.
    talks = root / "2022" / "03" / "2022-03-01-talks.txt"
    os.utime(talks, ns=(talks.stat().st_atime_ns, talks.stat().st_mtime_ns + 10**9))
    (root / "2022" / "notes.md").write_text("Notes on Chile\nChile voted again.", encoding="utf-8")
    (root / "new.txt").write_text("Fresh news\nFiji held an election.", encoding="utf-8")
    third = run_ingest(settings, [source])
    # The edited file is read again, but its article (same path, same id) is stored once:
    # the first version stays.
    assert (third.articles_seen, third.articles_new, third.files_skipped) == (2, 1, 5)
    assert set(_articles(settings)) == set(stored) | {"Fresh news"}


def test_a_dump_given_alone_is_skipped_when_unchanged(tmp_path: Path, settings: Settings) -> None:
    dump = tmp_path / "d.jsonl"
    dump.write_text(
        "".join(f'{{"id": {i}, "title": "T{i}", "text": "text {i}"}}\n' for i in range(5)),
        encoding="utf-8",
    )
    settings = replace(settings, ingest_batch_size=2)
    source = SourceConfig(name="d", location=str(dump))
    assert run_ingest(settings, [source]).articles_new == 5
    again = run_ingest(settings, [source])
    assert (again.articles_seen, again.files_skipped) == (0, 1)


def _big_dump(path: Path, lines: int) -> None:
    line = '{{"id": {i}, "title": "T{i}", "text": "Chile voted. ' + "x" * 2000 + '"}}\n'
    path.write_text("".join(line.format(i=i) for i in range(lines)), encoding="utf-8")
    assert path.stat().st_size >= read.HASH_BESIDE_BYTES


def test_a_new_large_dump_is_read_while_it_is_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its records come before its SHA-256 is done (a 10 GB dump took 8 s to hash on one
    core before its first record), and its FileDone still carries the whole file's."""
    dump = tmp_path / "big.jsonl"
    _big_dump(dump, 5000)
    first_record = threading.Event()
    in_line, beside = read._sha256, read._sha256_unless

    def after_first_record(path: Path, stop: threading.Event | None = None) -> str | None:
        assert first_record.wait(60), "the hash ran before any record was read"
        return in_line(path) if stop is None else beside(path, stop)

    monkeypatch.setattr(read, "_sha256", after_first_record)
    monkeypatch.setattr(read, "_sha256_unless", after_first_record)
    ctx = ReadContext(on_error=pytest.fail, track_files=True)
    items = read.read_items(str(dump), "auto", pytest.fail, context=ctx)
    assert isinstance(next(items), Record)
    first_record.set()
    *records, done = items
    assert len(records) == 4999
    assert isinstance(done, FileDone)
    assert done.sha256 == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert (done.size, done.mtime_ns) == (dump.stat().st_size, dump.stat().st_mtime_ns)


def test_a_dump_read_in_part_leaves_no_hashing_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest stopped after its first batch (Ctrl-C, a failed store) closes the reader:
    the hash is told to stop and its thread is waited for."""
    dump = tmp_path / "big.jsonl"
    _big_dump(dump, 5000)
    beside = read._sha256_unless

    def until_stopped(path: Path, stop: threading.Event) -> str | None:
        assert stop.wait(60), "the reader was closed but the hash was not told to stop"
        return beside(path, stop)

    monkeypatch.setattr(read, "_sha256_unless", until_stopped)
    ctx = ReadContext(on_error=pytest.fail, track_files=True)
    items = read.read_items(str(dump), "auto", pytest.fail, context=ctx)
    assert isinstance(next(items), Record)
    assert any(t.name == "sha256 big.jsonl" for t in threading.enumerate())
    items.close()
    assert not any(t.name.startswith("sha256") for t in threading.enumerate())


def test_a_large_dump_whose_hash_fails_is_read_but_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = tmp_path / "big.jsonl"
    _big_dump(dump, 5000)

    def unreadable(path: Path, stop: threading.Event) -> str | None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(read, "_sha256_unless", unreadable)
    errors: list[BadInput] = []
    ctx = ReadContext(on_error=errors.append, track_files=True)
    items = list(read.read_items(str(dump), "auto", errors.append, context=ctx))
    assert len(items) == 5000 and all(isinstance(i, Record) for i in items)
    assert errors == [BadInput(str(dump), "cannot read: Permission denied")]
