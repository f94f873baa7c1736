"""The ``mentions`` command: a thin layer of click over the job functions.

This is the only module that prints and the only one that turns exceptions into
messages: one line saying what failed, on what, and what to do next.
"""

from __future__ import annotations

import functools
import json
import logging
import logging.handlers
import shutil
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
import duckdb

from analytics.forms import parse_forms
from jobs.extract import extract_jsonl, run_extract
from jobs.ingest import run_ingest
from jobs.ingest_result import IngestResult, InputsFailedError, raise_for_failed_inputs
from jobs.progress import ingest_progress
from jobs.runs import recorded_run, utc_now
from jobs.scheduler.runner import JobRunner, UnknownJobError
from jobs.scheduler.schedule import run_scheduler
from jobs.scheduler.specs import job_specs
from jobs.scheduler.status import job_statuses
from jobs.serve import ReportsMissingError, report_server
from jobs.settings import Settings, SettingsError, SourceConfig, load_settings
from jobs.sources.read import FILE_KINDS, URL_KINDS, BadInput, SourceError
from jobs.sql.output import results_json, write_csv
from jobs.sql.statements import (
    READ_ONLY_CONFIG,
    SqlUsageError,
    StatementResult,
    TooManyStatementsError,
    check_parameters,
    lock_down,
    parse_statements,
    query_text,
    refuse_writes,
    run_statements,
)
from jobs.store.check import DatabaseCorruptError, check_database
from jobs.store.connect import DatabaseBusyError, DatabaseMissingError, connect
from jobs.store.seeds import SeedError

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
            UnknownJobError,
            InputsFailedError,
            DatabaseCorruptError,
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
    with ingest_progress() as advance:
        from jobs.pipeline import run_main  # imports matplotlib: only when needed

        result = run_main(settings, on_progress=advance)
    ingest = result.ingest
    click.echo(
        f"ingested {ingest.articles_new} new of {ingest.articles_seen} articles "
        f"({ingest.mentions_new} mentions, {ingest.errors} errors) into {settings.db_path}",
        err=True,
    )
    click.echo(str(result.report.path))


def _report_bad(bad: BadInput) -> None:
    click.echo(f"skipped {bad.location}: {bad.reason}", err=True)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--kind",
    type=click.Choice(list(dict.fromkeys(["auto", *URL_KINDS[:-1], "folder", *FILE_KINDS]))),
    default="auto",
    show_default=True,
    help="Source kind when it cannot be guessed from the path or the answer.",
)
@click.option(
    "--full-text",
    is_flag=True,
    help="For feeds that carry only summaries: fetch each new item's page.",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="ROLE=FIELD",
    help="For dumps: which field holds title, text, published, url, source or id (repeatable).",
)
@click.pass_context
@friendly_errors
def ingest(
    ctx: click.Context,
    sources: tuple[str, ...],
    kind: str,
    full_text: bool,
    columns: tuple[str, ...],
) -> None:
    """Ingest articles from feeds and pages (URLs), folders, text and HTML files, and
    JSONL/CSV/Parquet dumps (default: the configured sources). Unchanged files are
    skipped; each bad input is one line on stderr and a row in ingest_errors, and the
    rest goes on.

    Exit status: 0 when every input was read, 1 when any input could not be read
    (missing, unfetchable, unreadable); the others are still ingested.

    \b
    Example:
        mentions ingest https://example.org/world/rss.xml
        mentions ingest archive/ dump.jsonl.gz
        mentions ingest export.csv --column text=body --column published=date
    """
    settings = _settings(ctx)
    options: dict[str, Any] = {}
    if full_text:
        options["full_text"] = True
    if columns:
        pairs = [c.partition("=") for c in columns]
        if any(not role or not sep or not field for role, sep, field in pairs):
            raise click.ClickException("--column takes ROLE=FIELD, for example text=body")
        options["columns"] = {role: field for role, _, field in pairs}
    configs = [
        SourceConfig(name=s, location=s, kind=kind, options=options) for s in sources
    ] or None
    with recorded_run(settings, "ingest") as record, ingest_progress() as advance:
        result = IngestResult()
        record.counts_from = result.as_counts  # also when it fails midway
        run_ingest(settings, configs, on_progress=advance, on_error=_report_bad, result=result)
        unchanged = result.files_skipped
        skipped = f", {unchanged} unchanged files skipped" if unchanged else ""
        click.echo(
            f"ingested {result.articles_new} new of {result.articles_seen} articles "
            f"({result.mentions_new} mentions, {result.errors} errors{skipped}) into "
            f"{settings.db_path}"
        )
        raise_for_failed_inputs(result)  # exit 1, after the summary, recorded as failed


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

    source = click.open_file(input_path, "rb")
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


# ignore_unknown_options: SQL may start with a comment ("-- note\nselect 1"), which
# click would take for an option; query_text() refuses the real unknown options.
@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True, metavar="QUERY")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option(
    "--csv-safe",
    is_flag=True,
    help="CSV to open in a spreadsheet: text cells starting with = + - @, tab or CR get a "
    "leading ' so they are not run as formulas; numbers are left as they are.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
@click.option(
    "--write",
    is_flag=True,
    help="Open the file read-write and allow any statement. Without it only SELECT, "
    "DESCRIBE/SHOW/SUMMARIZE, CALL, EXPLAIN and PIVOT run: COPY, EXPORT, ATTACH, "
    "INSTALL/LOAD, SET and PRAGMA are refused.",
)
@click.option(
    "--snapshot",
    is_flag=True,
    help="Query the snapshot the maintenance job publishes: never blocks the scheduler.",
)
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
    query: tuple[str, ...],
    as_csv: bool,
    csv_safe: bool,
    as_json: bool,
    write: bool,
    snapshot: bool,
    params: tuple[tuple[str, str], ...],
    wait: float,
) -> None:
    """Run SQL on the database (read-only unless --write); QUERY '-' reads stdin.

    Several statements (separated by ";") run in turn and each result is shown after
    its statement; --json then prints an array holding one array per statement, and
    --csv refuses more than one.

    --json keeps JSON's types: numbers as numbers (DECIMAL with its exact digits,
    NaN and infinities as null), dates, times and timestamps in ISO 8601 (with their
    offset), intervals as ISO 8601 durations ("P1DT2H"; DuckDB's Python client counts
    a month as 30 days), blobs in base64, lists as arrays, structs and maps as objects.

    \b
    Example:
        mentions sql "select entity_id, count(*) from mentions group by 1 order by 2 desc"
        mentions sql --csv "select * from daily_mentions where entity_id = \\$e" -p e RUS
        mentions sql --csv-safe "select title, url from articles" > articles.csv
    """
    if as_csv and as_json:
        raise click.ClickException("--csv and --json cannot be used together.")
    if csv_safe and as_json:
        raise click.ClickException("--csv-safe and --json cannot be used together.")
    as_csv = as_csv or csv_safe
    if snapshot and write:
        raise click.ClickException("--snapshot and --write cannot be used together.")
    try:
        statements = parse_statements(query_text(query, sys.stdin.read))
    except SqlUsageError as exc:
        raise click.UsageError(str(exc), ctx) from exc
    if as_csv and len(statements) > 1:
        raise TooManyStatementsError("--csv", len(statements))
    check_parameters(statements, dict(params))
    if not write:
        refuse_writes(statements)
    settings = _settings(ctx)
    path = settings.snapshot_file if snapshot else settings.db_path
    if snapshot and not path.exists():
        raise click.ClickException(
            f"no snapshot at {path} yet; the scheduler's maintenance job writes it, or run "
            '"mentions run-job maintenance".'
        )

    def tell(message: str) -> None:
        click.echo(f"{message} ...", err=True)

    results: list[StatementResult] = []
    try:
        config = None if write else READ_ONLY_CONFIG
        with connect(path, read_only=not write, timeout=wait, on_wait=tell, config=config) as con:
            if not write:
                lock_down(con)
            for result in run_statements(con, statements, dict(params)):
                results.append(result)
    finally:
        # Shown once the file is closed (drawing a wide table takes a while); the results
        # before a failing statement are shown too, except as JSON.
        if as_json and len(results) == len(statements):
            click.echo(results_json(results))
        elif not as_json:
            _show_results(results, several=len(statements) > 1, csv_safe=csv_safe, as_csv=as_csv)


def _show_results(
    results: list[StatementResult], several: bool, csv_safe: bool, as_csv: bool
) -> None:
    for number, result in enumerate(results):
        if several:
            click.echo(("\n" if number else "") + result.sql)
        if not result.columns:
            click.echo("ok")
        elif as_csv:
            write_csv(result, sys.stdout, safe=csv_safe)
        else:
            _rows_as_table(result.columns, result.rows)


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
    """
    settings = _settings(ctx)
    day: date | None = at.date() if at is not None else None
    counted = parse_forms(forms) if forms is not None else None
    if not settings.db_path.exists():  # recording the run would create an empty one
        raise DatabaseMissingError(settings.db_path)
    with recorded_run(settings, "report") as record:
        from jobs.report import run_report  # imports matplotlib: only when needed

        result = run_report(settings, period, day, latest=latest, forms=counted)
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
    settings = _settings(ctx)
    folder = settings.reports_folder
    try:
        server = report_server(folder, port)
    except ReportsMissingError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on 127.0.0.1:{port}: {exc.strerror}. Try another --port."
        ) from exc
    with server:
        click.echo(f"serving {folder} on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def _configure_schedule_logging(settings: Settings, verbose: int) -> None:
    """INFO (one line per job run) to stderr, and to a rotating file if configured."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    if verbose < 2:
        # The job modules' own INFO lines and APScheduler's are detail: the runner says
        # what happened in one line per run and logs missed runs itself; the scheduler
        # says when it starts, catches up and stops; db says when a job waits for a reader.
        logging.getLogger("jobs").setLevel(logging.WARNING)
        for name in ("jobs.scheduler.schedule", "jobs.scheduler.runner", "jobs.store.schema"):
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


@cli.command()
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
    settings = _settings(ctx)
    job_specs(settings)  # a bad [[jobs]] entry fails here, before any logging setup
    _configure_schedule_logging(settings, ctx.obj["verbose"])
    run_scheduler(settings)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


@cli.command(name="jobs")
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
    settings = _settings(ctx)
    specs = job_specs(settings)
    for spec in specs:
        if spec.note:
            click.echo(f"note: {spec.note}", err=True)

    def tell(message: str) -> None:
        click.echo(f"{message} ...", err=True)

    statuses = job_statuses(settings, specs, utc_now(), on_wait=tell)
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
        _rows_as_table(columns, [tuple(r.values()) for r in rows])


@cli.command(name="run-job")
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
    settings = _settings(ctx)
    outcome = JobRunner(settings).run(name)
    click.echo(f"{outcome.job} {outcome.status} in {outcome.seconds:.2f} s: {outcome.summary}")
    if outcome.status != "ok":
        ctx.exit(1)


@cli.command()
@click.pass_context
@friendly_errors
def check(ctx: click.Context) -> None:
    """Verify the database file: every block read (DuckDB checks each block's checksum),
    migrations complete, mentions of stored articles only, articles of known sources,
    views that resolve. One line per check, then the verdict; on failure, the way to
    recover from the maintenance job's snapshot. Exit status: 0 when sound, 1 when not.

    \b
    Example:
        mentions check
    """
    settings = _settings(ctx)

    def tell(message: str) -> None:
        click.echo(f"{message} ...", err=True)

    report = check_database(settings, on_wait=tell)
    for line in report.checks:
        click.echo(line.line)
    if not report.ok:
        raise click.ClickException(report.verdict)
    click.echo(report.verdict)
