"""A ten-article corpus whose ``mentions chart`` numbers are worked out by hand in
tests/test_chart.py (every mention is in the text; the titles name nothing)."""

from __future__ import annotations

import json
from pathlib import Path

from jobs.settings import Settings, load_settings

# (published day, text); comments: what counts under the default forms.
CHART_ARTICLES = [
    ("2022-03-08", "Russia attacked Ukraine. Russia denied it."),  # RUS 2 name, UKR 1
    ("2022-03-09", "Vladimir Putin spoke in Moscow."),  # Putin 1, RUS 1 capital
    ("2022-03-10", "Markets were calm."),
    ("2022-03-15", "Ukraine asked for help."),  # UKR 1
    ("2022-03-16", "The weather was calm."),
    ("2022-03-23", "Russian troops moved. Putin said nothing."),  # RUS 1 adjective, Putin 1
    ("2022-03-24", "France called for calm."),  # FRA 1
    ("2022-03-30", "Russia and France talked."),  # RUS 1, FRA 1
    ("2022-04-01", "Ukraine and Russia met in Paris."),  # UKR 1, RUS 1, FRA 1 capital
    ("2022-04-05", "Markets were calm again."),
]


def load_chart_corpus(folder: Path) -> Settings:
    """Settings for a new database in ``folder`` holding the ten articles, ingested by
    the production code."""
    from jobs.ingest import run_ingest
    from jobs.settings import SourceConfig

    lines = [
        json.dumps(
            {
                "id": f"c{i}",
                "url": f"https://news.example/c/{i}",
                "title": f"Report {i}",
                "text": text,
                "published": f"{day}T12:00:00Z",
            }
        )
        for i, (day, text) in enumerate(CHART_ARTICLES, start=1)
    ]
    corpus = folder / "chart-corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(
        None, environ={}, db_path=folder / "mentions.duckdb", reports_dir=folder / "reports"
    )
    result = run_ingest(settings, [SourceConfig(name="corpus", location=str(corpus))])
    assert result.articles_new == len(CHART_ARTICLES), result
    return settings
