"""Commands that bring articles in and find their mentions: run, ingest, extract,
re-extract."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, cast

import click

from jobs.commands.context import Interrupted, friendly_errors, settings_of
from jobs.sources.kinds import FILE_KINDS, URL_KINDS
from reports.words import plural

if TYPE_CHECKING:
    from pathlib import Path

    from jobs.lake.partitions import PartitionResult
    from jobs.sources.records import BadInput


def _report_bad(bad: BadInput) -> None:
    click.echo(f"skipped {bad.location}: {bad.reason}", err=True)


@click.command()
@click.pass_context
@friendly_errors
def run(ctx: click.Context) -> None:
    """Ingest the configured sources (default: seeds/articles/), extract mentions and
    render the report of the newest period; print the report's path.

    \b
    Example:
        mentions run && xdg-open "$(mentions run)"
    """
    from jobs.pipeline import run_main
    from jobs.progress import ingest_progress

    settings = settings_of(ctx)
    with ingest_progress() as advance:
        result = run_main(settings, on_progress=advance)
    ingest = result.ingest
    click.echo(
        f"ingested {ingest.articles_new:,} new of {plural(ingest.articles_seen, 'article')} "
        f"({plural(ingest.mentions_new, 'mention')}, {plural(ingest.errors, 'error')}) "
        f"into {settings.db_path}",
        err=True,
    )
    click.echo(str(result.report.path))


@click.command()
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
    from jobs.ingest import run_ingest
    from jobs.ingest.result import IngestResult, raise_for_failed_inputs
    from jobs.progress import ingest_progress
    from jobs.runs import recorded_run
    from jobs.settings import SourceConfig

    settings = settings_of(ctx)
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
    result = IngestResult()
    try:
        with recorded_run(settings, "ingest") as record, ingest_progress() as advance:
            record.counts_from = result.as_counts  # also when it fails midway
            run_ingest(settings, configs, on_progress=advance, on_error=_report_bad, result=result)
            unchanged = result.files_skipped
            skipped = f", {plural(unchanged, 'unchanged file')} skipped" if unchanged else ""
            seen = plural(result.articles_seen, "article")
            click.echo(
                f"ingested {result.articles_new:,} new of {seen} "
                f"({plural(result.mentions_new, 'mention')}, {plural(result.errors, 'error')}"
                f"{skipped}) into {settings.db_path}"
            )
            raise_for_failed_inputs(result)  # exit 1, after the summary, recorded as failed
    except KeyboardInterrupt:  # recorded as interrupted
        raise Interrupted(
            f"{plural(result.articles_new, 'new article')} stored (whole batches) into "
            f"{settings.db_path}; run the same ingest again to store the rest"
        ) from None


@click.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(allow_dash=True),
    help='JSONL of {"id","title","text"[,"published"]}; - for stdin; or a lake\'s '
    "articles folder of month=YYYY-MM/data.parquet partitions.",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(allow_dash=True),
    default="-",
    show_default=True,
    help="Where to write the mentions (JSONL); for a lake, its mentions folder.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Extract a lake in this process, or on a Dask cluster (the mentions[cluster] extra).",
)
@click.option(
    "--cluster",
    metavar="ADDRESS|local:N",
    help="With --engine dask: a scheduler address, or local:N to start N worker processes.",
)
@click.pass_context
@friendly_errors
def extract(
    ctx: click.Context, input_path: str, output_path: str, engine: str, cluster: str | None
) -> None:
    """Print every mention in a JSONL file of articles, one JSON object per mention
    (article_id, field, kind, id, country, start, end, text, form). Stateless: the
    database is not touched. Given a lake's articles folder, write one mentions
    partition per month (Parquet, atomically), skipping months already done with
    these seeds; --engine dask spreads the months over a cluster.

    \b
    Example:
        mentions extract --input articles.jsonl --output mentions.jsonl
        mentions extract --engine dask --cluster local:2 \\
            --input lake/articles --output lake/mentions
    """
    from pathlib import Path

    settings = settings_of(ctx)
    if engine == "dask" or Path(input_path).is_dir():
        _extract_lake(Path(input_path), output_path, settings.seeds_dir, engine, cluster)
        return
    if cluster is not None:
        raise click.UsageError("--cluster needs --engine dask and a lake folder as --input.")
    import gc
    import gzip
    import zlib

    from jobs.extract import ExtractResult, extract_jsonl
    from jobs.lake.files import replace_atomically
    from jobs.write_behind import WriteBehind

    # What the imports made lives as long as the command: kept out of the collector's
    # full passes, which otherwise read it all again (0.25 s of a GB's extraction, 0.06).
    gc.freeze()
    results: list[ExtractResult] = []

    def extract_to(sink: IO[bytes], name: str) -> None:
        named = _NamedWrites(sink, name)
        with click.open_file(input_path, "rb") as source:
            results.append(
                extract_jsonl(
                    source,
                    cast("IO[bytes]", named),
                    settings.seeds_dir,
                    name=input_path,
                    on_error=_report_bad,
                )
            )
        named.flush()

    def extract_behind(sink: IO[bytes], name: str) -> None:
        # The output file's pages go to disk as it grows (``jobs.write_behind``).
        with WriteBehind(sink) as behind:
            extract_to(cast("IO[bytes]", behind), name)

    try:
        if output_path == "-":
            with click.open_file("-", "wb") as stdout:
                extract_to(stdout, "<stdout>")
        else:
            # Written beside it and renamed over it only when whole: an extract that fails
            # leaves the old file as it was. (click's atomic files, 8.5, put the
            # half-written file in its place.)
            replace_atomically(Path(output_path), lambda sink: extract_behind(sink, output_path))
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:  # click takes EOFError as ^D
        raise click.ClickException(f"{input_path}: not a whole gzip file ({exc})") from exc
    except BrokenPipeError:
        # The reader stopped early (`| head`): nothing is wrong with the input, and
        # nothing is left to say. The way out Python's documentation gives: the lines
        # still buffered go nowhere, and the exit status is 1.
        import os
        import sys

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(f"{exc.filename or input_path}: {reason}") from exc
    result = results[0]
    click.echo(
        f"{plural(result.mentions, 'mention')} in {plural(result.articles, 'article')} "
        f"({plural(result.errors, 'line')} skipped)",
        err=True,
    )


class _NamedWrites:
    """``sink``, whose failed writes name it: an OSError from a write has no file name,
    and the command named its input instead ("in.jsonl: No space left on device")."""

    def __init__(self, sink: IO[bytes], name: str) -> None:
        self._sink = sink
        self._name = name

    def write(self, data: bytes | memoryview) -> int:
        with self._naming():
            return self._sink.write(data)

    def flush(self) -> None:
        with self._naming():
            self._sink.flush()

    @contextmanager
    def _naming(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            exc.filename = exc.filename or self._name
            raise


def _extract_lake(
    input_dir: Path, output_path: str, seeds_dir: Path, engine: str, cluster: str | None
) -> None:
    """`mentions extract` over a lake: months in, months out, on one engine."""
    from pathlib import Path

    if output_path == "-":
        raise click.UsageError("a lake's mentions go to a folder: give --output DIR/mentions.")
    if engine == "dask" and cluster is None:
        raise click.UsageError("--engine dask needs --cluster ADDRESS or --cluster local:N.")
    if engine == "local" and cluster is not None:
        raise click.UsageError("--cluster needs --engine dask.")

    def report(done: PartitionResult) -> None:
        state = "already done" if done.skipped else plural(done.mentions, "mention")
        click.echo(f"month {done.month}: {plural(done.articles, 'article')}, {state}", err=True)

    if engine == "dask":
        from jobs.lake.cluster import extract_lake_dask

        assert cluster is not None
        results = extract_lake_dask(
            cluster, input_dir, Path(output_path), seeds_dir, on_done=report
        )
    else:
        from jobs.lake.partitions import extract_lake

        results = extract_lake(input_dir, Path(output_path), seeds_dir, on_done=report)
    skipped = sum(r.skipped for r in results)
    click.echo(
        f"{plural(sum(r.mentions for r in results), 'mention')} in "
        f"{plural(sum(r.articles for r in results), 'article')}, "
        f"{plural(len(results), 'month')} ({skipped} already done)",
        err=True,
    )


@click.command(name="re-extract")
@click.pass_context
@friendly_errors
def re_extract(ctx: click.Context) -> None:
    """Re-extract stored articles whose mentions came from older seeds or rules.

    \b
    Example:
        mentions re-extract
    """
    from jobs.extract import run_extract
    from jobs.runs import recorded_run

    settings = settings_of(ctx)
    with recorded_run(settings, "re-extract") as record:
        result = run_extract(settings)
        record.counts = {"articles_seen": result.articles, "mentions_new": result.mentions}
    click.echo(
        f"re-extracted {plural(result.articles, 'article')} ({plural(result.mentions, 'mention')})"
    )
