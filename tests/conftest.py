"""Shared fixtures: real DuckDB files in tmp_path, settings pointing at them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from jobs.db import connect, ensure_schema
from jobs.seeds import load_gazetteer, load_seeds
from jobs.settings import DEFAULT_SEEDS_DIR, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
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


def assert_chart_image(path: Path, size: tuple[int, int]) -> None:
    """``path`` is a valid PNG of ``size`` pixels with real contrast (not blank)."""
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
        assert background < 0.97, f"{path.name} is {background:.0%} one colour"
