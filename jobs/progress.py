"""A progress bar for long ingests: on a terminal only, so cron and CI logs stay clean."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from jobs.ingest.result import IngestProgress


def _ignore(progress: IngestProgress) -> None:
    pass


@contextmanager
def ingest_progress(
    label: str = "ingesting", stream: TextIO | None = None
) -> Iterator[Callable[[IngestProgress], None]]:
    """A callback for ``run_ingest(on_progress=...)`` that draws articles, MB, rate and
    ETA on ``stream`` (default stderr) while it is a terminal, and does nothing
    otherwise. The ETA compares the article text read with the size of the input
    files, which also hold markup: it errs on the long side."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield _ignore
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[articles]:,} articles"),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        task = bar.add_task(label, total=None, articles=0)

        def advance(progress: IngestProgress) -> None:
            total = progress.total_bytes
            if total is not None:
                total = max(total, progress.bytes)
            bar.update(task, completed=progress.bytes, total=total, articles=progress.articles)

        yield advance
