"""Publication times as sources write them -> naive UTC, the offset applied once, here.

Sources write dates in ISO 8601 (dumps, HTML metadata, Atom), RFC 822 (RSS,
HTTP), as epoch numbers or as typed values (Parquet); a file name may carry a
date (``2022-03-01-talks.txt``). A time without an offset is taken as UTC.
"""

from __future__ import annotations

import email.utils
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

# A date in a file name: 2022-03-01, 2022_03_01, 2022.03.01 or 20220301, not inside a longer number.
_FILENAME_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12][0-9]|3[01])(?![0-9])"
)
_EPOCH_MS = 100_000_000_000  # numbers above this are milliseconds (year 5138 in seconds)
EARLIEST = datetime(1900, 1, 1)


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 or RFC 822 date or time as naive UTC; an offset is applied, none means UTC.

    Raises ValueError naming the value when it is neither.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty date")
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        if len(iso) == 10 and iso[4] == "-":
            return datetime.combine(date.fromisoformat(iso), datetime.min.time())
        return _naive_utc(datetime.fromisoformat(iso))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise ValueError(f"not an ISO 8601 or RFC 822 date: {text[:40]!r}")
    return _naive_utc(parsed)


def coerce_timestamp(value: Any) -> datetime | None:
    """A date from any typed value a dump may hold (str, datetime, date, epoch number);
    None for missing values. Raises ValueError for values that are not dates."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        result = _naive_utc(value)
    elif isinstance(value, date):
        result = datetime.combine(value, datetime.min.time())
    elif isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    elif isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _EPOCH_MS else value
        try:
            result = datetime(1970, 1, 1) + timedelta(seconds=float(seconds))
        except OverflowError as exc:
            raise ValueError(f"not a date: {value!r}") from exc
    else:
        result = parse_timestamp(str(value))
    if result < EARLIEST:
        raise ValueError(f"implausible date {result:%Y-%m-%d}")
    return result


def struct_time_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` (already UTC) as a naive datetime."""
    if value is None:
        return None
    try:
        return datetime(*value[:6])
    except (TypeError, ValueError):
        return None


def filename_date(name: str) -> datetime | None:
    """The date a file name carries (midnight UTC), or None."""
    for match in _FILENAME_DATE.finditer(name):
        year, _, month, day = match.groups()
        try:
            return datetime(int(year), int(month), int(day))
        except ValueError:
            continue
    return None
