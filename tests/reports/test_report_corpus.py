"""The done-when of the reports issue on the real wh-briefings corpus: the monthly
report of March 2022 shows the rise of Russia and Ukraine, names them as movers and
quotes the sentences behind it. Only the months the report reads are ingested."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path

import polars as pl

from jobs.ingest import run_ingest
from jobs.report import run_report
from jobs.settings import Settings, SourceConfig
from tests.conftest import CORPUS, needs_shared


@needs_shared(CORPUS)
def test_march_2022_names_russia_and_ukraine_as_movers_with_sentences(
    settings: Settings, tmp_path: Path
) -> None:
    subset = tmp_path / "wh-2021-04-2022-03.jsonl"
    with gzip.open(CORPUS, "rt", encoding="utf-8") as source, subset.open("w") as sink:
        for line in source:
            if "2021-04-01" <= json.loads(line)["published"] < "2022-04-01":
                sink.write(line)
    run_ingest(settings, [SourceConfig(name="wh", location=str(subset))])
    result = run_report(settings, "month", date(2022, 3, 1), now=datetime(2022, 4, 2))
    movers = pl.read_csv(result.path.parent / "movers.csv")
    rising = movers.filter(pl.col("mover") == "rising")["entity_id"].to_list()
    assert {"RUS", "UKR"} <= set(rising)
    rus = movers.filter(pl.col("entity_id") == "RUS").row(0, named=True)
    assert rus["share"] > 2 * rus["baseline_share"]
    html = result.path.read_text(encoding="utf-8")
    assert "Russia: rising this month" in html and "Ukraine: rising this month" in html
    evidence = html.split('id="evidence"', 1)[1]
    assert evidence.count("<blockquote>") >= 6
    assert "<mark>Russia</mark>" in evidence or "<mark>Russian</mark>" in evidence
    assert 'href="https://' in evidence
