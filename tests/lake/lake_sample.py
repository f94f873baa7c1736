"""A small lake of articles, written as the exporter writes one: monthly Parquet
partitions of the ``articles`` table's columns, zstd-compressed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from analytics.frames import ARTICLE_SCHEMA

# "President Bush" is resolved by the publication date (1990: George H. W. Bush, 2005:
# George W. Bush), so the lake checks that dates reach the extractor.
SENTENCES = [
    "President Bush met the leaders of France and Germany in Kyiv.",
    "Russia and Ukraine resumed talks; Georgia watched from Tbilisi.",
    "Moscow said Putin would visit China and India next month.",
    "The prime minister of Japan spoke with President Macron about Iran.",
    "Officials in Washington and Beijing discussed tariffs with Mexico and Canada.",
]


def sample_articles(month: str, count: int, repeat: int = 3) -> pl.DataFrame:
    """``count`` articles published in ``month`` (YYYY-MM), the ``articles`` table's columns."""
    year, number = (int(part) for part in month.split("-"))
    rows = []
    for i in range(count):
        text = " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(repeat))
        rows.append(
            {column: None for column in ARTICLE_SCHEMA}
            | {
                "article_id": f"{month}-{i:04d}",
                "title": None if i % 7 == 0 else f"Talks in {SENTENCES[i % 5].split()[-1]}",
                "text": text,
                # every ninth article has no date: its surname-only leaders stay unresolved
                "published_at": None if i % 9 == 4 else datetime(year, number, 1 + i % 28, 12),
            }
        )
    return pl.DataFrame(rows, schema=ARTICLE_SCHEMA)


def write_lake(articles_dir: Path, months: dict[str, int], repeat: int = 3) -> list[Path]:
    """Write ``articles_dir/month=YYYY-MM/data.parquet`` for each month and its article
    count; return the partition files."""
    paths = []
    for month, count in months.items():
        folder = articles_dir / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "data.parquet"
        sample_articles(month, count, repeat).write_parquet(path, compression="zstd")
        paths.append(path)
    return paths
