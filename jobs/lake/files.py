"""The lake's files: each partition and the manifest replaced whole, never half written.

A partition is one Parquet file, ``DIR/<table>/month=YYYY-MM/data.parquet`` (or
``DIR/<table>/data.parquet`` for the small tables). It is written beside its final name as
``data.parquet.tmp-<pid>``, flushed to disk, then renamed over the old file with
``os.replace``, which is atomic on one file system: a reader opens either the old file or
the new one. The temporary name does not end in ``.parquet``, so the readers' globs
(``*/*.parquet``) never pick up a file still being written, or one a crash left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

MANIFEST_NAME = "_manifest.json"
LOCK_NAME = "_export.lock"
DATA_NAME = "data.parquet"
_TMP_MARK = ".tmp-"


class LakeBusyError(RuntimeError):
    """Another export is writing the same lake."""

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        super().__init__(f"{lake} is being exported by another process; retry when it finishes.")


def temporary_path(path: Path) -> Path:
    """Where ``path`` is written before it replaces the old file: same folder, our pid."""
    return path.with_name(f"{path.name}{_TMP_MARK}{os.getpid()}")


def _fsync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk too.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(
    path: Path,
    write: Callable[[Any], None],
    before_replace: Callable[[Path], None] | None = None,
) -> None:
    """Write ``path`` through ``write(handle)`` into a temporary file, fsync it, and rename
    it over ``path``. ``before_replace(path)`` runs between the two (tests crash there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        with tmp.open("wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace(path)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def write_parquet_atomically(
    frame: pl.DataFrame, path: Path, before_replace: Callable[[Path], None] | None = None
) -> None:
    """``frame`` as a zstd Parquet file at ``path``, replacing any old one atomically."""
    replace_atomically(
        path,
        lambda handle: frame.write_parquet(handle, compression="zstd", statistics=True),
        before_replace,
    )


def read_manifest(lake: Path) -> dict[str, Any] | None:
    """The lake's manifest, or None if it has none yet."""
    path = lake / MANIFEST_NAME
    if not path.exists():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def write_manifest(lake: Path, manifest: dict[str, Any]) -> None:
    """Replace the manifest atomically (sorted keys: two equal manifests are equal bytes)."""
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    replace_atomically(lake / MANIFEST_NAME, lambda handle: handle.write(text.encode("utf-8")))


def remove_partition(lake: Path, key: str) -> None:
    """Delete a partition no longer in the database (unlink is atomic), and its folder."""
    folder = lake / key
    (folder / DATA_NAME).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty: something else may live there


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(lake: Path) -> list[Path]:
    """Delete the temporary files of exports that died (their pid is gone); return them."""
    removed = []
    for tmp in lake.glob(f"**/*{_TMP_MARK}*"):
        pid = tmp.name.rsplit(_TMP_MARK, 1)[1]
        if pid.isdigit() and (int(pid) == os.getpid() or not _pid_alive(int(pid))):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


@contextlib.contextmanager
def export_lock(lake: Path) -> Iterator[None]:
    """Hold the lake's lock file for one export; LakeBusyError if another export has it.

    The lock (flock) goes with the process, so a killed export never leaves it held.
    """
    lake.mkdir(parents=True, exist_ok=True)
    with (lake / LOCK_NAME).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LakeBusyError(lake) from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
