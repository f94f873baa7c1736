"""The report's rows (``read_entity_forms``): one per article, entity and form of the
articles published in [start, end), whatever else shares those days."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from jobs.store.articles import read_entity_forms
from jobs.store.connect import connect

START, END = datetime(2023, 5, 1), datetime(2023, 5, 3)
INGESTED = datetime(2023, 5, 2, 8, 0)  # when the undated article was stored
LATER = datetime(2023, 5, 10)  # when the dated ones were (none of them in the future)

# (id, published, text)
ARTICLES = [
    ("before", "2023-04-30T23:59:00Z", "Russia and Russian envoys."),  # the day before
    ("first", "2023-05-01T00:00:00Z", "Russia, Russian envoys and Moscow. Russia again."),
    ("inside", "2023-05-02T12:00:00Z", "Ukraine met France."),
    ("at-end", "2023-05-03T00:00:00Z", "Russia and Ukraine."),  # the window's end: out
    ("end-day", "2023-05-03T09:00:00Z", "France and Ukraine."),  # the end's day: out
    ("undated", None, "Germany and Russia."),  # stored as published when ingested
]


def _rows(settings: Settings, *, undated: bool) -> set[tuple[str, str, str, int]]:
    with connect(settings.db_path, read_only=True) as con:
        frame = read_entity_forms(con, START, END, include_undated=undated)
    # What the report reads, and no more: entity names are joined after the policy.
    assert frame.columns == [
        "article_id", "entity_id", "kind", "country", "published_at", "story_id", "form",
        "mentions",
    ]  # fmt: skip
    return {
        (r["article_id"], r["entity_id"], r["form"], r["mentions"])
        for r in frame.iter_rows(named=True)
    }


def _ids(settings: Settings) -> dict[str, str]:
    with connect(settings.db_path, read_only=True) as con:
        rows = con.sql("SELECT external_id, article_id FROM articles").fetchall()
    return dict(rows)


def test_the_window_s_articles_and_no_others_share_its_days(
    settings: Settings, tmp_path: Path
) -> None:
    for name, now in (("dated", LATER), ("undated", INGESTED)):
        path = tmp_path / f"{name}.jsonl"
        lines = []
        for key, published, text in ARTICLES:
            if (published is None) != (name == "undated"):
                continue
            record = {"id": key, "url": f"https://news.example/{key}", "title": "", "text": text}
            if published is not None:
                record["published"] = published
            lines.append(json.dumps(record))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run_ingest(settings, [SourceConfig(name=name, location=str(path))], now=now)
    ids = _ids(settings)
    dated = {
        (ids["first"], "RUS", "name", 2),
        (ids["first"], "RUS", "adjective", 1),
        (ids["first"], "RUS", "capital", 1),
        (ids["inside"], "UKR", "name", 1),
        (ids["inside"], "FRA", "name", 1),
    }
    assert _rows(settings, undated=False) == dated
    undated = {(ids["undated"], "DEU", "name", 1), (ids["undated"], "RUS", "name", 1)}
    assert _rows(settings, undated=True) == dated | undated
