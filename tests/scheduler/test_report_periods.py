"""Quarter and year report jobs, and report jobs in the reader's time zone: which
periods are due, when the default triggers fire, and the watermark of a report
rendered before its period ended there."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from jobs.ingest import run_ingest
from jobs.scheduler.catch_up import report_starts, run_due_reports
from jobs.scheduler.specs import job_specs
from jobs.settings import JobConfig, Settings, SourceConfig
from jobs.store.connect import connect
from jobs.store.periods import last_complete_report
from jobs.store.schema import ensure_schema

NOW = datetime(2026, 11, 25, 12, 0)  # naive UTC like the store


@pytest.mark.parametrize(
    ("period", "watermark", "expected"),
    [
        ("quarter", None, [date(2026, 7, 1)]),
        ("quarter", date(2026, 1, 1), [date(2026, 4, 1), date(2026, 7, 1)]),
        ("quarter", date(2026, 7, 1), []),
        ("year", None, [date(2025, 1, 1)]),
        ("year", date(2023, 1, 1), [date(2024, 1, 1), date(2025, 1, 1)]),
    ],
)
def test_quarter_and_year_report_starts(
    period: str, watermark: date | None, expected: list[date]
) -> None:
    assert report_starts(period, watermark, NOW) == expected


def test_the_first_hours_of_a_day_in_utc_are_yesterday_in_washington() -> None:
    # 1 January 2027, 03:00 UTC is 31 December, 22:00 in Washington: 2026 is not over there.
    new_year = datetime(2027, 1, 1, 3)
    assert report_starts("year", None, new_year) == [date(2026, 1, 1)]
    assert report_starts("year", None, new_year, "America/New_York") == [date(2025, 1, 1)]
    assert report_starts("day", None, new_year, "America/New_York") == [date(2026, 12, 30)]
    assert report_starts("quarter", date(2026, 4, 1), new_year, "America/New_York") == [
        date(2026, 7, 1)
    ]


def test_quarter_and_year_jobs_fire_after_their_period(settings: Settings) -> None:
    jobs = (
        JobConfig("quarterly-report", "report", period="quarter"),
        JobConfig("yearly-report", "report", period="year"),
    )
    specs = {s.name: s for s in job_specs(replace(settings, jobs=jobs))}
    quarterly, yearly = specs["quarterly-report"], specs["yearly-report"]
    assert (quarterly.period, yearly.period) == ("quarter", "year")
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert quarterly.trigger.get_next_fire_time(None, now) == datetime(2027, 1, 1, 3, tzinfo=UTC)
    fire = quarterly.trigger.get_next_fire_time(None, datetime(2027, 1, 2, tzinfo=UTC))
    assert fire == datetime(2027, 4, 1, 3, tzinfo=UTC)
    assert yearly.trigger.get_next_fire_time(None, now) == datetime(2027, 1, 1, 4, tzinfo=UTC)
    assert quarterly.schedule == "cron 0 3 1 1,4,7,10 * (UTC)"


def test_default_report_triggers_fire_after_midnight_in_the_readers_zone(
    settings: Settings,
) -> None:
    washington = replace(settings, timezone="America/New_York")
    specs = {s.name: s for s in job_specs(washington)}
    daily = specs["daily-report"]
    assert daily.schedule == "cron 30 0 * * * (America/New_York)"
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    # 00:30 in Washington (EST, UTC-5) is 05:30 UTC.
    assert daily.trigger.get_next_fire_time(None, now) == datetime(2026, 11, 26, 5, 30, tzinfo=UTC)
    # Declared crons keep their documented UTC.
    declared = replace(washington, jobs=(JobConfig("d", "report", period="day", cron="0 6 * * *"),))
    assert job_specs(declared)[0].schedule == "cron 0 6 * * * (UTC)"


def test_a_report_rendered_before_its_day_ended_in_washington_is_no_watermark(
    settings: Settings,
) -> None:
    with connect(settings.db_path) as con:
        ensure_schema(con)
        con.execute(
            "insert into reports (period, start_on, end_on, path, created_at) values "
            # 03:00 UTC on the 25th: the 24th is over in UTC, not yet in Washington.
            "('day', '2026-11-24', '2026-11-24', 'x', '2026-11-25 03:00:00'),"
            "('day', '2026-11-23', '2026-11-23', 'y', '2026-11-24 06:00:00')"
        )
        assert last_complete_report(con, "day") == date(2026, 11, 24)
        assert last_complete_report(con, "day", "America/New_York") == date(2026, 11, 23)
        assert last_complete_report(con, "day", "Asia/Tokyo") == date(2026, 11, 24)


def test_catch_up_renders_the_days_of_the_readers_zone(settings: Settings, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        "".join(
            json.dumps({"id": f"a{d}", "title": "Russia", "text": f"Ukraine {d}", "published": p})
            + "\n"
            # The last is 23 November, 21:00 in Washington.
            for d, p in enumerate(["2026-11-22T12:00:00Z", "2026-11-24T02:00:00Z"])
        ),
        encoding="utf-8",
    )
    washington = replace(settings, timezone="America/New_York")
    run_ingest(washington, [SourceConfig("dump", str(dump))])
    with connect(settings.db_path) as con:
        con.execute(
            "insert into reports (period, start_on, end_on, path, created_at) "
            "values ('day', '2026-11-21', '2026-11-21', 'x', '2026-11-22 06:00:00')"
        )
    # 04:00 UTC on the 25th is 23:00 on the 24th in Washington: the 22nd and 23rd are due.
    made = run_due_reports(washington, "day", datetime(2026, 11, 25, 4))
    assert [(r.start_on, r.articles) for r in made] == [
        (date(2026, 11, 22), 1),
        (date(2026, 11, 23), 1),
    ]
