"""The names a user gives in settings for time: report periods and time zones, checked
without loading polars (0.19 s to import), so a command that never touches a frame, such
as `mentions sql`, starts without it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The report periods and their polars intervals. Quarters start on 1 January, April,
# July and October; years on 1 January.
PERIODS = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}


class UnknownTimeZoneError(ValueError):
    """A name that is not an IANA time zone (such as 'Europe/Paris')."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown time zone {name!r}; use an IANA name such as 'UTC', "
            "'Europe/Paris' or 'America/New_York'"
        )


def check_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone known here, else UnknownTimeZoneError."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise UnknownTimeZoneError(name)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZoneError(name) from None
    # polars carries its own copy of the database: both must know the name. Loaded
    # here, only when a zone is given.
    import polars as pl

    try:
        pl.select(pl.lit(datetime(2000, 1, 1)).dt.replace_time_zone(name))
    except pl.exceptions.PolarsError:
        raise UnknownTimeZoneError(name) from None
    return name
