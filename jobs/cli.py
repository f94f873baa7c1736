"""The ``mentions`` command: a thin layer of click over the job functions.

This is the only module that prints and the only one that turns exceptions into
messages: one line saying what failed, on what, and what to do next.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
import duckdb

from jobs.db import DatabaseBusyError, DatabaseMissingError, connect
from jobs.extract import extract_jsonl, run_extract
from jobs.ingest import run_ingest
from jobs.runs import recorded_run
from jobs.seeds import SeedError
from jobs.settings import Settings, SettingsError, SourceConfig, load_settings
from jobs.sources import BadInput, SourceError

F = TypeVar("F", bound=Callable[..., Any])


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if verbose < 2:
        # matplotlib and fontTools narrate at INFO; their chatter is not our job's.
        for name in ("matplotlib", "fontTools", "httpx", "apscheduler.executors"):
            logging.getLogger(name).setLevel(logging.WARNING)


def _friendly_duckdb_error(exc: duckdb.Error) -> str:
    text = str(exc)
    if isinstance(exc, duckdb.CatalogException) and "does not exist" in text:
        missing = text.split("with name ", 1)[-1].split(" does not exist", 1)[0]
        if missing and missing != text:
            return (
                f'table "{missing}" does not exist. Run "mentions run" or "mentions ingest" first.'
            )
    return text


def friendly_errors(func: F) -> F:
    """Turn the errors a user can act on into one line instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (
            DatabaseBusyError,
            DatabaseMissingError,
            SettingsError,
            SeedError,
            SourceError,
            ValueError,
        ) as exc:
            raise click.ClickException(str(exc)) from exc
        except LookupError as exc:
            # jobs.report (and matplotlib with it) is imported only by the commands that
            # draw: importing it here would add a second to every command's start.
            from jobs.report import NoDataError

            if isinstance(exc, NoDataError):
                raise click.ClickException(str(exc)) from exc
            raise
        except duckdb.Error as exc:
            raise click.ClickException(_friendly_duckdb_error(exc)) from exc

    return wrapper  # type: ignore[return-value]


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
    _configure_logging(verbose)
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    try:
        ctx.obj["settings"] = load_settings(config_path, db_path=db_path)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


@contextmanager
def _progress(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


@cli.command()
@click.pass_context
@friendly_errors
def run(ctx: click.Context) -> None:
    """Ingest the configured sources (default: seeds/articles/), extract mentions and
    render the report of the newest period; print the report's path.

    \b
    Example:
        mentions run && xdg-open "$(mentions run)"
    """
    settings = _settings(ctx)
    with _progress("ingesting") as advance:
        from jobs.pipeline import run_main  # imports matplotlib: only when needed

        result = run_main(settings, on_progress=advance)
    ingest = result.ingest
    click.echo(
        f"ingested {ingest.articles_new} new of {ingest.articles_seen} articles "
        f"({ingest.mentions_new} mentions, {ingest.errors} errors) into {settings.db_path}",
        err=True,
    )
    click.echo(str(result.report.path))


@cli.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--kind",
    default="auto",
    show_default=True,
    help="Source kind when it cannot be guessed from the path.",
)
@click.pass_context
@friendly_errors
def ingest(ctx: click.Context, sources: tuple[str, ...], kind: str) -> None:
    """Ingest articles from files, folders or JSONL dumps (default: the configured sources).

    \b
    Example:
        mentions ingest seeds/articles/ archive/dump.jsonl.gz
    """
    settings = _settings(ctx)
    configs = [SourceConfig(name=s, location=s, kind=kind) for s in sources] or None
    with recorded_run(settings, "ingest") as record, _progress("ingesting") as advance:
        result = run_ingest(settings, configs, on_progress=advance)
        record.counts = result.as_counts()
    click.echo(
        f"ingested {result.articles_new} new of {result.articles_seen} articles "
        f"({result.mentions_new} mentions, {result.errors} errors) into {settings.db_path}"
    )


@cli.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(allow_dash=True),
    help='JSONL of {"id","title","text"[,"published"]}; - for stdin.',
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(allow_dash=True, dir_okay=False),
    default="-",
    show_default=True,
    help="Where to write the mentions (JSONL).",
)
@click.pass_context
@friendly_errors
def extract(ctx: click.Context, input_path: str, output_path: str) -> None:
    """Print every mention in a JSONL file of articles, one JSON object per mention
    (article_id, field, kind, id, country, start, end, text, form). Stateless: the
    database is not touched.

    \b
    Example:
        mentions extract --input articles.jsonl --output mentions.jsonl
    """
    settings = _settings(ctx)

    def report_bad(bad: BadInput) -> None:
        click.echo(f"skipped {bad.location}: {bad.reason}", err=True)

    source = click.open_file(input_path, "r", encoding="utf-8")
    sink = click.open_file(output_path, "w", encoding="utf-8", atomic=output_path != "-")
    try:
        with source, sink:
            result = extract_jsonl(
                source, sink, settings.seeds_dir, name=input_path, on_error=report_bad
            )
    except OSError as exc:
        raise click.ClickException(f"{exc.filename or input_path}: {exc.strerror}") from exc
    click.echo(
        f"{result.mentions} mentions in {result.articles} articles ({result.errors} lines skipped)",
        err=True,
    )


@cli.command(name="re-extract")
@click.pass_context
@friendly_errors
def re_extract(ctx: click.Context) -> None:
    """Re-extract stored articles whose mentions came from older seeds or rules.

    \b
    Example:
        mentions re-extract
    """
    settings = _settings(ctx)
    with recorded_run(settings, "re-extract") as record:
        result = run_extract(settings)
        record.counts = {"articles_seen": result.articles, "mentions_new": result.mentions}
    click.echo(f"re-extracted {result.articles} articles ({result.mentions} mentions)")


def _rows_as_table(columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from rich.console import Console
    from rich.table import Table

    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 10_000
    table = Table(*columns, show_edge=True, header_style="bold")
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    Console(width=width, soft_wrap=False).print(table)
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


@cli.command()
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
@click.option("--write", is_flag=True, help="Open the file read-write (default: read-only).")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    nargs=2,
    metavar="NAME VALUE",
    help="Bind $NAME in the query to VALUE (repeatable).",
)
@click.option(
    "--wait",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds to wait while a job holds the file.",
)
@click.pass_context
@friendly_errors
def sql(
    ctx: click.Context,
    query: str,
    as_csv: bool,
    as_json: bool,
    write: bool,
    params: tuple[tuple[str, str], ...],
    wait: float,
) -> None:
    """Run SQL on the database (read-only unless --write); QUERY '-' reads stdin.

    \b
    Example:
        mentions sql "select entity_id, count(*) from mentions group by 1 order by 2 desc"
        mentions sql --csv "select * from daily_mentions where entity_id = \\$e" -p e RUS
    """
    if as_csv and as_json:
        raise click.ClickException("--csv and --json cannot be used together.")
    if query == "-":
        query = sys.stdin.read()
    settings = _settings(ctx)

    def tell(message: str) -> None:
        click.echo(f"{message} ...", err=True)

    with connect(settings.db_path, read_only=not write, timeout=wait, on_wait=tell) as con:
        result = con.execute(query, dict(params)) if params else con.execute(query)
        columns = [d[0] for d in result.description] if result.description else []
        rows = result.fetchall() if columns else []
    if not columns:
        click.echo("ok")
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif as_json:
        click.echo(
            json.dumps(
                [dict(zip(columns, r, strict=True)) for r in rows],
                default=str,
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        _rows_as_table(columns, rows)


@cli.command()
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month"]),
    default=None,
    help="The length of the period (default: from the config, else week).",
)
@click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="A day inside the period (default: the last complete period).",
)
@click.option("--latest", is_flag=True, help="The period of the newest article.")
@click.pass_context
@friendly_errors
def report(ctx: click.Context, period: str | None, at: Any, latest: bool) -> None:
    """Render the charts and page of one period, update the index; print the page's path.

    \b
    Example:
        mentions report --period week --at 2022-03-01
    """
    settings = _settings(ctx)
    day: date | None = at.date() if at is not None else None
    with recorded_run(settings, "report") as record:
        from jobs.report import run_report  # imports matplotlib: only when needed

        result = run_report(settings, period, day, latest=latest)
        record.counts = {"articles_seen": result.articles}
        record.message = str(result.path)
    click.echo(str(result.path))


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Serve the reports folder on http://127.0.0.1:PORT/ for a browser.

    \b
    Example:
        mentions serve --port 8000
    """
    import http.server

    settings = _settings(ctx)
    folder = settings.reports_dir
    if not folder.is_dir():
        raise click.ClickException(f'{folder} does not exist yet. Run "mentions run" first.')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        click.echo(f"serving {folder} on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
