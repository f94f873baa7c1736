"""The memory of a process and the workers it starts: summed RSS of a process group."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _group_rss_mib(group: int) -> float:
    """The summed resident memory of the processes of process group ``group`` (the
    child and the workers it started), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            total += int(fields[21])  # rss, in pages
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process group every quarter second; keeps the peak."""

    def __init__(self, group: int) -> None:
        super().__init__(daemon=True)
        self.group, self.peak, self.finished = group, 0.0, threading.Event()

    def run(self) -> None:
        while not self.finished.wait(0.25):
            self.peak = max(self.peak, _group_rss_mib(self.group))
