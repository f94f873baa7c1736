"""The downloader on its own, against a real HTTP server on 127.0.0.1: every download
ends within its deadline however slowly the bytes come, and a redirect cannot turn it
towards the poller's own network."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from ipaddress import ip_address
from pathlib import Path

import pytest

from jobs.ingest import fetch_limits, run_ingest
from jobs.settings import Settings, SettingsError, SourceConfig, load_settings
from jobs.sources.addresses import PUBLIC, IPAddress, address_class, redirect_refusal
from jobs.sources.http import Fetcher, FetchError, FetchLimits
from tests.sources.loopback import LoopbackServer, Reply

# 1.5 s per read; a whole download, headers included, gets 3 x that.
LIMITS = FetchLimits(timeout=1.5)
# Generous: the tests share two busy cores with other work.
MARGIN = 10.0


def _failure(url: str, limits: FetchLimits = LIMITS) -> tuple[FetchError, float]:
    started = time.monotonic()
    with Fetcher(limits) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(url)
    return caught.value, time.monotonic() - started


def test_a_body_sent_one_byte_a_second_is_cut_at_the_deadline(
    http_server: LoopbackServer,
) -> None:
    body = b"<rss version='2.0'><channel><title>drip</title></channel></rss>"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
    url = http_server.trickle("/drip.xml", body, head=head.encode())
    error, elapsed = _failure(url)
    assert str(error) == f"{url}: download took over 4.5 s; stopped"
    assert elapsed < MARGIN


def test_headers_sent_one_byte_a_second_are_cut_at_the_deadline(
    http_server: LoopbackServer,
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Padding: " + b"a" * 40 + b"\r\n\r\n"
    url = http_server.trickle("/slow-headers.xml", head)
    error, elapsed = _failure(url)
    assert str(error) == f"{url}: download took over 4.5 s; stopped"
    assert elapsed < MARGIN


# Server-side request forgery: a redirect may not lead from where the source is to a
# loopback, private, link-local or other non-public address. No test sends a byte
# beyond 127.0.0.0/8: every refusal is made before connecting.


@pytest.fixture
def other_loopback() -> Iterator[LoopbackServer]:
    """A second server, on 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux)."""
    try:
        server = LoopbackServer("127.0.0.2").start()
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.2 ({exc})")
    try:
        yield server
    finally:
        server.stop()


def _as_if_public(address: IPAddress) -> str:
    """127.0.0.1 counts as a public address (the test's stand-in for a news site)."""
    return PUBLIC if address == ip_address("127.0.0.1") else address_class(address)


def test_a_public_source_redirecting_to_loopback_is_refused_before_connecting(
    http_server: LoopbackServer, other_loopback: LoopbackServer
) -> None:
    secret = other_loopback.route("/admin", Reply(b"secret"))
    url = http_server.route("/feed.xml", Reply(b"", 302, {"Location": secret}))
    with Fetcher(LIMITS, address_class=_as_if_public) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher.get(url)
    assert str(caught.value) == (
        f"{url}: redirect to {secret} refused: 127.0.0.2 is a loopback address and the "
        "source is not on one ([ingest] allow_private_redirects = true allows it)"
    )
    assert other_loopback.requests == []
    # The same redirect is followed when the setting allows it (so the refusal above
    # was the check, not a server that could not be reached).
    allowing = replace(LIMITS, allow_private_redirects=True)
    with Fetcher(allowing, address_class=_as_if_public) as fetcher:
        assert fetcher.get(url).content == b"secret"


def test_a_local_source_may_redirect_to_its_own_kind_of_address(
    http_server: LoopbackServer, other_loopback: LoopbackServer
) -> None:
    target = other_loopback.route("/feed.xml", Reply(b"moved here"))
    url = http_server.route("/old.xml", Reply(b"", 301, {"Location": target}))
    by_name = http_server.url("/old.xml").replace("127.0.0.1", "localhost")
    with Fetcher(LIMITS) as fetcher:
        assert fetcher.get(url).content == b"moved here"
        assert fetcher.get(by_name).content == b"moved here"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[fd00::1]/",
        "http://0.0.0.0:8080/",
    ],
)
def test_a_loopback_source_may_not_redirect_to_another_kind_of_address(
    http_server: LoopbackServer, target: str
) -> None:
    url = http_server.route("/meta", Reply(b"", 302, {"Location": target}))
    error, _ = _failure(url)
    assert error.reason.startswith(f"redirect to {target} refused: ")


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("http://127.0.0.1:8080/", "loopback"),
        ("http://localhost:8080/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/", "link-local"),
        ("http://100.64.0.1/", "shared"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://[::1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://[ff02::1]/", "multicast"),
        ("http://[::]/", "unspecified"),
        ("http://[64:ff9b::a00:1]/", "private"),
    ],
)
def test_a_public_source_may_not_redirect_to_a_non_public_address(target: str, kind: str) -> None:
    reason = redirect_refusal("http://93.184.216.34/feed", target)
    assert reason is not None and reason.endswith(f" {kind} address")
    assert redirect_refusal("http://93.184.216.34/feed", target, allow_private=True) is None


@pytest.mark.parametrize(
    ("source", "target", "refused"),
    [
        ("http://93.184.216.34/feed", "http://8.8.8.8/", False),
        ("http://93.184.216.34/feed", "http://[2606:4700::1111]/", False),
        ("http://127.0.0.1:8000/feed", "http://localhost:9000/", False),
        ("http://10.0.0.5/feed", "http://192.168.0.9/", False),
        ("http://10.0.0.5/feed", "http://127.0.0.1/", True),
        ("http://127.0.0.1/feed", "http://169.254.169.254/", True),
    ],
)
def test_a_redirect_is_judged_by_the_source_address_kind(
    source: str, target: str, refused: bool
) -> None:
    assert (redirect_refusal(source, target) is not None) == refused


def test_ingest_reports_a_refused_redirect_as_one_line_and_the_setting_is_read(
    http_server: LoopbackServer, settings: Settings, tmp_path: Path
) -> None:
    metadata = "http://169.254.169.254/latest/meta-data/"
    url = http_server.route("/feed.xml", Reply(b"", 302, {"Location": metadata}))
    result = run_ingest(settings, [SourceConfig(name="feed", location=url)])
    assert [(b.location, b.reason) for b in result.bad_inputs] == [
        (
            url,
            f"redirect to {metadata} refused: 169.254.169.254 is a link-local address and the "
            "source is not on one ([ingest] allow_private_redirects = true allows it)",
        )
    ]
    config = tmp_path / "mentions.toml"
    config.write_text("[ingest]\nallow_private_redirects = true\n", encoding="utf-8")
    assert fetch_limits(load_settings(config, environ={})).allow_private_redirects is True
    assert fetch_limits(settings).allow_private_redirects is False
    config.write_text('[ingest]\nallow_private_redirects = "yes"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="allow_private_redirects must be true or false"):
        load_settings(config, environ={})
