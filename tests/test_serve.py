"""The report server on a real loopback socket: pages, charts and CSVs as a browser gets them."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from jobs.serve import ReportsMissingError, report_server


def test_serves_pages_images_and_csv_with_their_types(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><p>reports</p>", encoding="utf-8")
    (tmp_path / "top.csv").write_text("name,articles\nRussia,7\n", encoding="utf-8")
    server = report_server(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with httpx.Client(trust_env=False) as client:
            page = client.get(f"{base}/")
            assert page.status_code == 200 and "reports" in page.text
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            csv = client.get(f"{base}/top.csv")
            assert csv.headers["content-type"] == "text/csv; charset=utf-8"
            assert csv.text.splitlines()[1] == "Russia,7"
            assert client.get(f"{base}/missing.png").status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_binds_loopback_only_and_reports_a_taken_port(tmp_path: Path) -> None:
    server = report_server(tmp_path, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        with pytest.raises(OSError):
            report_server(tmp_path, server.server_port)
    finally:
        server.server_close()
    with pytest.raises(ReportsMissingError, match="does not exist yet"):
        report_server(tmp_path / "nope", 0)
