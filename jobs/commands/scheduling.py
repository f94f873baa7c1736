"""Commands of the scheduled jobs: schedule, jobs, run-job."""

from __future__ import annotations

import json
import logging
import logging.handlers
from typing import TYPE_CHECKING, Any

import click

from jobs.commands.context import echo_table, friendly_errors, settings_of, tell_waiting

if TYPE_CHECKING:
    from jobs.settings import Settings


def _configure_schedule_logging(settings: Settings, verbose: int) -> None:
    """INFO (one line per job run) to stderr, and to a rotating file if configured."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    if verbose < 2:
        # The job modules' own INFO lines and APScheduler's are detail: the runner says
        # what happened in one line per run and logs missed runs itself; the scheduler
        # says when it starts, catches up and stops; db says when a job waits for a reader.
        logging.getLogger("jobs").setLevel(logging.WARNING)
        for name in ("jobs.scheduler.schedule", "jobs.scheduler.runner", "jobs.store.connect"):
            logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            settings.log_file,
            maxBytes=settings.log_max_bytes,
            backupCount=settings.log_backups,
            encoding="utf-8",
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


@click.command()
@click.pass_context
@friendly_errors
def schedule(ctx: click.Context) -> None:
    """Run the jobs of mentions.toml (default: ingest every 15 min, daily, weekly and
    monthly reports, hourly maintenance) until SIGTERM or Ctrl-C; reports missed while
    it was stopped are made at start. Logs one line per job run to stderr.

    \b
    Example:
        mentions --config mentions.toml schedule
    """
    from jobs.scheduler.schedule import run_scheduler
    from jobs.scheduler.specs import job_specs

    settings = settings_of(ctx)
    job_specs(settings)  # a bad [[jobs]] entry fails here, before any logging setup
    _configure_schedule_logging(settings, ctx.obj["verbose"])
    run_scheduler(settings)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


@click.command(name="jobs")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
@click.pass_context
@friendly_errors
def list_jobs(ctx: click.Context, as_json: bool) -> None:
    """List the scheduled jobs: trigger, next run (UTC), last run and its outcome. The
    next run assumes a scheduler is running (interval jobs: last run + interval).

    \b
    Example:
        mentions jobs
    """
    from jobs.runs import utc_now
    from jobs.scheduler.specs import job_specs
    from jobs.scheduler.status import job_statuses

    settings = settings_of(ctx)
    specs = job_specs(settings)
    for spec in specs:
        if spec.note:
            click.echo(f"note: {spec.note}", err=True)
    statuses = job_statuses(settings, specs, utc_now(), on_wait=tell_waiting)
    rows = []
    for status in statuses:
        last = status.last
        next_run = _when(status.next_run) or status.next_note
        if status.reports_due:
            next_run += f" ({status.reports_due} report(s) due)"
        rows.append(
            {
                "job": status.name,
                "kind": status.kind,
                "schedule": status.schedule,
                "next_run": next_run,
                "last_run": _when(last.started_at) if last else "never",
                "status": last.status if last else "",
                "outcome": last.summary if last else "",
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        columns = list(rows[0]) if rows else ["job"]
        echo_table(columns, [tuple(r.values()) for r in rows])


@click.command(name="run-job")
@click.argument("name")
@click.pass_context
@friendly_errors
def run_job(ctx: click.Context, name: str) -> None:
    """Run one scheduled job now, recorded in job_runs like a scheduled run; exits 1
    if it failed or was skipped.

    \b
    Example:
        mentions run-job daily-report
    """
    from jobs.scheduler.runner import JobRunner

    outcome = JobRunner(settings_of(ctx)).run(name)
    click.echo(f"{outcome.job} {outcome.status} in {outcome.seconds:.2f} s: {outcome.summary}")
    if outcome.status != "ok":
        ctx.exit(1)
