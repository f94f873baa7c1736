"""A large output written behind (``jobs.write_behind``): the same bytes in the file,
its written pieces synced and dropped from the page cache as it grows, a failed flush
raised, pipes and in-memory files written as they are."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jobs import write_behind
from jobs.write_behind import WriteBehind

needs_fadvise = pytest.mark.skipif(
    not hasattr(os, "posix_fadvise"), reason="needs os.posix_fadvise (Linux)"
)


@needs_fadvise
def test_the_file_holds_every_piece_and_all_but_the_last_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    pieces = [bytes([n]) * (1000 + n) for n in range(20)]
    with path.open("wb") as handle, WriteBehind(handle, every=3000) as behind:
        for piece in pieces:
            assert behind.write(piece) == len(piece)
        behind.flush()
        dropped = behind.dropped_to
    assert path.read_bytes() == b"".join(pieces)
    total = sum(map(len, pieces))
    # A flush every 3,000 bytes or more: the last one ends within a piece's length of the end.
    assert total - 2 * len(pieces[-1]) - 3000 < dropped < total


@needs_fadvise
def test_a_flush_that_fails_is_raised_by_the_next_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up at writeback: the error comes back to the writer, on the
    write after the failed flush (or on close), not lost on the thread."""
    failing = threading.Event()

    def full_disk(fd: int) -> None:
        failing.set()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(write_behind.os, "fdatasync", full_disk)
    with (tmp_path / "out.bin").open("wb") as handle:
        behind = WriteBehind(handle, every=10)
        behind.write(b"x" * 10)  # the flush starts, and fails
        assert failing.wait(timeout=30)
        with pytest.raises(OSError, match="No space left on device"):
            behind.write(b"y")
            behind.close()


@needs_fadvise
def test_close_raises_the_last_flush_error_unless_another_is_on_its_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(write_behind.os, "fdatasync", broken)
    with (tmp_path / "a.bin").open("wb") as handle:
        with pytest.raises(OSError, match="Input/output error"), WriteBehind(handle, 1) as behind:
            behind.write(b"x")
    with (tmp_path / "b.bin").open("wb") as handle:
        with pytest.raises(KeyError), WriteBehind(handle, 1) as behind:
            behind.write(b"x")
            raise KeyError("the first error")  # not hidden by the flush's


def test_a_pipe_and_an_in_memory_file_are_written_as_they_are() -> None:
    memory = io.BytesIO()
    with WriteBehind(memory, every=1) as behind:
        behind.write(b"abc")
        behind.write(memoryview(b"def"))
    assert memory.getvalue() == b"abcdef" and behind.dropped_to == 0
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb") as writer:
        with WriteBehind(writer, every=1) as behind:
            behind.write(b"through the pipe")
            behind.flush()
        assert reader.read(16) == b"through the pipe"
        assert behind.dropped_to == 0


def test_mentions_extract_output_is_whole_when_written_behind(tmp_path: Path) -> None:
    """The CLI writes its output file behind, a batch at a time: the file holds the same
    lines as its standard output does."""
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": f"a{n}", "title": "", "text": f"Kenya and Peru, {n}. Russia."})
        for n in range(3000)
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Small input batches and flushes: many pieces, each flushed behind the next.
    code = (
        "import sys, jobs.extract, jobs.write_behind; jobs.extract.INPUT_BATCH_BYTES = 20_000; "
        "jobs.write_behind.FLUSH_EVERY = 10_000; "
        "from jobs.cli import main; sys.argv[0] = 'mentions'; main()"
    )
    command = [sys.executable, "-c", code, "extract", "--input", str(source)]
    output = tmp_path / "out.jsonl"
    subprocess.run([*command, "--output", str(output)], check=True, timeout=120)
    printed = subprocess.run(command, check=True, capture_output=True, timeout=120).stdout
    assert output.read_bytes() == printed
    assert len(printed.splitlines()) == 9000
