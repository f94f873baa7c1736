"""HTML pages (fetched or saved) -> one record: main text, title, date, URL, site name.

trafilatura finds the main text and drops navigation, "Related Posts" lists,
footers and the like. The bytes are decoded here, honestly: a BOM, then the
declared charset (HTTP header, then <meta>), and only when that does not fit
the bytes a guess, which is reported. UTF-8 with a few bad bytes stays UTF-8
(U+FFFD for each bad sequence, reported): a guess would garble all the rest.
The publication time comes from the page's metadata with its offset
(article:published_time, JSON-LD datePublished, <time>), else trafilatura's
date (a day), else none.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import charset_normalizer
import lxml.html
import trafilatura
from lxml import etree

from jobs.sources.dates import parse_timestamp
from jobs.sources.records import BadInput, ReadContext, Record
from jobs.sources.urls import canonical_url, is_url
from reports.words import plural

log = logging.getLogger(__name__)

# A "main text" shorter than this is a navigation crumb, not an article.
MIN_WORDS = 5
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "date",
)
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre"}


class PageError(ValueError):
    """Bytes that cannot become a page's text; the message says why."""


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(content: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """(text, note): the page decoded, and a note when the charset had to be guessed.

    Raises PageError for binary content or bytes no charset fits.
    """
    if b"\x00" in content[:8192] and not content.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise PageError("binary content, not text")
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content.decode(name, errors="replace"), None
    meta = _META_CHARSET.search(content[:4096])
    candidates = [
        ("HTTP header", _codec(declared)),
        ("<meta>", _codec(meta.group(1).decode("ascii")) if meta else None),
    ]
    wrong = None
    for where, codec in candidates:
        if codec is None:
            continue
        try:
            return content.decode(codec), None
        except UnicodeDecodeError as exc:
            kept = (
                _utf8_with_strays(content, f"declared in the {where}") if codec == "utf-8" else None
            )
            if kept:
                return kept
            wrong = (
                wrong or f"charset {codec} declared in the {where} does not fit byte {exc.start}"
            )
    if wrong is None:
        try:
            return content.decode("utf-8"), None
        except UnicodeDecodeError:
            kept = _utf8_with_strays(content, "no charset declared")
            if kept:
                return kept
    best = charset_normalizer.from_bytes(content[:200_000]).best()
    if best is None or best.encoding is None:
        raise PageError(wrong or "no charset declared and none fits the bytes")
    guessed = _codec(best.encoding) or best.encoding
    reason = wrong or "no charset declared and not UTF-8"
    return content.decode(guessed, errors="replace"), f"{reason}; decoded as {guessed} (a guess)"


def _utf8_with_strays(content: bytes, declared: str) -> tuple[str, str] | None:
    """(text, note) for UTF-8 with a few bad bytes, each bad sequence replaced by U+FFFD;
    None when bad sequences are as many as good non-ASCII characters: then the bytes
    are in another charset (a cp1252 page has no valid multi-byte sequence at all)."""
    text = content.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = replaced - content.count("\ufffd".encode())
    good = len(text) - len(text.encode("ascii", errors="ignore")) - replaced
    if good <= bad:
        return None
    what = f"{plural(bad, 'byte sequence')} that {'is' if bad == 1 else 'are'} not utf-8"
    return text, f"{what} ({declared}) replaced by U+FFFD"


def fragment_text(html: str) -> str:
    """Plain text of an HTML fragment (a feed summary), paragraphs on their own lines."""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", html).strip()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _meta_published(tree: Any) -> datetime | None:
    """The publication time a page declares, with its offset applied."""
    values: list[tuple[int, str]] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key in _DATE_META and content:
            values.append((_DATE_META.index(key), content))
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            found = _jsonld_date(script.text)
            if found:
                values.append((3, found))
    for time_el in tree.iter("time"):
        if time_el.get("datetime"):
            values.append((len(_DATE_META), time_el.get("datetime")))
    for _, raw in sorted(values, key=lambda v: v[0]):
        try:
            return parse_timestamp(raw)
        except ValueError:
            continue
    return None


def _jsonld_date(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str):
                return value
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _same_site(a: str, b: str) -> bool:
    def host(u: str) -> str:
        return urlsplit(u).netloc.lower().removeprefix("www.")

    return host(a) == host(b)


def _page_url(location: str, declared: str | None) -> str:
    """The page's own canonical URL when it declares one on its site (a saved file's
    declared URL is taken as it is), else where it was read from."""
    if not is_url(location):
        return canonical_url(declared) if declared and is_url(declared) else location
    if declared and is_url(declared) and _same_site(declared, location):
        return canonical_url(declared)
    return canonical_url(location)


def page_record(
    content: bytes, location: str, ctx: ReadContext, charset: str | None = None
) -> Record | None:
    """The article in an HTML page, or None (reported through ``ctx.on_error``)."""
    try:
        html, note = decode_html(content, charset)
    except PageError as exc:
        ctx.on_error(BadInput(location, str(exc)))
        return None
    if note:
        ctx.on_error(BadInput(location, note))
    url = location if is_url(location) else None
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            # Only dates the page declares: a free-text search finds "Copyright 2022".
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        tree = lxml.html.document_fromstring(html)
    except (etree.LxmlError, ValueError) as exc:
        ctx.on_error(BadInput(location, f"not readable as HTML ({exc})"))
        return None
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    title = " ".join((getattr(doc, "title", None) or "").split()) if doc is not None else ""
    if len(text.split()) < MIN_WORDS:
        ctx.on_error(BadInput(location, "empty article: no main text found in the page"))
        return None
    first, _, rest = text.partition("\n")
    if title and first.strip() == title and rest.strip():
        text = rest.strip()
    published = _meta_published(tree)
    day = getattr(doc, "date", None)
    if published is None and day:
        try:
            published = parse_timestamp(str(day))
        except ValueError:
            published = None
    page_url = _page_url(location, getattr(doc, "url", None) if doc is not None else None)
    return Record(
        title=title,
        text=text,
        url=page_url,
        published_at=published,
        date_source="source" if published else "ingested",
        site_name=(getattr(doc, "sitename", None) or None) if doc is not None else None,
    )
