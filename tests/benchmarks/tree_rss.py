"""The memory of a process and the workers it starts, summed over its process group.

Two sums, sampled together. Summed RSS counts every page a process has mapped, so a
shared library's pages (polars, DuckDB, numba's LLVM: about 225 MiB in an ingest
worker) are counted once per process that maps them, and the sum is more than the
machine gives the group. Summed PSS shares each page out among the processes mapping
it, so it adds up to what the group takes. The benchmark reports both; its memory
target is read against the first, the stricter.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def group_pids(group: int) -> list[int]:
    """The processes of process group ``group`` (the child and the workers it started)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            pids.append(int(stat.parent.name))
    return pids


def _rss_mib(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended since it was listed
        return 0.0
    return int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20  # rss, in pages


def _pss_mib(pid: int) -> float:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024  # kB
    return 0.0


def group_memory_mib(group: int) -> tuple[float, float]:
    """The summed RSS and the summed PSS of process group ``group``, in MiB."""
    pids = group_pids(group)
    return sum(_rss_mib(p) for p in pids), sum(_pss_mib(p) for p in pids)


class TreeSampler(threading.Thread):
    """Samples the summed RSS and PSS of a process group every quarter second; keeps
    the peak of each."""

    def __init__(self, group: int) -> None:
        super().__init__(daemon=True)
        self.group, self.finished = group, threading.Event()
        self.peak = self.peak_pss = 0.0

    def run(self) -> None:
        while not self.finished.wait(0.25):
            rss, pss = group_memory_mib(self.group)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
