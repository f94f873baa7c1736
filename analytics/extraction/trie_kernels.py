"""The candidate automaton's loops, compiled (numba): a trie of every spelling, and a scan
that walks it only from the few places where a spelling can start.

A spelling's *anchor* is its first byte that is a capital, a digit or the lead byte of a
letter outside ASCII ("Ö", "ʻ"), not punctuation: "’Akilisi Pohiva" is anchored on its "A"
(the text's curly quotes and dashes were one in eight of its anchors when their lead byte
was one). Its *lead* is the bytes before the anchor ("al-" in "al-Sisi", "the " in "the
Gambia", "’", none in most) and its *tail* the bytes from the anchor on. The scan finds
the anchors of a block of text eight bytes at a time where it can (``_gather``: about one
in twenty bytes is one), and keeps an anchor only where a tail can start there, read once
for all the leads (``lengths``, then the first three, four or five bytes hashed, ``tri``,
``quad`` and ``quint``: two in three anchors, the capitals that start sentences and names
that are none, end there). From a kept anchor it tries the starts its leads
allow, cheapest test first: the two bytes before the anchor (``before``), the first two
bytes of the start (``starts``), the first two of the tail as that lead's spellings have
them (``tails``: "the United" is no start, though "the UAE" and "United" are), and only
then the trie (``walk``), whose first two steps are table lookups. (A walk that fails
costs about as much as one that finds: two in three of them failed, on a 31 MB chunk
of the benchmark's text, before the filters of five bytes and of a lead's tails; most
failed one byte after four of a spelling's, "That" of "Thatcher", or after the lead.)
Leftmost first, the longest spelling at a start, no overlaps: what an
Aho-Corasick machine with ``LeftmostFirst`` matching finds over spellings sorted longest
first (``tests/analytics/extraction/test_automaton.py`` checks it against
``ahocorasick_rs``).

The nodes are numbered breadth first, so a node's children are consecutive nodes (in
byte order) and the shallow nodes that every walk visits sit together in memory (numbered
depth first instead, a node's only child being the next node, the scan took 15% longer).
A walk is at most as long as the longest spelling: text crafted to start a long walk at
every capital costs at most that many steps per byte. Compiled on first use and cached
beside this file (``cache=True``).
"""

from __future__ import annotations

import sys

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# Bytes of text whose anchors are gathered at a time (the positions are int64: 512 KB).
BLOCK_BYTES = 1 << 16
QUAD_BITS = 22  # the four- and five-byte filters: 4 M bits each, 512 KB
TRI_BITS = 16  # the three-byte filter, of tails of three bytes: 64 K bits, 8 KB
# ``lengths``, by the first two bytes of a tail: a tail of one or two bytes starts with
# them, one of three, one of four, one of five or more
SHORT, THREE, FOUR, FIVE = 1, 2, 4, 8
# The bytes the anchors are looked for among eight at a time (``_gather``): those whose
# bit 6 is set and bit 5 clear, 0x40-0x5F (the capitals, "@", "[" ... "_") and 0xC0-0xDF
# (the lead bytes of two-byte characters: "Ö", "ʻ", Greek, Cyrillic).
WORD_BIT_6 = np.uint64(0x4040404040404040)
# A spelling's anchor is among its first MAX_LEAD bytes; one with none there anchors on
# its first byte that can be one (``_strong``), else its first byte (then every such byte
# of the text is tried).
MAX_LEAD = 16


@njit(cache=True, nogil=True, inline="always")
def quad_hash(first_four: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """The four-byte filter's bit (little endian): a multiplicative hash."""
    mixed = (first_four * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    return mixed >> np.uint64(32 - QUAD_BITS)


@njit(cache=True, nogil=True, inline="always")
def quint_hash(first_five: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """The five-byte filter's bit (little endian): the top bits of a multiplicative
    hash (Fibonacci's)."""
    return (first_five * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - QUAD_BITS)


@njit(cache=True, nogil=True, inline="always")
def tri_hash(first_three: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """The three-byte filter's bit (little endian): a multiplicative hash."""
    mixed = (first_three * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    return mixed >> np.uint64(32 - TRI_BITS)


@njit(cache=True, nogil=True, inline="always")
def _three(data: np.ndarray, at: int) -> np.uint64:  # pragma: no cover - compiled
    return (
        np.uint64(data[at])
        | (np.uint64(data[at + 1]) << np.uint64(8))
        | (np.uint64(data[at + 2]) << np.uint64(16))
    )


@njit(cache=True, nogil=True, inline="always")
def _four(data: np.ndarray, at: int) -> np.uint64:  # pragma: no cover - compiled
    return (
        np.uint64(data[at])
        | (np.uint64(data[at + 1]) << np.uint64(8))
        | (np.uint64(data[at + 2]) << np.uint64(16))
        | (np.uint64(data[at + 3]) << np.uint64(24))
    )


@njit(cache=True, nogil=True, inline="always")
def _five(data: np.ndarray, at: int) -> np.uint64:  # pragma: no cover - compiled
    return _four(data, at) | (np.uint64(data[at + 4]) << np.uint64(32))


@njit(cache=True, nogil=True)
def build_trie(
    buffer: np.ndarray, offsets: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    """The trie of the spellings ``buffer[offsets[p]:offsets[p + 1]]``, inserted in
    ``order`` (their byte order, so each shares its path with the one before it): each
    node's parent, the byte that leads to it, its depth, and the spelling ending there
    (the lowest index where two are equal) or -1. Node 0 is the root; nodes are numbered
    as made: depth first, children by byte, so the nodes of a depth are in byte order."""
    size = buffer.size + 1
    parent = np.empty(size, dtype=np.int64)
    label = np.zeros(size, dtype=np.uint8)
    depth_of = np.zeros(size, dtype=np.int64)
    terminal = np.full(size, -1, dtype=np.int32)
    longest = 0
    for p in range(offsets.size - 1):
        longest = max(longest, offsets[p + 1] - offsets[p])
    path = np.zeros(longest + 1, dtype=np.int64)  # the previous spelling's nodes by depth
    parent[0] = -1
    nodes = 1
    previous_lo = 0
    previous_hi = 0
    for k in range(order.size):
        p = order[k]
        lo = offsets[p]
        hi = offsets[p + 1]
        shared = 0
        limit = min(hi - lo, previous_hi - previous_lo)
        while shared < limit and buffer[lo + shared] == buffer[previous_lo + shared]:
            shared += 1
        node = path[shared]
        for depth in range(shared, hi - lo):
            parent[nodes] = node
            label[nodes] = buffer[lo + depth]
            depth_of[nodes] = depth + 1
            node = nodes
            nodes += 1
            path[depth + 1] = node
        if terminal[node] < 0 or p < terminal[node]:
            terminal[node] = p
        previous_lo = lo
        previous_hi = hi
    return parent[:nodes], label[:nodes], depth_of[:nodes], terminal[:nodes]


@njit(cache=True, nogil=True, inline="always")
def _set_bit(bitmap: np.ndarray, bit: np.int64) -> None:  # pragma: no cover - compiled
    bitmap[bit >> 3] |= np.uint8(1 << (bit & 7))


@njit(cache=True, nogil=True, inline="always")
def _strong(byte: int) -> bool:  # pragma: no cover - compiled
    """Whether ``byte`` can anchor a spelling: not a small ASCII letter, nor other ASCII
    that is no letter or digit (an apostrophe, a space), nor a byte inside a character
    (0x80-0xBF), nor the lead byte of punctuation (0xE2: "’", "—", quotes; one in eight
    of the benchmark text's anchors while it was one)."""
    if byte < 0x80:
        return (0x41 <= byte <= 0x5A) or (0x30 <= byte <= 0x39)
    return byte >= 0xC0 and byte != 0xE2


@njit(cache=True, nogil=True)
def filter_tables(
    buffer: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    """The scan's filters for the spellings ``buffer[offsets[p]:offsets[p + 1]]``:
    ``anchor`` (1 for each byte that anchors a spelling), ``leads`` (the distinct
    leads, longest first), ``before`` (by the two bytes before an anchor, little endian:
    bit d set where a lead of d bytes ends with them; the byte before a one-byte lead is
    any), ``starts`` (by lead, a bitmap of the first two bytes of its spellings: any
    second byte for a spelling of one), ``lengths`` (by the first two bytes of a tail:
    SHORT, THREE, FOUR, FIVE as tails of those lengths start with them; any second byte
    for a tail of one), ``tri`` (a bitmap of the hashed tails of three bytes), ``quad``
    (of four), ``quint`` (of the hashed first five bytes of the longer tails) and
    ``tails`` (by lead, a bitmap of the first two bytes of its spellings' tails)."""
    count = offsets.size - 1
    anchor = np.zeros(256, dtype=np.uint8)
    for p in range(count):
        first = buffer[offsets[p]]
        if _strong(first):
            anchor[first] = 1
    added = np.zeros(256, dtype=np.uint8)
    for p in range(count):
        lo = offsets[p]
        anchored = False
        strong = -1
        for i in range(lo, min(offsets[p + 1], lo + MAX_LEAD)):
            if anchor[buffer[i]]:
                anchored = True
                break
            if strong < 0 and _strong(buffer[i]):
                strong = i
        if not anchored:
            added[buffer[strong if strong >= 0 else lo]] = 1
    anchor |= added
    used = np.zeros(MAX_LEAD, dtype=np.bool_)
    before = np.zeros(1 << 16, dtype=np.uint16)
    starts = np.zeros((MAX_LEAD, 1 << 13), dtype=np.uint8)
    lengths = np.zeros(1 << 16, dtype=np.uint8)
    tri = np.zeros(1 << (TRI_BITS - 3), dtype=np.uint8)
    quad = np.zeros(1 << (QUAD_BITS - 3), dtype=np.uint8)
    quint = np.zeros(1 << (QUAD_BITS - 3), dtype=np.uint8)
    tails = np.zeros((MAX_LEAD, 1 << 13), dtype=np.uint8)
    for p in range(count):
        lo = offsets[p]
        size = offsets[p + 1] - lo
        lead = 0
        while not anchor[buffer[lo + lead]]:
            lead += 1
        used[lead] = True
        if lead == 1:
            for any_byte in range(256):
                before[any_byte | (np.int64(buffer[lo]) << 8)] |= np.uint16(1 << lead)
        elif lead > 1:
            key = np.int64(buffer[lo + lead - 2]) | (np.int64(buffer[lo + lead - 1]) << 8)
            before[key] |= np.uint16(1 << lead)
        if size == 1:
            for any_byte in range(256):
                _set_bit(starts[lead], np.int64(buffer[lo]) | (any_byte << 8))
        else:
            _set_bit(starts[lead], np.int64(buffer[lo]) | (np.int64(buffer[lo + 1]) << 8))
        # The filters of the bytes from the anchor on.
        at = lo + lead
        tail = size - lead
        if tail == 1:
            for any_byte in range(256):
                lengths[np.int64(buffer[at]) | (any_byte << 8)] |= SHORT
                _set_bit(tails[lead], np.int64(buffer[at]) | (any_byte << 8))
            continue
        key = np.int64(buffer[at]) | (np.int64(buffer[at + 1]) << 8)
        _set_bit(tails[lead], key)
        if tail == 2:
            lengths[key] |= SHORT
        elif tail == 3:
            lengths[key] |= THREE
            _set_bit(tri, np.int64(tri_hash(_three(buffer, at))))
        elif tail == 4:
            lengths[key] |= FOUR
            _set_bit(quad, np.int64(quad_hash(_four(buffer, at))))
        else:
            lengths[key] |= FIVE
            _set_bit(quint, np.int64(quint_hash(_five(buffer, at))))
    leads = np.flatnonzero(used)[::-1].copy()
    return anchor, leads, before, starts, lengths, tri, quad, quint, tails


@njit(cache=True, nogil=True, inline="always")
def _walk(
    data: np.ndarray,
    at: int,
    n: int,
    nodes: np.ndarray,
    label: np.ndarray,
    root: np.ndarray,
    pair_node: np.ndarray,
) -> tuple[int, int]:  # pragma: no cover - compiled
    """The longest spelling starting at ``at`` and ending by ``n`` (its text's end): its
    index and end, or -1. The first two steps are lookups (``root``, ``pair_node``): the
    nodes near the root have many children."""
    node = root[data[at]]
    if node < 0:
        return -1, at
    best = nodes[2 * node + 1]
    best_end = at + 1
    if at + 1 >= n:
        return best, best_end
    node = pair_node[np.int64(data[at]) | (np.int64(data[at + 1]) << 8)]
    if node < 0:
        return best, best_end
    j = at + 2
    if nodes[2 * node + 1] >= 0:
        best = nodes[2 * node + 1]
        best_end = j
    while j < n:
        lo = nodes[2 * node]
        hi = nodes[2 * node + 2]
        byte = data[j]
        following = -1
        if hi - lo <= 8:
            for k in range(lo, hi):
                if label[k] == byte:
                    following = k
                    break
        else:
            last = hi
            while lo < hi:
                middle = (lo + hi) >> 1
                if label[middle] < byte:
                    lo = middle + 1
                else:
                    hi = middle
            if lo < last and label[lo] == byte:
                following = lo
        if following < 0:
            break
        node = following
        j += 1
        if nodes[2 * node + 1] >= 0:
            best = nodes[2 * node + 1]
            best_end = j
    return best, best_end


@intrinsic
def _trailing_zeros(typingctx, word):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The trailing zero bits of a uint64 (64 for none): one instruction (LLVM's cttz)."""
    signature = types.uint64(types.uint64)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return signature, codegen


def by_words(anchor: np.ndarray) -> bool:
    """Whether the anchors (``filter_tables``) can be looked for eight bytes at a time:
    every one of them has bit 6 set and bit 5 clear (WORD_BIT_6), on a little-endian
    machine."""
    bytes_ = np.flatnonzero(anchor)
    return sys.byteorder == "little" and bool(np.all((bytes_ & 0x60) == 0x40))


@njit(cache=True, nogil=True, inline="always")
def _gather(
    data: np.ndarray,
    words: np.ndarray,
    anchor: np.ndarray,
    low: int,
    high: int,
    anchors: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """The anchors of ``data[low:high]``, in order, into ``anchors``; how many.

    Byte by byte, a branch at each anchor, mispredicted at about one byte in twenty.
    (Branch-free, the position stored at every byte and the count raised by the byte's
    flag, every store's address waits for the last byte's flag, and the next bytes'
    loads wait for that address on a core that does not guess past it: on an AMD EPYC
    (Zen 1) this loop took 1.46 s over 300 MB of the benchmark's text branch-free and
    0.42 with the branch.) Where ``words`` are given, eight bytes at a time: a word
    without a byte of WORD_BIT_6's kind (seven in ten) is passed in a few instructions,
    and in one with some, each is found by its trailing zeros and looked up; 64 MB of
    the benchmark's text took 43 ms against 72 byte by byte."""
    found = 0
    i = low
    if words.size:
        whole = min(high, (low + 7) & ~7)  # the first byte of a word
        while i < whole:
            if anchor[data[i]]:
                anchors[found] = i
                found += 1
            i += 1
        while i + 8 <= high and i >> 3 < words.size:
            word = words[i >> 3]
            maybe = word & (~word << np.uint64(1)) & WORD_BIT_6
            while maybe:
                at = i + np.int64(_trailing_zeros(maybe) >> np.uint64(3))  # type: ignore[call-arg]
                if anchor[data[at]]:
                    anchors[found] = at
                    found += 1
                maybe &= maybe - np.uint64(1)
            i += 8
    while i < high:
        if anchor[data[i]]:
            anchors[found] = i
            found += 1
        i += 1
    return found


@njit(cache=True, nogil=True)
def scan(
    data: np.ndarray,
    text_starts: np.ndarray,
    skip: np.ndarray,
    words: np.ndarray,
    anchor: np.ndarray,
    leads: np.ndarray,
    before: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    tri: np.ndarray,
    quad: np.ndarray,
    quint: np.ndarray,
    tails: np.ndarray,
    nodes: np.ndarray,
    label: np.ndarray,
    root: np.ndarray,
    pair_node: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Every match in the texts ``data[text_starts[t] : text_starts[t + 1]]`` (UTF-8
    bytes) but those where ``skip[t]``, left to right, none overlapping, none running
    past its text's end: the spelling's index, start and end (byte offsets into
    ``data``, end exclusive) of each. ``words`` are ``data``'s bytes read eight at a time
    (``span_kernels.as_words``), or none where the anchors cannot be looked for
    so (``by_words``). The tables are ``automaton.Automaton``'s (see there)."""
    capacity = data.size // 128 + 1024
    pattern = np.empty(capacity, dtype=np.int64)
    start = np.empty(capacity, dtype=np.int64)
    end = np.empty(capacity, dtype=np.int64)
    count = 0
    anchors = np.empty(BLOCK_BYTES, dtype=np.int64)
    texts = text_starts.size - 1
    t = 0
    while t < texts:
        # A run of texts to read, read as one stretch of bytes a block at a time (text by
        # text, the scan of the benchmark's text took 5% longer: half its texts are titles).
        # The filters and the first walk read on to the run's end (a spelling that fits in
        # its text passes them whatever follows it); the text an anchor lies in is known
        # only past them, and a walk that ran past its end is walked again within it.
        if skip[t]:
            t += 1
            continue
        first = t
        while t < texts and not skip[t]:
            t += 1
        run_end = text_starts[t]
        text = first
        n = text_starts[text + 1]  # the text's end: no match runs past it
        resume = text_starts[text]  # a match starts here or later: its text's, the last's end
        for block in range(text_starts[first], run_end, BLOCK_BYTES):
            high = min(block + BLOCK_BYTES, run_end)
            found = _gather(data, words, anchor, block, high, anchors)
            for k in range(found):
                at = anchors[k]
                # Does a spelling's part from its anchor on start here? The first two bytes,
                # then the first three, four or five hashed (near the end, a walk decides).
                tail_key = np.int64(data[at])
                if at + 1 < run_end:
                    tail_key |= np.int64(data[at + 1]) << 8
                sizes = lengths[tail_key]
                if not sizes:
                    continue
                if not sizes & SHORT and at + 4 < run_end:
                    bit = tri_hash(_three(data, at))
                    if not (
                        sizes & THREE
                        and (tri[bit >> np.uint64(3)] >> (bit & np.uint64(7))) & np.uint8(1)
                    ):
                        bit = quad_hash(_four(data, at))
                        if not (
                            sizes & FOUR
                            and (quad[bit >> np.uint64(3)] >> (bit & np.uint64(7))) & np.uint8(1)
                        ):
                            bit = quint_hash(_five(data, at))
                            if not (
                                sizes & FIVE
                                and (quint[bit >> np.uint64(3)] >> (bit & np.uint64(7)))
                                & np.uint8(1)
                            ):
                                continue
                while at >= n:  # into the next text
                    text += 1
                    resume = n
                    n = text_starts[text + 1]
                # The leads the two bytes before the anchor allow (bit d: a lead of d bytes),
                # and no lead (bit 0); longest first, so starts are tried left to right.
                allowed = np.int64(1)
                if at >= 2:
                    allowed |= before[np.int64(data[at - 2]) | (np.int64(data[at - 1]) << 8)]
                elif at == 1:
                    allowed |= before[np.int64(data[0]) << 8]
                for lead in leads:
                    s = at - lead
                    if not (allowed >> lead) & 1 or s < resume:
                        continue
                    second = np.int64(data[s + 1]) if s + 1 < run_end else np.int64(0)
                    key = np.int64(data[s]) | (second << 8)
                    if not (starts[lead, key >> 3] >> (key & 7)) & 1:
                        continue
                    if lead and not (tails[lead, tail_key >> 3] >> (tail_key & 7)) & 1:
                        continue
                    best, best_end = _walk(data, s, run_end, nodes, label, root, pair_node)
                    if best_end > n:  # past its text's end: the longest within it
                        best, best_end = _walk(data, s, n, nodes, label, root, pair_node)
                    if best < 0:
                        continue
                    if count == capacity:
                        capacity *= 2
                        pattern = _grown(pattern, count, capacity)
                        start = _grown(start, count, capacity)
                        end = _grown(end, count, capacity)
                    pattern[count] = best
                    start[count] = s
                    end[count] = best_end
                    count += 1
                    resume = best_end
    return pattern[:count], start[:count], end[:count]


@njit(cache=True, nogil=True)
def _grown(values: np.ndarray, count: int, capacity: int) -> np.ndarray:  # pragma: no cover
    bigger = np.empty(capacity, dtype=values.dtype)
    bigger[:count] = values[:count]
    return bigger
