"""Shared fixtures: real DuckDB files in tmp_path, settings pointing at them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from analytics.extraction.gazetteer import Gazetteer
from jobs.settings import DEFAULT_SEEDS_DIR, Settings, load_settings
from jobs.store.connect import connect
from jobs.store.schema import ensure_schema
from jobs.store.seeds import load_gazetteer, load_seeds
from tests.sources.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FEEDS = DATA / "feeds"
SHARED = ROOT.parent / "shared"
SEEDS_DIR = DEFAULT_SEEDS_DIR
SEED_ARTICLE = SEEDS_DIR / "articles" / "us-russia-second-round-talks.txt"
GOLD = SHARED / "gold"
CORPUS = SHARED / "corpora" / "wh-briefings" / "articles.jsonl.gz"


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip a test cleanly when ../shared (gold files, corpora) is not beside the checkout."""
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not available")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        None,
        environ={},
        db_path=tmp_path / "mentions.duckdb",
        reports_dir=tmp_path / "reports",
    )


@pytest.fixture
def duckdb_starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The database of every DuckDB started (``duckdb.connect``) from the test's start:
    ``":memory:"`` for an in-memory one, else the file's path."""
    started: list[str] = []
    real_connect = duckdb.connect

    def counted(database: str = ":memory:", *args: object, **kwargs: object) -> object:
        started.append(str(database))
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", counted)
    return started


@pytest.fixture
def db_path(settings: Settings) -> Path:
    with connect(settings.db_path) as con:
        ensure_schema(con)
        load_seeds(con, load_gazetteer(settings.seeds_dir))
    return settings.db_path


# Pixel sizes of the report's charts (figure inches x 100 dpi), by file stem.
CHART_SIZES = {
    "attention-country": (1000, 600),
    "attention-leader": (1000, 600),
    "top-country": (1000, 500),
    "top-leader": (1000, 500),
    "movers": (1000, 500),
    "comentions": (900, 800),
    "world": (1100, 650),
    "forms": (1000, 500),
}


def assert_chart_image(path: Path, size: tuple[int, int], busy: bool = True) -> None:
    """``path`` is a valid PNG of ``size`` pixels with real contrast (not blank) and,
    when ``busy``, no single colour covering nearly all of it (an empty chart is
    mostly background but still has its title, axes and note)."""
    with Image.open(path) as image:
        assert image.format == "PNG", path
        image.verify()
    with Image.open(path) as image:
        assert image.size == size, f"{path.name} is {image.size}, expected {size}"
        grey = image.convert("L")
        darkest, lightest = grey.getextrema()
        assert darkest < 100 < lightest, f"{path.name} looks blank"
        histogram = grey.histogram()
        background = max(histogram) / sum(histogram)
        if busy:
            assert background < 0.97, f"{path.name} is {background:.0%} one colour"


# A small corpus whose report numbers are computed by hand in tests/reports/test_report.py:
# January and February 2022 (8 articles each) are the baseline, March (10) the period.
_MARCH = [
    (
        "Russia attacks Ukraine",
        "Russia attacked Ukraine on Tuesday. Russian troops crossed the border. "
        "Vladimir Putin spoke in Moscow.",
    ),
    (
        "<script>alert('owned')</script> $x$ Ukraine update",
        "Ukraine asked for help. Russia denied it.",
    ),
    *[
        (f"Day {day} of the war", "Russia and Ukraine exchanged fire. Vladimir Putin said nothing.")
        for day in range(3, 7)
    ],
    ("Kremlin statement", "The Kremlin denied it. Ukraine disagreed."),
    ("Putin interview", "Vladimir Putin gave an interview. Ukraine was the topic."),
    ("France calls for calm", "France called for calm."),
    ("Markets", "Markets were calm."),
]
_JANUARY = [
    ("Russia note", "Russia said little."),
    *[("Paris meeting", "France and the United States met.")] * 3,
    *[("Markets", "Markets were calm.")] * 4,
]
_FEBRUARY = [
    *[("Paris meeting", "France and the United States met.")] * 3,
    ("Statement", "The United States spoke."),
    *[("Markets", "Markets were calm.")] * 4,
]


def write_report_corpus(path: Path) -> Path:
    """Write the small corpus as JSONL (one distinct text per article) and return it."""
    lines = []
    for month, articles in ((1, _JANUARY), (2, _FEBRUARY), (3, _MARCH)):
        for i, (title, text) in enumerate(articles, start=1):
            url = f"https://news.example/{month}/{i}"
            if month == 3 and i == 2:
                url = "javascript:alert('owned')"
            lines.append(
                json.dumps(
                    {
                        "id": f"m{month}-{i}",
                        "url": url,
                        "title": title,
                        # A numbered sentence keeps repeated texts distinct articles.
                        "text": f"{text}\n\nItem {month}.{i}.",
                        "published": f"2022-{month:02d}-{i + 1:02d}T12:00:00Z",
                    }
                )
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_report_corpus(folder: Path) -> Settings:
    """Settings for a new database in ``folder`` holding the small report corpus."""
    from jobs.ingest import run_ingest
    from jobs.settings import SourceConfig

    settings = load_settings(
        None, environ={}, db_path=folder / "mentions.duckdb", reports_dir=folder / "reports"
    )
    corpus = write_report_corpus(folder / "corpus.jsonl")
    result = run_ingest(settings, [SourceConfig(name="corpus", location=str(corpus))])
    assert result.articles_new == 26, result
    return settings


@pytest.fixture
def report_settings(tmp_path: Path) -> Settings:
    """Settings whose database holds the small report corpus."""
    return load_report_corpus(tmp_path)


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 (a thread); routes are set by each test."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """The gazetteer of the project's seeds, built once per test session."""
    return load_gazetteer(SEEDS_DIR)
