"""A report page in a real headless Chromium, driven over the DevTools protocol.

The page is served by the same server as ``mentions serve`` on 127.0.0.1. The test
fails when any image does not load (naturalWidth 0), when the page logs an error
(console, exception or a failed request), or when a script runs at all. It saves a
full-page screenshot (to MENTIONS_SCREENSHOT_DIR when set, for a person to look at).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from websockets.sync.client import ClientConnection, connect

from jobs.report import run_report
from jobs.settings import Settings
from jobs.web.serve import report_server
from tests.conftest import load_report_corpus

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary on PATH (Debian package 'chromium'; .ci/run installs it)",
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
)
IMAGES_JS = """JSON.stringify({
  images: [...document.images].map(i => ({src: i.getAttribute('src'), complete: i.complete,
                                          width: i.naturalWidth, height: i.naturalHeight})),
  scripts: document.scripts.length,
  marks: document.querySelectorAll('mark').length,
  text: document.body.innerText,
  height: document.documentElement.scrollHeight,
})"""


class DevTools:
    """The few DevTools protocol calls the test needs, over one page's websocket."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {event} within {timeout} s"
            self.events.append(json.loads(self.socket.recv(timeout=remaining)))

    def errors(self) -> list[str]:
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        return found


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Settings]]:
    """Two monthly reports of the small corpus, served on 127.0.0.1."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_report_corpus(Path(tmp))
        now = datetime(2022, 4, 2, 8, 0)
        run_report(settings, "month", date(2022, 2, 1), now=now)
        run_report(settings, "month", date(2022, 3, 1), now=now)
        server = report_server(settings.reports_dir, 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", settings
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """A fresh headless Chromium (own profile) and a websocket to its first page."""
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, f"chromium exited with {process.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        with httpx.Client(trust_env=False) as client:
            targets = client.get(f"http://127.0.0.1:{port}/json/list").json()
        page = next(t for t in targets if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None, proxy=None) as socket:
            tools = DevTools(socket)
            for domain in ("Page", "Runtime", "Log"):
                tools.call(f"{domain}.enable")
            yield tools
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _open(tools: DevTools, url: str) -> dict[str, Any]:
    tools.call("Emulation.setDeviceMetricsOverride", width=1200, height=900,
               deviceScaleFactor=1, mobile=False)  # fmt: skip
    tools.call("Page.navigate", url=url)
    tools.wait_for("Page.loadEventFired")
    # A late event of the page before may have been taken for this one: wait until
    # this very document has loaded.
    deadline = time.monotonic() + 30
    while True:
        probe = tools.call(
            "Runtime.evaluate",
            expression="document.readyState + ' ' + location.href",
            returnByValue=True,
        )
        if probe["result"].get("value") == f"complete {url}":
            break
        assert time.monotonic() < deadline, f"{url} did not finish loading: {probe}"
        time.sleep(0.05)
    result = tools.call("Runtime.evaluate", expression=IMAGES_JS, returnByValue=True)
    assert "value" in result["result"], f"evaluating on {url}: {result}"
    state: dict[str, Any] = json.loads(result["result"]["value"])
    return state


def test_report_renders_in_chromium_with_every_image_and_no_error(
    browser: DevTools, served: tuple[str, Settings], tmp_path: Path
) -> None:
    base, _ = served
    state = _open(browser, f"{base}/month/2022-03-01/index.html")
    assert browser.errors() == []
    assert len(state["images"]) == 8
    broken = [i["src"] for i in state["images"] if not i["complete"] or i["width"] == 0]
    assert broken == []
    assert state["scripts"] == 0
    # The hostile title is shown as text, and evidence sentences carry highlights.
    assert "<script>alert('owned')</script> $x$ Ukraine update" in state["text"]
    assert state["marks"] > 5
    assert "Previous month: February 2022" in state["text"]
    height = min(int(state["height"]), 16000)
    browser.call("Emulation.setDeviceMetricsOverride", width=1200, height=height,
                 deviceScaleFactor=1, mobile=False)  # fmt: skip
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    path = tmp_path / "report.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    with Image.open(path) as image:
        assert image.size == (1200, height)
        assert image.convert("L").getextrema()[0] < 50
    keep = os.environ.get("MENTIONS_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / "report-2022-03.png")


def test_index_and_navigation_links_resolve_in_chromium(
    browser: DevTools, served: tuple[str, Settings]
) -> None:
    base, _ = served
    state = _open(browser, f"{base}/index.html")
    assert browser.errors() == []
    assert "March 2022" in state["text"]  # labelled as the pages' own links label it
    hrefs = browser.call(
        "Runtime.evaluate",
        expression="JSON.stringify([...document.links].map(a => a.href))",
        returnByValue=True,
    )
    links = json.loads(hrefs["result"]["value"])
    with httpx.Client(trust_env=False) as client:
        for link in links:
            assert client.get(link).status_code == 200, link
    state = _open(browser, f"{base}/month/2022-02-01/index.html")
    assert "Next month: March 2022" in state["text"]
    assert browser.errors() == []
