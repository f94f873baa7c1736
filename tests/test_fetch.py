"""The downloader on its own, against a real HTTP server on 127.0.0.1: every download
ends within its deadline however slowly the bytes come."""

from __future__ import annotations

import time

import pytest

from jobs.fetch import Fetcher, FetchError, FetchLimits
from tests.loopback import LoopbackServer

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
