"""Report periods in the reader's time zone.

Stored times are naive UTC. A briefing given on the evening of 28 February in
Washington is stored as 1 March, 03:00; for a reader in Washington it belongs to
February. Reports convert published_at once, to the wall clock of
``[reports] timezone``, before anything is bucketed; the stored data stays UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import polars as pl

# Re-exported: the checks of a zone name live where settings read them without polars.
from analytics.time_names import UnknownTimeZoneError as UnknownTimeZoneError
from analytics.time_names import check_time_zone as check_time_zone


def local_times(frame: pl.DataFrame, zone: str, column: str = "published_at") -> pl.DataFrame:
    """``frame`` with ``column`` (naive UTC) turned into the naive wall-clock time of
    ``zone``, at microseconds, so days, weeks and months truncate where the reader's do."""
    times = pl.col(column).cast(pl.Datetime("us"))
    if zone == "UTC":
        return frame.with_columns(times)
    return frame.with_columns(
        times.dt.replace_time_zone("UTC").dt.convert_time_zone(zone).dt.replace_time_zone(None)
    )


def utc_of(day: date, zone: str) -> datetime:
    """The stored (naive UTC) time of midnight starting ``day`` in ``zone``."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    return midnight.astimezone(UTC).replace(tzinfo=None)


def local_of(moment: datetime, zone: str) -> datetime:
    """The naive wall-clock time in ``zone`` of a stored (naive UTC) ``moment``."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
