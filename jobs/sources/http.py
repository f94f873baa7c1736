"""HTTP for feeds and pages: conditional GET, timeouts, a size cap, bounded redirects.

Every way a download can go wrong ends in one ``FetchError`` whose message names
the URL and the reason, so the caller can log one line and go on with the rest.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from email.message import Message

import httpx

from jobs.sources.addresses import (
    AddressError,
    Classify,
    HostAddresses,
    address_class,
    host_addresses,
)
from jobs.sources.limits import FetchLimits
from jobs.sources.transport import BoundedTransport, Budget

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """A URL could not be downloaded; the message says which and why."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True)
class Response:
    """A finished download (or a 304: ``not_modified`` with no content)."""

    url: str
    status: int
    content: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _content_type(header: str | None) -> tuple[str, str | None]:
    """('text/html', 'utf-8') from 'text/html; charset=UTF-8'."""
    if not header:
        return "", None
    message = Message()
    message["content-type"] = header
    charset = message.get_param("charset")
    return message.get_content_type(), str(charset).strip().lower() if charset else None


class Fetcher:
    """One HTTP client for a run (and a thread); use as a context manager.

    ``address_class`` says what kind of address an IP is (jobs/sources/addresses.py);
    tests pass one that counts 127.0.0.1 as public.
    """

    def __init__(
        self, limits: FetchLimits | None = None, *, address_class: Classify = address_class
    ) -> None:
        self.limits = limits or FetchLimits()
        self._classify = address_class
        timeout = httpx.Timeout(self.limits.timeout, connect=min(self.limits.timeout, 10.0))
        self._budget = Budget()
        self._client = httpx.Client(
            transport=BoundedTransport(self._budget),
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": self.limits.user_agent},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> Response:
        """Download ``url``; a 304 comes back as a Response with ``not_modified``.

        Raises FetchError for a bad URL, a host that does not resolve, a timeout,
        a refused connection, a redirect loop or too many redirects, a redirect
        to a non-public address the source is not on (jobs/sources/addresses.py), an
        HTTP error status, or a body over ``max_bytes`` (refused from
        Content-Length before downloading when the server says it; otherwise the
        download stops at the limit).
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.limits.deadline
        self._budget.deadline = deadline
        seen = [url]
        current = url
        source: HostAddresses | None = None
        for _ in range(self.limits.max_redirects + 1):
            try:
                request = self._client.build_request("GET", current, headers=headers)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise FetchError(url, f"not a valid http(s) URL ({exc})") from exc
            if request.url.scheme not in ("http", "https"):
                raise FetchError(url, f"not an http(s) URL (scheme {request.url.scheme!r})")
            hop = self._addresses(url, request.url, deadline)
            source = source or hop
            why = None if self.limits.allow_private_redirects else source.refusal(hop)
            if why:
                raise FetchError(
                    url,
                    f"redirect to {current} refused: {why} and the source is not on one "
                    "([ingest] allow_private_redirects = true allows it)",
                )
            self._budget.addresses[hop.host] = [str(a) for a in hop.kinds]
            try:
                response = self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise self._too_slow(
                    url, deadline, f"no answer within {self.limits.timeout:g} s", exc
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(url, f"cannot connect ({_short(exc)})") from exc
            try:
                if response.has_redirect_location:
                    location = response.headers.get("location", "")
                    target = str(response.url.join(location))
                    if target in seen:
                        raise FetchError(url, f"redirect loop ({' -> '.join([*seen, target])})")
                    seen.append(target)
                    current = target
                    continue
                return self._finish(url, response, deadline)
            finally:
                response.close()
        raise FetchError(url, f"more than {self.limits.max_redirects} redirects")

    def _addresses(self, url: str, target: httpx.URL, deadline: float) -> HostAddresses:
        port = target.port or (443 if target.scheme == "https" else 80)
        within = min(self.limits.timeout, deadline - time.monotonic())
        try:
            return host_addresses(
                target.raw_host.decode("ascii"), port, within=within, classify=self._classify
            )
        except AddressError as exc:
            raise FetchError(url, str(exc)) from exc

    def _finish(self, url: str, response: httpx.Response, deadline: float) -> Response:
        content_type, charset = _content_type(response.headers.get("content-type"))
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        if response.status_code == 304:
            return Response(str(response.url), 304, b"", content_type, charset, etag, last_modified)
        if response.status_code >= 400:
            phrase = response.reason_phrase or "error"
            raise FetchError(url, f"HTTP {response.status_code} {phrase}")
        if response.status_code != 200:
            raise FetchError(url, f"unexpected HTTP {response.status_code}")
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(
                url,
                f"response of {int(declared):,} bytes is over the {limit:,}-byte limit; "
                "not downloaded",
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes(65536):
                size += len(chunk)
                if size > limit:
                    raise FetchError(
                        url, f"response is over the {limit:,}-byte limit; download stopped"
                    )
                if time.monotonic() > deadline:
                    raise self._too_slow(url, deadline, "", None)
                chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise self._too_slow(
                url, deadline, f"no data for {self.limits.timeout:g} s mid-download", exc
            ) from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, f"download failed ({_short(exc)})") from exc
        return Response(
            str(response.url),
            200,
            b"".join(chunks),
            content_type,
            charset,
            etag,
            last_modified,
        )

    def _too_slow(
        self, url: str, deadline: float, waited: str, exc: httpx.TimeoutException | None
    ) -> FetchError:
        """The error for a timeout: the whole download's deadline, or one wait's."""
        if exc is None or time.monotonic() >= deadline:
            return FetchError(url, f"download took over {self.limits.deadline:g} s; stopped")
        return FetchError(url, f"{waited} ({type(exc).__name__})")


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
