"""One contract for every reader, run over every medium by the ``shelf`` fixture.

The same three articles are written as a JSONL, CSV and Parquet dump (and gzip), an RSS
and an Atom feed file, a feed by URL, HTML files, pages by URL, text files and a folder
mixing kinds. Whatever the medium, every article comes back with its title, text, URL
(or the location it was read from) and its time in naive UTC; reading twice gives the
same records; an empty, a binary or a truncated input is reported, naming the input,
and never raises. Where a medium legitimately differs (a text file carries no date),
its ``Medium`` says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.sources.read import read_source
from jobs.sources.records import BadInput, Record
from tests.sources.loopback import LoopbackServer, Reply
from tests.sources.media import ARTICLES, MEDIA, Document, Expected, Medium


class Shelf:
    """Puts a medium's documents where its reader finds them (files in ``tmp_path``, a
    folder, or routes on the loopback server) and reads them back."""

    def __init__(self, medium: Medium, root: Path, server: LoopbackServer) -> None:
        self.medium = medium
        self.root = root
        self.server = server
        self.placed = 0

    def _put(self, document: Document, under: Path) -> str:
        """The location of one document, written or served."""
        if self.medium.served_as is not None:
            reply = Reply(document.content, headers={"Content-Type": self.medium.served_as})
            return self.server.route(document.name, reply)
        path = under / document.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(document.content)
        return str(path.resolve())

    def place(self, documents: list[Document]) -> tuple[list[str], list[Expected]]:
        """The locations to read (one folder, or one per document) and the records
        expected from them, in order."""
        self.placed += 1
        under = self.root / f"shelf-{self.placed}"
        under.mkdir()
        located = [(self._put(d, under / "folder"), d) for d in documents]
        expected = [d.expect(a, where) for where, d in located for a in d.articles]
        if self.medium.folder:
            return [str((under / "folder").resolve())], expected
        return [where for where, _ in located], expected

    def place_bytes(self, content: bytes) -> tuple[str, str]:
        """(location to read, the input a report must name) for one odd document."""
        [location], _ = self.place([Document(self.medium.single, content, ())])
        if self.medium.folder:
            return location, str(Path(location) / self.medium.single)
        return location, location

    def articles(self) -> tuple[list[str], list[Expected]]:
        return self.place(self.medium.documents(ARTICLES))


def read(locations: list[str]) -> tuple[list[Record], list[BadInput]]:
    """Every record of the locations, in order, and every bad input reported."""
    records: list[Record] = []
    errors: list[BadInput] = []
    for location in locations:
        records.extend(read_source(location, "auto", errors.append))
    return records, errors


@pytest.fixture(params=MEDIA, ids=[m.name for m in MEDIA])
def shelf(request: pytest.FixtureRequest, tmp_path: Path, http_server: LoopbackServer) -> Shelf:
    return Shelf(request.param, tmp_path, http_server)


def _one_report(errors: list[BadInput], named: str) -> BadInput:
    """The single report of an input; it names the input (a dump adds line or row)."""
    assert len(errors) == 1, errors
    [bad] = errors
    assert bad.location == named or bad.location.startswith(f"{named}:"), (bad, named)
    assert bad.reason.strip() and "\n" not in bad.reason, bad
    return bad


def test_every_article_comes_back_whole_and_in_utc(shelf: Shelf) -> None:
    locations, expected = shelf.articles()
    records, errors = read(locations)
    assert errors == []
    assert [Expected.of(r) for r in records] == expected
    assert all(r.published_at is None or r.published_at.tzinfo is None for r in records)


def test_reading_twice_gives_the_same_records(shelf: Shelf) -> None:
    locations, expected = shelf.articles()
    first, _ = read(locations)
    second, errors = read(locations)
    assert errors == []
    assert second == first and len(first) == len(expected)


def test_an_empty_input_is_one_clear_report_and_no_record(
    shelf: Shelf, request: pytest.FixtureRequest
) -> None:
    if shelf.medium.empty_gap:
        request.applymarker(pytest.mark.xfail(reason=shelf.medium.empty_gap, strict=True))
    location, named = shelf.place_bytes(shelf.medium.empty)
    records, errors = read([location])
    assert records == []
    assert _one_report(errors, named).reason == shelf.medium.empty_reason


def test_binary_garbage_is_one_report_naming_the_input(shelf: Shelf) -> None:
    garbage = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    location, named = shelf.place_bytes(garbage)
    records, errors = read([location])
    assert records == []
    assert _one_report(errors, named).reason.startswith(shelf.medium.garbage_reason)


def test_a_truncated_input_never_raises_and_keeps_what_came_whole(
    shelf: Shelf, request: pytest.FixtureRequest
) -> None:
    """Cut in the middle of the last article written: the articles before it come back as
    they were written, the cut one at most as a prefix of itself, and a reader that can
    tell the input was cut says so once."""
    if shelf.medium.truncation_gap:
        request.applymarker(pytest.mark.xfail(reason=shelf.medium.truncation_gap, strict=True))
    [*whole, last] = shelf.medium.documents(ARTICLES)
    cut = last.content[: len(last.content) - max(60, len(last.content) // 8)]
    locations, expected = shelf.place([*whole, Document(last.name, cut, last.articles)])
    records, errors = read(locations)
    wanted = {e.title: e for e in expected}
    kept = [Expected.of(r) for r in records]
    assert len({k.title for k in kept}) == len(kept), kept
    for got in kept:
        assert wanted[got.title].text.startswith(got.text), got
    assert len([k for k in kept if k == wanted[k.title]]) >= shelf.medium.whole_after_cut, kept
    if shelf.medium.notices_truncation:
        named = locations[-1] if not shelf.medium.folder else f"{locations[0]}/{last.name}"
        _one_report(errors, named)
    else:
        assert errors == []
