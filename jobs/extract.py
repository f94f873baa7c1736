"""Extraction outside ingest: JSONL in, mentions out (stateless), and re-extraction of
stored articles whose mentions were made from an older version of ``seeds/``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

import polars as pl

from analytics.mentions import extract_mentions
from jobs.db import connect, ensure_schema
from jobs.reextract import reextract_stale
from jobs.seeds import load_gazetteer, load_seeds
from jobs.settings import Settings
from jobs.sources import BadInput, parse_timestamp

log = logging.getLogger(__name__)

# Input batches of `mentions extract` close at this many characters of text (or
# INPUT_BATCH_ROWS lines): the candidate automaton is built once per batch (about
# 0.1 s for the full gazetteer), so batches must be large for speed, and bounded so
# memory stays flat on any input size.
INPUT_BATCH_CHARS = 32000000
INPUT_BATCH_ROWS = 20_000
INPUT_SCHEMA = {
    "article_id": pl.String,
    "title": pl.String,
    "text": pl.String,
    "published_at": pl.Date,
}


@dataclass
class ExtractResult:
    """Counts of one extraction run."""

    articles: int = 0
    mentions: int = 0
    errors: int = 0


def _input_batches(
    lines: IO[str], name: str, on_error: Callable[[BadInput], None]
) -> Iterator[pl.DataFrame]:
    columns: list[list[object]] = [[] for _ in INPUT_SCHEMA]
    chars = 0
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = _input_row(line, f"{name}:{line_no}", on_error)
        if row is None:
            continue
        for column, value in zip(columns, row, strict=True):
            column.append(value)
        chars += len(line)
        if chars >= INPUT_BATCH_CHARS or len(columns[0]) >= INPUT_BATCH_ROWS:
            yield pl.DataFrame(dict(zip(INPUT_SCHEMA, columns, strict=True)), schema=INPUT_SCHEMA)
            columns, chars = [[] for _ in INPUT_SCHEMA], 0
    if columns[0]:
        yield pl.DataFrame(dict(zip(INPUT_SCHEMA, columns, strict=True)), schema=INPUT_SCHEMA)


def _input_row(
    line: str, where: str, on_error: Callable[[BadInput], None]
) -> tuple[str, str, str, date | None] | None:
    """(article_id, title, text, published date) of one input line, or None if bad."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        on_error(BadInput(where, f"not JSON ({exc.msg})"))
        return None
    if not isinstance(obj, dict) or obj.get("id") is None:
        on_error(BadInput(where, "not an object with an id"))
        return None
    title, text = obj.get("title") or "", obj.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        on_error(BadInput(where, "title and text must be strings"))
        return None
    published: date | None = None
    raw = obj.get("published_time") or obj.get("published")
    if raw:
        try:
            published = parse_timestamp(str(raw)).date()
        except ValueError:
            on_error(BadInput(where, f"bad published date {str(raw)[:40]!r}; ignored"))
    return str(obj["id"]), title, text, published


def extract_jsonl(
    source: IO[str],
    sink: IO[str],
    seeds_dir: Path,
    *,
    name: str = "<stdin>",
    on_error: Callable[[BadInput], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ExtractResult:
    """Read ``{"id","title","text"[,"published"]}`` lines, write one JSON object per mention:
    article_id, field, kind, id, country, start, end, text, form."""
    gazetteer = load_gazetteer(seeds_dir)
    result = ExtractResult()

    def count_error(bad: BadInput) -> None:
        result.errors += 1
        if on_error is not None:
            on_error(bad)

    for batch in _input_batches(source, name, count_error):
        mentions = extract_mentions(batch, gazetteer)
        out = mentions.select(
            "article_id",
            "field",
            "kind",
            id="entity_id",
            country="country",
            start="start",
            end="end",
            text="surface",
            form="form",
        )
        if out.height:
            sink.write(out.write_ndjson())
        result.articles += batch.height
        result.mentions += out.height
        if on_progress is not None:
            on_progress(batch.height)
    return result


def run_extract(
    settings: Settings, *, on_progress: Callable[[int, int], None] | None = None
) -> ExtractResult:
    """Bring every stored article's mentions to the current version of ``seeds/``.

    Only articles holding a string whose meaning changed are re-extracted; the rest are
    re-stamped; the new mentions replace the old in one transaction (``jobs.reextract``).
    Returns the number of articles re-extracted and their mentions.
    """
    gazetteer = load_gazetteer(settings.seeds_dir)
    with connect(settings.db_path, timeout=settings.lock_timeout) as con:
        ensure_schema(con)
        load_seeds(con, gazetteer)
    done = reextract_stale(settings, gazetteer, on_progress=on_progress)
    return ExtractResult(articles=done.reextracted, mentions=done.mentions)
