"""Reference data: read ``seeds/*.csv``, build the gazetteer, load it into DuckDB."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from analytics.extraction.fingerprints import string_fingerprints
from analytics.extraction.gazetteer import Gazetteer, build_gazetteer
from jobs.store.connect import transaction
from jobs.store.gazetteer import store_fingerprints

log = logging.getLogger(__name__)

SEED_FILES = {
    "countries": "countries.csv",
    "leaders": "leaders.csv",
    "terms": "leader_terms.csv",
    "rules": "alias_rules.csv",
    "names": "common_names.csv",
}


class SeedError(ValueError):
    """A seed file is missing, unreadable or holds a bad row."""


def read_seed(seeds_dir: Path, name: str) -> pl.DataFrame:
    """One seed file as a frame of strings (empty cells are null)."""
    path = Path(seeds_dir) / SEED_FILES[name]
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except FileNotFoundError as exc:
        raise SeedError(f"seed file {path} does not exist") from exc
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise SeedError(f"seed file {path} cannot be read: {exc}") from exc


def load_gazetteer(seeds_dir: Path) -> Gazetteer:
    """The gazetteer built from the seed files in ``seeds_dir`` (cached per file state)."""
    seeds_dir = Path(seeds_dir).resolve()
    stamp = tuple(
        (p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else (0, 0)
        for p in (seeds_dir / f for f in SEED_FILES.values())
    )
    return _load_gazetteer(seeds_dir, stamp)


@lru_cache(maxsize=4)
def _load_gazetteer(seeds_dir: Path, stamp: tuple[tuple[int, int], ...]) -> Gazetteer:
    frames = {name: read_seed(seeds_dir, name) for name in SEED_FILES}
    try:
        return build_gazetteer(
            frames["countries"],
            frames["leaders"],
            frames["terms"],
            frames["rules"],
            frames["names"],
        )
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise SeedError(f"seed files in {seeds_dir} are inconsistent: {exc}") from exc


SEED_VERSION_SQL = "SELECT value FROM settings_state WHERE key = 'gazetteer_version'"
SET_SEED_VERSION_SQL = """
INSERT INTO settings_state VALUES ('gazetteer_version', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""


def load_seeds(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer) -> bool:
    """Replace ``entities``, ``aliases`` and ``leader_terms`` with the gazetteer's rows
    when its version differs from the loaded one; return whether anything changed."""
    row = con.execute(SEED_VERSION_SQL).fetchall()
    if row and row[0][0] == gazetteer.version:
        return False
    frames = {
        "entities": gazetteer.entities.select("entity_id", "kind", "name", "country"),
        "aliases": gazetteer.aliases.select("alias", "entity_id", "kind", "form"),
        "leader_terms": gazetteer.terms.select(
            "entity_id", "country", "role", "office", "start_on", "end_on"
        ),
    }
    with transaction(con):
        for table, frame in frames.items():
            con.register("seed_rows", frame)
            con.execute(f"DELETE FROM {table}")  # table names are ours, not input
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM seed_rows")
            con.unregister("seed_rows")
        con.execute(SET_SEED_VERSION_SQL, [gazetteer.version])
        store_fingerprints(con, gazetteer.version, string_fingerprints(gazetteer))
    log.info(
        "loaded gazetteer %s: %d entities, %d aliases",
        gazetteer.version,
        gazetteer.entities.height,
        gazetteer.aliases.height,
    )
    return True
