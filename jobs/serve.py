"""Serving the reports folder on the loopback interface for a browser."""

from __future__ import annotations

import functools
import http.server
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class ReportsMissingError(FileNotFoundError):
    """The reports folder does not exist yet."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        super().__init__(
            f'{folder} does not exist yet. Run "mentions run" or "mentions report" first.'
        )


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})


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


class _ReportsHandler(http.server.SimpleHTTPRequestHandler):
    """Static files of one folder and nothing else: no path (or symlink) out of it, no
    directory listings, loopback Host names only, no content sniffing; each request
    logged at DEBUG instead of printed."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".csv": "text/csv; charset=utf-8",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def send_head(self) -> Any:
        if not loopback_host(self.headers.get("Host")):
            self.send_error(421, "Misdirected Request", "only 127.0.0.1 and localhost are served")
            return None
        if not self._confined(self.translate_path(self.path)):
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def _confined(self, translated: str) -> bool:
        """The path, and the page of a folder, resolve (symlinks followed) inside the
        served folder."""
        root = os.path.realpath(self.directory)
        if not _inside(translated, root):
            return False
        index = os.path.join(translated, "index.html")
        return not (os.path.isdir(translated) and os.path.lexists(index)) or _inside(index, root)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "File not found")
        return None

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def report_server(folder: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server (not yet serving) for ``folder`` on 127.0.0.1:``port`` (0: any free
    port; the chosen one is ``server.server_port``). Raises OSError when the port is
    taken."""
    if not folder.is_dir():
        raise ReportsMissingError(folder)
    handler = functools.partial(_ReportsHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
