"""`mentions extract --engine dask`: the lake's partitions mapped over a
``dask.distributed`` cluster, each task running ``jobs.lake.partitions.extract_partition``
(the same pure extraction as the local engine, so the output is the same rows in the
same order).

Dask is the optional extra ``mentions[cluster]``; it is imported only inside these
functions, so that no other command pays for it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from jobs.lake.partitions import LakeError, PartitionResult, extract_partition, input_partitions
from jobs.store.seeds import load_gazetteer

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

_LOCAL = re.compile(r"local:(\d+)")
# A task whose worker dies is given to another worker by the scheduler; these retries
# are for a task that itself failed (a partition file briefly unreadable, say).
TASK_RETRIES = 2
CLOSE_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 10


class ClusterError(ValueError):
    """The cluster option is malformed, or Dask (the ``cluster`` extra) is not installed."""


def _import_distributed() -> None:
    # Dask logs every worker's start and stop at INFO on stderr; a run shows our lines only
    # (the workers inherit the setting; DASK_LOGGING__DISTRIBUTED=info brings them back).
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ClusterError(
            'Dask is not installed: install the cluster extra, "pip install mentions[cluster]" '
            '(or "uv sync --extra cluster")'
        ) from exc


@contextmanager
def connect_cluster(cluster: str) -> Iterator[Client]:
    """A client of the cluster at ADDRESS (``tcp://host:8786``), or of a local cluster of N
    worker processes (``local:N``, one thread each) started here and stopped on exit."""
    _import_distributed()
    from distributed import Client, LocalCluster

    local = _LOCAL.fullmatch(cluster.strip())
    if local is None and (not cluster.strip() or cluster.startswith("local")):
        raise ClusterError(f"--cluster {cluster!r}: expected an address or local:N")
    if local is None:
        try:
            remote = Client(cluster, timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise ClusterError(
                f"cannot reach a Dask scheduler at {cluster} ({exc}); is it running?"
            ) from exc
        try:
            yield remote
        finally:
            remote.close(timeout=CLOSE_TIMEOUT_S)
        return
    workers = int(local.group(1))
    if workers < 1:
        raise ClusterError(f"--cluster {cluster!r}: a local cluster needs at least one worker")
    local_cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        # Any free port: the scheduler's HTTP server starts even without a dashboard,
        # and a fixed one (8787) collides with a second cluster on the machine.
        dashboard_address=":0",
    )
    client = Client(local_cluster)
    try:
        yield client
    finally:
        client.close(timeout=CLOSE_TIMEOUT_S)
        local_cluster.close(timeout=CLOSE_TIMEOUT_S)


def extract_lake_on(
    client: Client,
    input_dir: Path,
    output_dir: Path,
    seeds_dir: Path,
    *,
    on_done: Callable[[PartitionResult], None] | None = None,
) -> list[PartitionResult]:
    """Extract every partition of a lake on the cluster behind ``client``; return the
    partitions' summaries in month order. Tasks get paths (the workers must see the
    lake and the seeds at the same paths) and write their own output."""
    from distributed import as_completed

    input_dir, output_dir = input_dir.resolve(), output_dir.resolve()
    seeds_dir = Path(seeds_dir).resolve()
    partitions = input_partitions(input_dir)
    version = load_gazetteer(seeds_dir).version
    output_dir.mkdir(parents=True, exist_ok=True)
    futures = client.map(
        extract_partition,
        [str(p) for p in partitions],
        output_dir=str(output_dir),
        seeds_dir=str(seeds_dir),
        version=version,
        pure=False,
        retries=TASK_RETRIES,
    )
    results = []
    for future in as_completed(futures):
        result: PartitionResult = future.result()
        results.append(result)
        log.debug("partition %s: %d mentions", result.month, result.mentions)
        if on_done is not None:
            on_done(result)
    if len(results) != len(partitions):
        raise LakeError(f"{len(partitions) - len(results)} partitions did not finish")
    return sorted(results, key=lambda r: r.month)


def extract_lake_dask(
    cluster: str,
    input_dir: Path,
    output_dir: Path,
    seeds_dir: Path,
    *,
    on_done: Callable[[PartitionResult], None] | None = None,
) -> list[PartitionResult]:
    """Extract a lake on the cluster named by ``cluster`` (ADDRESS or local:N)."""
    with connect_cluster(cluster) as client:
        return extract_lake_on(client, input_dir, output_dir, seeds_dir, on_done=on_done)
