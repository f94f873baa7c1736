"""Settings: defaults, then an optional ``mentions.toml``, then ``MENTIONS_*`` variables."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from analytics.form_policy import ALL_FORMS, DEFAULT_FORMS, UnknownFormError, parse_forms
from analytics.time_names import PERIODS, UnknownTimeZoneError, check_time_zone

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS_DIR = PROJECT_ROOT / "seeds"
DEFAULT_CONFIG_NAME = "mentions.toml"


class SettingsError(ValueError):
    """A configuration file or variable holds an unknown key or a bad value."""


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: a path (file, folder, dump) or a URL (feed, page)."""

    name: str
    location: str
    kind: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobConfig:
    """One scheduled job as declared in ``[[jobs]]``."""

    name: str
    kind: str
    every: str | None = None
    cron: str | None = None
    period: str | None = None
    source: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """Everything a job needs to know; travels as an argument, never as a global."""

    db_path: Path = field(
        default=Path("data/mentions.duckdb"), metadata={"help": "the DuckDB file"}
    )
    reports_dir: Path | None = field(
        default=None,
        metadata={
            "help": "where report pages are written (default: <db folder>/reports/<db name>/, "
            "so each database has its own)"
        },
    )
    seeds_dir: Path = field(
        default=DEFAULT_SEEDS_DIR, metadata={"help": "countries.csv, leaders.csv, articles/"}
    )
    top: int = field(default=10, metadata={"help": "entities shown per chart"})
    min_articles: int = field(
        default=3,
        metadata={"help": "articles an entity needs in the period to enter a top list"},
    )
    default_period: str = field(
        default="week", metadata={"help": "period of the report made by `mentions run`"}
    )
    forms: tuple[str, ...] = field(
        default=DEFAULT_FORMS,
        metadata={
            "help": f"which mentions count for a country in reports: any of {', '.join(ALL_FORMS)}"
        },
    )
    timezone: str = field(
        default="UTC",
        metadata={
            "help": "IANA time zone where a report's day starts (stored times stay UTC): "
            "an article belongs to the day, week, month, quarter or year of its local time"
        },
    )
    lock_timeout: float = field(
        default=60.0, metadata={"help": "seconds a job waits for a busy database file"}
    )
    ingest_batch_size: int = field(
        default=2000, metadata={"help": "articles per ingest transaction"}
    )
    ingest_workers: int = field(
        default=0,
        metadata={
            "help": "processes that extract and sign ingest batches in parallel "
            "(0: one per CPU core; 1: none, all in the ingest process)"
        },
    )
    fetch_timeout: float = field(
        default=20.0,
        metadata={
            "help": "seconds to wait for a feed or page server to connect or send more bytes; "
            "a whole download, redirects and headers included, is cut at 3 x this"
        },
    )
    max_download_bytes: int = field(
        default=10_000_000, metadata={"help": "larger feeds and pages are refused"}
    )
    max_redirects: int = field(default=5, metadata={"help": "redirects followed per download"})
    allow_private_redirects: bool = field(
        default=False,
        metadata={
            "help": "follow a redirect to a loopback, private, link-local or other non-public "
            "address even when the source is not on such an address (refused by default: "
            "server-side request forgery)"
        },
    )
    sources: tuple[SourceConfig, ...] = field(
        default=(), metadata={"help": "configured sources; empty means seeds/articles/"}
    )
    jobs: tuple[JobConfig, ...] = field(default=(), metadata={"help": "scheduled jobs"})
    snapshot_path: Path | None = field(
        default=None,
        metadata={"help": "read-only copy for long queries (default: <db>.snapshot.duckdb)"},
    )
    log_file: Path | None = field(
        default=None, metadata={"help": "rotating log file of `mentions schedule`, if any"}
    )
    log_max_bytes: int = field(
        default=10_000_000, metadata={"help": "size at which the log file is rotated"}
    )
    log_backups: int = field(default=5, metadata={"help": "rotated log files kept"})
    config_path: Path | None = field(default=None, metadata={"help": "the file read, if any"})

    @property
    def default_sources(self) -> tuple[SourceConfig, ...]:
        """The configured sources, or the bundled articles when none are configured."""
        if self.sources:
            return self.sources
        return (SourceConfig(name="seed-articles", location=str(self.seeds_dir / "articles")),)

    @property
    def reports_folder(self) -> Path:
        """The reports folder: ``reports_dir`` if set, else one beside the database,
        named after it (data/mentions.duckdb -> data/reports/mentions/)."""
        if self.reports_dir is not None:
            return self.reports_dir
        return self.db_path.parent / "reports" / self.db_path.stem

    @property
    def snapshot_file(self) -> Path:
        """Where the maintenance job publishes the read-only snapshot."""
        if self.snapshot_path is not None:
            return self.snapshot_path
        return self.db_path.with_name(f"{self.db_path.stem}.snapshot{self.db_path.suffix}")


_SECTIONS: dict[str, dict[str, str]] = {
    "database": {"path": "db_path", "lock_timeout": "lock_timeout", "snapshot": "snapshot_path"},
    "reports": {
        "dir": "reports_dir",
        "top": "top",
        "min_articles": "min_articles",
        "period": "default_period",
        "forms": "forms",
        "timezone": "timezone",
    },
    "seeds": {"dir": "seeds_dir"},
    "scheduler": {
        "log_file": "log_file",
        "log_max_bytes": "log_max_bytes",
        "log_backups": "log_backups",
    },
    "ingest": {
        "batch_size": "ingest_batch_size",
        "workers": "ingest_workers",
        "timeout": "fetch_timeout",
        "max_bytes": "max_download_bytes",
        "max_redirects": "max_redirects",
        "allow_private_redirects": "allow_private_redirects",
    },
}
_ENV = {
    "MENTIONS_DB": "db_path",
    "MENTIONS_REPORTS_DIR": "reports_dir",
    "MENTIONS_SEEDS_DIR": "seeds_dir",
    "MENTIONS_TOP": "top",
    "MENTIONS_FORMS": "forms",
    "MENTIONS_TIMEZONE": "timezone",
    "MENTIONS_LOG_FILE": "log_file",
}
_PERIODS = tuple(PERIODS)


def load_settings(
    config_path: Path | None = None,
    *,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Layer defaults, the TOML file (``config_path`` or ./mentions.toml if present),
    ``MENTIONS_*`` variables and explicit overrides (None values are ignored)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_path
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = Path(DEFAULT_CONFIG_NAME)
    if path is not None:
        values.update(_read_toml(path))
        values["config_path"] = path
    for var, name in _ENV.items():
        if env.get(var):
            values[name] = env[var]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return _validated(Settings(), values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise SettingsError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
    values: dict[str, Any] = {}
    for section, content in raw.items():
        if section == "sources":
            values["sources"] = tuple(_source(path, i, s) for i, s in enumerate(content))
        elif section == "jobs":
            values["jobs"] = tuple(_job(path, i, j) for i, j in enumerate(content))
        elif section in _SECTIONS and isinstance(content, dict):
            for key, value in content.items():
                if key not in _SECTIONS[section]:
                    raise SettingsError(f"unknown key [{section}] {key!r} in {path}")
                values[_SECTIONS[section][key]] = value
        else:
            raise SettingsError(f"unknown section [{section}] in {path}")
    base = path.parent
    for key in ("db_path", "reports_dir", "seeds_dir", "snapshot_path", "log_file"):
        if key in values and not Path(values[key]).is_absolute():
            values[key] = base / values[key]
    return values


def _source(path: Path, index: int, raw: Any) -> SourceConfig:
    if not isinstance(raw, dict):
        raise SettingsError(f"[[sources]] entry {index + 1} in {path} is not a table")
    raw = dict(raw)
    location = raw.pop("url", None) or raw.pop("path", None)
    if not location:
        raise SettingsError(f"[[sources]] entry {index + 1} in {path} needs url or path")
    if "://" not in str(location) and not Path(location).is_absolute():
        location = str(path.parent / location)
    name = str(raw.pop("name", None) or location)
    kind = str(raw.pop("kind", "auto"))
    return SourceConfig(name=name, location=str(location), kind=kind, options=raw)


def _job(path: Path, index: int, raw: Any) -> JobConfig:
    if not isinstance(raw, dict) or "name" not in raw or "kind" not in raw:
        raise SettingsError(f"[[jobs]] entry {index + 1} in {path} needs name and kind")
    raw = dict(raw)
    known = {f.name for f in fields(JobConfig)} - {"options"}
    kwargs = {k: raw.pop(k) for k in list(raw) if k in known}
    return JobConfig(**kwargs, options=raw)


def _validated(settings: Settings, values: dict[str, Any]) -> Settings:
    for key in ("db_path", "reports_dir", "seeds_dir", "config_path", "snapshot_path", "log_file"):
        if values.get(key) is not None:
            values[key] = Path(values[key])
    try:
        for key in ("top", "min_articles"):
            if key in values:
                values[key] = int(values[key])
        if "lock_timeout" in values:
            values["lock_timeout"] = float(values["lock_timeout"])
        for key in ("log_max_bytes", "log_backups"):
            if key in values:
                values[key] = int(values[key])
        for key in ("ingest_batch_size", "ingest_workers", "max_download_bytes", "max_redirects"):
            if key in values:
                values[key] = int(values[key])
        if "fetch_timeout" in values:
            values["fetch_timeout"] = float(values["fetch_timeout"])
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"bad number in settings: {exc}") from exc
    if not isinstance(values.get("allow_private_redirects", False), bool):
        raise SettingsError(
            "[ingest] allow_private_redirects must be true or false, not "
            f"{values['allow_private_redirects']!r}"
        )
    if "forms" in values:
        try:
            values["forms"] = parse_forms(values["forms"])
        except UnknownFormError as exc:
            raise SettingsError(f"reports.forms: {exc}") from exc
    if "timezone" in values:
        try:
            values["timezone"] = check_time_zone(values["timezone"])
        except UnknownTimeZoneError as exc:
            raise SettingsError(f"[reports] timezone: {exc}") from exc
    result = replace(settings, **values)
    if result.top < 1:
        raise SettingsError(f"reports.top must be at least 1, not {result.top}")
    if result.min_articles < 1:
        raise SettingsError(f"reports.min_articles must be at least 1, not {result.min_articles}")
    if result.log_max_bytes < 1 or result.log_backups < 0:
        raise SettingsError(
            "scheduler.log_max_bytes must be at least 1 and scheduler.log_backups at least 0"
        )
    if result.ingest_batch_size < 1 or result.max_download_bytes < 1 or result.fetch_timeout <= 0:
        raise SettingsError(
            "[ingest] batch_size, max_bytes and timeout must be positive, not "
            f"{result.ingest_batch_size}, {result.max_download_bytes}, {result.fetch_timeout}"
        )
    if result.ingest_workers < 0:
        raise SettingsError(
            f"[ingest] workers must be 0 (one per core) or more, not {result.ingest_workers}"
        )
    if result.default_period not in _PERIODS:
        raise SettingsError(
            f"reports.period must be one of {', '.join(_PERIODS)}, not {result.default_period!r}"
        )
    return result
