"""Serving the reports folder on the loopback interface for a browser."""

from __future__ import annotations

import functools
import http.server
import logging
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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, with each request logged at DEBUG instead of printed."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".csv": "text/csv; charset=utf-8",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def report_server(folder: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server (not yet serving) for ``folder`` on 127.0.0.1:``port`` (0: any free
    port; the chosen one is ``server.server_port``). Raises OSError when the port is
    taken."""
    if not folder.is_dir():
        raise ReportsMissingError(folder)
    handler = functools.partial(_QuietHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
