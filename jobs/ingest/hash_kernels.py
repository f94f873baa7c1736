"""The loop behind a batch's content hashes, compiled (numba): each text's whitespace
runs made one space and its ends stripped, as ``" ".join(text.split())``, and its
ASCII letters lowered, in one pass over the batch's UTF-8 bytes.

What Python's ``str.lower`` does to other letters is left to Python: a text holding a
character that lowering changes (É, Σ, İ, Ⅻ ...) is flagged, and its hash is made the
slow way. Curly quotes, dashes and letters already in lower case (é, ğ) change
nothing, so most news texts take the loop. Both tables come from Python itself (its
``str.isspace`` and ``str.lower`` over every code point), so the two ways agree on every
text. Compiled on first use and cached beside this file (``cache=True``).
"""

from __future__ import annotations

import re
import sys
from functools import cache

import numpy as np
from numba import njit

from analytics.utf8_kernels import code_point

_STEP = 1024  # code points looked at together: most blocks hold no space and no case
# ASCII as str.split and str.lower read it (tab to carriage return, the four separators
# and the space; each capital lowered), the part of a text the loop reads without a table.
_ASCII_SPACE = np.array([chr(byte).isspace() for byte in range(128)], dtype=np.bool_)
_ASCII_LOWER = np.frombuffer(bytes(range(128)).lower(), dtype=np.uint8).copy()


@cache
def tables() -> tuple[np.ndarray, np.ndarray]:
    """(is_space, changes): per code point, whether ``str.split`` splits on it (``re``'s
    ``\\s`` is ``str.isspace``), and whether ``str.lower`` changes it (ASCII letters
    excepted: the loop lowers those). Built once per process, in about 0.06 s: a block
    of code points that lowering leaves as it is is not looked at one by one."""
    is_space = np.zeros(sys.maxunicode + 1, dtype=np.bool_)
    changes = np.zeros(sys.maxunicode + 1, dtype=np.bool_)
    space = re.compile(r"\s")
    for low in range(0, sys.maxunicode + 1, _STEP):
        high = min(low + _STEP, sys.maxunicode + 1)
        block = "".join(map(chr, range(low, high)))
        for found in space.finditer(block):
            is_space[low + found.start()] = True
        if block.lower() != block:
            for point in range(max(low, 0x80), high):
                changes[point] = chr(point).lower() != chr(point)
    return is_space, changes


@njit(cache=True, nogil=True)
def one_spaced_lower(
    data: np.ndarray, offsets: np.ndarray, is_space: np.ndarray, changes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Text ``t`` is ``data[offsets[t]:offsets[t + 1]]`` (valid UTF-8). Returns the
    bytes of every text made one-spaced, stripped and ASCII-lowered, their offsets,
    and per text whether it holds a character that ``str.lower`` would change (its
    bytes are then not what Python makes of it)."""
    texts = offsets.size - 1
    out = np.empty(offsets[-1] - offsets[0], dtype=np.uint8)
    out_offsets = np.empty(texts + 1, dtype=np.int64)
    flagged = np.zeros(texts, dtype=np.bool_)
    written = 0
    for t in range(texts):
        out_offsets[t] = written
        first = written
        pending = False  # a space is owed before the next character
        at = offsets[t]
        end = offsets[t + 1]
        while at < end:
            byte = data[at]
            if byte < 0x80:  # ASCII, most of a text: no table of code points needed
                if _ASCII_SPACE[byte]:
                    pending = written > first
                    at += 1
                    continue
                if pending:
                    out[written] = 32
                    written += 1
                    pending = False
                out[written] = _ASCII_LOWER[byte]
                written += 1
                at += 1
                # The rest of an ASCII word, copied lowered with no space owed.
                while at < end:
                    byte = data[at]
                    if byte >= 0x80 or _ASCII_SPACE[byte]:
                        break
                    out[written] = _ASCII_LOWER[byte]
                    written += 1
                    at += 1
                continue
            point, size = code_point(data, at)
            flagged[t] |= changes[point]
            if is_space[point]:
                pending = written > first
            else:
                if pending:
                    out[written] = 32
                    written += 1
                    pending = False
                for k in range(size):
                    out[written] = data[at + k]
                    written += 1
            at += size
    out_offsets[texts] = written
    return out[:written], out_offsets, flagged
