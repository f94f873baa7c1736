"""Trigger maths with a fixed clock: intervals, crontab day-of-week numbering, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from jobs.scheduler.triggers import (
    ScheduleError,
    cron_trigger,
    describe_trigger,
    format_duration,
    interval_trigger,
    parse_crontab,
    parse_duration,
)

WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _fire_times(trigger: CronTrigger, start: datetime, days: int) -> list[datetime]:
    times, previous, now = [], None, start
    while True:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire >= start + timedelta(days=days):
            return times
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("1h", 3600), ("1d", 86400), ("1w", 604800), ("1h30m", 5400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text, "job x") == timedelta(seconds=seconds)
    assert (
        parse_duration(format_duration(timedelta(seconds=seconds)), "x").total_seconds() == seconds
    )


@pytest.mark.parametrize("bad", ["15", "15 minutes", "0s", "", "m", True, -5])
def test_bad_durations_are_named(bad: object) -> None:
    with pytest.raises(ScheduleError, match=r"^job 'x': every: "):
        parse_duration(bad, "job 'x': every")


def test_interval_trigger_fires_every_interval_from_its_start() -> None:
    trigger = interval_trigger(parse_duration("15m", "x"))
    first = trigger.get_next_fire_time(None, datetime.now(UTC))
    assert first is not None
    assert trigger.get_next_fire_time(first, first) == first + timedelta(minutes=15)
    assert describe_trigger(trigger) == "every 15m"


def test_apscheduler_from_crontab_counts_weekdays_from_monday() -> None:
    # The trap this module exists for: if this starts failing, APScheduler changed.
    trap = CronTrigger.from_crontab("0 9 * * 0", timezone=UTC)
    fire = trap.get_next_fire_time(None, WEDNESDAY)
    assert fire is not None and fire.strftime("%A") == "Monday"


@pytest.mark.parametrize(
    ("expression", "weekdays", "names"),
    [
        ("0 9 * * 0", {"Sunday"}, "sun"),
        ("0 9 * * 7", {"Sunday"}, "sun"),
        ("0 6 * * 1-5", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}, "mon-fri"),
        ("0 6 * * 0,6", {"Saturday", "Sunday"}, "sat,sun"),
        ("0 6 * * 5-7", {"Friday", "Saturday", "Sunday"}, "fri-sun"),
        ("0 6 * * */2", {"Sunday", "Tuesday", "Thursday", "Saturday"}, "tue,thu,sat,sun"),
    ],
)
def test_numeric_weekdays_mean_what_crontab_means(
    expression: str, weekdays: set[str], names: str
) -> None:
    spec = parse_crontab(expression, "job 'r'")
    assert spec.day_of_week == names
    assert spec.note is not None and "0 and 7 = Sunday" in spec.note and names in spec.note
    fires = _fire_times(cron_trigger(spec, "r"), WEDNESDAY, 7)
    assert {f.strftime("%A") for f in fires} == weekdays
    assert {(f.hour, f.minute) for f in fires} == {(int(expression.split()[1]), 0)}


def test_day_names_pass_unchanged_and_silently() -> None:
    spec = parse_crontab("0 6 * * mon", "job 'w'")
    assert spec.note is None and spec.fields == "0 6 * * mon"
    fire = cron_trigger(spec, "w").get_next_fire_time(None, WEDNESDAY)
    assert fire == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert describe_trigger(cron_trigger(spec, "w")) == "cron 0 6 * * mon (UTC)"


def test_monthly_and_macros() -> None:
    monthly = cron_trigger(parse_crontab("0 2 1 * *", "m"), "m")
    assert monthly.get_next_fire_time(None, WEDNESDAY) == datetime(2026, 12, 1, 2, tzinfo=UTC)
    weekly = cron_trigger(parse_crontab("@weekly", "w"), "w")
    assert weekly.get_next_fire_time(None, WEDNESDAY) == datetime(2026, 11, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 9 * * 8", "day-of-week 8 is out of range (0-7, 0 and 7 = Sunday)"),
        ("0 9 * * 5-1", "range '5-1' runs backwards"),
        ("0 6 1 * mon", "restricts both the day of the month and the day of the week"),
        ("0 6 1 * 1", "restricts both the day of the month and the day of the week"),
        ("61 * * * *", "is not valid"),
        ("0 6 * *", "needs 5 fields"),
        ("0 6 * * funday", "is not valid"),
    ],
)
def test_bad_cron_is_refused_with_the_job_and_expression(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_crontab(expression, "job 'r' in mentions.toml")
    assert str(info.value).startswith(f"job 'r' in mentions.toml: cron {expression!r}")
    assert message in str(info.value)
