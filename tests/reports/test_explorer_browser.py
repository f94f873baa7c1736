"""The explorer in a real headless Chromium (the DevTools harness of
test_report_browser.py): the chart image loads, no script runs, and following a
bucket's link shows sentences naming the entity. A screenshot of /explore is saved to
MENTIONS_SCREENSHOT_DIR when set, for a person to look at."""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from jobs.web.explorer import explorer_routes
from jobs.web.serve import LoopbackServer, reports_app
from tests.conftest import load_report_corpus

# The harness's fixture, imported so pytest finds it here (ruff takes it as unused).
from tests.reports.test_report_browser import (  # noqa: F401
    CHROMIUM,
    DevTools,
    _open,
    browser,
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH")
VIEW = "entity=RUS&entity=UKR&from=2022-02-01&to=2022-03-31&every=week&measure=share"


@pytest.fixture(scope="module")
def explorer() -> Iterator[str]:
    """The explorer over the small report corpus on 127.0.0.1, stopped in teardown."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_report_corpus(Path(tmp))
        server = LoopbackServer(reports_app(None, explorer_routes(settings)), 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def test_explore_chart_loads_and_a_bucket_link_shows_its_sentences(
    browser: DevTools,  # noqa: F811
    explorer: str,
    tmp_path: Path,
) -> None:
    state = _open(browser, f"{explorer}/explore?{VIEW}")
    assert browser.errors() == []
    assert state["scripts"] == 0
    [chart] = state["images"]
    assert chart["src"].startswith("/explore/chart.png?")
    assert chart["complete"] and (chart["width"], chart["height"]) == (1000, 500)
    assert "Russia" in state["text"] and "Ukraine" in state["text"]
    shot = browser.call("Page.captureScreenshot", format="png")
    path = tmp_path / "explore.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    with Image.open(path) as image:
        assert image.size == (1200, 900)
    keep = os.environ.get("MENTIONS_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / "explore.png")
    # The bucket of the week of 2022-02-28 for Ukraine, as a reader would click it.
    found = browser.call(
        "Runtime.evaluate",
        expression=(
            "JSON.stringify([...document.links].map(a => a.href)"
            ".filter(h => h.includes('evidence?entity=UKR&from=2022-02-28')))"
        ),
        returnByValue=True,
    )
    [link] = json.loads(found["result"]["value"])
    state = _open(browser, link)
    assert browser.errors() == []
    assert state["marks"] >= 5
    assert "Ukraine asked for help." in state["text"]
    assert "<script>alert('owned')</script> $x$ Ukraine update" in state["text"]
    marked = browser.call(
        "Runtime.evaluate",
        expression="JSON.stringify([...document.querySelectorAll('mark')].map(m => m.textContent))",
        returnByValue=True,
    )
    assert set(json.loads(marked["result"]["value"])) == {"Ukraine"}
