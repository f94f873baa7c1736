"""The report job's drawing modules are imported on a thread while it queries: importing
``jobs.report`` does not import matplotlib, and ``preload`` imports what it is given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_report_job_leaves_matplotlib_for_later() -> None:
    code = "import sys, jobs.report, jobs.commands.reporting; print('matplotlib' in sys.modules)"
    assert _run(code) == "False"


def test_preload_imports_its_modules_on_a_thread_and_wait_returns_once_they_are_in() -> None:
    code = """
import sys, threading
from jobs.preload import preload, wait_for_preload
from jobs.report import DRAWING_MODULES
preload(*DRAWING_MODULES)
print(any(t.name == "preload" for t in threading.enumerate()))
wait_for_preload()
print(all(name in sys.modules for name in DRAWING_MODULES))
print(any(t.name == "preload" for t in threading.enumerate()))
preload(*DRAWING_MODULES)  # all in: no thread
print(any(t.name == "preload" for t in threading.enumerate()))
"""
    assert _run(code).split() == ["True", "True", "False", "False"]


def test_a_module_that_fails_to_import_fails_where_it_is_used() -> None:
    code = """
from jobs.preload import preload, wait_for_preload
preload("jobs.no_such_module")
wait_for_preload()
try:
    import jobs.no_such_module
except ModuleNotFoundError as exc:
    print(exc.name)
"""
    assert _run(code) == "jobs.no_such_module"
