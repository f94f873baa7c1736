"""How long polars' allocator keeps the pages a process frees.

polars allocates with jemalloc, which gives freed pages back to the system after half a
second (polars' own setting, made at its import in ``_RJEM_MALLOC_CONF``, where options
of the user's are appended and win: pola-rs/polars#18088, #21829). A process that frees
a batch's frames and allocates the next one's then pays a page fault for every page
again. `mentions extract` does exactly that, 32 MB of input at a time: a fifth of its
CPU was the kernel's (1.9 M minor faults over 1,000 MB). Kept 5 s, the pages are reused
(1,000 MB of the benchmark's corpus on one thread, three alternating rounds): 0.9 M
faults, system time 6.8 -> 3.7-4.0 s, wall 31.6-33.2 -> 28.9-29.8 s, for 110-125 MiB
more at the peak (1.11 -> 1.22-1.23 GB). An ingest asks for it in its workers only
(``jobs.ingest.workers``), which prepare a batch after batch; its own process, which
stores them, keeps polars' setting.

jemalloc reads its options once, when it starts: the environment must say so before
polars is imported (the CLI asks in its group's callback, before anything imports
polars). A value the user set (``_RJEM_MALLOC_CONF``) is left as it is; child processes
(a local Dask cluster's workers) inherit it.
"""

from __future__ import annotations

import os
import sys

CONF_VARIABLE = "_RJEM_MALLOC_CONF"  # jemalloc's options, under polars' prefix
KEEP_FREED_PAGES = "dirty_decay_ms:5000,muzzy_decay_ms:5000"


def keep_freed_pages() -> bool:
    """Ask polars' allocator to keep freed pages 5 s instead of 0.5; True if it will
    (polars not loaded yet, and no setting of the user's overridden)."""
    if "polars" in sys.modules or CONF_VARIABLE in os.environ:
        return False
    os.environ[CONF_VARIABLE] = KEEP_FREED_PAGES
    return True
