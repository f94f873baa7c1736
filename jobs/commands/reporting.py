"""Commands that make and show the reports: report and serve."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import click

from analytics.time_names import PERIODS
from jobs.commands.context import friendly_errors, settings_of


@click.command()
@click.option(
    "--period",
    type=click.Choice(list(PERIODS)),
    default=None,
    help="The length of the period (default: from the config, else week).",
)
@click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=(
        "A day inside the period (default: the last complete period). Days start at "
        "midnight of [reports] timezone (default UTC)."
    ),
)
@click.option("--latest", is_flag=True, help="The period of the newest article.")
@click.option(
    "--forms",
    default=None,
    metavar="FORMS",
    help=(
        "Which mentions count for a country, comma-separated: name, adjective, capital, "
        "metonym, leaders (a leader's mentions also count for their country), or all. "
        "Default: [reports] forms, else name,adjective,capital,metonym."
    ),
)
@click.pass_context
@friendly_errors
def report(
    ctx: click.Context, period: str | None, at: Any, latest: bool, forms: str | None
) -> None:
    """Render the charts, page and PDF of one period, update the index and the
    previous/next links; print the page's path.

    \b
    Example:
        mentions report --period week --at 2022-03-01
        mentions report --period month --at 2022-03-01 --forms name,leaders
        mentions report --period quarter --at 2022-03-01   (2022-Q1)
    """
    from analytics.form_policy import parse_forms
    from jobs.runs import recorded_run
    from jobs.store.connect import DatabaseMissingError, one_duckdb

    settings = settings_of(ctx)
    day: date | None = at.date() if at is not None else None
    counted = parse_forms(forms) if forms is not None else None
    if not settings.db_path.exists():  # recording the run would create an empty one
        raise DatabaseMissingError(settings.db_path)
    ctx.call_on_close(gc.unfreeze)  # after the last word: see _garbage_left_to_the_exit
    with one_duckdb(), recorded_run(settings, "report") as record, _garbage_left_to_the_exit():
        from jobs.report import run_report  # matplotlib: loaded once the run is recorded

        result = run_report(settings, period, day, latest=latest, forms=counted)
        record.counts = {"articles_seen": result.articles}
        record.message = str(result.path)
    click.echo(str(result.path))


@contextmanager
def _garbage_left_to_the_exit() -> Iterator[None]:
    """The report runs with the cyclic garbage collector paused (``jobs.report``), and
    turned back on, its first collection walked what the figures left: 71,000 objects,
    0.06 s at a million articles, just before the process ended (the exit skips those
    walks: ``jobs.cli.main``). Here the collector stays off to the report's end, and
    what is alive then is frozen before it is turned back on; the command unfreezes it
    when it closes, so a caller in the same process (a test, a notebook) keeps
    collecting as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@click.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Serve the reports folder and the explorer (/explore, /entity/ID) on
    http://127.0.0.1:PORT/ for a browser.

    \b
    Example:
        mentions serve --port 8000
        then open http://127.0.0.1:8000/explore?entity=RUS&entity=UKR&every=month
    """
    from jobs.web.explorer import explorer_routes
    from jobs.web.serve import LoopbackServer, reports_app

    settings = settings_of(ctx)
    folder = settings.reports_folder
    if not folder.is_dir():
        if not settings.db_path.exists():  # neither reports nor a database to explore
            raise click.ClickException(
                f"nothing to serve: {settings.db_path} and {folder} do not exist yet. "
                'Run "mentions run" or "mentions report" first.'
            )
        click.echo(f"{folder} does not exist yet: serving the explorer only", err=True)
    app = reports_app(folder if folder.is_dir() else None, explorer_routes(settings))
    try:
        server = LoopbackServer(app, port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on 127.0.0.1:{port}: {exc.strerror}. Try another --port."
        ) from exc
    with server:
        base = f"http://127.0.0.1:{server.server_port}"
        files = f"{folder} on {base}/ and " if folder.is_dir() else ""
        click.echo(f"serving {files}the explorer on {base}/explore (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
