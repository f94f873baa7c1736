"""``mentions export --lake DIR``: the database as a month-partitioned Parquet lake."""

from __future__ import annotations

from pathlib import Path

import click

from jobs.commands.context import friendly_errors, settings_of, tell_waiting, wait_option


@click.command()
@click.option(
    "--lake",
    "lake",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The lake folder (created if missing).",
)
@wait_option
@click.pass_context
@friendly_errors
def export(ctx: click.Context, lake: Path, wait: float) -> None:
    """Export articles, mentions, entities, leader_terms and daily_mentions as zstd
    Parquet, one file per month of publication (DIR/articles/month=2022-03/data.parquet).
    Only the months that changed since the last export are rewritten, each atomically;
    DIR/_manifest.json says what each file holds. Query it with mentions sql --lake DIR.

    \b
    Example:
        mentions export --lake data/lake
        mentions sql --lake data/lake "select entity_id, count(*) from mentions group by 1"
    """
    from jobs.lake.export import export_lake

    result = export_lake(settings_of(ctx).db_path, lake, timeout=wait, on_wait=tell_waiting)
    click.echo(
        f"{lake}: {len(result.written)} partitions written ({result.rows_written} rows), "
        f"{len(result.unchanged)} unchanged, {len(result.removed)} removed "
        f"in {result.seconds:.1f} s"
    )
