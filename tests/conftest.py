"""Shared fixtures: real DuckDB files in tmp_path, settings pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.db import connect, ensure_schema
from jobs.seeds import load_gazetteer, load_seeds
from jobs.settings import DEFAULT_SEEDS_DIR, Settings, load_settings
from tests.loopback import LoopbackServer

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


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 (a thread); routes are set by each test."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()
