"""Lake extraction in one process: monthly partitions in, sorted mentions out, atomically,
and a re-run skips only the months done with the same seeds and the same input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from analytics.extraction.mentions import extract_mentions
from analytics.frames import MENTION_COLUMNS
from jobs.cli import cli
from jobs.lake.partitions import LakeError, extract_lake, read_lake_mentions
from jobs.store.seeds import load_gazetteer
from tests.conftest import SEEDS_DIR
from tests.lake.lake_sample import sample_articles, write_lake

MONTHS = {"1990-08": 20, "2005-01": 30, "2005-02": 25}


def test_a_lake_gives_the_mentions_of_its_articles_sorted(tmp_path: Path) -> None:
    write_lake(tmp_path / "articles", MONTHS)
    results = extract_lake(tmp_path / "articles", tmp_path / "mentions", SEEDS_DIR)
    assert [(r.month, r.articles, r.skipped) for r in results] == [
        (month, count, False) for month, count in MONTHS.items()
    ]
    gazetteer = load_gazetteer(SEEDS_DIR)
    articles = pl.concat([sample_articles(m, n) for m, n in MONTHS.items()])
    expected = (
        extract_mentions(articles, gazetteer)
        .select(MENTION_COLUMNS)
        .sort("article_id", "field", "start_pos", "entity_id")
    )
    got = read_lake_mentions(tmp_path / "mentions")
    assert_frame_equal(got, expected)
    dated = articles.filter(pl.col("published_at").is_not_null())["article_id"].to_list()
    bush = got.filter(pl.col("surface") == "President Bush", pl.col("article_id").is_in(dated))
    assert set(bush.filter(pl.col("article_id").str.starts_with("1990"))["entity_id"]) == {
        "George H. W. Bush"
    }
    assert set(bush.filter(pl.col("article_id").str.starts_with("2005"))["entity_id"]) == {
        "George W. Bush"
    }
    for month, count in MONTHS.items():
        folder = tmp_path / "mentions" / f"month={month}"
        assert sorted(p.name for p in folder.iterdir()) == ["_done.json", "data.parquet"]
        marker = json.loads((folder / "_done.json").read_text())
        assert marker["gazetteer_version"] == gazetteer.version
        assert marker["articles"] == count


def test_a_rerun_skips_months_done_and_redoes_changed_ones(tmp_path: Path) -> None:
    paths = write_lake(tmp_path / "articles", MONTHS)
    out = tmp_path / "mentions"
    extract_lake(tmp_path / "articles", out, SEEDS_DIR)
    first = read_lake_mentions(out)
    again = extract_lake(tmp_path / "articles", out, SEEDS_DIR)
    assert [r.skipped for r in again] == [True, True, True]
    # a re-exported month (other rows) and a month done with other seeds are redone
    sample_articles("2005-01", 5).write_parquet(paths[1], compression="zstd")
    marker_path = out / "month=2005-02" / "_done.json"
    marker = json.loads(marker_path.read_text())
    marker_path.write_text(json.dumps(marker | {"gazetteer_version": "older"}))
    third = extract_lake(tmp_path / "articles", out, SEEDS_DIR)
    assert [(r.month, r.skipped) for r in third] == [
        ("1990-08", True),
        ("2005-01", False),
        ("2005-02", False),
    ]
    assert third[1].articles == 5
    got = read_lake_mentions(out)
    assert_frame_equal(
        got.filter(~pl.col("article_id").str.starts_with("2005-01")),
        first.filter(~pl.col("article_id").str.starts_with("2005-01")),
    )


def test_a_month_redone_after_a_killed_attempt_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    # A worker killed while writing a month leaves its temporary file; the task's retry
    # (a month is written by one task at a time) clears it with the month it rewrites.
    write_lake(tmp_path / "articles", MONTHS)
    out = tmp_path / "mentions"
    extract_lake(tmp_path / "articles", out, SEEDS_DIR)
    month = out / "month=2005-01"
    (month / "_done.json").unlink()  # the killed attempt had dropped the marker
    stale = month / ".data.parquet.999999.tmp"
    stale.write_bytes(b"half a file")
    again = extract_lake(tmp_path / "articles", out, SEEDS_DIR)
    assert [(r.month, r.skipped) for r in again] == [
        ("1990-08", True),
        ("2005-01", False),
        ("2005-02", True),
    ]
    assert not list(out.glob("*/.*.tmp"))


def test_a_folder_without_partitions_is_named(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    with pytest.raises(LakeError, match="holds no month=YYYY-MM/data.parquet partitions"):
        extract_lake(tmp_path / "articles", tmp_path / "mentions", SEEDS_DIR)


def test_an_empty_month_gives_an_empty_partition_and_a_bad_one_is_named(tmp_path: Path) -> None:
    write_lake(tmp_path / "articles", {"2005-01": 0})
    (result,) = extract_lake(tmp_path / "articles", tmp_path / "mentions", SEEDS_DIR)
    assert (result.articles, result.mentions) == (0, 0)
    assert read_lake_mentions(tmp_path / "mentions").columns == list(MENTION_COLUMNS)
    bad = tmp_path / "articles" / "month=2005-02" / "data.parquet"
    bad.parent.mkdir()
    pl.DataFrame({"article_id": ["x"]}).write_parquet(bad)
    with pytest.raises(LakeError, match="cannot read partition .*month=2005-02"):
        extract_lake(tmp_path / "articles", tmp_path / "mentions", SEEDS_DIR)


def test_the_cli_extracts_a_lake_and_checks_its_options(tmp_path: Path) -> None:
    write_lake(tmp_path / "articles", {"2005-01": 10})
    args = ["extract", "--input", str(tmp_path / "articles")]
    result = CliRunner().invoke(cli, [*args, "--output", str(tmp_path / "mentions")])
    assert result.exit_code == 0, result.output
    assert "month 2005-01: 10 articles" in result.output
    assert read_lake_mentions(tmp_path / "mentions").height > 0
    result = CliRunner().invoke(cli, [*args, "--output", str(tmp_path / "m"), "--engine", "dask"])
    assert result.exit_code == 2
    assert "--engine dask needs --cluster ADDRESS or --cluster local:N." in result.output
    result = CliRunner().invoke(
        cli, [*args, "--output", str(tmp_path / "m"), "--cluster", "local:2"]
    )
    assert result.exit_code == 2
    assert "--cluster needs --engine dask." in result.output
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "a lake's mentions go to a folder: give --output DIR/mentions." in result.output


def test_the_cli_loads_no_dask_until_a_cluster_is_asked_for() -> None:
    import subprocess
    import sys

    code = (
        "import sys, jobs.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
