"""Bringing stored mentions up to date when ``seeds/`` (or the rules in code) change.

Only articles holding a string whose meaning changed are re-extracted (see
``analytics.extraction.fingerprints``); the others keep their mentions and are re-stamped with
the new version. Batches go to ``pending_*`` tables, and one transaction at the end
swaps them in, so the ``mentions`` table never holds two versions of the gazetteer at
once; an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from analytics.extraction.fingerprints import changed_strings, holds_any
from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.mentions import extract_mentions
from jobs.settings import Settings
from jobs.store.connect import connect, one_duckdb
from jobs.store.gazetteer import (
    add_pending,
    count_pending,
    drop_other_pending,
    next_stale_batch,
    read_fingerprints,
    stale_versions,
    swap_pending,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
# When this share of all strings changed meaning, looking for them costs more than it saves.
_ALL_CHANGED = 0.5


@dataclass
class ReextractResult:
    """What one re-extraction did."""

    reextracted: int = 0
    restamped: int = 0
    mentions: int = 0


def _strings_to_look_for(
    settings: Settings, gazetteer: Gazetteer, versions: list[str | None]
) -> dict[str | None, list[str] | None]:
    """For each stale version, the strings whose meaning changed since (None: all)."""
    out: dict[str | None, list[str] | None] = {}
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        new = read_fingerprints(con, gazetteer.version)
        for version in versions:
            old = read_fingerprints(con, version) if version is not None else None
            if old is None or old.is_empty() or new.is_empty():
                out[version] = None
                continue
            strings = changed_strings(old, new)
            out[version] = None if len(strings) > _ALL_CHANGED * new.height else strings
    return out


def _needs_extraction(batch: pl.DataFrame, looks: dict[str | None, list[str] | None]) -> pl.Series:
    parts = []
    for version, strings in looks.items():
        of_version = (
            pl.col("old_version").is_null() if version is None else pl.col("old_version") == version
        )
        if strings is None:
            parts.append(of_version)
        else:
            holds = holds_any(pl.col("title"), strings) | holds_any(pl.col("text"), strings)
            parts.append(of_version & holds)
    flag = pl.any_horizontal(parts) if parts else pl.lit(True)
    return batch.select(reextracted=flag.fill_null(True))["reextracted"]


def reextract_stale(
    settings: Settings,
    gazetteer: Gazetteer,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReextractResult:
    """Bring every stored article to ``gazetteer``'s version (the seeds must already be
    loaded, with their fingerprints: ``jobs.store.seeds.load_seeds``)."""
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        drop_other_pending(con, gazetteer.version)
        stale = stale_versions(con, gazetteer.version)
        already = count_pending(con, gazetteer.version)
    total = sum(n for _, n in stale) - already
    result = ReextractResult()
    if not total and not already:
        return result
    looks = _strings_to_look_for(settings, gazetteer, [v for v, _ in stale])
    done = 0
    # Each batch opens the file twice, and the swap once more: every opening attaches it
    # to one in-memory DuckDB (jobs.store.connect.one_duckdb).
    with one_duckdb():
        while True:
            with connect(settings.db_path, timeout=settings.lock_timeout) as con:
                batch = next_stale_batch(con, gazetteer.version, BATCH_SIZE)
            if batch.is_empty():
                break
            flags = _needs_extraction(batch, looks)
            todo = batch.filter(flags)
            mentions = extract_mentions(todo.drop("old_version"), gazetteer)
            with connect(settings.db_path, timeout=settings.lock_timeout) as con:
                add_pending(
                    con,
                    gazetteer.version,
                    batch.select("article_id", reextracted=flags),
                    mentions,
                )
            done += batch.height
            if on_progress is not None:
                on_progress(done, total)
        with connect(settings.db_path, timeout=settings.lock_timeout) as con:
            result.reextracted, result.restamped, result.mentions = swap_pending(
                con, gazetteer.version
            )
    log.info(
        "gazetteer %s: re-extracted %d articles (%d mentions), %d others unchanged",
        gazetteer.version,
        result.reextracted,
        result.mentions,
        result.restamped,
    )
    return result
