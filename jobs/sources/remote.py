"""Sources on the web: a URL is polled with a conditional GET, then read as a feed or
a page depending on what came back (or on the kind the user declared)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from jobs.sources.feeds import FEED_ACCEPT, looks_like_feed, read_feed_bytes
from jobs.sources.http import FetchError
from jobs.sources.pages import page_record
from jobs.sources.records import BadInput, ReadContext, Record

log = logging.getLogger(__name__)

_BINARY_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "application/gzip",
)


def read_url(url: str, kind: str, ctx: ReadContext) -> Iterator[Record]:
    """Records from a URL of kind 'feed', 'page' or 'auto'.

    A 304 yields nothing; the validators of a 200 are kept in ``ctx.state`` for
    the caller to store once the items are stored. Every failure is one BadInput.
    """
    accept = (
        FEED_ACCEPT if kind in ("feed", "auto") else "text/html,application/xhtml+xml,*/*;q=0.5"
    )
    state = ctx.state
    try:
        response = ctx.fetcher.get(
            url, etag=state.etag, last_modified=state.last_modified, accept=accept
        )
    except FetchError as exc:
        ctx.on_error(BadInput(url, exc.reason))
        return
    if response.not_modified:
        log.info("%s: not modified since the last poll", url)
        return
    state.refreshed = True
    state.new_etag = response.etag
    state.new_last_modified = response.last_modified
    content_type = response.content_type
    if content_type.startswith(_BINARY_TYPES):
        ctx.on_error(BadInput(url, f"binary content ({content_type}), not a feed or a page"))
        return
    if kind == "auto":
        kind = "feed" if looks_like_feed(response.content, content_type) else "page"
        state.kind = kind
    if kind == "feed":
        yield from read_feed_bytes(response.content, url, ctx, response.charset)
        return
    record = page_record(response.content, url, ctx, charset=response.charset)
    if record is not None:
        yield record
