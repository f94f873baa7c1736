"""A real HTTP server on 127.0.0.1 in a thread, serving whatever a test routes to it:
feeds and pages, conditional GET, slow, broken, looping and oversized answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """What a route answers: a status, headers and a body (bytes, or chunks streamed)."""

    body: bytes | Iterable[bytes] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[BaseHTTPRequestHandler], Reply | None]


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class LoopbackServer:
    """Routes are set per test: ``server.route("/feed.xml", Reply(...))`` or a callable."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                outer.requests.append(
                    Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                route = outer.routes.get(self.path.split("?")[0])
                reply = route(self) if route else Reply(b"not found", 404)
                if reply is None:  # the route wrote its own answer (or none)
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if isinstance(reply.body, bytes):
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for chunk in reply.body:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, reply: Reply | Route) -> str:
        """Serve ``reply`` at ``path``; returns the full URL."""
        self.routes[path] = reply if callable(reply) else (lambda _h, r=reply: r)
        return self.url(path)

    def hang(self, path: str, seconds: float = 10.0) -> str:
        """A route that accepts the connection and never answers (until the server stops)."""

        def silent(_handler: BaseHTTPRequestHandler) -> None:
            self.stopping.wait(seconds)
            return None

        return self.route(path, silent)

    def trickle(self, path: str, slow: bytes, head: bytes = b"", every: float = 1.0) -> str:
        """A route that writes its raw answer itself: ``head`` at once, then ``slow`` one
        byte every ``every`` seconds (until done, the client leaves or the server stops)."""

        def drip(handler: BaseHTTPRequestHandler) -> None:
            handler.close_connection = True
            try:
                handler.wfile.write(head)
                for i in range(len(slow)):
                    if self.stopping.wait(every):
                        return None
                    handler.wfile.write(slow[i : i + 1])
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None

        return self.route(path, drip)

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def zeros(total: int, chunk: int = 1 << 20, delay: float = 0.0) -> Iterable[bytes]:
    """``total`` bytes of padding, streamed in chunks (nothing is held in memory)."""
    sent = 0
    while sent < total:
        size = min(chunk, total - sent)
        yield b" " * size
        sent += size
        if delay:
            time.sleep(delay)
