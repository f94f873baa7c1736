"""`mentions sql`: read-only means read-only, statements one by one, JSON and CSV output."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from jobs.cli import cli
from jobs.settings import Settings
from jobs.store.connect import connect
from jobs.store.schema import ensure_schema
from tests.conftest import ROOT


def _sql(settings: Settings, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", str(settings.db_path), "sql", *args], input=input)


@pytest.fixture
def schema_db(settings: Settings) -> Path:
    """The database with its tables and no rows (quicker than the seeded db_path)."""
    with connect(settings.db_path) as con:
        ensure_schema(con)
    return settings.db_path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with a CSV and a Parquet file to read, and a second DuckDB file."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "x.csv").write_text("a,b\n1,one\n2,two\n", encoding="utf-8")
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT 3 AS a) TO '{folder / 'x.parquet'}'")
    with duckdb.connect(str(folder / "other.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS a")
    return folder


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("COPY (SELECT 1) TO '{f}/out.csv'", "COPY"),
        ("copy entities to '{f}/out.csv'", "COPY"),
        ("EXPORT DATABASE '{f}/out'", "EXPORT DATABASE"),
        ("ATTACH '{f}/other.duckdb' AS o (READ_WRITE)", "ATTACH"),
        ("ATTACH '{f}/other.duckdb' AS o", "ATTACH"),
        ("ATTACH '{f}/out.duckdb' AS o (READ_WRITE); CREATE TABLE o.t (a INT)", "ATTACH"),
        ("INSTALL httpfs", "INSTALL or LOAD"),
        ("LOAD httpfs", "INSTALL or LOAD"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{f}/out.csv'", "EXPLAIN of COPY"),
        ("SET profiling_output = '{f}/out.txt'", "SET, RESET or USE"),
        ("PRAGMA enable_profiling", "PRAGMA"),
        ("IMPORT DATABASE '{f}'", "PRAGMA"),
        ("CREATE TEMP TABLE tt AS SELECT 1", "CREATE"),
        ("select 1 as n; copy (select 1) to '{f}/out.csv'", "COPY"),
        ("delete from mentions", "DELETE"),
    ],
)
def test_read_only_refuses_what_writes_before_running_anything(
    settings: Settings, files: Path, query: str, refused: str
) -> None:
    before = sorted(p.name for p in files.iterdir())
    result = _sql(settings, query.format(f=files))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {refused} is refused without --write (mentions sql opens the file read-only).\n"
    )
    assert sorted(p.name for p in files.iterdir()) == before


def test_write_allows_copy_to(settings: Settings, schema_db: Path, files: Path) -> None:
    result = _sql(settings, "--write", f"COPY (SELECT 1 AS n) TO '{files / 'out.csv'}'")
    assert result.exit_code == 0, result.output
    assert (files / "out.csv").read_text(encoding="utf-8") == "n\n1\n"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("select sum(a) as n from read_csv('{f}/x.csv')", "n\n3\n"),
        ("select a as n from read_parquet('{f}/x.parquet')", "n\n3\n"),
        ("select a as n from '{f}/x.parquet'", "n\n3\n"),
        ("select count(*) as n from (describe entities) where column_name = 'entity_id'", "n\n1\n"),
        ("select count(*) > 0 as n from (show tables)", "n\nTrue\n"),
        ("select count(*) > 0 as n from (summarize entities)", "n\nTrue\n"),
        ("call pragma_version()", None),
        ("explain select 1", None),
        ("explain analyze select 1", None),
        ("pivot (select 1 as a, 'x' as k) on k using sum(a)", "x\n1\n"),
    ],
)
def test_read_only_still_reads_local_files_and_describes(
    settings: Settings, schema_db: Path, files: Path, query: str, expected: str | None
) -> None:
    result = _sql(settings, "--csv", query.format(f=files))
    assert result.exit_code == 0, result.output
    if expected is not None:
        assert result.output == expected


def test_read_only_locks_the_configuration(settings: Settings, schema_db: Path) -> None:
    names = (
        "lock_configuration",
        "autoinstall_known_extensions",
        "autoload_known_extensions",
        "allow_community_extensions",
        "allow_persistent_secrets",
    )
    query = ", ".join(f"current_setting('{n}') as {n}" for n in names)
    result = _sql(settings, "--json", f"select {query}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {
            "lock_configuration": True,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_persistent_secrets": False,
        }
    ]


@pytest.mark.parametrize("args", [[""], ["  ;\n ; "], ["-- just a note"], ["-"]])
def test_no_sql_is_one_line(settings: Settings, schema_db: Path, args: list[str]) -> None:
    result = _sql(settings, *args, input="")
    assert result.exit_code == 1
    assert result.output == "Error: no SQL given (the query is empty or only comments).\n"


def test_sql_may_start_with_a_comment(settings: Settings, schema_db: Path) -> None:
    result = _sql(settings, "-- note\nselect 1 as n", "--csv")
    assert result.exit_code == 0, result.output
    assert result.output == "n\n1\n"
    result = _sql(settings, "--csv", "-- $x is a string\nselect $x as x", "-p", "x", "-- y")
    assert result.exit_code == 0, result.output
    assert result.output == "x\n-- y\n"


def test_an_unknown_option_is_still_a_usage_error(settings: Settings, schema_db: Path) -> None:
    result = _sql(settings, "--jsn", "select 1")
    assert result.exit_code == 2
    assert "Error: No such option '--jsn'" in result.output


def test_each_statement_shows_its_result(settings: Settings, schema_db: Path) -> None:
    result = _sql(settings, "select 1 as first_n; select 2 as second_n")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "select 1 as first_n;"
    assert "select 2 as second_n" in lines
    assert result.output.count("(1 row)") == 2
    assert result.output.index("first_n ┃") < result.output.index("select 2 as second_n")
    assert "second_n ┃" in result.output


def test_json_gives_one_array_per_statement(settings: Settings, schema_db: Path) -> None:
    result = _sql(
        settings, "--json", "select $a as a; select $b as b", "-p", "a", "1", "-p", "b", "2"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [[{"a": "1"}], [{"b": "2"}]]


def test_csv_takes_one_statement(settings: Settings, schema_db: Path) -> None:
    result = _sql(settings, "--csv", "--write", "create table t (a int); select 1")
    assert result.exit_code == 1
    assert result.output == (
        "Error: --csv takes one statement; got 2. Run them one at a time, or use --json.\n"
    )
    assert _sql(settings, "--csv", "select count(*) as n from t").exit_code == 1


def test_an_unused_parameter_is_named(settings: Settings, schema_db: Path) -> None:
    result = _sql(settings, "select $a as a", "-p", "a", "1", "-p", "b", "2")
    assert result.exit_code == 1
    assert result.output == 'Error: -p b: the SQL has no "$b".\n'


JSON_TYPES_SQL = r"""
select 170141183460469231731687303715884105727::hugeint as big, 12.50::decimal(10, 2) as dec,
 0.0000010::decimal(10, 7) as small, -1.5::double as dbl, 'nan'::double as nan,
 '-inf'::double as inf, date '2024-01-02' as d, timestamp '2024-01-02 03:04:05.123' as ts,
 timestamptz '2024-01-02 03:04:05+02' as tstz, time '10:11:12' as t,
 '10:11:12+02'::timetz as ttz, interval 1 day + interval 2 hour as iv,
 -interval 90 minute as neg_iv, interval 1 microsecond as micro, interval 0 second as zero,
 '\x00\xFF'::blob as b, [1, null] as l, {'a': 1, 'b': [date '2024-01-01']} as s,
 map {'k': 1} as m, map {1: 'x'} as m2, '{"x": [1]}'::json as j, null as nothing,
 true as yes, 123456789012345678901234567890::bignum as bn,
 '00000000-0000-0000-0000-000000000001'::uuid as u, [1, 2]::int[2] as arr,
 [1.5::double, 'nan'::double] as floats
"""


def test_json_writes_json_types(settings: Settings, schema_db: Path) -> None:
    result = _sql(settings, "--json", JSON_TYPES_SQL)
    assert result.exit_code == 0, result.output
    assert '"dec": 12.50' in result.output and '"small": 0.0000010' in result.output
    assert json.loads(result.output, parse_float=Decimal) == [
        {
            "big": 170141183460469231731687303715884105727,
            "dec": Decimal("12.50"),
            "small": Decimal("0.0000010"),
            "dbl": Decimal("-1.5"),
            "nan": None,
            "inf": None,
            "d": "2024-01-02",
            "ts": "2024-01-02T03:04:05.123000",
            "tstz": "2024-01-02T01:04:05+00:00",
            "t": "10:11:12",
            "ttz": "10:11:12+02:00",
            "iv": "P1DT2H",
            "neg_iv": "-PT1H30M",
            "micro": "PT0.000001S",
            "zero": "PT0S",
            "b": "AP8=",
            "l": [1, None],
            "s": {"a": 1, "b": ["2024-01-01"]},
            "m": {"k": 1},
            "m2": {"1": "x"},
            "j": {"x": [1]},
            "nothing": None,
            "yes": True,
            "bn": 123456789012345678901234567890,
            "u": "00000000-0000-0000-0000-000000000001",
            "arr": [1, 2],
            "floats": [Decimal("1.5"), None],
        }
    ]


def test_csv_safe_neutralises_formulas_but_not_numbers(settings: Settings, schema_db: Path) -> None:
    query = (
        "select '=1+1' as eq, '+x' as plus, '-cmd' as minus, '@sum' as at, chr(9) || 'x' as tab,"
        " chr(13) || 'x' as cr, '-5' as text_neg, -5 as neg_int, -1.5 as neg_dec,"
        " -2.5::double as neg_dbl, 'plain' as plain, null as nothing"
    )
    result = _sql(settings, "--csv-safe", query)
    assert result.exit_code == 0, result.output
    header, row = csv.reader(io.StringIO(result.output, newline=""))
    assert dict(zip(header, row, strict=True)) == {
        "eq": "'=1+1",
        "plus": "'+x",
        "minus": "'-cmd",
        "at": "'@sum",
        "tab": "'\tx",
        "cr": "'\rx",
        "text_neg": "'-5",
        "neg_int": "-5",
        "neg_dec": "-1.5",
        "neg_dbl": "-2.5",
        "plain": "plain",
        "nothing": "",
    }
    plain = _sql(
        settings, "--csv", "select '=1+1' as eq, 'a' || chr(13) || 'b' as cr, 'x,\"y' as q"
    )
    assert plain.output == 'eq,cr,q\n=1+1,"a\rb","x,""y"\n'
    both = _sql(settings, "--csv-safe", "--json", "select 1")
    assert both.output == "Error: --csv-safe and --json cannot be used together.\n"


def test_results_before_a_failing_statement_are_shown(settings: Settings, schema_db: Path) -> None:
    result = _sql(settings, "select 41 + 1 as answer; select * from no_such_table")
    assert result.exit_code == 1
    assert "│ 42 " in result.output
    assert result.output.splitlines()[-1].startswith("Error: ")
    result = _sql(settings, "--json", "select 1 as n; select * from no_such_table")
    assert result.output.startswith("Error: ")


def test_sql_starts_without_polars(schema_db: Path) -> None:
    """`mentions sql` reads rows through DuckDB and prints them itself: it never loads
    polars (0.19 s of its 0.5 s start, which the settings' period and time zone names
    used to pull in), unless a time zone given in the settings must be checked by it."""
    code = (
        "import sys\n"
        "from jobs.cli import cli\n"
        "try:\n"
        "    cli(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    print('polars' in sys.modules, file=sys.stderr)\n"
    )
    query = "select entity_id, count(*) from mentions group by 1"

    def loaded(*options: str, env: dict[str, str] | None = None) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", code, "--db", str(schema_db), *options, "sql", query],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **(env or {})},
        )
        assert done.returncode == 0, done.stderr
        return done.stderr.strip().splitlines()[-1], done.stdout

    plain, rows = loaded()
    assert plain == "False"
    assert "(0 rows)" in rows
    zoned, _ = loaded(env={"MENTIONS_TIMEZONE": "Europe/Paris"})
    assert zoned == "True"


def test_the_table_shows_values_as_they_are(settings: Settings, schema_db: Path) -> None:
    """Stored text is shown as stored: square brackets are no style tags to the table
    (a title with "[bold]" lost it; one with "[/b]" ended the command in a traceback)
    and ":flag_us:" is no emoji code, in the values and in the column names."""
    values = ["[bold]x[/bold] a[1] [red]", "before [/oops] after", ":flag_us: :smile:"]
    selects = ", ".join(f"'{value}' as c{n}" for n, value in enumerate(values))
    result = _sql(settings, f'select {selects}, 1 as "[/h]"')
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    cells = [cell.strip() for cell in lines[3].strip("│").split("│")]
    assert cells == [*values, "1"]
    assert [cell.strip() for cell in lines[1].strip("┃").split("┃")] == ["c0", "c1", "c2", "[/h]"]
