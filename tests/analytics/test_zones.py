"""Report periods in the reader's time zone: stored times stay naive UTC, and are
converted once, for bucketing, to the wall clock of ``[reports] timezone``."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.zones import UnknownTimeZoneError, check_time_zone, local_of, local_times, utc_of


def test_a_washington_evening_is_the_previous_day_there() -> None:
    frame = pl.DataFrame(
        {
            "article_id": ["a", "b"],
            "published_at": [datetime(2022, 3, 1, 3), datetime(2022, 7, 1, 3)],
        }
    )
    local = local_times(frame, "America/New_York")
    expected = pl.DataFrame(
        {
            "article_id": ["a", "b"],
            # EST (UTC-5) in March before the change, EDT (UTC-4) in July.
            "published_at": [datetime(2022, 2, 28, 22), datetime(2022, 6, 30, 23)],
        }
    )
    assert_frame_equal(local, expected, check_dtypes=False)
    assert local.schema["published_at"] == pl.Datetime("us")
    assert local.schema["published_at"].time_zone is None  # type: ignore[attr-defined]
    assert local.schema == local_times(frame, "UTC").schema
    assert_frame_equal(local_times(frame, "UTC"), frame, check_dtypes=False)


def test_local_times_keep_an_empty_frame_and_a_null_time() -> None:
    frame = pl.DataFrame(
        {"published_at": [None, datetime(2022, 3, 1)]}, schema={"published_at": pl.Datetime("us")}
    )
    assert local_times(frame, "Asia/Tokyo")["published_at"].to_list() == [
        None,
        datetime(2022, 3, 1, 9),
    ]
    assert local_times(frame.clear(), "Asia/Tokyo").height == 0


def test_local_midnight_as_stored_utc_and_back() -> None:
    assert utc_of(date(2022, 3, 1), "America/New_York") == datetime(2022, 3, 1, 5)
    assert utc_of(date(2022, 7, 1), "America/New_York") == datetime(2022, 7, 1, 4)
    assert utc_of(date(2022, 3, 1), "Asia/Kolkata") == datetime(2022, 2, 28, 18, 30)
    assert utc_of(date(2022, 3, 1), "UTC") == datetime(2022, 3, 1)
    assert local_of(datetime(2022, 3, 1, 3), "America/New_York") == datetime(2022, 2, 28, 22)
    assert local_of(datetime(2022, 3, 1, 3), "UTC") == datetime(2022, 3, 1, 3)


def test_check_time_zone_names_the_bad_value() -> None:
    assert check_time_zone("Europe/Paris") == "Europe/Paris"
    for bad in ("Mars/Olympus_Mons", "", "../etc/passwd", "EST5EDT "):
        with pytest.raises(UnknownTimeZoneError, match=f"unknown time zone {bad!r}"):
            check_time_zone(bad)


def test_a_day_that_starts_at_a_clock_change_starts_when_its_first_hour_does() -> None:
    # Santiago skipped 00:00-01:00 on 11 September 2022: the day began at 01:00 there.
    assert utc_of(date(2022, 9, 11), "America/Santiago") == datetime(2022, 9, 11, 4)
    assert local_of(datetime(2022, 9, 11, 3, 59), "America/Santiago").date() == date(2022, 9, 10)
    # It repeated 23:00-24:00 on 2 April 2022: 3 April began once, at 04:00 UTC.
    assert utc_of(date(2022, 4, 3), "America/Santiago") == datetime(2022, 4, 3, 4)
    assert local_of(datetime(2022, 4, 3, 3, 30), "America/Santiago").date() == date(2022, 4, 2)
