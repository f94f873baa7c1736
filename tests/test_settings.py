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
        ("[reports]\nperiod = 'year'\n", "reports.period must be one of day, week, month"),
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
