from __future__ import annotations

from pathlib import Path

import pytest

from jobs.settings import DEFAULT_SEEDS_DIR, SettingsError, load_settings


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.db_path == Path("data/mentions.duckdb")
    assert settings.reports_folder == Path("data/reports/mentions")
    assert [s.location for s in settings.default_sources] == [str(DEFAULT_SEEDS_DIR / "articles")]


def test_toml_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text(
        '[database]\npath = "db/news.duckdb"\n[reports]\ntop = 5\nperiod = "month"\n'
        '[[sources]]\nname = "archive"\npath = "archive/"\n'
        '[[jobs]]\nname = "weekly"\nkind = "report"\nperiod = "week"\ncron = "0 6 * * mon"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, environ={"MENTIONS_TOP": "7"})
    assert settings.db_path == tmp_path / "db/news.duckdb"
    assert settings.top == 7
    assert settings.default_period == "month"
    assert settings.sources[0].location == str(tmp_path / "archive/")
    assert settings.jobs[0].cron == "0 6 * * mon"
    assert load_settings(config, environ={}, top=3).top == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[database]\npaht = 'x'\n", "unknown key [database] 'paht'"),
        ("[databse]\n", "unknown section [databse]"),
        ("[reports]\ntop = 0\n", "reports.top must be at least 1"),
        (
            "[reports]\nperiod = 'decade'\n",
            "reports.period must be one of day, week, month, quarter, year, not 'decade'",
        ),
        ("[[sources]]\nname = 'x'\n", "needs url or path"),
        ("not toml = = 1", "is not valid TOML"),
    ],
)
def test_bad_config_is_named(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(config, environ={})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_forms_from_toml_and_environment_are_validated(tmp_path: Path) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text('[reports]\nforms = ["name", "leaders"]\n', encoding="utf-8")
    assert load_settings(config, environ={}).forms == ("name", "leaders")
    env = {"MENTIONS_FORMS": "adjective,name"}
    assert load_settings(None, environ=env).forms == ("name", "adjective")
    config.write_text('[reports]\nforms = ["name", "nickname"]\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="reports.forms: unknown form\\(s\\) 'nickname'"):
        load_settings(config, environ={})


def test_reports_timezone_defaults_to_utc_and_is_read_from_toml_and_environment(
    tmp_path: Path,
) -> None:
    assert load_settings(None, environ={}).timezone == "UTC"
    config = tmp_path / "mentions.toml"
    config.write_text('[reports]\ntimezone = "America/New_York"\nperiod = "quarter"\n')
    settings = load_settings(config, environ={})
    assert (settings.timezone, settings.default_period) == ("America/New_York", "quarter")
    assert load_settings(config, environ={"MENTIONS_TIMEZONE": "Asia/Tokyo"}).timezone == (
        "Asia/Tokyo"
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "EST 5"])
def test_a_bad_reports_timezone_is_one_line_naming_setting_and_value(
    tmp_path: Path, zone: str
) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text(f'[reports]\ntimezone = "{zone}"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings(config, environ={})
    message = str(raised.value)
    assert message.startswith(f"[reports] timezone: unknown time zone {zone!r}; use an IANA name")
    assert "\n" not in message
    config.write_text("[reports]\ntimezone = 5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^\[reports\] timezone: unknown time zone 5;"):
        load_settings(config, environ={})
