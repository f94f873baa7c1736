"""The notebook API: polars frames and matplotlib figures for any entities over any
range. ``mentions chart`` (and the explorer) call these same functions.

Each call opens the database read-only for its reads and closes it, so a notebook never
holds the file while a scheduled job wants to write::

    from jobs import explore
    frame = explore.timeline("data/mentions.duckdb", ["Russia", "Putin"], every="month")
    explore.timeline_figure(frame)

A day range is given as ``start`` and ``end``, both days included (None: the first or
last stored article's day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from analytics.comentions import comention_pairs
from analytics.entity_names import Entity, resolve_entity
from analytics.evidence import evidence_articles
from analytics.form_policy import COUNTRY_FORMS, DEFAULT_FORMS, LEADERS, parse_forms
from analytics.forms import article_entities, counted_rows
from analytics.frequencies import as_datetime
from analytics.timeline import (
    TimelineError,
    check_request,
    daily_timeline_frame,
    timeline_frame,
)
from jobs.evidence import read_evidence
from jobs.settings import Settings
from jobs.store.aggregates import read_daily_entities, read_daily_totals
from jobs.store.articles import published_range, read_articles, read_entity_forms
from jobs.store.connect import open_read_only
from jobs.store.explore import read_leader_terms, read_naming, read_naming_aliases
from jobs.store.gazetteer import read_entities

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Source = Settings | Path | str

CSV_SUFFIX = ".csv"
CHART_SUFFIXES = (".png", ".svg", ".pdf")

__all__ = [
    "comentions",
    "database_stamp",
    "evidence",
    "find_entity",
    "leaders",
    "naming",
    "timeline",
    "timeline_figure",
    "write_chart",
]


def _path(source: Source) -> Path:
    return source.db_path if isinstance(source, Settings) else Path(source)


def _forms(source: Source, forms: Iterable[str] | str | None) -> tuple[str, ...]:
    if forms is not None:
        return parse_forms(forms)
    return source.forms if isinstance(source, Settings) else DEFAULT_FORMS


def database_stamp(path: Path) -> tuple[object, ...]:
    """What changes when the file (or its write-ahead log) is written: a cache key."""
    parts: list[object] = [str(path.resolve())]
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            stat = file.stat()
        except FileNotFoundError:
            parts.append(None)
        else:
            parts.append((stat.st_mtime_ns, stat.st_size))
    return tuple(parts)


# Resolved names per database state: resolving reads 30,000 aliases and every term in
# office, which would dominate an explorer request; a write to the file changes the
# stamp, so a re-extracted gazetteer is never answered from an old one.
_RESOLVED: dict[tuple[tuple[object, ...], str], Entity] = {}
_RESOLVED_MAX = 4096


def _resolve_all(con: duckdb.DuckDBPyConnection, path: Path, names: Iterable[str]) -> list[Entity]:
    stamp = database_stamp(path)
    wanted = list(names)
    missing = [n for n in wanted if (stamp, n.strip().casefold()) not in _RESOLVED]
    if missing:
        entities = read_entities(con)
        aliases = read_naming_aliases(con)
        terms = read_leader_terms(con)
        if len(_RESOLVED) > _RESOLVED_MAX:
            _RESOLVED.clear()
        for name in missing:
            _RESOLVED[(stamp, name.strip().casefold())] = resolve_entity(
                name, entities, aliases, terms
            )
    return [_RESOLVED[(stamp, n.strip().casefold())] for n in wanted]


def find_entity(source: Source, name: str) -> Entity:
    """The country or leader ``name`` means ('RUS', 'russia', 'Putin', 'Zelensky').
    Raises AmbiguousEntityError (with the candidates) or UnknownEntityError (with the
    closest names)."""
    with open_read_only(_path(source)) as con:
        return _resolve_all(con, _path(source), [name])[0]


def naming(source: Source, entity: str, top: int = 15) -> pl.DataFrame:
    """How ``entity`` was written across all stored articles, most mentions first:
    form, surface, mentions."""
    with open_read_only(_path(source)) as con:
        found = _resolve_all(con, _path(source), [entity])[0]
        return read_naming(con, found.entity_id, top)


def leaders(source: Source, country: str) -> pl.DataFrame:
    """The leaders of ``country`` on record, by start of term: entity_id, name, role,
    start_on, end_on."""
    with open_read_only(_path(source)) as con:
        found = _resolve_all(con, _path(source), [country])[0]
        names = read_entities(con).select("entity_id", "name")
        terms = read_leader_terms(con).filter(pl.col("country") == found.entity_id)
    return (
        terms.join(names, on="entity_id", how="left")
        .select("entity_id", "name", "role", "start_on", "end_on")
        .sort("start_on", "entity_id")
    )


@dataclass(frozen=True)
class _Range:
    start: date
    end: date  # exclusive

    @property
    def window(self) -> tuple[datetime, datetime]:
        return as_datetime(self.start), as_datetime(self.end)


def _range(con: duckdb.DuckDBPyConnection, start: date | None, end: date | None) -> _Range:
    """[start, end + 1 day), the stored articles' days filling in a missing end."""
    if start is not None and end is not None and start > end:
        raise TimelineError(
            f"the range {start.isoformat()} to {end.isoformat()} is reversed; "
            "--from must be on or before --to"
        )
    first, last = published_range(con)
    if first is None or last is None:
        raise TimelineError("no articles are stored yet; run mentions ingest first")
    begin = start if start is not None else first.date()
    finish = end if end is not None else last.date()
    if begin > finish:
        raise TimelineError(
            f"no articles in the range asked for; stored articles run from "
            f"{first.date().isoformat()} to {last.date().isoformat()}"
        )
    return _Range(begin, finish + timedelta(days=1))


def _counted(con: duckdb.DuckDBPyConnection, span: _Range, forms: tuple[str, ...]) -> pl.DataFrame:
    """One row per (article, entity) in the range, counted under ``forms``."""
    rows = counted_rows(read_entity_forms(con, *span.window), read_entities(con), forms)
    return article_entities(rows)


def timeline(
    source: Source,
    entities: str | Iterable[str],
    start: date | None = None,
    end: date | None = None,
    every: str = "week",
    forms: Iterable[str] | str | None = None,
    smooth: int | None = None,
) -> pl.DataFrame:
    """Per bucket and entity: bucket_start, entity_id, name, articles, total_articles,
    share (articles / total_articles of the bucket), mentions and partial (the range
    does not cover the bucket to both ends). ``every``: day, week, month, quarter,
    year; ``smooth`` = N sums each bucket with the N - 1 before it."""
    names = [entities] if isinstance(entities, str) else list(entities)
    counting = _forms(source, forms)
    with open_read_only(_path(source)) as con:
        found = _resolve_all(con, _path(source), names)
        span = _range(con, start, end)
        chosen = list(dict.fromkeys(e.entity_id for e in found))
        check_request(chosen, span.start, span.end, every)
        frame = pl.DataFrame(
            {
                "entity_id": chosen,
                "name": [next(e.name for e in found if e.entity_id == i) for i in chosen],
            }
        )
        if _daily_counts_suffice(found, counting):
            totals = read_daily_totals(con, span.start, span.end)
            _require_articles(span, totals.is_empty())
            daily = read_daily_entities(con, span.start, span.end, chosen)
            return daily_timeline_frame(daily, totals, frame, span.start, span.end, every, smooth)
        rows = _counted(con, span, counting)
        articles = read_articles(con, *span.window)
    _require_articles(span, articles.is_empty())
    return timeline_frame(rows, articles, frame, span.start, span.end, every, smooth)


def _daily_counts_suffice(found: list[Entity], forms: tuple[str, ...]) -> bool:
    """Whether the policy counts every mention of each entity and nothing else, so the
    per-day counts by any form (daily_entities) are its counts: a leader counts all its
    mentions; a country all of its own when every country form counts. Rolling leaders
    up to countries needs the articles themselves (one counts once, by any path)."""
    if LEADERS in forms:
        return False
    every_form = set(COUNTRY_FORMS) <= set(forms)
    return all(e.kind == "leader" or every_form for e in found)


def _require_articles(span: _Range, empty: bool) -> None:
    if empty:
        last = span.end - timedelta(days=1)
        raise TimelineError(f"no articles between {span.start.isoformat()} and {last.isoformat()}")


def timeline_figure(
    frame: pl.DataFrame,
    measure: str = "share",
    every: str | None = None,
    smooth: int | None = None,
    settled: bool = False,
) -> Figure:
    """The chart of a ``timeline`` frame: one line per entity of ``measure`` (share,
    articles or mentions), partial buckets dashed; ``every`` and ``smooth``, as given
    to ``timeline``, only label the title. ``settled=True`` lays it out once with
    fixed ticks (faster to save, not for editing: reports/render.py)."""
    from reports.timeline import timeline_chart

    return timeline_chart(frame, measure, every, smooth, settled=settled)


def evidence(
    source: Source,
    entity: str,
    start: date | None = None,
    end: date | None = None,
    forms: Iterable[str] | str | None = None,
    limit: int = 10,
) -> pl.DataFrame:
    """The articles behind an entity in the range, those mentioning it most first (one
    per story): article_id, published_at, title, url, mentions, sentences (the
    sentences around its counted mentions) and parts (per sentence, its pieces as
    {text, mark}, ``mark`` true on the counted mentions)."""
    counting = _forms(source, forms)
    with open_read_only(_path(source)) as con:
        found = _resolve_all(con, _path(source), [entity])[0]
        span = _range(con, start, end)
        rows = _counted(con, span, counting)
        target = pl.DataFrame(
            {"target_id": ["range"], "entity_id": [found.entity_id]}
        ).with_columns(
            start_at=pl.lit(span.window[0]).cast(rows.schema["published_at"]),
            end_at=pl.lit(span.window[1]).cast(rows.schema["published_at"]),
        )
        chosen = evidence_articles(rows, target, limit)
        read = read_evidence(con, chosen, read_entities(con), counting)
    sentences = read.sentences.group_by("article_id", maintain_order=True).agg(
        sentences=pl.col("parts").list.eval(pl.element().struct.field("text")).list.join(""),
        parts=pl.col("parts"),
    )
    return (
        read.articles.join(sentences, on="article_id", how="left", maintain_order="left")
        .sort("rank")
        .select("article_id", "published_at", "title", "url", "mentions", "sentences", "parts")
    )


def comentions(
    source: Source,
    entity: str,
    start: date | None = None,
    end: date | None = None,
    forms: Iterable[str] | str | None = None,
    top: int = 10,
) -> pl.DataFrame:
    """The entities mentioned together with ``entity`` in the range, most articles
    together first: entity_id, name, together, articles (of that entity), lift, npmi."""
    counting = _forms(source, forms)
    with open_read_only(_path(source)) as con:
        found = _resolve_all(con, _path(source), [entity])[0]
        span = _range(con, start, end)
        rows = _counted(con, span, counting)
        total = read_articles(con, *span.window).height
    pairs = comention_pairs(rows, total)
    me = found.entity_id
    return (
        pairs.filter((pl.col("entity_a") == me) | (pl.col("entity_b") == me))
        .select(
            entity_id=pl.when(pl.col("entity_a") == me).then("entity_b").otherwise("entity_a"),
            name=pl.when(pl.col("entity_a") == me).then("name_b").otherwise("name_a"),
            together="together",
            articles=pl.when(pl.col("entity_a") == me).then("articles_b").otherwise("articles_a"),
            lift="lift",
            npmi="npmi",
        )
        .sort(["together", "npmi", "entity_id"], descending=[True, True, False])
        .head(top)
    )


def write_chart(
    frame: pl.DataFrame,
    output: Path,
    measure: str = "share",
    every: str | None = None,
    smooth: int | None = None,
) -> tuple[Path, Path]:
    """Write the chart of a ``timeline`` frame to ``output`` (.png, .svg or .pdf, by the
    suffix) and its data beside it as CSV (the same name with .csv); return both."""
    output = Path(output)
    if output.suffix.lower() not in CHART_SUFFIXES:
        raise TimelineError(
            f"cannot tell the format of {output}; end it in {', '.join(CHART_SUFFIXES)}"
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    data = output.with_suffix(CSV_SUFFIX)
    frame.with_columns(pl.col("bucket_start").dt.to_string("%Y-%m-%d")).write_csv(data)
    from reports.render import write_png

    figure = timeline_figure(frame, measure, every, smooth, settled=True)
    if output.suffix.lower() == ".png":
        write_png(figure, output, compression=6)
    else:
        figure.savefig(output, format=output.suffix.lower().lstrip("."))
    return output, data
