"""`--engine dask` on a real ``dask.distributed`` local cluster of two worker processes:
the same mentions as one process, the gazetteer built once per worker, and a worker
killed mid-run replaced without changing the result."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.frames import MENTION_COLUMNS
from jobs.lake.partitions import PartitionResult, extract_lake, read_lake_mentions
from tests.conftest import SEEDS_DIR, load_report_corpus
from tests.lake.lake_sample import write_lake

distributed = pytest.importorskip("distributed")

# Enough months for every worker to take several, each long enough (a few tenths of a
# second) that a worker killed after the first month dies holding a task.
MONTHS = {f"20{y:02d}-{m:02d}": 120 for y in (4, 5) for m in range(1, 7)}
CLOSE_TIMEOUT_S = 20


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        client.wait_for_workers(2, timeout=60)
        yield client
    finally:
        client.close(timeout=CLOSE_TIMEOUT_S)
        cluster.close(timeout=CLOSE_TIMEOUT_S)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake")
    write_lake(root / "articles", MONTHS, repeat=12)
    extract_lake(root / "articles", root / "local", SEEDS_DIR)
    return root


def _worker_pids(client: distributed.Client) -> dict[str, int]:
    return dict(client.run(os.getpid, wait=True))


def test_the_cluster_gives_the_single_process_result(
    client: distributed.Client, lake: Path
) -> None:
    from jobs.lake.cluster import extract_lake_on

    results = extract_lake_on(client, lake / "articles", lake / "dask", SEEDS_DIR)
    assert [r.month for r in results] == sorted(MONTHS)
    assert not any(r.skipped for r in results)
    expected = read_lake_mentions(lake / "local")
    assert expected.height > 1000
    assert_frame_equal(read_lake_mentions(lake / "dask"), expected)
    # both workers took months, and each built the gazetteer once for all of its months
    pids = {r.pid for r in results}
    assert pids == set(_worker_pids(client).values())
    assert {r.gazetteer_builds for r in results} == {1}
    again = extract_lake_on(client, lake / "articles", lake / "dask", SEEDS_DIR)
    assert all(r.skipped for r in again)


def test_a_worker_killed_mid_run_is_replaced_and_the_result_holds(
    client: distributed.Client, lake: Path
) -> None:
    from jobs.lake.cluster import extract_lake_on

    before = _worker_pids(client)
    killed: list[int] = []

    def kill_one_worker(done: PartitionResult) -> None:
        if not killed:  # after the first month, a worker that holds a task
            busy = [address for address, keys in client.processing().items() if keys]
            assert busy, "every month finished before the kill: make the months longer"
            victim = before[busy[0]]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    results = extract_lake_on(
        client, lake / "articles", lake / "killed", SEEDS_DIR, on_done=kill_one_worker
    )
    assert killed
    assert [r.month for r in results] == sorted(MONTHS)
    assert_frame_equal(read_lake_mentions(lake / "killed"), read_lake_mentions(lake / "local"))
    # the nanny started a new worker process in place of the killed one
    deadline = time.monotonic() + 120  # a margin for a loaded two-core box
    while time.monotonic() < deadline:
        after = _worker_pids(client)
        if len(after) == 2 and killed[0] not in after.values():
            break
        time.sleep(0.5)
    assert len(after) == 2
    assert killed[0] not in after.values()
    assert not list((lake / "killed").glob("*/.*.tmp"))


def test_the_cli_extracts_a_lake_on_a_local_cluster(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jobs.cli import cli

    write_lake(tmp_path / "articles", {"2005-01": 20, "2005-02": 20})
    args = ["extract", "--engine", "dask", "--input", str(tmp_path / "articles")]
    args += ["--output", str(tmp_path / "mentions")]
    result = CliRunner().invoke(cli, [*args, "--cluster", "local:2"])
    assert result.exit_code == 0, result.output
    assert "month 2005-02: 20 articles" in result.output
    assert "2 months (0 already done)" in result.output
    extract_lake(tmp_path / "articles", tmp_path / "local", SEEDS_DIR)
    assert_frame_equal(
        read_lake_mentions(tmp_path / "mentions"), read_lake_mentions(tmp_path / "local")
    )
    for bad in ("local:0", "local:two"):
        result = CliRunner().invoke(cli, [*args, "--cluster", bad])
        assert result.exit_code == 1
        assert "expected an address or local:N" in result.output or "at least one" in result.output


def test_a_recount_of_an_exported_lake_equals_the_stored_mentions(
    client: distributed.Client, tmp_path: Path
) -> None:
    """The two halves meet: the articles `mentions export` wrote, recounted on the
    cluster, give exactly the mentions the DuckDB file stored at ingest."""
    from jobs.lake.cluster import extract_lake_on
    from jobs.lake.export import export_lake

    (tmp_path / "store").mkdir()
    settings = load_report_corpus(tmp_path / "store")
    export_lake(settings.db_path, tmp_path / "lake")
    extract_lake_on(client, tmp_path / "lake" / "articles", tmp_path / "recount", SEEDS_DIR)
    order = ["article_id", "field", "start_pos", "entity_id", "form"]
    stored = pl.read_parquet(tmp_path / "lake" / "mentions" / "*" / "data.parquet")
    recount = read_lake_mentions(tmp_path / "recount")
    assert stored.height > 50
    assert_frame_equal(
        recount.select(MENTION_COLUMNS).sort(order), stored.select(MENTION_COLUMNS).sort(order)
    )
