"""The explorer of ``mentions serve`` on a real loopback socket, over the small report
corpus (26 articles, one with a hostile title and a javascript: URL)."""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from PIL import Image

from jobs.cli import cli
from jobs.settings import Settings
from jobs.web.explorer import explorer_routes
from jobs.web.serve import LoopbackServer, reports_app
from tests.conftest import load_report_corpus

HOSTILE = "<script>alert('owned')</script>"
VIEW = "entity=RUS&entity=UKR&from=2022-02-01&to=2022-03-31&every=week&measure=share"


@pytest.fixture(scope="module")
def explorer() -> Iterator[tuple[str, Settings]]:
    """The explorer and a reports folder on 127.0.0.1 (any free port), in a thread
    stopped in teardown."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_report_corpus(Path(tmp))
        folder = Path(tmp) / "reports"
        folder.mkdir()
        (folder / "index.html").write_text("<p>reports</p>", encoding="utf-8")
        (Path(tmp) / "secret.txt").write_text("secret text", encoding="utf-8")
        server = LoopbackServer(reports_app(folder, explorer_routes(settings)), 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", settings
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30) as session:
        yield session


def test_explore_fills_the_form_and_links_every_bucket(
    explorer: tuple[str, Settings], client: httpx.Client
) -> None:
    base, _ = explorer
    page = client.get(f"{base}/explore?{VIEW}")
    assert page.status_code == 200, page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    html = page.text
    for filled in ('value="RUS"', 'value="UKR"', 'value="2022-02-01"', 'value="2022-03-31"'):
        assert filled in html
    assert '<option value="week" selected>' in html
    assert '<option value="share" selected>' in html
    assert f'src="/explore/chart.png?{VIEW.replace("&", "&amp;")}"' in html
    assert f'href="/explore/data.csv?{VIEW.replace("&", "&amp;")}"' in html
    assert "script-src 'none'" in html and "<script" not in html
    # Nine weeks touch the range, two entities each: every value links to its evidence.
    assert html.count('href="/explore/evidence?entity=') == 18
    assert 'href="/explore/evidence?entity=UKR&amp;from=2022-02-28&amp;to=2022-03-06"' in html
    assert 'href="/explore/evidence?entity=RUS&amp;from=2022-02-01&amp;to=2022-02-06"' in html


def test_chart_and_csv_take_the_same_parameters(
    explorer: tuple[str, Settings], client: httpx.Client, tmp_path: Path
) -> None:
    base, settings = explorer
    chart = client.get(f"{base}/explore/chart.png?{VIEW}")
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(chart.content)) as image:
        assert image.format == "PNG" and image.size == (1000, 500)
        assert image.convert("L").getextrema()[0] < 100
    data = client.get(f"{base}/explore/data.csv?{VIEW}")
    assert data.headers["content-type"] == "text/csv; charset=utf-8"
    output = tmp_path / "chart.png"
    args = ["--db", str(settings.db_path), "chart", "RUS", "UKR", "--from", "2022-02-01"]
    args += ["--to", "2022-03-31", "--every", "week", "--output", str(output)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert data.text == output.with_suffix(".csv").read_text(encoding="utf-8")


def test_evidence_escapes_article_text_and_marks_the_mention(
    explorer: tuple[str, Settings], client: httpx.Client
) -> None:
    base, _ = explorer
    page = client.get(f"{base}/explore/evidence?entity=UKR&from=2022-03-03&to=2022-03-03")
    assert page.status_code == 200
    html = page.text
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in html
    assert HOSTILE not in html
    assert 'href="javascript:' not in html  # shown as text, never a link
    assert "<mark>Ukraine</mark> asked for help." in html
    week = client.get(f"{base}/explore/evidence?entity=Ukraine&from=2022-02-28&to=2022-03-06")
    assert week.text.count("<article>") == 5
    assert 'href="https://news.example/3/1" rel="noopener noreferrer"' in week.text


@pytest.mark.parametrize(
    "target",
    [
        "/explore?entity=Narnia",
        "/explore?entity=Johnson",
        "/explore/chart.png?entity=Narnia",
        "/explore/data.csv?entity=Johnson",
        "/explore/evidence?entity=Narnia",
        "/entity/Johnson",
        "/entity/Narnia",
        "/explore?entity=RUS&from=March",
        "/explore?entity=RUS&every=fortnight",
    ],
)
def test_unknown_ambiguous_or_malformed_requests_are_400_pages(
    explorer: tuple[str, Settings], client: httpx.Client, target: str
) -> None:
    base, _ = explorer
    page = client.get(f"{base}{target}")
    assert page.status_code == 400, target
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in page.text


def test_ambiguous_and_unknown_names_say_why_and_suggest(
    explorer: tuple[str, Settings], client: httpx.Client
) -> None:
    base, _ = explorer
    ambiguous = client.get(f"{base}/explore?entity=RUS&entity=Johnson").text
    assert "&#39;Johnson&#39; is ambiguous" in ambiguous
    assert 'href="/explore?entity=RUS&amp;entity=Boris+Johnson' in ambiguous
    unknown = client.get(f"{base}/explore?entity=Rusia").text
    assert "no country or leader named &#39;Rusia&#39;; closest: Russia" in unknown


def test_entity_page_shows_history_leaders_comentions_forms_and_busy_months(
    explorer: tuple[str, Settings], client: httpx.Client
) -> None:
    base, _ = explorer
    page = client.get(f"{base}/entity/RUS")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h1>Russia</h1>" in html
    assert 'src="/explore/chart.png?entity=RUS&amp;every=month"' in html
    assert '<a href="/entity/Vladimir%20Putin">Vladimir Putin</a>' in html  # a leader
    assert '<a href="/entity/UKR">Ukraine</a>' in html  # mentioned together
    assert "<td>adjective</td><td>Russian</td>" in html  # how it was named
    assert '<a href="/explore/evidence?entity=RUS&amp;from=2022-03-01&amp;to=2022-03-31">' in html
    assert "<mark>Russia</mark>" in html
    leader = client.get(f"{base}/entity/Putin").text
    assert '<a href="/entity/RUS">Russia</a> (country)' in leader


def test_host_folder_and_sniffing_rules_hold_for_the_explorer(
    explorer: tuple[str, Settings], client: httpx.Client
) -> None:
    base, _ = explorer
    evil = client.get(f"{base}/explore?{VIEW}", headers={"Host": "evil.example"})
    assert evil.status_code == 421 and "Russia" not in evil.text
    assert evil.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"{base}/").text == "<p>reports</p>"
    assert client.get(f"{base}/%2e%2e/secret.txt").status_code == 404
    assert client.get(f"{base}/explore", headers={"Host": "localhost"}).status_code == 200


def test_entity_command_writes_a_standalone_page(
    explorer: tuple[str, Settings], tmp_path: Path
) -> None:
    _, settings = explorer
    output = tmp_path / "pages" / "ukraine.html"
    args = ["--db", str(settings.db_path), "entity", "Ukraine", "--output", str(output)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output == f"{output}\n"
    html = output.read_text(encoding="utf-8")
    assert '<img src="ukraine.png"' in html and 'href="ukraine.csv"' in html
    assert "&lt;script&gt;alert(" in html and HOSTILE not in html
    assert "/explore" not in html  # no link into a server that may not run
    with Image.open(output.with_suffix(".png")) as image:
        assert image.size == (1000, 500)
    missing = CliRunner().invoke(cli, ["--db", str(settings.db_path), "entity", "Narnia"])
    assert missing.exit_code == 2
    assert missing.output.startswith("Error: no country or leader named 'Narnia'")
