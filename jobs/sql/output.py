"""`mentions sql` output: results as JSON and CSV text.

JSON keeps JSON's types: numbers stay numbers (HUGEINT and BIGNUM whole, DECIMAL with
its exact digits, NaN and infinities as null), dates, times and timestamps are ISO 8601
(with their offset when they have one), intervals ISO 8601 durations ("P1DT2H"), blobs
base64, lists and arrays JSON arrays, structs and maps JSON objects, JSON columns
embedded as JSON.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any, TextIO

from jobs.sql.statements import StatementResult

# OWASP's list of the first characters that make a spreadsheet treat a cell as a formula
# (https://owasp.org/www-community/attacks/CSV_Injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CSV_SPECIAL = (",", '"', "\n", "\r")


def iso_duration(delta: timedelta) -> str:
    """An ISO 8601 duration: "P1DT2H", "-PT1H30M", "PT0.000001S", "PT0S"."""
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    sign = "-" if micros < 0 else ""
    days, micros = divmod(abs(micros), 86_400_000_000)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    seconds, micros = divmod(micros, 1_000_000)
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if micros:
        clock += f"{seconds}.{micros:06d}".rstrip("0") + "S"
    elif seconds:
        clock += f"{seconds}S"
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{f'T{clock}' if clock else ''}"


def json_ready(value: Any) -> Any:
    """``value`` as DuckDB's Python client returns it, made of JSON's types (Decimal
    is kept: the encoder writes its digits as a number)."""
    if value is None or isinstance(value, bool | int | str | Decimal):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, dict):
        return {_json_key(key): json_ready(item) for key, item in value.items()}
    return str(value)  # UUID and whatever DuckDB adds next


def _json_key(key: Any) -> str:
    ready = json_ready(key)
    return ready if isinstance(ready, str) else _encode(ready, None)


def _encode(value: Any, depth: int | None) -> str:
    """JSON text; ``depth`` None for one line, else indented one space per level."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict) and value:
        parts = [
            f"{json.dumps(key, ensure_ascii=False)}: {_encode(item, _deeper(depth))}"
            for key, item in value.items()
        ]
        return _wrap("{", parts, "}", depth)
    if isinstance(value, list) and value:
        return _wrap("[", [_encode(item, _deeper(depth)) for item in value], "]", depth)
    return json.dumps(value, ensure_ascii=False)


def _deeper(depth: int | None) -> int | None:
    return None if depth is None else depth + 1


def _wrap(opening: str, parts: list[str], closing: str, depth: int | None) -> str:
    if depth is None:
        return opening + ", ".join(parts) + closing
    inner = "\n" + " " * (depth + 1)
    return opening + inner + ("," + inner).join(parts) + "\n" + " " * depth + closing


def _records(result: StatementResult) -> list[dict[str, Any]] | None:
    if not result.columns:
        return None
    records = []
    for row in result.rows:
        record = {}
        for column, kind, value in zip(result.columns, result.types, row, strict=True):
            if kind == "JSON" and isinstance(value, str):
                record[column] = json_ready(json.loads(value, parse_float=Decimal))
            elif kind == "BIGNUM" and isinstance(value, str):
                record[column] = int(value)
            else:
                record[column] = json_ready(value)
        records.append(record)
    return records


def results_json(results: list[StatementResult]) -> str:
    """One statement: a JSON array of row objects. Several: an array holding one such
    array per statement, in order (null for a statement that returns no rows at all,
    as SET does)."""
    if len(results) == 1:
        document: Any = _records(results[0]) or []
    else:
        document = [_records(result) for result in results]
    return _encode(document, 0)


def _csv_cell(value: Any, safe: bool) -> str:
    if value is None:
        return ""
    text = str(value)
    # Numbers are never escaped: a negative number in a numeric column is data, and a
    # spreadsheet reads "-5" as the number it is. Text starting with "-" is escaped.
    if safe and not isinstance(value, int | float | Decimal) and text.startswith(_FORMULA_STARTS):
        text = "'" + text
    # Quoted by hand: the csv module does not quote a lone CR when lines end in LF, and
    # readers then split the row there.
    if any(special in text for special in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(result: StatementResult, out: TextIO, safe: bool = False) -> None:
    """Write the result as CSV (lines end in LF); ``safe`` prefixes with "'" each text
    cell (header included) that a spreadsheet would run as a formula."""
    out.write(",".join(_csv_cell(column, safe) for column in result.columns) + "\n")
    for row in result.rows:
        out.write(",".join(_csv_cell(value, safe) for value in row) + "\n")
