"""HTML pages by URL (a real server on 127.0.0.1) and saved as files."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from jobs.sources.read import read_source
from jobs.sources.records import BadInput, Record
from tests.sources.loopback import LoopbackServer, Reply

BODY = (
    "<p>Finland and Sweden handed in their applications to join NATO on Wednesday, "
    "ending decades of military non-alignment after Russia invaded Ukraine.</p>"
    "<p>Turkey, a member of the alliance, said it had objections, and the talks in Brussels "
    "were expected to take weeks before a decision.</p>"
    "<p>The café near the Élysée where French officials met was closed for the evening.</p>"
)


def _page(body: str = BODY, head: str = "") -> str:
    return (
        f"<html><head><title>Nordic bids | Example News</title>{head}</head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/sport'>Sport</a></li></ul></nav>"
        f"<article><h1>Nordic bids</h1>{body}</article>"
        "<aside><h3>Related Posts</h3><ul><li><a href='/a'>Ten recipes for summer</a></li>"
        "<li><a href='/b'>Markets close higher</a></li></ul></aside>"
        "<footer>Copyright 2022 Example News. Cookie settings.</footer></body></html>"
    )


def _read(location: str | Path) -> tuple[list[Record], list[BadInput]]:
    errors: list[BadInput] = []
    return list(read_source(str(location), "auto", errors.append)), errors


def _ingest_one(settings: Settings, url: str) -> tuple[list[tuple], list[tuple]]:
    run_ingest(settings, [SourceConfig(name="page", location=url)])
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        articles = con.execute(
            "select url, title, text, published_at, date_source, site_name from articles"
        ).fetchall()
        errors = con.execute("select location, reason from ingest_errors").fetchall()
    return articles, errors


def test_page_by_url_main_text_metadata_and_canonical_url(
    http_server: LoopbackServer, settings: Settings
) -> None:
    head = (
        '<meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2022-05-18T09:30:00+02:00">'
    )
    url = http_server.route(
        "/world/nordic",
        Reply(_page(head=head).encode(), headers={"Content-Type": "text/html; charset=utf-8"}),
    )
    [(stored_url, title, text, published, date_source, site)], errors = _ingest_one(
        settings, url + "?utm_source=twitter&utm_medium=social#top"
    )
    assert errors == []
    assert stored_url == url
    assert title == "Nordic bids"
    assert text.startswith("Finland and Sweden handed in their applications")
    assert "café near the Élysée" in text
    for boilerplate in ("Related Posts", "Ten recipes", "Sport", "Cookie settings"):
        assert boilerplate not in text
    assert (published, date_source, site) == (
        datetime(2022, 5, 18, 7, 30),
        "source",
        "Example News",
    )


def test_page_in_a_wrong_declared_encoding_is_decoded_and_reported(
    http_server: LoopbackServer, settings: Settings
) -> None:
    page = _page().encode("cp1252")
    url = http_server.route(
        "/latin", Reply(page, headers={"Content-Type": "text/html; charset=utf-8"})
    )
    [(_, _, text, *_rest)], errors = _ingest_one(settings, url)
    assert "café near the Élysée" in text
    [(location, reason)] = errors
    assert location == url
    assert re.fullmatch(
        r"charset utf-8 declared in the HTTP header does not fit byte \d+; "
        r"decoded as cp125[02] \(a guess\)",
        reason,
    ), reason


def test_page_with_no_declared_encoding_is_guessed_and_reported(
    http_server: LoopbackServer, settings: Settings
) -> None:
    url = http_server.route(
        "/plain", Reply(_page().encode("cp1252"), headers={"Content-Type": "text/html"})
    )
    [(_, _, text, *_rest)], errors = _ingest_one(settings, url)
    assert "café near the Élysée" in text
    [(location, reason)] = errors
    assert (location, reason.split(";")[0]) == (url, "no charset declared and not UTF-8")


def test_meta_charset_is_honoured_without_a_report(
    http_server: LoopbackServer, settings: Settings
) -> None:
    page = _page(head='<meta charset="windows-1252">').encode("cp1252")
    url = http_server.route("/meta", Reply(page, headers={"Content-Type": "text/html"}))
    [(_, _, text, *_rest)], errors = _ingest_one(settings, url)
    assert "café near the Élysée" in text and errors == []


@pytest.mark.parametrize(
    ("content_type", "head", "where"),
    [
        ("text/html; charset=utf-8", "", "HTTP header"),
        ("text/html", '<meta charset="utf-8">', "<meta>"),
    ],
)
def test_utf8_page_with_a_few_bad_bytes_keeps_its_utf8_text(
    http_server: LoopbackServer, settings: Settings, content_type: str, head: str, where: str
) -> None:
    # Two stray bytes (a truncated sequence, a lone 0xff) in an otherwise UTF-8 page.
    page = _page(head=head).encode("utf-8").replace(b"Wednesday", b"Wednes\xe2\x80day\xff")
    url = http_server.route("/stray", Reply(page, headers={"Content-Type": content_type}))
    [(_, _, text, *_rest)], errors = _ingest_one(settings, url)
    assert "café near the Élysée" in text and "cafÃ©" not in text
    assert "Wednes\ufffdday\ufffd" in text
    assert errors == [
        (url, f"2 byte sequences that are not utf-8 (declared in the {where}) replaced by U+FFFD")
    ]


def test_empty_article_page(http_server: LoopbackServer, settings: Settings) -> None:
    empty = b"<html><head><title>Nothing</title></head><body><nav>Home</nav></body></html>"
    url = http_server.route("/empty", Reply(empty, headers={"Content-Type": "text/html"}))
    articles, errors = _ingest_one(settings, url)
    assert articles == []
    assert errors == [(url, "empty article: no main text found in the page")]


def test_saved_html_file_takes_its_declared_url_and_a_date_from_its_name(tmp_path: Path) -> None:
    head = '<link rel="canonical" href="https://Example.org/world/nordic?utm_campaign=x">'
    path = tmp_path / "2022-05-18-nordic.html"
    path.write_text(_page(head=head), encoding="utf-8")
    [record], errors = _read(path)
    assert errors == []
    assert record.url == "https://example.org/world/nordic"
    assert (record.published_at, record.date_source) == (datetime(2022, 5, 18), "filename")
    assert "Related Posts" not in record.text


def test_binary_file_named_html(tmp_path: Path) -> None:
    path = tmp_path / "photo.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00" + bytes(range(256)))
    records, errors = _read(path)
    assert records == []
    assert errors == [BadInput(str(path.resolve()), "binary content, not text")]


def test_one_bad_byte_is_reported_in_the_singular(
    http_server: LoopbackServer, settings: Settings
) -> None:
    page = _page(head='<meta charset="utf-8">').encode("utf-8").replace(b"Wednesday", b"Wed\xffday")
    url = http_server.route("/one-stray", Reply(page, headers={"Content-Type": "text/html"}))
    [(_, _, text, *_rest)], errors = _ingest_one(settings, url)
    assert "Wed\ufffdday" in text
    assert errors == [
        (url, "1 byte sequence that is not utf-8 (declared in the <meta>) replaced by U+FFFD")
    ]
