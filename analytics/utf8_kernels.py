"""UTF-8 read by compiled loops (numba): the character that starts at a byte.

Apart from ``analytics.utf8`` so that importing the buffers does not import numba (a
quarter of a second, paid by the loops that need it). Compiled on first use and cached
beside this file (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def code_point(data: np.ndarray, at: int) -> tuple[np.int64, int]:  # pragma: no cover - compiled
    """(code point, bytes) of the character of valid UTF-8 that starts at ``data[at]``,
    a lead byte of a multi-byte character (0xC0 or above)."""
    byte = data[at]
    if byte >= 0xF0:
        size = 4
        point = np.int64(byte & 0x07)
    elif byte >= 0xE0:
        size = 3
        point = np.int64(byte & 0x0F)
    else:
        size = 2
        point = np.int64(byte & 0x1F)
    for k in range(1, size):
        point = (point << 6) | np.int64(data[at + k] & 0x3F)
    return point, size
