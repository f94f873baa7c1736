from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest

from jobs.sources.dates import parse_timestamp
from jobs.sources.read import read_source
from jobs.sources.records import BadInput, SourceError


def _read(location: Path, kind: str = "auto") -> tuple[list, list[BadInput]]:
    errors: list[BadInput] = []
    return list(read_source(str(location), kind, errors.append)), errors


def test_text_file_first_line_is_title(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("\n\n  Kyiv talks resume \nBody line one.\n\nBody two.\n", encoding="utf-8")
    [record], errors = _read(path)
    assert record.title == "Kyiv talks resume"
    assert record.text == "Body line one.\n\nBody two."
    assert record.url == str(path.resolve())
    assert record.published_at is None and errors == []


def test_folder_is_read_recursively_and_bad_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Title B\nText", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Title A\nText", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x00\x00\x01")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 in Paris".encode("latin-1"))
    (tmp_path / "ignored.bin").write_bytes(b"\x00")
    records, errors = _read(tmp_path)
    assert [r.title for r in records] == ["Title A", "Title B"]
    reasons = {Path(e.location).name: e.reason for e in errors}
    assert reasons == {
        "binary.txt": "binary file, not text",
        "empty.txt": "empty article",
        "latin1.txt": "not UTF-8 text (byte 3)",
    }


def test_jsonl_with_dates_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl.gz"
    lines = [
        json.dumps({"id": 1, "title": "T1", "text": "x", "published": "2022-03-01T09:30:00-05:00"}),
        "{not json",
        json.dumps({"id": 2, "title": "", "text": ""}),
        json.dumps({"id": 3, "title": "T3", "text": "y", "published": "yesterday"}),
        json.dumps(["a list"]),
        json.dumps(
            {
                "id": 4,
                "title": "T4",
                "text": "z",
                "published": "2022-03-02",
                "url": "https://example.org/4",
            }
        ),
    ]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    records, errors = _read(path)
    assert [r.external_id for r in records] == ["1", "3", "4"]
    assert records[0].published_at == datetime(2022, 3, 1, 14, 30)
    assert records[0].date_source == "source"
    assert records[1].published_at is None
    assert records[2].url == "https://example.org/4"
    assert records[0].url == f"{path.resolve()}#1"
    assert [(e.location.rsplit(":", 1)[1], e.reason.split(" (")[0]) for e in errors] == [
        ("2", "not JSON"),
        ("3", "empty article"),
        ("4", "bad published date 'yesterday'; using ingestion time"),
        ("5", "not a JSON object"),
    ]


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        _read(tmp_path / "nope")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-03-01", datetime(2022, 3, 1)),
        ("2022-03-01T23:30:00-05:00", datetime(2022, 3, 2, 4, 30)),
        ("2022-03-01T10:00:00Z", datetime(2022, 3, 1, 10)),
        ("2022-03-01 10:00:00", datetime(2022, 3, 1, 10)),
    ],
)
def test_parse_timestamp_applies_offsets(value: str, expected: datetime) -> None:
    assert parse_timestamp(value) == expected
