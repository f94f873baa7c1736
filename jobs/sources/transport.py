"""The connection layer under httpx: every socket operation of a download is bounded
by the download's deadline, and a host is reached at the addresses its Fetcher checked.

httpx's timeouts apply to one socket operation each, so a server that sends one
byte a second (of its headers or of its body) never trips them. Here each
connect, TLS handshake, read and write gets at most the time left before the
deadline, and none starts once it has passed: a download ends by its deadline
however the bytes trickle in. Connecting to the addresses the Fetcher resolved
and checked (jobs/sources/addresses.py), not to a second lookup's, leaves a name no
chance to resolve somewhere else in between.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx


@dataclass
class Budget:
    """The deadline (``time.monotonic()``) of the download under way and the checked
    addresses of each host, both set by the Fetcher before each request."""

    deadline: float = math.inf
    addresses: dict[str, list[str]] = field(default_factory=dict)

    def bound(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float:
        """``timeout`` cut to the time left; raises ``error`` when none is left."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise error("the download's deadline has passed")
        return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, budget: Budget) -> None:
        self._inner = inner
        self._budget = budget

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._budget.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._budget.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = self._budget.bound(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(
            self._inner.start_tls(ssl_context, server_hostname, bounded), self._budget
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    def __init__(self, budget: Budget) -> None:
        self._inner = httpcore.SyncBackend()
        self._budget = budget

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in self._budget.addresses.get(host, [host]):
            bounded = self._budget.bound(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._inner.connect_tcp(
                    address, port, bounded, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _BoundedStream(stream, self._budget)
        assert failure is not None  # the list of addresses is never empty
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = self._budget.bound(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, bounded, socket_options)
        return _BoundedStream(stream, self._budget)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class BoundedTransport(httpx.HTTPTransport):
    """httpx's own transport on a connection pool whose sockets obey ``budget``.

    A custom transport also means httpx reads no proxy from the environment
    (HTTP_PROXY and the like): a proxy's connections would escape the budget.
    """

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        # httpx (0.28) takes no network backend, so its pool is rebuilt around ours;
        # tests/sources/test_fetch.py fails the day this stops working.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_BoundedBackend(budget),
        )
