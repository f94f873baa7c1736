"""Modules imported on a thread while the caller does other work.

The report job needs matplotlib, its report modules and its PDF backend only once its
rows are read and analysed: about 0.9 s of imports in a fresh process (matplotlib
0.55 s, the PDF backend 0.36 s, most of it ``fontTools.subset``). It starts them here
before its query, where DuckDB and polars leave the interpreter free, and waits for
them before it imports them itself (``wait_for_preload``): the two never import the
same module at once, so no import lock is ever contended or crossed. A fork waits too
(``jobs.report_files``): a child forked in the middle of an import would start with
that import's lock held and no thread to free it.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading

_lock = threading.Lock()
_thread: threading.Thread | None = None


def preload(*modules: str) -> None:
    """Start importing ``modules`` in order on a thread of their own, unless all are
    imported already; a preload already running is waited for first."""
    global _thread
    wait_for_preload()
    with _lock:
        missing = [name for name in modules if name not in sys.modules]
        if not missing:
            return
        _thread = threading.Thread(target=_import_all, args=(missing,), name="preload", daemon=True)
        _thread.start()


def _import_all(modules: list[str]) -> None:
    for name in modules:
        # A failure is left to the caller's own import to raise, where it says why.
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def wait_for_preload() -> None:
    """Return once no module is being preloaded."""
    global _thread
    with _lock:
        running, _thread = _thread, None
    if running is not None:
        running.join()
