"""Serving the reports folder (and the explorer) on the loopback interface for a browser.

An ASGI app (Starlette) run by uvicorn on a socket bound to 127.0.0.1. Every response
carries ``X-Content-Type-Options: nosniff``; a request naming another host than
127.0.0.1 or localhost gets 421 (DNS rebinding); static paths stay inside the reports
folder, symlinks followed; a folder is served only through its index.html, never listed.
Starlette and uvicorn are imported inside the functions that serve, so the CLI starts
light.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class ReportsMissingError(FileNotFoundError):
    """The reports folder does not exist yet."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        super().__init__(
            f'{folder} does not exist yet. Run "mentions run" or "mentions report" first.'
        )


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})
TYPES = {".csv": "text/csv; charset=utf-8", ".html": "text/html; charset=utf-8"}


def loopback_host(host: str | None) -> bool:
    """Whether a Host header names this machine's loopback server ('127.0.0.1',
    'localhost', with or without a port). Another name means the request came through
    a name that resolves here (DNS rebinding) and must not read the reports."""
    if not host:
        return False
    name, colon, port = host.strip().lower().rpartition(":")
    if not colon or not port.isdigit():
        name = host.strip().lower()
    return name in LOOPBACK_NAMES


def _inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)


class LoopbackGuard:
    """ASGI middleware: 421 for a Host that is not loopback, nosniff on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sniffless(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"x-content-type-options"
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        host = dict(scope.get("headers", [])).get(b"host")
        if not loopback_host(host.decode("latin-1") if host is not None else None):
            from starlette.responses import PlainTextResponse

            answer = PlainTextResponse(
                "421 Misdirected Request: only 127.0.0.1 and localhost are served\n", 421
            )
            await answer(scope, receive, sniffless)
            return
        await self.app(scope, receive, sniffless)


def static_route(folder: Path) -> BaseRoute:
    """The catch-all route serving ``folder``'s files (GET and HEAD)."""
    from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse
    from starlette.routing import Route

    root = os.path.realpath(folder)

    def files(request: Request) -> Response:
        asked = request.url.path
        missing = PlainTextResponse("404 Not Found\n", 404)
        if "\x00" in asked:
            return missing
        path = os.path.join(root, asked.lstrip("/"))
        if not _inside(path, root):
            return missing
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not (os.path.isfile(index) and _inside(index, root)):
                return missing
            if not asked.endswith("/"):
                return RedirectResponse(asked + "/", 301)
            path = index
        if not os.path.isfile(path):
            return missing
        suffix = Path(path).suffix.lower()
        kind = TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
        return FileResponse(path, media_type=kind)

    return Route("/{path:path}", files, methods=["GET", "HEAD"])


def reports_app(folder: Path | None, routes: list[BaseRoute] | None = None) -> ASGIApp:
    """The app: ``routes`` (the explorer's) first, then the files of ``folder``, behind
    the loopback guard."""
    from starlette.applications import Starlette

    every = [*(routes or []), *([static_route(folder)] if folder is not None else [])]
    return LoopbackGuard(Starlette(routes=every))


class LoopbackServer:
    """uvicorn on a socket already bound to 127.0.0.1 (so a taken port fails at once),
    with the calls of http.server: ``serve_forever``, ``shutdown``, ``server_close``."""

    def __init__(self, app: ASGIApp, port: int = 8000) -> None:
        import uvicorn

        # IPPROTO_TCP, not 0: asyncio switches Nagle's algorithm off (TCP_NODELAY) only
        # on sockets whose protocol says TCP, and without that every answer on a kept-
        # alive connection waits for the browser's delayed acknowledgement (~40 ms).
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(("127.0.0.1", port))
            self.socket.listen(128)
        except OSError:
            self.socket.close()
            raise
        self.server_address: tuple[str, int] = self.socket.getsockname()
        self.server_port = self.server_address[1]
        # httptools answers a request without a Host header (h11 refuses it with 400),
        # so the guard can give it its 421 and nosniff.
        config = uvicorn.Config(
            app, http="httptools", lifespan="off", access_log=False, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        """Serve until ``shutdown`` (or SIGINT/SIGTERM in the main thread)."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self, timeout: float = 10) -> None:
        """Stop serving and wait until ``serve_forever`` has returned."""
        self.server.should_exit = True
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        self.socket.close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server_close()


def report_server(folder: Path, port: int = 8000) -> LoopbackServer:
    """A server (not yet serving) for ``folder`` on 127.0.0.1:``port`` (0: any free
    port; the chosen one is ``server.server_port``). Raises OSError when the port is
    taken."""
    if not folder.is_dir():
        raise ReportsMissingError(folder)
    return LoopbackServer(reports_app(folder), port)
