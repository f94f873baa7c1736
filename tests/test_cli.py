"""The real CLI, invoked in-process with click's runner against real files."""

from __future__ import annotations

import gc
import gzip
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.cli import cli, main
from jobs.settings import Settings
from jobs.store.connect import connect


def _invoke(settings: Settings, *args: str, input: str | None = None) -> object:
    runner = CliRunner()
    env = {"MENTIONS_REPORTS_DIR": str(settings.reports_dir)}
    return runner.invoke(cli, ["--db", str(settings.db_path), *args], input=input, env=env)


def test_run_prints_the_report_path_then_sql_lists_russia_and_us(settings: Settings) -> None:
    result = _invoke(settings, "run")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.name == "index.html"
    result = _invoke(
        settings,
        "sql",
        "--json",
        "select entity_id, count(*) as n from mentions group by 1 order by 2 desc, 1 limit 2",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"entity_id": "RUS", "n": 31},
        {"entity_id": "USA", "n": 29},
    ]


def test_report_starts_one_duckdb_for_its_four_openings(
    settings: Settings, duckdb_starts: list[str]
) -> None:
    """`mentions report` opens the file four times (its run's record at the start and
    at the end, its reads, its own record), each through one in-memory DuckDB that
    attaches it (``jobs.store.connect.one_duckdb``), and records all of them."""
    assert _invoke(settings, "run").exit_code == 0
    duckdb_starts.clear()
    result = _invoke(settings, "report", "--period", "day", "--at", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert duckdb_starts == [":memory:"]
    with connect(settings.db_path, read_only=True) as con:
        runs = con.execute(
            "select status from job_runs where job = 'report' order by started_at"
        ).fetchall()
        reports = con.execute("select start_on from reports where period = 'day'").fetchall()
    assert runs == [("ok",)]
    assert reports == [(date(2026, 11, 24),)]


def test_sql_table_csv_and_params(settings: Settings) -> None:
    assert _invoke(settings, "run").exit_code == 0
    table = _invoke(settings, "sql", "select 1 as n, 'x' as s")
    assert table.exit_code == 0 and "(1 row)" in table.stdout and "│ 1 " in table.stdout
    csv = _invoke(
        settings,
        "sql",
        "--csv",
        "select name from entities where entity_id = $id",
        "-p",
        "id",
        "RUS",
    )
    assert csv.stdout == "name\nRussia\n"
    stdin = _invoke(settings, "sql", "--csv", "-", input="select 2 as two")
    assert stdin.stdout == "two\n2\n"


def test_sql_is_read_only_unless_asked(settings: Settings) -> None:
    assert _invoke(settings, "run").exit_code == 0
    result = _invoke(settings, "sql", "delete from mentions")
    assert result.exit_code == 1
    assert "read-only" in result.output
    assert _invoke(settings, "sql", "--write", "create table notes (t text)").exit_code == 0


def test_sql_errors_are_one_line(settings: Settings) -> None:
    result = _invoke(settings, "sql", "select 1")
    assert result.exit_code == 1
    assert result.output == (
        f'Error: {settings.db_path} does not exist yet. Run "mentions run" or "mentions ingest" '
        "first.\n"
    )
    assert _invoke(settings, "sql", "--write", "select 1").exit_code == 0
    result = _invoke(settings, "sql", "select * from mentions")
    assert result.output == (
        'Error: table "mentions" does not exist. Run "mentions run" or "mentions ingest" first.\n'
    )
    result = _invoke(settings, "sql", "--csv", "--json", "select 1")
    assert result.output == "Error: --csv and --json cannot be used together.\n"


def test_extract_writes_the_contract_fields(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "x1", "title": "Kremlin", "text": "President Putin met Xi."})
        + "\n"
        + "not json\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = _invoke(settings, "extract", "--input", str(source), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert f"skipped {source}:2: not JSON" in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == {
        "article_id": "x1",
        "field": "title",
        "kind": "country",
        "id": "RUS",
        "country": "RUS",
        "start": 0,
        "end": 7,
        "text": "Kremlin",
        "form": "metonym",
    }
    assert all(
        list(r) == ["article_id", "field", "kind", "id", "country", "start", "end", "text", "form"]
        for r in rows
    )


def test_extract_reads_a_gzip_dump_and_names_a_broken_one(
    settings: Settings, tmp_path: Path
) -> None:
    line = json.dumps({"id": "x1", "title": "", "text": "President Putin met Xi."}) + "\n"
    source = tmp_path / "in.jsonl.gz"
    source.write_bytes(gzip.compress(line.encode("utf-8") * 500))
    out = tmp_path / "out.jsonl"
    result = _invoke(settings, "extract", "--input", str(source), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "500 mentions in 500 articles" in result.stderr
    source.write_bytes(source.read_bytes()[:-20])
    result = _invoke(settings, "extract", "--input", str(source), "--output", str(out))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: {source}: not a whole gzip file (Compressed file ended before the "
        "end-of-stream marker was reached)"
    )
    # The first run's output is kept whole, and nothing is left beside it.
    assert len(out.read_text(encoding="utf-8").splitlines()) == 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl.gz", "out.jsonl"]


def test_report_for_a_past_period(settings: Settings, tmp_path: Path) -> None:
    dump = tmp_path / "d.jsonl"
    dump.write_text(
        json.dumps({"id": "1", "title": "Russia", "text": "Ukraine", "published": "2022-03-02"})
        + "\n",
        encoding="utf-8",
    )
    assert _invoke(settings, "ingest", str(dump)).exit_code == 0
    result = _invoke(settings, "report", "--period", "week", "--at", "2022-03-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("week/2022-02-28/index.html")
    html = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert "1 article (1 distinct story)" in html and "Russia" in html
    assert "1 articles" not in html


def test_report_forms_option_is_validated_and_recorded(report_settings: Settings) -> None:
    bad = _invoke(report_settings, "report", "--period", "month", "--at", "2022-03-01",
                  "--forms", "name,nickname")  # fmt: skip
    assert bad.exit_code == 1
    assert "Error: unknown form(s) 'nickname'; use name, adjective" in bad.output
    good = _invoke(report_settings, "report", "--period", "month", "--at", "2022-03-01",
                   "--forms", "name")  # fmt: skip
    assert good.exit_code == 0, good.output
    assert good.stdout.strip().endswith("month/2022-03-01/index.html")
    recorded = _invoke(
        report_settings, "sql", "--csv", "select period, forms, articles from reports"
    )
    assert recorded.stdout.splitlines()[1:] == ["month,name,10"]


def test_serve_refuses_when_there_is_nothing_to_serve(settings: Settings) -> None:
    # No reports folder and no database: nothing for the files or the explorer.
    result = _invoke(settings, "serve", "--port", "0")
    assert result.exit_code == 1
    assert 'do not exist yet. Run "mentions run" or "mentions report" first.' in (result.output)


def test_report_for_a_quarter_and_a_year(report_settings: Settings) -> None:
    quarter = _invoke(report_settings, "report", "--period", "quarter", "--at", "2022-03-01")
    assert quarter.exit_code == 0, quarter.output
    assert quarter.stdout.strip().endswith("quarter/2022-01-01/index.html")
    html = Path(quarter.stdout.strip()).read_text(encoding="utf-8")
    assert "quarter of 2022-Q1" in html and "26 articles" in html
    year = _invoke(report_settings, "report", "--period", "year", "--at", "2022-03-01")
    assert year.exit_code == 0, year.output
    assert year.stdout.strip().endswith("year/2022-01-01/index.html")
    bad = _invoke(report_settings, "report", "--period", "decade")
    assert bad.exit_code == 2
    assert "'decade' is not one of 'day', 'week', 'month', 'quarter', 'year'" in bad.output


def test_a_bad_reports_timezone_stops_the_cli_with_one_line(
    report_settings: Settings, tmp_path: Path
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[reports]\ntimezone = "Mars/Olympus_Mons"\n', encoding="utf-8")
    result = _invoke(report_settings, "--config", str(config), "report", "--period", "year")
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: [reports] timezone: unknown time zone 'Mars/Olympus_Mons'; use an IANA name "
        "such as 'UTC', 'Europe/Paris' or 'America/New_York'"
    ]


def test_the_console_script_freezes_what_is_left_before_the_exit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mentions` (``jobs.cli:main``) runs the command, then freezes the objects left
    alive, so the interpreter's exit does not walk them with the collector."""
    assert _invoke(settings, "run").exit_code == 0
    monkeypatch.setattr(sys, "argv", ["mentions", "--db", str(settings.db_path), "sql", "select 1"])
    assert gc.get_freeze_count() == 0
    try:
        with pytest.raises(SystemExit) as ended:
            main()
        assert ended.value.code == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


_THREADS_AFTER_NUMPY = """
import os, sys
from jobs.cli import main
sys.argv = ["mentions", "--help"]
try:
    main()
except SystemExit:
    pass
import numpy  # noqa: F401 (starts OpenBLAS, and its threads unless told not to)
print(len(os.listdir("/proc/self/task")), os.environ.get("OPENBLAS_NUM_THREADS"))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
@pytest.mark.parametrize(("given", "kept"), [(None, "1"), ("2", "2")])
def test_the_console_script_starts_no_blas_threads_unless_asked(
    given: str | None, kept: str
) -> None:
    """numpy's OpenBLAS starts a thread per core that spins between calls; nothing here
    multiplies matrices large enough to share (matplotlib's 2x2 per glyph), and the
    spinning took a core's 0.1 s from each report. `mentions` sets one thread unless
    the environment names a number, which it keeps."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    ran = subprocess.run(
        [sys.executable, "-c", _THREADS_AFTER_NUMPY],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    threads, setting = ran.stdout.split()[-2:]
    assert setting == kept
    if given is None:
        assert threads == "1"  # the interpreter's own thread only
