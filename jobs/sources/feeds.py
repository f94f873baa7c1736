"""RSS 0.9x/1.0/2.0 and Atom feeds -> records, by URL (conditional GET) or by file.

feedparser reads every dialect; before it sees a byte, documents that declare
XML entities are refused (an entity bomb expands a few hundred bytes into
gigabytes; no real feed needs an internal DTD), in whichever encoding a parser
could read them: a UTF-16 bomb has no ASCII "<!ENTITY" to find. Items are read oldest first so
the first article of a story is the earliest one.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser

from jobs.sources.dates import parse_timestamp, struct_time_utc
from jobs.sources.http import FetchError
from jobs.sources.pages import fragment_text, page_record
from jobs.sources.records import BadInput, ReadContext, Record
from jobs.sources.urls import canonical_url, is_url

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_XML_ENCODING = re.compile(r"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
# UTF-8 stands for every ASCII-compatible charset: "<!ENTITY" is the same bytes in all.
_READINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_EBCDIC_DECLARATION = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC (XML 1.0, appendix F)
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


class FeedError(ValueError):
    """A document that is not a feed we can read; the message says why."""


@dataclass(frozen=True)
class Feed:
    """What a feed says about itself, and its items as records."""

    title: str | None
    records: list[Record]


def looks_like_feed(content: bytes, content_type: str = "") -> bool:
    """True when the bytes (or the declared type) are RSS, RDF or Atom."""
    if any(t in content_type for t in ("rss", "atom", "rdf")):
        return True
    return bool(_FEED_ROOT.search(content[:4096]))


def refuse_entity_declarations(content: bytes, charset: str | None = None) -> None:
    """Raise FeedError for a document whose DTD declares entities (billion laughs, XXE),
    read in every encoding a parser might use: UTF-8 (and so any ASCII-compatible
    charset), UTF-16 and UTF-32 either way round, EBCDIC when the document starts
    like it, the encoding its XML declaration names and ``charset`` (HTTP)."""
    head = content[:65536]
    readings = list(_READINGS)
    if head.startswith(_EBCDIC_DECLARATION):
        readings.append("cp037")
    names = [charset] if charset else []
    for reading in readings:  # grows with the encodings the document names
        try:
            text = head.decode(reading, errors="replace")
            if _DOCTYPE_SUBSET.search(text) and _ENTITY_DECL.search(
                content.decode(reading, errors="replace")
            ):
                raise FeedError("XML declares entities in its DTD (possible entity bomb); refused")
        except (LookupError, UnicodeError):  # a name that is no text encoding (rot13)
            continue
        names += _XML_ENCODING.findall(text[:1024])
        for name in names:
            try:
                named = codecs.lookup(name).name
            except LookupError:
                continue
            if named not in readings:
                readings.append(named)
        names = []


def parse_feed(content: bytes, location: str, ctx: ReadContext, charset: str | None = None) -> Feed:
    """The items of a feed document as records, oldest first.

    Raises FeedError when nothing can be read; a feed that is malformed but
    still yields items is reported through ``ctx.on_error`` and read.
    """
    if not content.strip():
        raise FeedError("empty document")
    if b"\x00" in content[:8192] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedError("binary content, not a feed")
    refuse_entity_declarations(content, charset)
    headers = {"content-type": f"application/xml; charset={charset}"} if charset else None
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=True)
    problem = _bozo_reason(parsed)
    if not parsed.entries:
        if problem:
            raise FeedError(f"malformed XML ({problem})")
        if not parsed.get("version") and not looks_like_feed(content):
            raise FeedError("not an RSS or Atom feed")
        return Feed(title=_clean(parsed.feed.get("title")), records=[])
    title = _clean(parsed.feed.get("title"))
    item_errors: list[BadInput] = []
    item_ctx = ReadContext(on_error=item_errors.append)
    records = []
    for index, entry in enumerate(parsed.entries):
        record = _entry_record(entry, index, location, title, item_ctx)
        if record is not None:
            records.append(record)
    if problem and not records:
        raise FeedError(f"malformed XML ({problem})")
    if problem:
        ctx.on_error(BadInput(location, f"malformed XML ({problem}); read {len(records)} items"))
    for bad in item_errors:
        ctx.on_error(bad)
    records.sort(key=lambda r: r.published_at or datetime.max)
    return Feed(title=title, records=records)


def _bozo_reason(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if exc is None or isinstance(exc, feedparser.CharacterEncodingOverride):
        return None
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = re.match(r"<unknown>:(\d+):(\d+): ", text)
    if where:
        text = f"line {where.group(1)}, column {where.group(2)}: {text[where.end() :]}"
    return text[:160]


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _entry_text(entry: Any) -> str:
    """The fullest body an item carries: content:encoded / Atom content, else the summary."""
    bodies = [c.get("value", "") for c in entry.get("content", []) if isinstance(c, dict)]
    bodies.append(entry.get("summary", "") or "")
    best = max(bodies, key=len)
    return fragment_text(best) if "<" in best else best.strip()


def _entry_date(entry: Any, location: str, ctx: ReadContext) -> datetime | None:
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw:
            continue
        try:
            return parse_timestamp(str(raw))
        except ValueError:
            fallback = struct_time_utc(entry.get(f"{key}_parsed"))
            if fallback is not None:
                return fallback
            ctx.on_error(BadInput(location, f"bad date {str(raw)[:40]!r}; using ingestion time"))
            return None
    return None


def _entry_record(
    entry: Any, index: int, location: str, feed_title: str | None, ctx: ReadContext
) -> Record | None:
    guid = _clean(entry.get("id"))
    link = _clean(entry.get("feedburner_origlink")) or _clean(entry.get("link"))
    where = f"{location} item {index + 1}" + (f" ({link or guid})" if link or guid else "")
    title = _clean(entry.get("title")) or ""
    text = _entry_text(entry)
    if not title and not text:
        ctx.on_error(BadInput(where, "empty article"))
        return None
    if link and is_url(link):
        url = canonical_url(link)
    elif guid and is_url(guid):
        url = canonical_url(guid)
    elif guid or link:
        url = f"{location}#{guid or link}"
    else:
        # No identity at all: the content hash still keeps it from being stored twice.
        url = f"{location}#{title[:80] or text[:80]}"
    published = _entry_date(entry, where, ctx)
    return Record(
        title=title,
        text=text,
        url=url,
        external_id=guid,
        published_at=published,
        date_source="source" if published else "ingested",
        site_name=feed_title,
    )


def read_feed_bytes(
    content: bytes, location: str, ctx: ReadContext, charset: str | None = None
) -> Iterator[Record]:
    """Records of a feed document; a feed that cannot be read is one BadInput."""
    try:
        feed = parse_feed(content, location, ctx, charset)
    except FeedError as exc:
        ctx.on_error(BadInput(location, str(exc)))
        return
    records = feed.records
    if ctx.options.get("full_text"):
        records = list(_with_full_text(records, location, ctx))
    yield from records


def _with_full_text(records: list[Record], location: str, ctx: ReadContext) -> Iterator[Record]:
    """Each new item with the text of its page instead of the feed's summary."""
    known = ctx.known_urls([r.url for r in records])
    for record in records:
        if record.url in known or not is_url(record.url):
            yield record
            continue
        try:
            response = ctx.fetcher.get(record.url, accept="text/html,*/*;q=0.5")
        except FetchError as exc:
            ctx.on_error(BadInput(record.url, f"{exc.reason}; kept the feed's summary"))
            yield record
            continue
        page = page_record(response.content, record.url, ctx, charset=response.charset)
        if page is None or len(page.text) <= len(record.text):
            yield record
            continue
        yield Record(
            title=record.title or page.title,
            text=page.text,
            url=record.url,
            external_id=record.external_id,
            published_at=record.published_at or page.published_at,
            date_source=record.date_source if record.published_at else page.date_source,
            site_name=record.site_name or page.site_name,
        )
