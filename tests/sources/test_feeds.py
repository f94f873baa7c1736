"""Feeds by file and by URL: every dialect, conditional GET, and every way a feed breaks,
served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import codecs
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from jobs.sources.http import Fetcher, FetchError, FetchLimits
from jobs.sources.read import read_source
from jobs.sources.records import BadInput, Record
from tests.conftest import FEEDS
from tests.sources.loopback import LoopbackServer, Reply, zeros

RSS = "application/rss+xml; charset=utf-8"


def _read(location: str | Path) -> tuple[list[Record], list[BadInput]]:
    errors: list[BadInput] = []
    return list(read_source(str(location), "auto", errors.append)), errors


def _rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _feed(items: list[tuple[str, str, str]], title: str = "Test Wire") -> bytes:
    """An RSS 2.0 document of (guid, link, title) items with distinct bodies."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{guid}</guid>"
        f"<pubDate>Tue, 01 Mar 2022 10:00:00 GMT</pubDate>"
        f"<description>{t}: the story of {t.lower()} told in full, with Kenya.</description></item>"
        for guid, link, t in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"{body}</channel></rss>"
    ).encode()


def test_rss_091_is_read_with_its_declared_encoding() -> None:
    records, errors = _read(FEEDS / "rss091.xml")
    assert errors == []
    assert [r.title for r in records] == [
        "Finland and Sweden apply to join NATO",
        "Café talks in Paris",
    ]
    assert records[0].url == "https://oldwire.example/nordic-nato"
    assert "Elysée" in records[1].text
    assert records[0].site_name == "Old Wire"
    assert all(r.published_at is None and r.date_source == "ingested" for r in records)


def test_rss_10_date_offset_is_applied_and_url_canonical() -> None:
    [record], errors = _read(FEEDS / "rss10.rdf")
    assert errors == []
    assert record.published_at == datetime(2022, 8, 11, 15, 45)
    assert record.date_source == "source"
    assert record.url == "https://rdf.example/kenya-vote"


def test_rss_20_full_content_dates_and_empty_item() -> None:
    records, errors = _read(FEEDS / "rss20.xml")
    # Oldest first: 28 Feb 23:15 +0900 is 14:15 UTC, before 1 Mar 09:30 -0500 (14:30 UTC).
    assert [r.title for r in records] == [
        "Japan and India sign a trade pact",
        "Ukraine and Russia resume talks",
    ]
    assert records[0].published_at == datetime(2022, 2, 28, 14, 15)
    assert records[1].published_at == datetime(2022, 3, 1, 14, 30)
    assert records[1].url == "https://worlddesk.example/2022/03/talks?id=7"
    assert records[1].external_id == "wd-7"
    assert records[1].text == (
        "Delegations from Ukraine and Russia met in Belarus on Tuesday.\n\n"
        "Kyiv asked for a ceasefire; Moscow did not answer."
    )
    assert [(Path(e.location.split(" item")[0]).name, e.reason) for e in errors] == [
        ("rss20.xml", "empty article")
    ]


def test_atom_published_then_updated() -> None:
    records, errors = _read(FEEDS / "atom.xml")
    assert errors == []
    by_title = {r.title: r for r in records}
    assert by_title["Brazil and Argentina plan a common currency"].published_at == datetime(
        2022, 3, 2, 11, 0
    )
    envoy = by_title["Update only: Canada names an envoy"]
    assert envoy.published_at == datetime(2022, 3, 1, 15, 0)
    assert envoy.text == "Ottawa named a new envoy to the United Nations on Tuesday."


def test_feed_url_conditional_get_stores_validators(
    http_server: LoopbackServer, settings: Settings
) -> None:
    document = (FEEDS / "rss20.xml").read_bytes()

    def feed(handler: object) -> Reply:
        if getattr(handler, "headers", {}).get("If-None-Match") == '"v1"':
            return Reply(b"", 304, {"ETag": '"v1"'})
        return Reply(
            document,
            headers={
                "Content-Type": RSS,
                "ETag": '"v1"',
                "Last-Modified": "Tue, 01 Mar 2022 15:00:00 GMT",
            },
        )

    url = http_server.route("/world.xml", feed)
    source = SourceConfig(name="world", location=url)
    first = run_ingest(settings, [source])
    assert (first.articles_new, first.errors) == (2, 1)  # the empty item is refused
    assert _rows(
        settings, "select kind, etag, last_modified from sources where source_id='world'"
    ) == [("feed", '"v1"', "Tue, 01 Mar 2022 15:00:00 GMT")]
    second = run_ingest(settings, [source])
    assert (second.articles_seen, second.articles_new, second.errors) == (0, 0, 0)
    sent = http_server.requests[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 01 Mar 2022 15:00:00 GMT"
    assert _rows(settings, "select count(*), min(site_name) from articles") == [(2, "World Desk")]
    assert _rows(settings, "select last_error from sources") == [(None,)]


def test_feed_that_changes_its_item_ids_stores_nothing_twice(
    http_server: LoopbackServer, settings: Settings
) -> None:
    items = [
        ("a1", "https://w.example/x", "Chile votes"),
        ("a2", "https://w.example/y", "Peru votes"),
    ]
    url = http_server.route("/f.xml", Reply(_feed(items), headers={"Content-Type": RSS}))
    run_ingest(settings, [SourceConfig(name="f", location=url)])
    # Same stories, new guids; one of them also moved to a tracking-laden URL.
    renamed = [
        ("b1", "https://W.example/x?utm_source=feed#comments", "Chile votes"),
        ("b2", "https://w.example/y-moved", "Peru votes"),
    ]
    http_server.route("/f.xml", Reply(_feed(renamed), headers={"Content-Type": RSS}))
    again = run_ingest(settings, [SourceConfig(name="f", location=url)])
    assert (again.articles_seen, again.articles_new) == (2, 0)
    assert _rows(settings, "select count(*) from articles") == [(2,)]


def _one_bad_source(
    settings: Settings, server: LoopbackServer, bad_url: str
) -> tuple[list[BadInput], int]:
    """Ingest a good feed, then the bad source beside another good one; return the errors
    of the second run and the articles stored at its end."""
    good = server.route(
        "/good.xml",
        Reply(_feed([("g1", "https://g.example/1", "Mali votes")]), headers={"Content-Type": RSS}),
    )
    later = server.route(
        "/later.xml",
        Reply(_feed([("l1", "https://g.example/2", "Chad votes")]), headers={"Content-Type": RSS}),
    )
    run_ingest(settings, [SourceConfig(name="good", location=good)])
    result = run_ingest(
        settings,
        [SourceConfig(name="bad", location=bad_url), SourceConfig(name="later", location=later)],
    )
    assert result.articles_new == 1, "the source after the bad one is still ingested"
    [(stored,)] = _rows(settings, "select count(*) from articles")
    rows = _rows(settings, "select source_id, location, reason from ingest_errors")
    assert [(r[0], r[1]) for r in rows] == [("bad", bad_url)], rows
    assert [r[2] for r in rows] == [b.reason for b in result.bad_inputs]
    assert _rows(settings, "select last_error from sources where source_id = 'bad'")[0][0]
    return result.bad_inputs, stored


def test_malformed_xml(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route(
        "/broken.xml",
        Reply(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</ite',
            headers={"Content-Type": RSS},
        ),
    )
    [bad], stored = _one_bad_source(settings, http_server, url)
    assert bad.reason.startswith("malformed XML (")
    assert stored == 2


def _entity_bomb(declaration: str = '<?xml version="1.0"?>') -> str:
    """Billion laughs: lol9 expands to 10**9 copies of "lol"."""
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'{declaration}<!DOCTYPE rss [<!ENTITY lol0 "lol">{lol}]>'
        '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
        "<description>x</description></item></channel></rss>"
    )


REFUSED_BOMB = "XML declares entities in its DTD (possible entity bomb); refused"


def test_entity_bomb_is_refused_before_parsing(
    http_server: LoopbackServer, settings: Settings
) -> None:
    bomb = _entity_bomb().encode()
    url = http_server.route("/bomb.xml", Reply(bomb, headers={"Content-Type": RSS}))
    started = time.monotonic()
    [bad], stored = _one_bad_source(settings, http_server, url)
    assert bad.reason == REFUSED_BOMB
    assert stored == 2
    assert time.monotonic() - started < 10


UTF16 = [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]
UTF16_DECLARATION = '<?xml version="1.0" encoding="UTF-16"?>'


@pytest.mark.parametrize(("codec", "bom"), UTF16)
def test_utf16_entity_bomb_is_refused(tmp_path: Path, codec: str, bom: bytes) -> None:
    path = tmp_path / "bomb.xml"
    path.write_bytes(bom + _entity_bomb(UTF16_DECLARATION).encode(codec))
    started = time.monotonic()
    records, errors = _read(path)
    assert (records, [e.reason for e in errors]) == ([], [REFUSED_BOMB])
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(("codec", "bom"), UTF16)
def test_utf16_entity_bomb_by_url_is_refused(
    http_server: LoopbackServer, codec: str, bom: bytes
) -> None:
    bomb = bom + _entity_bomb(UTF16_DECLARATION).encode(codec)
    url = http_server.route(
        "/bomb16.xml", Reply(bomb, headers={"Content-Type": "application/rss+xml; charset=utf-16"})
    )
    records, errors = _read(url)
    assert (records, [e.reason for e in errors]) == ([], [REFUSED_BOMB])


@pytest.mark.parametrize(("codec", "bom"), UTF16)
def test_utf16_feed_is_read(http_server: LoopbackServer, codec: str, bom: bytes) -> None:
    items = [("c1", "https://w.example/cafe", "Café talks in Paris")]
    document = _feed(items).decode().replace('<?xml version="1.0"?>', UTF16_DECLARATION)
    url = http_server.route(
        "/wire16.xml",
        Reply(bom + document.encode(codec), headers={"Content-Type": "application/rss+xml"}),
    )
    records, errors = _read(url)
    assert errors == []
    assert [(r.title, r.url) for r in records] == [items[0][2:0:-1]]


def test_server_that_never_answers_times_out(
    http_server: LoopbackServer, settings: Settings
) -> None:
    # The server stays silent for a minute: a fetch that gives up within half of that
    # honoured its 0.5 s timeout, with a margin that holds on a loaded 2-core box.
    url = http_server.hang("/silent.xml", seconds=60)
    started = time.monotonic()
    with Fetcher(FetchLimits(timeout=0.5)) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert time.monotonic() - started < 30
    assert caught.value.reason.startswith("no answer within 0.5 s")
    [bad], stored = _one_bad_source(replace(settings, fetch_timeout=0.5), http_server, url)
    assert bad.reason.startswith("no answer within 0.5 s")
    assert stored == 2


def test_redirect_loop(http_server: LoopbackServer, settings: Settings) -> None:
    a = http_server.url("/a")
    b = http_server.route("/b", Reply(b"", 302, {"Location": "/a"}))
    http_server.route("/a", Reply(b"", 301, {"Location": b}))
    [bad], _ = _one_bad_source(settings, http_server, a)
    assert bad.reason == f"redirect loop ({a} -> {b} -> {a})"


def test_too_many_redirects(http_server: LoopbackServer, settings: Settings) -> None:
    for i in range(10):
        http_server.route(f"/r{i}", Reply(b"", 302, {"Location": f"/r{i + 1}"}))
    [bad], _ = _one_bad_source(settings, http_server, http_server.url("/r0"))
    assert bad.reason == "more than 5 redirects"


@pytest.mark.parametrize(("status", "phrase"), [(404, "Not Found"), (500, "Internal Server Error")])
def test_http_errors(
    http_server: LoopbackServer, settings: Settings, status: int, phrase: str
) -> None:
    url = http_server.route("/gone.xml", Reply(b"nope", status))
    [bad], stored = _one_bad_source(settings, http_server, url)
    assert bad.reason == f"HTTP {status} {phrase}"
    assert stored == 2


def test_50_mb_response_with_length_is_refused_unread(
    http_server: LoopbackServer, settings: Settings
) -> None:
    def huge(handler: object) -> None:
        wfile = handler.wfile  # type: ignore[attr-defined]
        handler.send_response(200)  # type: ignore[attr-defined]
        handler.send_header("Content-Type", RSS)  # type: ignore[attr-defined]
        handler.send_header("Content-Length", str(50_000_000))  # type: ignore[attr-defined]
        handler.end_headers()  # type: ignore[attr-defined]
        try:
            for chunk in zeros(50_000_000):
                wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    url = http_server.route("/huge.xml", huge)
    [bad], stored = _one_bad_source(settings, http_server, url)
    assert (
        bad.reason
        == "response of 50,000,000 bytes is over the 10,000,000-byte limit; not downloaded"
    )
    assert stored == 2


def test_50_mb_streamed_response_is_cut_at_the_limit(
    http_server: LoopbackServer, settings: Settings
) -> None:
    url = http_server.route("/stream.xml", Reply(zeros(50_000_000), headers={"Content-Type": RSS}))
    [bad], stored = _one_bad_source(settings, http_server, url)
    assert bad.reason == "response is over the 10,000,000-byte limit; download stopped"
    assert stored == 2


def test_binary_response(http_server: LoopbackServer, settings: Settings) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    url = http_server.route("/logo", Reply(png, headers={"Content-Type": "image/png"}))
    [bad], _ = _one_bad_source(settings, http_server, url)
    assert bad.reason == "binary content (image/png), not a feed or a page"


def test_binary_bytes_declared_as_a_feed(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route("/x.xml", Reply(b"\x00\x01\x02" * 500, headers={"Content-Type": RSS}))
    [bad], _ = _one_bad_source(settings, http_server, url)
    assert bad.reason == "binary content, not a feed"


def test_full_text_is_fetched_for_summary_only_feeds(
    http_server: LoopbackServer, settings: Settings
) -> None:
    page = (
        "<html><head><title>Peru votes</title></head><body><nav>Home | World | Sport</nav>"
        "<article><h1>Peru votes</h1>"
        + "".join(
            f"<p>Paragraph {i} of the full story from Lima, where voters chose a new "
            f"congress on Sunday after months of crisis in Peru.</p>"
            for i in range(6)
        )
        + "</article><aside><h3>Related Posts</h3><ul><li>Another story</li></ul></aside>"
        "</body></html>"
    ).encode()
    story = http_server.route(
        "/story", Reply(page, headers={"Content-Type": "text/html; charset=utf-8"})
    )
    missing = http_server.url("/missing")
    feed = _feed([("p1", story, "Peru votes"), ("p2", missing, "Gone story")])
    url = http_server.route("/summaries.xml", Reply(feed, headers={"Content-Type": RSS}))
    result = run_ingest(
        settings, [SourceConfig(name="s", location=url, options={"full_text": True})]
    )
    assert result.articles_new == 2
    texts = dict(_rows(settings, "select title, text from articles"))
    assert texts["Peru votes"].startswith("Paragraph 0 of the full story from Lima")
    assert "Related Posts" not in texts["Peru votes"] and "Sport" not in texts["Peru votes"]
    assert texts["Gone story"].startswith("Gone story: the story of")
    assert [b.reason for b in result.bad_inputs] == ["HTTP 404 Not Found; kept the feed's summary"]
    # A second poll fetches no page again: both items are stored.
    pages_before = sum(r.path in ("/story", "/missing") for r in http_server.requests)
    run_ingest(settings, [SourceConfig(name="s", location=url, options={"full_text": True})])
    assert sum(r.path in ("/story", "/missing") for r in http_server.requests) == pages_before
