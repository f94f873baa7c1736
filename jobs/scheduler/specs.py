"""The scheduled jobs: ``[[jobs]]`` from ``mentions.toml`` checked into ``JobSpec``s,
or sensible defaults when none are declared."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from analytics.time_names import PERIODS as PERIOD_INTERVALS
from jobs.scheduler.triggers import (
    ScheduleError,
    cron_trigger,
    describe_trigger,
    interval_trigger,
    parse_crontab,
    parse_duration,
)
from jobs.settings import JobConfig, Settings, SourceConfig

log = logging.getLogger(__name__)

KINDS = ("ingest", "report", "maintenance", "extract")
PERIODS = tuple(PERIOD_INTERVALS)
MAINTENANCE_TASKS = ("checkpoint", "snapshot")
# When a job declares no trigger: ingest often, reports shortly after their period ends.
DEFAULT_EVERY = {"ingest": "15m", "maintenance": "1h", "extract": "1d"}
# Default report crons run on the clock of [reports] timezone, where the periods end.
DEFAULT_REPORT_CRON = {
    "day": "30 0 * * *",
    "week": "0 1 * * mon",
    "month": "0 2 1 * *",
    "quarter": "0 3 1 1,4,7,10 *",
    "year": "0 4 1 1 *",
}
# A run later than this is dropped (the next one comes soon); cron jobs may run an hour late.
MAX_INTERVAL_GRACE = timedelta(hours=1)
CRON_GRACE = timedelta(hours=1)
_OPTIONS = {
    "ingest": {"grace", "run_on_start"},
    "report": {"grace", "run_on_start", "catch_up"},
    "maintenance": {"grace", "run_on_start", "tasks"},
    "extract": {"grace", "run_on_start"},
}
_KIND_KEYS = {"ingest": {"source"}, "report": {"period"}, "maintenance": set(), "extract": set()}

DEFAULT_JOBS = (
    JobConfig(name="ingest", kind="ingest", every=DEFAULT_EVERY["ingest"]),
    JobConfig(name="daily-report", kind="report", period="day"),
    JobConfig(name="weekly-report", kind="report", period="week"),
    JobConfig(name="monthly-report", kind="report", period="month"),
    JobConfig(name="maintenance", kind="maintenance", every=DEFAULT_EVERY["maintenance"]),
)


@dataclass(frozen=True)
class JobSpec:
    """One job, checked: what it runs, when, and how late it may still run."""

    name: str
    kind: str
    trigger: BaseTrigger
    grace: timedelta
    run_on_start: bool = False
    period: str | None = None
    sources: tuple[SourceConfig, ...] | None = None
    tasks: tuple[str, ...] = ()
    catch_up: bool = True
    note: str | None = None

    @property
    def schedule(self) -> str:
        """The trigger in one short line."""
        return describe_trigger(self.trigger)

    @property
    def interval(self) -> timedelta | None:
        return self.trigger.interval if isinstance(self.trigger, IntervalTrigger) else None


def job_specs(settings: Settings) -> list[JobSpec]:
    """The declared jobs (or the defaults), checked; raises ScheduleError naming the job."""
    configs = settings.jobs or DEFAULT_JOBS
    specs = [job_spec(config, settings) for config in configs]
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ScheduleError(f"two jobs are named {spec.name!r}{_where(settings)}")
        seen.add(spec.name)
    return specs


def job_spec(config: JobConfig, settings: Settings) -> JobSpec:
    """One ``[[jobs]]`` entry as a JobSpec."""
    what = f"job {config.name!r}{_where(settings)}"
    if config.kind not in KINDS:
        raise ScheduleError(f"{what}: unknown kind {config.kind!r}; use one of {', '.join(KINDS)}")
    unknown = set(config.options) - _OPTIONS[config.kind]
    if unknown:
        known = ", ".join(
            ["every", "cron", *sorted(_OPTIONS[config.kind] | _KIND_KEYS[config.kind])]
        )
        raise ScheduleError(
            f"{what}: unknown key {sorted(unknown)[0]!r} for a {config.kind} job; known: {known}"
        )
    if config.every is not None and config.cron is not None:
        raise ScheduleError(f"{what}: give either every or cron, not both")
    period = _period(config, settings, what)
    trigger, note = _trigger(config, period, what, settings.timezone)
    if isinstance(trigger, IntervalTrigger):
        grace = min(trigger.interval, MAX_INTERVAL_GRACE)
    else:
        grace = CRON_GRACE
    options = config.options
    if "grace" in options:
        grace = parse_duration(options["grace"], f"{what}: grace")
    return JobSpec(
        name=config.name,
        kind=config.kind,
        trigger=trigger,
        grace=grace,
        run_on_start=_flag(options, "run_on_start", config.kind == "ingest", what),
        period=period,
        sources=_sources(config, settings, what),
        tasks=_tasks(config, what),
        catch_up=_flag(options, "catch_up", True, what),
        note=note,
    )


def _where(settings: Settings) -> str:
    return f" in {settings.config_path}" if settings.config_path else ""


def _period(config: JobConfig, settings: Settings, what: str) -> str | None:
    if config.kind != "report":
        if config.period is not None:
            raise ScheduleError(f"{what}: period only applies to report jobs")
        return None
    period = config.period or settings.default_period
    if period not in PERIODS:
        raise ScheduleError(f"{what}: period must be one of {', '.join(PERIODS)}, not {period!r}")
    return period


def _trigger(
    config: JobConfig, period: str | None, what: str, zone: str
) -> tuple[BaseTrigger, str | None]:
    if config.cron is not None:
        if not isinstance(config.cron, str):
            raise ScheduleError(f"{what}: cron must be a string such as '0 6 * * mon'")
        spec = parse_crontab(config.cron, what)
        return cron_trigger(spec, what), spec.note
    if config.every is not None:
        return interval_trigger(parse_duration(config.every, f"{what}: every")), None
    if period is not None:
        spec = parse_crontab(DEFAULT_REPORT_CRON[period], what)
        return cron_trigger(spec, what, zone), None
    every = parse_duration(DEFAULT_EVERY[config.kind], what)
    return interval_trigger(every), None


def _flag(options: dict[str, Any], key: str, default: bool, what: str) -> bool:
    value = options.get(key, default)
    if not isinstance(value, bool):
        raise ScheduleError(f"{what}: {key} must be true or false, not {value!r}")
    return value


def _sources(config: JobConfig, settings: Settings, what: str) -> tuple[SourceConfig, ...] | None:
    if config.source is None:
        return None
    if config.kind != "ingest":
        raise ScheduleError(f"{what}: source only applies to ingest jobs")
    names = [config.source] if isinstance(config.source, str) else list(config.source)
    known = {s.name: s for s in settings.default_sources}
    missing = [n for n in names if n not in known]
    if missing:
        raise ScheduleError(
            f"{what}: no source named {missing[0]!r}; known: {', '.join(known) or 'none'}"
        )
    return tuple(known[n] for n in names)


def _tasks(config: JobConfig, what: str) -> tuple[str, ...]:
    if config.kind != "maintenance":
        return ()
    tasks = config.options.get("tasks", list(MAINTENANCE_TASKS))
    if isinstance(tasks, str):
        tasks = [tasks]
    bad = [t for t in tasks if t not in MAINTENANCE_TASKS]
    if bad or not tasks:
        raise ScheduleError(
            f"{what}: tasks must be a list of {', '.join(MAINTENANCE_TASKS)}, not {tasks!r}"
        )
    return tuple(tasks)
