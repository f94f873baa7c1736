"""A string column's bytes as Arrow holds them, for compiled loops over many texts."""

from __future__ import annotations

import numpy as np
import polars as pl


def utf8_buffer(column: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of ``column`` (no nulls) and each text's offsets into them: text
    ``i`` is ``data[offsets[i]:offsets[i + 1]]``. No Python string is made; the bytes
    are read-only views of the column's own buffer (only its rows: a buffer may hold
    more, padding or rows sliced away)."""
    array = column.to_arrow()  # large_string: 64-bit offsets
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)
    offsets = offsets[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data, offsets - offsets[0]
