"""The benchmark's memory sums (tests/benchmarks/tree_rss.py) on a real process group."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TREE_RSS = Path(__file__).parent / "benchmarks" / "tree_rss.py"

# Touches 96 MiB, forks, and both processes sleep holding it: the pages are shared.
SHARED_PAGES = """
import os, sys, time
held = bytearray(96 * 2**20)
for i in range(0, len(held), 4096):
    held[i] = 1
if os.fork():
    print("ready", flush=True)
time.sleep(120)
"""


def _tree_rss():
    spec = importlib.util.spec_from_file_location("tree_rss", TREE_RSS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc"
)


@pytest.fixture
def shared_group() -> Iterator[int]:
    """A process group of two processes holding the same 96 MiB; its group id."""
    process = subprocess.Popen(
        [sys.executable, "-c", SHARED_PAGES], stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 30
        while len(_tree_rss().group_pids(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        yield process.pid
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _sampled(tree_rss, group: int, seconds: float):
    """A TreeSampler of ``group`` run for ``seconds``, stopped."""
    sampler = tree_rss.TreeSampler(group)
    sampler.start()
    time.sleep(seconds)
    sampler.finished.set()
    sampler.join(timeout=10)
    return sampler


@needs_proc
def test_summed_rss_counts_shared_pages_once_per_process_and_pss_once(shared_group: int) -> None:
    tree_rss = _tree_rss()
    assert len(tree_rss.group_pids(shared_group)) == 2
    rss, pss = tree_rss.group_memory_mib(shared_group)
    # Each process maps the 96 MiB: RSS counts them twice, PSS once.
    assert rss >= 2 * 96
    assert 96 <= pss < rss - 80
    sampler = _sampled(tree_rss, shared_group, 0.6)
    assert sampler.peak >= 2 * 96 and 96 <= sampler.peak_pss < sampler.peak - 80


@needs_proc
def test_the_sampler_reads_pss_far_less_often_than_rss_on_a_steady_group(
    shared_group: int,
) -> None:
    # Reading PSS stalls the page faults of the process read (the ingest ran 4-7% slower
    # sampled four times a second): it is read at new RSS highs and every four seconds.
    tree_rss = _tree_rss()
    started = time.monotonic()
    sampler = _sampled(tree_rss, shared_group, 3.2)
    elapsed = time.monotonic() - started
    assert sampler.rss_reads >= 6
    assert 1 <= sampler.pss_reads <= 2 + elapsed / tree_rss.PSS_EVERY
    assert sampler.pss_reads < sampler.rss_reads / 2
    assert sampler.peak >= 2 * 96 and 96 <= sampler.peak_pss < sampler.peak - 80
