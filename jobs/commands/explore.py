"""Commands that explore any entities over any range: chart, entity."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from jobs.commands.context import friendly_errors, settings_of

EVERY_CHOICES = ("day", "week", "month", "quarter", "year")
MEASURE_CHOICES = ("share", "articles", "mentions")


class RequestError(click.ClickException):
    """A request the user can fix (an unknown or ambiguous name, a bad range): one line,
    exit code 2 like click's own usage errors."""

    exit_code = 2


@click.command()
@click.argument("entities", nargs=-1, required=True)
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day (default: the first stored article's).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day, included (default: the last stored article's).",
)
@click.option(
    "--every",
    type=click.Choice(EVERY_CHOICES),
    default="week",
    show_default=True,
    help="Bucket length (weeks start on Monday).",
)
@click.option(
    "--measure",
    type=click.Choice(MEASURE_CHOICES),
    default="share",
    show_default=True,
    help="What the chart shows; the CSV always holds all three.",
)
@click.option(
    "--forms",
    default=None,
    metavar="F,...",
    help="Which mentions count for a country: name, adjective, capital, metonym, leaders, "
    "or all (default: [reports] forms).",
)
@click.option(
    "--smooth",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Sum each bucket with the N-1 before it (shares as sums over sums).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("chart.png"),
    show_default=True,
    help="The chart: .png, .svg or .pdf; its CSV is written beside it.",
)
@click.pass_context
@friendly_errors
def chart(
    ctx: click.Context,
    entities: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    every: str,
    measure: str,
    forms: str | None,
    smooth: int | None,
    output: Path,
) -> None:
    """Chart chosen countries and leaders over any range, by name ('RUS', 'Russia',
    'Putin', 'Zelensky'); write the chart and its data as CSV beside it, and print
    both paths.

    \b
    Example:
        mentions chart Russia Ukraine Putin --from 2022-01-01 --to 2022-06-30 --every month
        mentions chart France --measure articles --output france.svg
    """
    from analytics.entity_names import AmbiguousEntityError, UnknownEntityError
    from analytics.form_policy import UnknownFormError
    from analytics.timeline import TimelineError
    from jobs import explore

    settings = settings_of(ctx)
    try:
        frame = explore.timeline(
            settings,
            entities,
            start=start.date() if start else None,
            end=end.date() if end else None,
            every=every,
            forms=forms,
            smooth=smooth,
        )
        figure_path, data_path = explore.write_chart(frame, output, measure, every, smooth)
    except (UnknownEntityError, AmbiguousEntityError, TimelineError, UnknownFormError) as exc:
        raise RequestError(str(exc)) from exc
    click.echo(str(figure_path))
    click.echo(str(data_path))


@click.command()
@click.argument("name")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The page (default: ENTITY_ID.html here); its chart (.png) and CSV go beside it.",
)
@click.pass_context
@friendly_errors
def entity(ctx: click.Context, name: str, output: Path | None) -> None:
    """Write one country's or leader's page: its whole history, its leaders or country,
    its strongest co-mentions, how it was named, and its busiest months with their
    evidence; print the page's path.

    \b
    Example:
        mentions entity Russia --output russia.html
        mentions entity Zelensky
    """
    from analytics.entity_names import AmbiguousEntityError, UnknownEntityError
    from analytics.timeline import TimelineError
    from jobs.web.entity_page import write_entity_page

    try:
        path = write_entity_page(settings_of(ctx), name, output)
    except (UnknownEntityError, AmbiguousEntityError, TimelineError) as exc:
        raise RequestError(str(exc)) from exc
    click.echo(str(path))
