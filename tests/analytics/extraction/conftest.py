"""The gazetteer built once for the extraction tests, from the project's seeds."""

from __future__ import annotations

import pytest

from analytics.extraction.gazetteer import Gazetteer
from jobs.store.seeds import load_gazetteer
from tests.conftest import SEEDS_DIR


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer(SEEDS_DIR)
