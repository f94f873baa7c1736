"""Extraction over a lake of monthly Parquet partitions: ``DIR/articles/month=YYYY-MM/
data.parquet`` in, ``DIR/mentions/month=YYYY-MM/data.parquet`` out, one partition at a time.

A partition is the unit of work, of a Dask task (``jobs.lake.cluster``) as of the local
loop here: a task gets paths, reads its input, writes its output atomically beside a done
marker, and returns a small summary. The marker records the gazetteer version and the
input's fingerprint, so a re-run skips a partition only when both still match.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from analytics.extraction.gazetteer import Gazetteer
from analytics.extraction.mentions import extract_mentions
from analytics.frames import MENTION_COLUMNS, MENTION_SCHEMA
from jobs.store.seeds import load_gazetteer

PARTITION_PREFIX = "month="
DATA_FILE = "data.parquet"
DONE_FILE = "_done.json"
# The lake's promise: the same rows in the same order whichever engine wrote them.
MENTION_ORDER = ("article_id", "field", "start_pos", "entity_id")
_INPUT_COLUMNS = ("article_id", "title", "text", "published_at")

# This process's gazetteers by (seeds folder, version): a Dask worker builds the
# gazetteer for its first partition and reuses it for every later one. ``_BUILDS``
# counts the builds, so a run can show that each worker built it once.
_GAZETTEERS: dict[tuple[str, str], Gazetteer] = {}
_BUILDS: list[int] = [0]


class LakeError(ValueError):
    """The lake's input folder is missing, holds no partitions, or the seeds changed mid-run."""


@dataclass(frozen=True)
class PartitionResult:
    """What one partition's task did: small enough to send back from a worker."""

    month: str
    articles: int
    mentions: int
    skipped: bool
    pid: int
    gazetteer_builds: int

    def as_dict(self) -> dict[str, object]:
        """The summary as plain values."""
        return asdict(self)


def input_partitions(input_dir: Path) -> list[Path]:
    """The ``month=YYYY-MM/data.parquet`` files of a lake's ``articles`` folder, by month."""
    if not input_dir.is_dir():
        raise LakeError(f"{input_dir} is not a folder of month=YYYY-MM partitions")
    found = sorted(input_dir.glob(f"{PARTITION_PREFIX}*/{DATA_FILE}"))
    if not found:
        raise LakeError(f"{input_dir} holds no {PARTITION_PREFIX}YYYY-MM/{DATA_FILE} partitions")
    return found


def input_fingerprint(path: Path) -> str:
    """The SHA-256 of a partition file: a re-exported month with other rows is redone."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def worker_gazetteer(seeds_dir: Path, version: str) -> Gazetteer:
    """The gazetteer of ``seeds_dir`` at ``version``, built once per process."""
    key = (str(Path(seeds_dir).resolve()), version)
    gazetteer = _GAZETTEERS.get(key)
    if gazetteer is None:
        gazetteer = load_gazetteer(Path(seeds_dir))
        _BUILDS[0] += 1
        if gazetteer.version != version:
            raise LakeError(
                f"the seeds in {seeds_dir} changed during the run "
                f"(version {gazetteer.version}, expected {version}); run again"
            )
        _GAZETTEERS.clear()  # a long-lived worker keeps only the seeds of the latest run
        _GAZETTEERS[key] = gazetteer
    return gazetteer


def partition_mentions(articles: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """The mentions of one partition's articles as the lake stores them: the ``mentions``
    table's columns, sorted by MENTION_ORDER."""
    return (
        extract_mentions(articles, gazetteer)
        .select(MENTION_COLUMNS)
        .cast(dict(MENTION_SCHEMA))  # type: ignore[arg-type]
        .sort(MENTION_ORDER)
    )


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary file in its folder, fsynced, then renamed over
    it: a reader (or a re-run after a killed worker) sees the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _done_marker(out_dir: Path) -> dict[str, object]:
    try:
        marker = json.loads((out_dir / DONE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def extract_partition(
    input_path: str, output_dir: str, seeds_dir: str, version: str
) -> PartitionResult:
    """Extract one input partition into ``output_dir/month=.../``, unless its done marker
    shows this gazetteer version and this input already; return what was done."""
    source = Path(input_path)
    month = source.parent.name.removeprefix(PARTITION_PREFIX)
    out_dir = Path(output_dir) / source.parent.name
    fingerprint = input_fingerprint(source)
    marker = _done_marker(out_dir)
    if (
        marker.get("gazetteer_version") == version
        and marker.get("input_fingerprint") == fingerprint
        and (out_dir / DATA_FILE).exists()
    ):
        return PartitionResult(
            month,
            int(str(marker.get("articles", 0))),
            int(str(marker.get("mentions", 0))),
            True,
            os.getpid(),
            _BUILDS[0],
        )
    gazetteer = worker_gazetteer(Path(seeds_dir), version)
    try:
        articles = pl.read_parquet(source, columns=list(_INPUT_COLUMNS))
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise LakeError(f"cannot read partition {source}: {exc}") from exc
    mentions = partition_mentions(articles, gazetteer)
    out_dir.mkdir(parents=True, exist_ok=True)
    # A month is written by one task at a time (a retry starts only once the worker that
    # held it is gone), so a temporary file here is a killed attempt's: clear it.
    for leftover in out_dir.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    # The marker goes first out of date, then the data, then the new marker: a run killed
    # between the two leaves no marker that vouches for the wrong file.
    (out_dir / DONE_FILE).unlink(missing_ok=True)
    _write_atomically(out_dir / DATA_FILE, lambda p: mentions.write_parquet(p, compression="zstd"))
    done = {
        "gazetteer_version": version,
        "input_fingerprint": fingerprint,
        "articles": articles.height,
        "mentions": mentions.height,
    }
    _write_atomically(
        out_dir / DONE_FILE,
        lambda p: p.write_text(json.dumps(done, indent=1) + "\n", encoding="utf-8"),
    )
    return PartitionResult(month, articles.height, mentions.height, False, os.getpid(), _BUILDS[0])


def extract_lake(
    input_dir: Path,
    output_dir: Path,
    seeds_dir: Path,
    *,
    on_done: Callable[[PartitionResult], None] | None = None,
) -> list[PartitionResult]:
    """Extract every partition of a lake in this process, one after another."""
    partitions = input_partitions(input_dir)
    version = load_gazetteer(seeds_dir).version
    results = []
    for path in partitions:
        result = extract_partition(str(path), str(output_dir), str(seeds_dir), version)
        results.append(result)
        if on_done is not None:
            on_done(result)
    return results


def read_lake_mentions(output_dir: Path) -> pl.DataFrame:
    """Every mention a lake's ``mentions`` folder holds, partitions in month order."""
    files = sorted(output_dir.glob(f"{PARTITION_PREFIX}*/{DATA_FILE}"))
    if not files:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    return pl.concat([pl.read_parquet(f) for f in files])
