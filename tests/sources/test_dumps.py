"""Dumps (JSONL, CSV, Parquet; gzip or not) with a column mapping, and the real corpus."""

from __future__ import annotations

import csv
import gzip
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.sources.read import read_source, source_kind
from jobs.sources.records import BadInput, ReadContext, Record, SourceError
from tests.conftest import CORPUS, needs_shared

ROWS = [
    {
        "headline": "Kenya counts its votes",
        "body": "Counting went on in Nairobi on Thursday.",
        "date": "2022-08-11T18:45:00+03:00",
        "link": "https://News.example/kenya?utm_source=x",
        "outlet": "News",
        "doc_id": "k1",
    },
    {
        "headline": "",
        "body": "",
        "date": "",
        "link": "",
        "outlet": "",
        "doc_id": "k2",
    },
    {
        "headline": "Chile votes",
        "body": "Santiago voted on a new constitution.",
        "date": "not a date",
        "link": "",
        "outlet": "",
        "doc_id": "k3",
    },
]
MAPPING = {
    "columns": {
        "title": "headline",
        "text": "body",
        "published": "date",
        "url": "link",
        "source": "outlet",
        "id": "doc_id",
    }
}


def _read(path: Path, options: dict | None = None) -> tuple[list[Record], list[BadInput]]:
    errors: list[BadInput] = []
    ctx = ReadContext(on_error=errors.append, options=options or {})
    return list(read_source(str(path), "auto", errors.append, context=ctx)), errors


def _check(records: list[Record], errors: list[BadInput], path: Path) -> None:
    assert [r.title for r in records] == ["Kenya counts its votes", "Chile votes"]
    kenya, chile = records
    assert kenya.published_at == datetime(2022, 8, 11, 15, 45)
    assert kenya.url == "https://news.example/kenya"
    assert kenya.site_name == "News"
    assert chile.url == f"{path.resolve()}#k3"
    assert chile.published_at is None and chile.date_source == "ingested"
    assert [e.reason for e in errors] == [
        "empty article",
        "bad published date 'not a date'; using ingestion time",
    ]


@pytest.mark.parametrize("name", ["dump.csv", "dump.csv.gz"])
def test_csv_with_a_column_mapping(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        writer = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    assert source_kind(str(path)) == "csv"
    records, errors = _read(path, MAPPING)
    _check(records, errors, path)
    assert [e.location for e in errors] == [f"{path}:3", f"{path}:4"]


def test_parquet_with_a_column_mapping_and_typed_times(tmp_path: Path) -> None:
    path = tmp_path / "dump.parquet"
    rows = [dict(r) for r in ROWS]
    rows[0]["date"] = datetime(2022, 8, 11, 18, 45, tzinfo=timezone(timedelta(hours=3)))
    rows[1]["date"] = None
    table = pa.table(
        {
            "headline": [r["headline"] for r in rows],
            "body": [r["body"] for r in rows],
            "date": pa.array([rows[0]["date"], None, None], pa.timestamp("us", tz="UTC")),
            "link": [r["link"] for r in rows],
            "outlet": [r["outlet"] for r in rows],
            "doc_id": [r["doc_id"] for r in rows],
        }
    )
    pq.write_table(table, path)
    records, errors = _read(path, MAPPING)
    assert [r.title for r in records] == ["Kenya counts its votes", "Chile votes"]
    assert records[0].published_at == datetime(2022, 8, 11, 15, 45)
    assert records[0].published_at.tzinfo is None
    assert [e.reason for e in errors] == ["empty article"]
    assert errors[0].location == f"{path}:row 2"


def test_mapping_to_a_missing_column_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "dump.csv"
    path.write_text("headline,content\nA,B\n", encoding="utf-8")
    records, errors = _read(path, {"columns": {"text": "body"}})
    assert records == []
    assert errors == [
        BadInput(str(path), "no column 'body' (mapped to text); columns are headline, content")
    ]


def test_unknown_mapping_role_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    path.write_text('{"id": 1, "title": "x"}\n', encoding="utf-8")
    with pytest.raises(SourceError, match="unknown column role 'author'"):
        _read(path, {"columns": {"author": "by"}})


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    records, errors = _read(path)
    assert records == []
    assert len(errors) == 1 and errors[0].reason.startswith("not a readable Parquet file (")


@needs_shared(CORPUS)
def test_the_wh_briefings_dump_reads_as_it_is() -> None:
    """The shared corpus, gzip and all, with the default mapping: every record, dated to
    the minute with its US Eastern offset applied."""
    errors: list[BadInput] = []
    first: Record | None = None
    count = 0
    for record in read_source(str(CORPUS), "auto", errors.append):
        first = first or record
        count += 1
    assert (count, errors) == (11616, [])
    assert first is not None
    # 2021-01-15T16:17:00-05:00
    assert first.published_at == datetime(2021, 1, 15, 21, 17)
    assert first.date_source == "source" and first.site_name == "whitehouse.gov"
    assert first.url.startswith("https://bidenwhitehouse.archives.gov/briefing-room/")


CSV_HEAD = "title,text,url\r\n"
SCREEN = 'Kenya buys tablets,"The 10"" screens went to Nairobi, Mombasa and Kisumu.",https://n.example/t\r\n'


@pytest.mark.parametrize(
    ("body", "titles", "report"),
    [
        # A stray quote inside an unquoted field is text, not an open quoted field.
        ('Screens,A 10" screen for every school,https://n.example/s\r\n' + SCREEN, 2, None),
        # Whole, without a line break after the last row.
        (SCREEN + "Chile votes,Santiago voted,https://n.example/c", 2, None),
        # Every row without the url: short rows that were written that way.
        ("Chile votes,Santiago voted\r\nPeru votes,Lima voted\r\n", 2, None),
        # Cut inside a quoted text that runs over several lines.
        (SCREEN + 'Chile votes,"Santiago voted.\r\nThe count went on', 1, 3),
        # Cut inside an unquoted text: the row lacks its url.
        (SCREEN + "Chile votes,Santiago vot", 1, 3),
    ],
    ids=["stray-quote", "no-final-break", "short-rows", "cut-in-quotes", "cut-unquoted"],
)
def test_a_csv_cut_in_its_last_row_is_reported_not_stored_half(
    tmp_path: Path, body: str, titles: int, report: int | None
) -> None:
    path = tmp_path / "wire.csv"
    path.write_text(CSV_HEAD + body, encoding="utf-8", newline="")
    records, errors = _read(path, {})
    assert len(records) == titles, records
    for record in records:
        assert record.text.endswith(("Kisumu.", "screen for every school", "voted")), record
    if report is None:
        assert errors == []
    else:
        assert [(e.location, e.reason) for e in errors] == [
            (f"{path}:{report}", "the file ends inside this row; it is not read")
        ]


def test_an_ingest_of_a_dump_loads_no_page_feed_or_http_library(tmp_path: Path) -> None:
    """A JSONL dump needs neither trafilatura, lxml, feedparser nor httpx: imported with
    the ingest (0.5 s on one core before its first batch), they held up every dump's
    start. They load when a page, a feed or a URL is read."""
    import subprocess
    import sys

    dump = tmp_path / "d.jsonl"
    dump.write_text('{"id": "1", "title": "Chile votes", "text": "Santiago voted."}\n')
    libraries = ("trafilatura", "lxml", "feedparser", "httpx", "charset_normalizer")
    code = (
        "import sys, jobs.ingest.run\n"
        "from jobs.sources.read import read_source\n"
        f"records = list(read_source({str(dump)!r}, 'auto', print))\n"
        f"print(len(records), *(m for m in {libraries!r} if m in sys.modules))\n"
        "from jobs.sources.read import read_items, file_kind\n"
        "print(file_kind('a.rss'), file_kind('b.HTM'))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["1", "feed html"]


def _jsonl(path: Path, data: bytes) -> tuple[list[Record], list[BadInput]]:
    path.write_bytes(data)
    return _read(path)


def _line(title: str, **fields: str) -> bytes:
    body = ", ".join(f'"{k}": {v}' for k, v in fields.items())
    return f'{{"title": "{title}", "text": "Nairobi voted."{", " if body else ""}{body}}}'.encode()


def test_jsonl_lines_end_as_in_a_text_file(tmp_path: Path) -> None:
    """A byte order mark opens the file unseen; lines end at \\n, \\r\\n or a lone \\r,
    numbered as a text file numbers them; Unicode's spaces alone make a blank line."""
    data = (
        b"\xef\xbb\xbf" + _line("one") + b"\r\n"
        + _line("two") + b"\r" + b"not json\r" + _line("four") + b"\n"
        + "\u3000\u00a0\n".encode() + b"{oops\n"
    )  # fmt: skip
    records, errors = _jsonl(tmp_path / "lines.jsonl", data)
    assert [r.title for r in records] == ["one", "two", "four"]
    where = f"{tmp_path / 'lines.jsonl'}"
    assert [(e.location, e.reason.split(" (")[0]) for e in errors] == [
        (f"{where}:3", "not JSON"),
        (f"{where}:6", "not JSON"),
    ]


def test_jsonl_values_read_as_the_json_module_reads_them(tmp_path: Path) -> None:
    """Ids past 64 bits keep their digits, floats, NaN and lone surrogates read as
    ``json`` reads them (orjson refuses or reads them otherwise)."""
    data = b"\n".join(
        [
            _line("big", id="18446744073709551617"),
            _line("float", id="1.50"),
            _line("nan", id="NaN"),
            _line("nested", id="[1, 18446744073709551617]"),
            b'{"title": "surrogate \\ud800", "text": "Nairobi.", "id": "s"}',
        ]
    )
    records, errors = _jsonl(tmp_path / "values.jsonl", data)
    assert errors == []
    assert [r.external_id for r in records] == [
        "18446744073709551617", "1.5", "nan", "[1, 18446744073709551617]", "s",
    ]  # fmt: skip
    assert records[-1].title == "surrogate \ud800"


def test_jsonl_not_utf8_stops_at_its_line_after_the_lines_before(tmp_path: Path) -> None:
    data = _line("one") + b"\n" + _line("two") + b"\n" + b'{"title": "\xff"}\n' + _line("four")
    records, errors = _jsonl(tmp_path / "cut.jsonl", data)
    assert [r.title for r in records] == ["one", "two"]
    [bad] = errors
    assert bad.location == f"{tmp_path / 'cut.jsonl'}:3"
    assert bad.reason.startswith("unreadable: 'utf-8' codec can't decode byte 0xff")


def test_a_jsonl_of_bad_lines_only_is_not_called_empty(tmp_path: Path) -> None:
    records, errors = _jsonl(tmp_path / "bad.jsonl", b"\n[1, 2]\n{oops\n  \n")
    assert records == []
    assert [e.reason.split(" (")[0] for e in errors] == ["not a JSON object", "not JSON"]
