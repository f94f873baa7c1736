"""Triggers as written in ``mentions.toml``: intervals ("15m") and crontab expressions.

APScheduler 3.x reads a numeric day-of-week with its own numbering (0 = Monday), so
``CronTrigger.from_crontab("0 9 * * 0")`` fires on Mondays, not on Sundays as crontab
would. Numeric day-of-week fields are therefore rewritten to day names with crontab's
numbering (0 and 7 = Sunday), and the rewrite is reported. Crontab also runs a job when
*either* a restricted day-of-month or a restricted day-of-week matches, APScheduler only
when both do; such expressions are refused rather than silently meaning something else.
All triggers run in UTC, like every time in the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger


class ScheduleError(ValueError):
    """A job declaration that cannot be scheduled as written."""


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+)\s*([smhdw])")
_DURATION = re.compile(r"^\s*(\d+\s*[smhdw]\s*)+$")
# Crontab numbering: index = day number (7 is Sunday again).
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# APScheduler's order, Monday first: how converted day sets are written back.
_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * sun",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_FIELD_NAMES = ("minute", "hour", "day", "month", "day_of_week")


def parse_duration(value: object, what: str) -> timedelta:
    """``"30s"``, ``"15m"``, ``"1h"``, ``"1d"``, ``"1w"``, ``"1h30m"`` or a number of seconds."""
    if isinstance(value, bool):
        raise ScheduleError(f"{what}: {value!r} is not a duration such as 30s, 15m, 1h or 1d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION.match(value.lower()):
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION_PART.findall(value.lower()))
    else:
        raise ScheduleError(f"{what}: {value!r} is not a duration such as 30s, 15m, 1h or 1d")
    if seconds <= 0:
        raise ScheduleError(f"{what}: {value!r} must be longer than zero")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """``timedelta(minutes=90)`` -> ``"1h30m"`` (the inverse of ``parse_duration``)."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


@dataclass(frozen=True)
class CronSpec:
    """A crontab expression as the user wrote it and the fields APScheduler will run."""

    expression: str
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str
    note: str | None = None

    @property
    def fields(self) -> str:
        """The five fields actually scheduled (day names in the day-of-week field)."""
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"


def parse_crontab(expression: str, what: str) -> CronSpec:
    """Five crontab fields (or an @macro) with crontab's meaning, checked and normalised.

    A numeric day-of-week is rewritten to day names (0 and 7 = Sunday) and ``note`` says
    so; restricting both day-of-month and day-of-week is refused.
    """
    text = _MACROS.get(expression.strip().lower(), expression.strip())
    parts = text.split()
    if len(parts) != 5:
        raise ScheduleError(
            f"{what}: cron {expression!r} needs 5 fields "
            f"(minute hour day-of-month month day-of-week), not {len(parts)}"
        )
    minute, hour, day, month, dow = parts
    if day != "*" and dow != "*":
        raise ScheduleError(
            f"{what}: cron {expression!r} restricts both the day of the month and the day of "
            "the week; crontab runs when either matches but APScheduler only when both do. "
            "Declare two jobs instead."
        )
    note = None
    if any(ch.isdigit() for ch in dow):
        names = _crontab_weekdays(dow, expression, what)
        note = (
            f"{what}: cron {expression!r}: day-of-week {dow!r} read with crontab numbering "
            f"(0 and 7 = Sunday) as {names!r}; write day names to make this explicit"
        )
        dow = names
    spec = CronSpec(expression, minute, hour, day, month, dow.lower(), note)
    cron_trigger(spec, what)  # validates every field now, not at the first fire time
    return spec


def cron_trigger(spec: CronSpec, what: str, zone: str = "UTC") -> CronTrigger:
    """The APScheduler trigger of a checked crontab expression, in UTC unless ``zone``
    (an IANA name) is given."""
    try:
        return CronTrigger(
            minute=spec.minute,
            hour=spec.hour,
            day=spec.day,
            month=spec.month,
            day_of_week=spec.day_of_week,
            timezone=UTC if zone == "UTC" else ZoneInfo(zone),
        )
    except ValueError as exc:
        raise ScheduleError(f"{what}: cron {spec.expression!r} is not valid: {exc}") from exc


def interval_trigger(every: timedelta) -> IntervalTrigger:
    """Every ``every``, counted from the moment the scheduler starts."""
    return IntervalTrigger(seconds=every.total_seconds(), timezone=UTC)


def describe_trigger(trigger: BaseTrigger) -> str:
    """One short human line: ``every 15m`` or ``cron 30 0 * * * (UTC)``."""
    if isinstance(trigger, IntervalTrigger):
        return f"every {format_duration(trigger.interval)}"
    if isinstance(trigger, CronTrigger):
        by_name = {f.name: str(f) for f in trigger.fields}
        fields = " ".join(by_name[name] for name in _FIELD_NAMES)
        return f"cron {fields} ({trigger.timezone})"
    return str(trigger)


def _crontab_weekdays(field: str, expression: str, what: str) -> str:
    """The crontab day-of-week field ``field`` as APScheduler day names, Monday first."""
    days: set[int] = set()
    for token in field.lower().split(","):
        match = re.fullmatch(r"(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:/(\d+))?", token)
        if match is None:
            raise ScheduleError(f"{what}: cron {expression!r}: bad day-of-week {token!r}")
        first, last, step = match.groups()
        if first == "*":
            if last is not None:
                raise ScheduleError(f"{what}: cron {expression!r}: bad day-of-week {token!r}")
            low, high = 0, 6
        else:
            low = _crontab_day(first, expression, what)
            high = _crontab_day(last, expression, what) if last is not None else low
            if last is None and step is not None:
                high = 7  # "1/2" means from Monday on, every second day
        if high < low:
            raise ScheduleError(
                f"{what}: cron {expression!r}: day-of-week range {token!r} runs backwards"
            )
        stride = int(step) if step is not None else 1
        if stride < 1:
            raise ScheduleError(f"{what}: cron {expression!r}: step 0 in {token!r}")
        days.update(day % 7 for day in range(low, high + 1, stride))
    return _compress([_CRONTAB_DAYS[d] for d in sorted(days)])


def _crontab_day(token: str, expression: str, what: str) -> int:
    if token.isdigit():
        day = int(token)
        if day > 7:
            raise ScheduleError(
                f"{what}: cron {expression!r}: day-of-week {day} is out of range "
                "(0-7, 0 and 7 = Sunday)"
            )
        return day
    if token in _CRONTAB_DAYS:
        return _CRONTAB_DAYS.index(token)
    raise ScheduleError(f"{what}: cron {expression!r}: unknown day-of-week {token!r}")


def _compress(names: list[str]) -> str:
    """Day names as APScheduler ranges in Monday-first order: mon-fri, sat,sun -> sat-sun."""
    indexes = sorted(_WEEK.index(n) for n in names)
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_WEEK[run[0]]}-{_WEEK[run[-1]]}")
        else:
            parts.extend(_WEEK[i] for i in run)
    return ",".join(parts)
