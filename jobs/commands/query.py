"""Commands that read the database file as it is: sql and check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jobs.commands.context import (
    echo_table,
    friendly_errors,
    settings_of,
    tell_waiting,
    wait_option,
)

if TYPE_CHECKING:
    from jobs.sql.statements import StatementResult


# ignore_unknown_options: SQL may start with a comment ("-- note\nselect 1"), which
# click would take for an option; query_text() refuses the real unknown options.
@click.command(context_settings={"ignore_unknown_options": True})
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
    "--lake",
    type=click.Path(path_type=Path, file_okay=False),
    help="Query the Parquet lake that mentions export --lake wrote, under the same table "
    "and view names, instead of the file.",
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
@wait_option
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
    lake: Path | None,
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
        mentions sql --lake data/lake "select count(*) from mentions"
    """
    from jobs.sql.output import results_json
    from jobs.sql.statements import (
        READ_ONLY_CONFIG,
        SqlUsageError,
        TooManyStatementsError,
        check_parameters,
        lock_down,
        parse_statements,
        query_text,
        refuse_writes,
        run_statements,
    )
    from jobs.store.connect import connect

    if as_csv and as_json:
        raise click.ClickException("--csv and --json cannot be used together.")
    if csv_safe and as_json:
        raise click.ClickException("--csv-safe and --json cannot be used together.")
    as_csv = as_csv or csv_safe
    if snapshot and write:
        raise click.ClickException("--snapshot and --write cannot be used together.")
    for flag, given in (("--write", write), ("--snapshot", snapshot)):
        if lake is not None and given:
            raise click.ClickException(f"--lake and {flag} cannot be used together.")
    try:
        statements = parse_statements(query_text(query, sys.stdin.read))
    except SqlUsageError as exc:
        raise click.UsageError(str(exc), ctx) from exc
    if as_csv and len(statements) > 1:
        raise TooManyStatementsError("--csv", len(statements))
    check_parameters(statements, dict(params))
    if not write:
        refuse_writes(statements)
    settings = settings_of(ctx)
    path = settings.snapshot_file if snapshot else settings.db_path
    if snapshot and not path.exists():
        raise click.ClickException(
            f"no snapshot at {path} yet; the scheduler's maintenance job writes it, or run "
            '"mentions run-job maintenance".'
        )
    results: list[StatementResult] = []
    try:
        config = None if write else READ_ONLY_CONFIG
        if lake is not None:
            from jobs.lake.views import open_lake
        opened = (
            open_lake(lake, config=READ_ONLY_CONFIG)
            if lake is not None
            else connect(
                path, read_only=not write, timeout=wait, on_wait=tell_waiting, config=config
            )
        )
        with opened as con:
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
    from jobs.sql.output import write_csv

    for number, result in enumerate(results):
        if several:
            click.echo(("\n" if number else "") + result.sql)
        if not result.columns:
            click.echo("ok")
        elif as_csv:
            write_csv(result, sys.stdout, safe=csv_safe)
        else:
            echo_table(result.columns, result.rows)


@click.command()
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
    from jobs.store.check import check_database

    report = check_database(settings_of(ctx), on_wait=tell_waiting)
    for line in report.checks:
        click.echo(line.line)
    if not report.ok:
        raise click.ClickException(report.verdict)
    click.echo(report.verdict)
