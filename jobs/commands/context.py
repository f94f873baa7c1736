"""What every command shares: the settings it was started with, a line on stderr
while it waits for the file, and errors a user can act on as one line."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from jobs.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

wait_option = click.option(
    "--wait",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds to wait while a job holds the file.",
)


class Interrupted(click.ClickException):
    """Ctrl-C: one line on stderr saying what was kept, and the shell's exit status for
    a SIGINT (128 + 2)."""

    exit_code = 130

    def show(self, file: Any = None) -> None:
        click.echo(f"interrupted: {self.format_message()}", err=True)


def settings_of(ctx: click.Context) -> Settings:
    """The settings the group loaded for this invocation."""
    settings: Settings = ctx.obj["settings"]
    return settings


def tell_waiting(message: str) -> None:
    """Say on stderr that a command waits for a busy file."""
    click.echo(f"{message} ...", err=True)


def _user_message(exc: Exception) -> str | None:
    """One line for an error the user can act on; None for anything else (a bug,
    which keeps its traceback). The error types are imported here, on the error path,
    so that no command pays for them at start-up."""
    import duckdb

    from jobs.ingest.result import InputsFailedError
    from jobs.lake.files import LakeBusyError
    from jobs.lake.views import LakeMissingError
    from jobs.scheduler.runner import UnknownJobError
    from jobs.settings import SettingsError
    from jobs.sources.records import SourceError
    from jobs.store.check import DatabaseCorruptError
    from jobs.store.connect import DatabaseBusyError, DatabaseMissingError
    from jobs.store.seeds import SeedError

    expected = (
        DatabaseBusyError,
        DatabaseMissingError,
        SettingsError,
        SeedError,
        SourceError,
        UnknownJobError,
        InputsFailedError,
        DatabaseCorruptError,
        LakeMissingError,
        LakeBusyError,
        ValueError,
    )
    if isinstance(exc, expected):
        return str(exc)
    if isinstance(exc, LookupError):
        from jobs.report import NoDataError

        return str(exc) if isinstance(exc, NoDataError) else None
    if isinstance(exc, duckdb.Error):
        return _duckdb_message(exc)
    return None


def _duckdb_message(exc: Exception) -> str:
    import duckdb

    text = str(exc)
    if isinstance(exc, duckdb.CatalogException) and "does not exist" in text:
        missing = text.split("with name ", 1)[-1].split(" does not exist", 1)[0]
        if missing and missing != text:
            return (
                f'table "{missing}" does not exist. Run "mentions run" or "mentions ingest" first.'
            )
    return text


def friendly_errors(func: F) -> F:
    """Turn the errors a user can act on into one line instead of a traceback; while
    the command runs, any wait for a busy file is said on stderr."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from jobs.interrupts import interruptible
        from jobs.store.connect import waiting_notice

        token = waiting_notice.set(tell_waiting)
        try:
            with interruptible():  # Ctrl-C during a query is an interruption too
                return func(*args, **kwargs)
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            raise Interrupted("stopped by Ctrl-C (anything unfinished is rolled back)") from None
        except Exception as exc:
            message = _user_message(exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc
        finally:
            waiting_notice.reset(token)

    return wrapper  # type: ignore[return-value]


def echo_table(columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Rows as a table on stdout (as wide as the terminal, unbounded into a pipe), then
    the row count."""
    import shutil
    import sys

    from rich.console import Console
    from rich.table import Table

    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 10_000
    table = Table(*columns, show_edge=True, header_style="bold")
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    # Values and names as stored: "[bold]" or ":smile:" in a title is text, not a style
    # tag or an emoji code (a "[/b]" ended the command in rich's MarkupError).
    console = Console(width=width, soft_wrap=False, markup=False, emoji=False, highlight=False)
    console.print(table)
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
