"""Dates as sources write them -> naive UTC; URLs -> one canonical spelling."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from jobs.ingest import content_hash_for, run_ingest
from jobs.settings import Settings, SourceConfig
from jobs.sources.dates import coerce_timestamp, filename_date, parse_timestamp
from jobs.sources.urls import _spelled_out, canonical_url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 01 Mar 2022 09:30:00 -0500", datetime(2022, 3, 1, 14, 30)),
        ("Tue, 01 Mar 2022 09:30:00 GMT", datetime(2022, 3, 1, 9, 30)),
        ("Tue, 01 Mar 2022 09:30:00 EST", datetime(2022, 3, 1, 14, 30)),
        ("2022-03-01T09:30:00.250+05:30", datetime(2022, 3, 1, 4, 0, 0, 250000)),
        ("2022-03-01T09:30:00+0100", datetime(2022, 3, 1, 8, 30)),
        ("2022-03-01", datetime(2022, 3, 1)),
    ],
)
def test_parse_timestamp_rfc822_and_iso(value: str, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


def test_parse_timestamp_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 or RFC 822 date: 'last Tuesday'"):
        parse_timestamp("last Tuesday")


def test_coerce_typed_values() -> None:
    east = timezone(timedelta(hours=-5))
    assert coerce_timestamp(datetime(2022, 3, 1, 9, 30, tzinfo=east)) == datetime(
        2022, 3, 1, 14, 30
    )
    assert coerce_timestamp(date(2022, 3, 1)) == datetime(2022, 3, 1)
    assert coerce_timestamp(1646127000) == datetime(2022, 3, 1, 9, 30)
    assert coerce_timestamp(1646127000000) == datetime(2022, 3, 1, 9, 30)
    assert coerce_timestamp(None) is None
    with pytest.raises(ValueError, match="implausible date 1899"):
        coerce_timestamp("1899-12-31")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2022-03-01-talks.txt", date(2022, 3, 1)),
        ("talks_20220301.html", date(2022, 3, 1)),
        ("2022.03.01 notes.md", date(2022, 3, 1)),
        ("report-2022-13-01.txt", None),
        ("id-120220301999.txt", None),
        ("talks.txt", None),
    ],
)
def test_filename_dates(name: str, expected: date | None) -> None:
    found = filename_date(name)
    assert (found.date() if found else None) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://News.Example.ORG:443/World/Story?utm_source=rss&b=2&a=1&fbclid=x#comments",
            "https://news.example.org/World/Story?a=1&b=2",
        ),
        ("http://example.org:8080", "http://example.org:8080/"),
        ("http://example.org/a%20b?gclid=1", "http://example.org/a%20b"),
        ("/srv/archive/a.txt", "/srv/archive/a.txt"),
        ("dump.jsonl#42", "dump.jsonl#42"),
    ],
)
def test_canonical_urls(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a/b-c_d.html",
        "https://example.org/",
        "http://news.example.org/2021/01/01/article-0000000",
        "https://www.whitehouse.gov/briefing-room/statements-releases/2022/03/01/x/",
        "https://example.org/a;b=c/d:e@f!$&'()*+,~",
        "https://example.org//a/../b/./c",
        "https://xn--bcher-kva.example/a",
        "https://example.org",  # no path: the canonical one is "/"
        "https://Example.org/a",
        "HTTPS://example.org/a",
        "https://example.org./a",
        "https://example.org:443/a",
        "https://example.org:8443/a",
        "https://user:pw@example.org/a",
        "https://example.org/a%20b",
        "https://example.org/a%2Fb",
        "https://example.org/a b",
        "https://example.org/caf\u00e9",
        "https://ex_ample.org/a",
        "https://example.org/a?b=1&a=2",
        "https://example.org/a?utm_source=x",
        "https://example.org/a#top",
        "https://example.org/a\tb",
        "https://[2001:db8::1]/a",
        "ftp://example.org/a",
    ],
)
def test_a_url_spelled_canonically_is_kept_as_the_full_rules_would_spell_it(url: str) -> None:
    assert canonical_url(f"  {url}\n") == _spelled_out(url)


def test_future_and_missing_dates_in_the_store(tmp_path: Path, settings: Settings) -> None:
    dump = tmp_path / "d.jsonl"
    dump.write_text(
        '{"id": 1, "title": "Soon", "text": "From the future.", "published": "2999-01-01"}\n'
        '{"id": 2, "title": "Undated", "text": "No date at all."}\n'
        '{"id": 3, "title": "Dated", "text": "Dated.", "published": "2022-03-01T23:30:00-05:00"}\n',
        encoding="utf-8",
    )
    now = datetime(2026, 1, 2, 3, 4, 5)
    result = run_ingest(settings, [SourceConfig(name="d", location=str(dump))], now=now)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        rows = dict(
            (r[0], r[1:])
            for r in con.execute("select title, published_at, date_source from articles").fetchall()
        )
    assert rows == {
        "Soon": (now, "ingested"),
        "Undated": (now, "ingested"),
        "Dated": (datetime(2022, 3, 2, 4, 30), "source"),
    }
    assert [b.reason for b in result.bad_inputs] == [
        "published date 2999-01-01 00:00 is in the future; using ingestion time"
    ]


def test_content_hash_ignores_case_and_any_unicode_whitespace() -> None:
    plain = content_hash_for("T", "Kyiv talks resume in Belarus")
    assert content_hash_for("T", " kyiv\u00a0TALKS\u2003resume\n\tin \u3000Belarus ") == plain
    assert content_hash_for("T", "Kyiv talks resume in Minsk") != plain
    assert content_hash_for("Only a title", "  ") == content_hash_for("x", "only a  TITLE")
