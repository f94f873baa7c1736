"""The memory of a process and the workers it starts, summed over its process group.

Two sums. Summed RSS counts every page a process has mapped, so a shared library's
pages (polars, DuckDB, numba's LLVM: about 225 MiB in an ingest worker) are counted once
per process that maps them, and the sum is more than the machine gives the group.
Summed PSS shares each page out among the processes mapping it, so it adds up to what
the group takes. The benchmark reports both; its memory target is read against the
first, the stricter. RSS is read every quarter second; PSS, whose reading slows the
processes read, as RSS reaches new heights and every four seconds near its peak
(``TreeSampler``).
"""

from __future__ import annotations

import os
import threading
import time
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


# Reading a process's PSS (smaps_rollup) walks its page tables under its memory-map
# lock, which stalls the process's page faults: four reads a second of an ingest and its
# two workers made the ingest 4-7% slower (46,000 articles, three alternating rounds:
# 24.2-24.6 s unsampled, 25.2-26.1 sampled, 24.2-24.7 reading only the RSS). RSS is a
# counter, free to read; PSS is read where its peak can be, near the RSS's (four rounds:
# 23.8-24.0 s unsampled, 24.0-24.2 sampled so, with 9-11 PSS reads in each).
PSS_HIGHER = 1.02  # PSS is read when the RSS passes the highest it was at a read by 2%,
PSS_AT_MOST = 1.0  # ... at most once a second,
PSS_EVERY = 4.0  # ... and else every four seconds while the RSS is near its peak:
PSS_NEAR_PEAK = 0.95  # within 5% of it.


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process group every quarter second, and its summed
    PSS as the constants above say (PSS never exceeds RSS and follows it); keeps the
    peak of each. ``rss_reads`` and ``pss_reads`` count the samples."""

    def __init__(self, group: int) -> None:
        super().__init__(daemon=True)
        self.group, self.finished = group, threading.Event()
        self.peak = self.peak_pss = 0.0
        self.rss_reads = self.pss_reads = 0

    def run(self) -> None:
        last_pss, read_at = -PSS_EVERY, 0.0  # when PSS was last read; the highest RSS then
        while not self.finished.wait(0.25):
            pids = group_pids(self.group)
            rss = sum(_rss_mib(p) for p in pids)
            self.rss_reads += 1
            self.peak = max(self.peak, rss)
            now = time.monotonic()
            due = now - last_pss >= PSS_EVERY and rss >= PSS_NEAR_PEAK * self.peak
            higher = rss > PSS_HIGHER * read_at and now - last_pss >= PSS_AT_MOST
            if higher or due:
                self.peak_pss = max(self.peak_pss, sum(_pss_mib(p) for p in pids))
                self.pss_reads += 1
                last_pss, read_at = now, max(read_at, rss)
