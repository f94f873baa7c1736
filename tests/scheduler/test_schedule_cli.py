"""``mentions jobs``, ``mentions run-job`` and ``mentions sql --snapshot`` through the real
CLI, and the scheduler's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobs.cli import cli
from jobs.settings import SettingsError, load_settings


def _invoke(tmp_path: Path, *args: str, config: str | None = None) -> Result:
    base = ["--db", str(tmp_path / "m.duckdb")]
    if config is not None:
        path = tmp_path / "mentions.toml"
        path.write_text(config, encoding="utf-8")
        base += ["--config", str(path)]
    env = {"MENTIONS_REPORTS_DIR": str(tmp_path / "reports")}
    return CliRunner().invoke(cli, [*base, *args], env=env)


def test_jobs_lists_defaults_before_any_run(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "jobs", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["job"] for r in rows] == [
        "ingest",
        "daily-report",
        "weekly-report",
        "monthly-report",
        "maintenance",
    ]
    assert rows[0]["schedule"] == "every 15m" and rows[0]["next_run"] == "at start"
    assert rows[1]["schedule"] == "cron 30 0 * * * (UTC)"
    assert all(r["last_run"] == "never" for r in rows)


def test_run_job_then_jobs_shows_the_outcome(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "run-job", "ingest")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ingest ok in ")
    assert "1 seen, 1 new article, 99 new mentions, 0 errors" in result.stdout
    rows = {r["job"]: r for r in json.loads(_invoke(tmp_path, "jobs", "--json").stdout)}
    assert rows["ingest"]["status"] == "ok"
    assert rows["ingest"]["outcome"] == "1 seen, 1 new, 99 mentions, 0 errors"
    assert rows["maintenance"]["last_run"] == "never"


def test_run_job_failure_exits_1_and_unknown_job_is_named(tmp_path: Path) -> None:
    config = (
        '[[sources]]\nname = "gone"\npath = "missing/"\n[[jobs]]\nname = "in"\nkind = "ingest"\n'
    )
    result = _invoke(tmp_path, "run-job", "in", config=config)
    assert result.exit_code == 1
    assert result.stdout.startswith("in failed in ") and "does not exist" in result.stdout
    result = _invoke(tmp_path, "run-job", "nope", config=config)
    assert result.exit_code == 1
    assert result.output == "Error: no job named 'nope'; jobs: in\n"


def test_bad_job_is_one_line(tmp_path: Path) -> None:
    result = _invoke(
        tmp_path, "jobs", config='[[jobs]]\nname = "r"\nkind = "report"\ncron = "0 6 1 * 1"\n'
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: job 'r' in {tmp_path / 'mentions.toml'}: cron ")
    assert "restricts both the day of the month and the day of the week" in result.output
    assert result.output.count("\n") == 1


def test_numeric_weekday_is_converted_with_a_note(tmp_path: Path) -> None:
    result = _invoke(
        tmp_path,
        "jobs",
        "--json",
        config='[[jobs]]\nname = "r"\nkind = "report"\ncron = "0 6 * * 0"\n',
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["schedule"] == "cron 0 6 * * sun (UTC)"
    assert "note: job 'r'" in result.stderr and "as 'sun'" in result.stderr


def test_sql_snapshot(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "sql", "--snapshot", "select 1")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no snapshot at {tmp_path / 'm.snapshot.duckdb'} yet; the scheduler's maintenance "
        'job writes it, or run "mentions run-job maintenance".\n'
    )
    assert _invoke(tmp_path, "run-job", "ingest").exit_code == 0
    assert _invoke(tmp_path, "run-job", "maintenance").exit_code == 0
    result = _invoke(tmp_path, "sql", "--snapshot", "--csv", "select count(*) as n from articles")
    assert result.stdout == "n\n1\n"
    result = _invoke(tmp_path, "sql", "--snapshot", "--write", "select 1")
    assert result.output == "Error: --snapshot and --write cannot be used together.\n"


def test_scheduler_settings(tmp_path: Path) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text(
        '[database]\npath = "db/m.duckdb"\n'
        '[scheduler]\nlog_file = "logs/m.log"\nlog_max_bytes = 1000\nlog_backups = 2\n',
        encoding="utf-8",
    )
    settings = load_settings(config, environ={})
    assert settings.log_file == tmp_path / "logs" / "m.log"
    assert (settings.log_max_bytes, settings.log_backups) == (1000, 2)
    assert settings.snapshot_file == tmp_path / "db" / "m.snapshot.duckdb"
    config.write_text('[database]\nsnapshot = "copy.duckdb"\n', encoding="utf-8")
    assert load_settings(config, environ={}).snapshot_file == tmp_path / "copy.duckdb"
    config.write_text("[scheduler]\nlog_max_bytes = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="scheduler.log_max_bytes must be at least 1"):
        load_settings(config, environ={})
    config.write_text("[scheduler]\nlogfile = 'x'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"unknown key \[scheduler\] 'logfile'"):
        load_settings(config, environ={})
