"""The report server on a real loopback socket: pages, charts and CSVs as a browser gets them."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jobs.web.serve import ReportsMissingError, report_server


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


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A reports folder with a page, a chart folder without a page, and symlinks out of
    it, served by a real server on 127.0.0.1 in a thread (stopped in teardown)."""
    folder = tmp_path / "reports"
    (folder / "week" / "2022-02-28").mkdir(parents=True)
    (folder / "index.html").write_text("<p>reports</p>", encoding="utf-8")
    (folder / "week" / "2022-02-28" / "index.html").write_text("<p>week</p>", encoding="utf-8")
    (folder / "charts").mkdir()
    (folder / "charts" / "a.png").write_bytes(b"\x89PNG")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "index.html").write_text("secret page", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret text", encoding="utf-8")
    (folder / "out.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "outdir").symlink_to(secret)
    server = report_server(folder, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _raw(address: str, target: str, host: str | None = None) -> tuple[int, str, bytes]:
    """Send one request as written (no client normalises the path); status, headers, body."""
    hostname, port = address.split(":")
    with socket.create_connection((hostname, int(port)), timeout=5) as sock:
        head = f"GET {target} HTTP/1.1\r\n"
        if host is not None:
            head += f"Host: {host}\r\n"
        sock.sendall((head + "Connection: close\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header, _, body = data.partition(b"\r\n\r\n")
    status = int(header.split()[1])
    return status, header.decode("latin-1").lower(), body


def test_symlinks_out_of_the_folder_are_not_followed(served: tuple[str, Path]) -> None:
    address, _ = served
    for target in ("/out.txt", "/outdir/index.html", "/outdir/", "/../secret.txt"):
        status, headers, body = _raw(address, target, host=address)
        assert status == 404, target
        assert b"secret" not in body
        assert "x-content-type-options: nosniff" in headers


def test_folders_without_a_page_are_not_listed(served: tuple[str, Path]) -> None:
    address, _ = served
    status, headers, body = _raw(address, "/charts/", host=address)
    assert status == 404 and b"a.png" not in body
    assert _raw(address, "/week/", host=address)[0] == 404
    status, headers, body = _raw(address, "/week/2022-02-28/", host=address)
    assert status == 200 and body == b"<p>week</p>"
    assert "x-content-type-options: nosniff" in headers
    assert _raw(address, "/week/2022-02-28", host=address)[0] == 301


def test_only_loopback_host_names_are_answered(served: tuple[str, Path]) -> None:
    address, _ = served
    port = address.split(":")[1]
    for host in (address, "127.0.0.1", f"localhost:{port}", "localhost", "LOCALHOST"):
        status, headers, _ = _raw(address, "/", host=host)
        assert status == 200, host
        assert "x-content-type-options: nosniff" in headers
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", None):
        status, headers, body = _raw(address, "/", host=host)
        assert status == 421, host
        assert b"reports" not in body
        assert "x-content-type-options: nosniff" in headers


def test_answers_on_a_kept_alive_connection_without_a_delayed_ack_stall(
    served: tuple[str, Path],
) -> None:
    # A browser keeps its connection to the server open. A response written in two
    # parts (head, then body) by a socket with Nagle's algorithm waits for the
    # client's delayed acknowledgement, about 40 ms on Linux, at every request after
    # the first few: the server's sockets must send at once (TCP_NODELAY).
    address, _ = served
    with httpx.Client(base_url=f"http://{address}", trust_env=False) as client:
        assert client.get("/charts/a.png").status_code == 200
        took = []
        for _ in range(20):
            started = time.perf_counter()
            assert client.get("/charts/a.png").status_code == 200
            took.append(time.perf_counter() - started)
    # 20 stalls would take 0.8 s; an answer of four bytes takes a few ms, even here.
    assert statistics.median(took) < 0.025, [f"{t * 1000:.0f} ms" for t in took]
