"""The same three articles written in every medium the readers support, and what each
reader must give back for them: the media of the contract in tests/sources/test_readers.py.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

import pyarrow as pa
import pyarrow.parquet as pq

from jobs.sources.records import Record


@dataclass(frozen=True)
class Article:
    """An article as its source writes it: the time with the offset of where it was filed."""

    slug: str
    title: str
    text: str
    published: datetime

    @property
    def url(self) -> str:
        return f"https://news.example/world/{self.slug}"

    @property
    def published_utc(self) -> datetime:
        return self.published.astimezone(UTC).replace(tzinfo=None)


# Oldest first, each filed in another time zone; Chile's evening is the next day in UTC.
ARTICLES = (
    Article(
        "finland",
        "Finland applies to join NATO",
        "Finland and Sweden handed in their applications to join the alliance in Brussels on "
        "Wednesday morning, ending decades of military non-alignment after the invasion.",
        datetime(2022, 5, 18, 9, 30, tzinfo=timezone(timedelta(hours=2))),
    ),
    Article(
        "kenya",
        "Kenya counts its votes",
        "Counting went on in Nairobi on Thursday as officials checked every ballot box twice "
        "and observers from the African Union watched the tallying centres.",
        datetime(2022, 8, 11, 18, 45, tzinfo=timezone(timedelta(hours=3))),
    ),
    Article(
        "chile",
        "Chile votes on a constitution",
        "Voters in Santiago and across the country decided on Sunday whether to adopt a new "
        "constitution written by a convention elected the year before.",
        datetime(2022, 9, 4, 20, 0, tzinfo=timezone(timedelta(hours=-4))),
    ),
)


@dataclass(frozen=True)
class Expected:
    """The fields a reader must give back for one article."""

    title: str
    text: str
    url: str
    published_at: datetime | None
    date_source: str

    @staticmethod
    def of(record: Record) -> Expected:
        return Expected(
            record.title, record.text, record.url, record.published_at, record.date_source
        )


def _as_published(article: Article, location: str) -> Expected:
    """Media that carry the article's own URL and time."""
    return Expected(article.title, article.text, article.url, article.published_utc, "source")


def _as_served(article: Article, location: str) -> Expected:
    """A page by URL keeps the URL it was read from: the canonical URL it declares is on
    another site (news.example, not the loopback server), so it is not taken."""
    return Expected(article.title, article.text, location, article.published_utc, "source")


def _text_file_record(article: Article, location: str) -> Expected:
    """A text file has no date of its own: the one its name carries, else ingestion's."""
    day = datetime.combine(article.published_utc.date(), datetime.min.time())
    if article.slug == "kenya":  # written without a date in its name
        return Expected(article.title, article.text, location, None, "ingested")
    return Expected(article.title, article.text, location, day, "filename")


@dataclass(frozen=True)
class Document:
    """One file (or URL path) of a medium and the articles written in it."""

    name: str
    content: bytes
    articles: tuple[Article, ...]
    expect: Callable[[Article, str], Expected] = _as_published


# --- each medium's way of writing articles ------------------------------------------------


def _jsonl(articles: Sequence[Article]) -> bytes:
    return "".join(
        json.dumps(
            {
                "id": a.slug,
                "title": a.title,
                "text": a.text,
                "url": a.url,
                "published": a.published.isoformat(),
            }
        )
        + "\n"
        for a in articles
    ).encode()


def _csv(articles: Sequence[Article]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "text", "url", "published"])
    for a in articles:
        writer.writerow([a.slug, a.title, a.text, a.url, a.published.isoformat()])
    return out.getvalue().encode()


def _parquet(articles: Sequence[Article]) -> bytes:
    table = pa.table(
        {
            "id": [a.slug for a in articles],
            "title": [a.title for a in articles],
            "text": [a.text for a in articles],
            "url": [a.url for a in articles],
            "published": pa.array([a.published for a in articles], pa.timestamp("s", tz="UTC")),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def _rss(articles: Sequence[Article]) -> bytes:
    # Newest first, as feeds are written; readers give them back oldest first.
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{a.url}</link><guid>{a.slug}</guid>"
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<description>{escape(a.text)}</description></item>"
        for a in reversed(articles)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Example Wire</title><link>https://news.example/</link>{items}</channel></rss>"
    ).encode()


def _atom(articles: Sequence[Article]) -> bytes:
    entries = "".join(
        f"<entry><title>{escape(a.title)}</title><link href='{a.url}'/>"
        f"<id>tag:news.example,2022:{a.slug}</id><published>{a.published.isoformat()}</published>"
        f"<updated>{a.published.isoformat()}</updated>"
        f"<summary>{escape(a.text)}</summary></entry>"
        for a in reversed(articles)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Example Wire</title><id>tag:news.example,2022:wire</id>"
        f"<updated>2022-09-05T00:00:00Z</updated>{entries}</feed>"
    ).encode()


def _html(article: Article) -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(article.title)} | Example News</title>"
        f"<link rel='canonical' href='{article.url}'>"
        f"<meta property='article:published_time' content='{article.published.isoformat()}'>"
        "</head><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/sport'>Sport</a>"
        f"</li></ul></nav><article><h1>{escape(article.title)}</h1>"
        f"<p>{escape(article.text)}</p></article>"
        "<footer>Copyright 2022 Example News. Cookie settings.</footer></body></html>"
    ).encode()


def _text(article: Article) -> bytes:
    return f"{article.title}\n\n{article.text}\n".encode()


def _text_name(article: Article) -> str:
    if article.slug == "kenya":
        return f"{article.slug}.txt"
    return f"{article.published_utc:%Y-%m-%d}-{article.slug}.txt"


def _gzip(content: bytes) -> bytes:
    return gzip.compress(content, mtime=0)


def _one(name: str, encode: Callable[[Sequence[Article]], bytes]) -> Callable[..., list[Document]]:
    return lambda articles: [Document(name, encode(articles), tuple(articles))]


def _pages(
    name: str, expect: Callable[[Article, str], Expected] = _as_published
) -> Callable[[Sequence[Article]], list[Document]]:
    """One page per article; ``name`` is a pattern for its slug."""
    return lambda articles: [
        Document(name.format(a.slug), _html(a), (a,), expect) for a in articles
    ]


def _texts(articles: Sequence[Article]) -> list[Document]:
    return [Document(_text_name(a), _text(a), (a,), _text_file_record) for a in articles]


def _mixed_folder(articles: Sequence[Article]) -> list[Document]:
    """One article per kind, named so that path order is the articles' order."""
    first, second, third = articles
    return [
        Document("1-pages/finland.html", _html(first), (first,)),
        Document(f"2-notes/{_text_name(second)}", _text(second), (second,), _text_file_record),
        Document("3-dumps/wire.jsonl", _jsonl([third]), (third,)),
    ]


@dataclass(frozen=True)
class Medium:
    """How articles are written in one medium, and how its reader answers bad input."""

    name: str
    documents: Callable[[Sequence[Article]], list[Document]]
    single: str  # the name of a one-document input (an empty or a broken one)
    empty: bytes
    empty_reason: str
    garbage_reason: str
    # A cut-off input: True when the reader can tell (one BadInput), False when what is
    # left is still a valid input of its kind (a shorter text, a page without its end).
    notices_truncation: bool
    whole_after_cut: int = 2  # articles written before the cut that come back whole
    served_as: str | None = None  # served over HTTP with this Content-Type
    folder: bool = False
    # Known departures from the contract, each a strict xfail until the reader is fixed.
    empty_gap: str | None = None
    truncation_gap: str | None = None


RSS_TYPE = "application/rss+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
NOT_UTF8 = "unreadable: 'utf-8' codec can't decode byte 0x89 in position 0"
NOT_GZIP = "unreadable: Not a gzipped file"
NO_COLUMNS = "no title or text column; columns are "
EMPTY_HTML = "not readable as HTML (Document is empty)"
EMPTY_DUMP = "empty, no articles"

MEDIA = [
    Medium(
        "jsonl",
        _one("wire.jsonl", _jsonl),
        single="wire.jsonl",
        empty=b"",
        empty_reason=EMPTY_DUMP,
        garbage_reason=NOT_UTF8,
        notices_truncation=True,
    ),
    Medium(
        "jsonl.gz",
        _one("wire.jsonl.gz", lambda a: _gzip(_jsonl(a))),
        single="wire.jsonl.gz",
        empty=_gzip(b""),
        empty_reason=EMPTY_DUMP,
        garbage_reason=NOT_GZIP,
        notices_truncation=True,
    ),
    Medium(
        "csv",
        _one("wire.csv", _csv),
        single="wire.csv",
        empty=b"",
        empty_reason=NO_COLUMNS,
        garbage_reason=NOT_UTF8,
        notices_truncation=True,
    ),
    Medium(
        "csv.gz",
        _one("wire.csv.gz", lambda a: _gzip(_csv(a))),
        single="wire.csv.gz",
        empty=_gzip(b""),
        empty_reason=NO_COLUMNS,
        garbage_reason=NOT_GZIP,
        notices_truncation=True,
    ),
    Medium(
        "parquet",
        _one("wire.parquet", _parquet),
        single="wire.parquet",
        empty=b"",
        empty_reason="not a readable Parquet file (Parquet file size is 0 bytes)",
        garbage_reason="not a readable Parquet file (",
        notices_truncation=True,
        whole_after_cut=0,  # the footer holds the schema: a cut file is unreadable
    ),
    Medium(
        "rss",
        _one("wire.rss", _rss),
        single="wire.rss",
        empty=b"",
        empty_reason="empty document",
        garbage_reason="binary content, not a feed",
        notices_truncation=True,
    ),
    Medium(
        "atom",
        _one("wire.atom", _atom),
        single="wire.atom",
        empty=b"",
        empty_reason="empty document",
        garbage_reason="binary content, not a feed",
        notices_truncation=True,
    ),
    Medium(
        "feed-url",
        _one("/wire.xml", _rss),
        single="/wire.xml",
        empty=b"",
        empty_reason="empty document",
        garbage_reason="binary content, not a feed",
        notices_truncation=True,
        served_as=RSS_TYPE,
    ),
    Medium(
        "html",
        _pages("{}.html"),
        single="page.html",
        empty=b"",
        empty_reason=EMPTY_HTML,
        garbage_reason="binary content, not text",
        notices_truncation=False,  # HTML without its end is still HTML
    ),
    Medium(
        "page-url",
        _pages("/world/{}", _as_served),
        single="/world/page",
        empty=b"",
        empty_reason=EMPTY_HTML,
        garbage_reason="binary content, not text",
        notices_truncation=False,
        served_as=HTML_TYPE,
    ),
    Medium(
        "text",
        _texts,
        single="note.txt",
        empty=b"",
        empty_reason="empty article",
        garbage_reason="binary file, not text",
        notices_truncation=False,  # a shorter text is still a text
    ),
    Medium(
        "folder",
        _mixed_folder,
        single="inbox/note.txt",
        empty=b"",
        empty_reason="empty article",
        garbage_reason="binary file, not text",
        notices_truncation=True,  # its last document is a JSONL dump
        folder=True,
    ),
]
