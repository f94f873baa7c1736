"""The main job: ingest the configured sources, bring mentions up to date, report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from jobs.extract import ExtractResult, run_extract
from jobs.ingest import IngestProgress, IngestResult, run_ingest
from jobs.report import ReportResult, run_report
from jobs.runs import recorded_run
from jobs.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What ``mentions run`` did."""

    ingest: IngestResult
    extract: ExtractResult
    report: ReportResult


def run_main(
    settings: Settings, *, on_progress: Callable[[IngestProgress], None] | None = None
) -> RunResult:
    """Ingest -> (re-)extract -> report of the period holding the newest article."""
    with recorded_run(settings, "run") as record:
        ingest = run_ingest(settings, on_progress=on_progress)
        extract = run_extract(settings)
        report = run_report(settings, latest=True)
        record.counts = {**ingest.as_counts(), "mentions_new": ingest.mentions_new}
        record.message = f"report {report.path}"
    return RunResult(ingest=ingest, extract=extract, report=report)
