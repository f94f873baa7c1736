"""The ``mentions`` command: a thin layer of click over the job functions.

The commands live in ``jobs/commands/`` by what they work on; this module holds the
group, its global options and logging. Only the CLI prints, and only it turns
exceptions into messages: one line saying what failed, on what, and what to do next.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from pathlib import Path

import click

from jobs.commands.data import extract, ingest, re_extract, run
from jobs.commands.explore import chart, entity
from jobs.commands.lake import export
from jobs.commands.query import check, sql
from jobs.commands.reporting import report, serve
from jobs.commands.scheduling import list_jobs, run_job, schedule


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if verbose < 2:
        # matplotlib and fontTools narrate at INFO; their chatter is not our job's.
        for name in ("matplotlib", "fontTools", "httpx", "apscheduler.executors"):
            logging.getLogger(name).setLevel(logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    envvar="MENTIONS_DB",
    help="The DuckDB file (default: data/mentions.duckdb).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A mentions.toml (default: ./mentions.toml if present).",
)
@click.option("-v", "--verbose", count=True, help="-v: one line per job; -vv: debug detail.")
@click.version_option(package_name="mentions")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, config_path: Path | None, verbose: int) -> None:
    """Count how much the news talks about each country and world leader.

    \b
    Example:
        mentions run
        mentions sql "select entity_id, count(*) from mentions group by 1 order by 2 desc"
    """
    from jobs.allocator import KEEP_FREED_PAGES, keep_freed_pages

    # Before anything imports polars (jobs.settings does): jemalloc reads this once.
    keeping = ctx.invoked_subcommand in _KEEP_FREED_PAGES and keep_freed_pages()

    from jobs.settings import SettingsError, load_settings

    _configure_logging(verbose)
    if keeping:
        logging.getLogger(__name__).debug("polars' allocator: %s", KEEP_FREED_PAGES)
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    try:
        ctx.obj["settings"] = load_settings(config_path, db_path=db_path)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


# Commands run in one process that frees and allocates large frames batch after batch,
# with memory to spare: their allocator keeps freed pages (``jobs.allocator``).
_KEEP_FREED_PAGES = {"extract"}

_COMMANDS = (
    run,
    ingest,
    extract,
    re_extract,
    sql,
    check,
    export,
    report,
    chart,
    entity,
    serve,
    schedule,
)
for _command in (*_COMMANDS, list_jobs, run_job):
    cli.add_command(_command)


def main() -> None:
    """The console script: the command, then an exit that skips the heap's last walks.

    The interpreter's exit runs the cyclic garbage collector over every object still
    alive, several times, before it frees them: after a monthly report at a million
    articles (polars, DuckDB, matplotlib and the report's figures loaded) that took
    0.2-0.3 s of the command's 3.5. Objects frozen first (``gc.freeze``) are skipped by
    those walks and still freed as the modules go (files are closed by then: every
    command writes its files with ``with``). Only the exit changes; a command runs
    with the collector as usual.

    numpy's OpenBLAS is told to start no threads (``OPENBLAS_NUM_THREADS``) unless the
    environment names a number: it starts one a core, which spin between its calls,
    and nothing here multiplies matrices large enough to share (matplotlib multiplies
    a 2x2 for each glyph it draws). The spinning took 0.1 s of a core from each monthly
    report at a million articles (3.22 s against 3.34, medians of four alternating
    runs). Its workers and children inherit it."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS
    try:
        cli()
    finally:
        gc.freeze()
