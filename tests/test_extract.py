"""`mentions extract` input handling: the fast batch reader and the careful one agree."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from jobs.extract import extract_jsonl
from jobs.sources.records import BadInput
from tests.conftest import SEEDS_DIR

# "President Bush" resolves by the article's date: 1990 is George H. W. Bush,
# 2005 George W. Bush; no date, nobody.
LINES = [
    {"id": 1, "title": "", "text": "President Bush spoke.", "published": "1990-08-02"},
    {
        "id": "b",
        "title": "",
        "text": "President Bush spoke.",
        "published_time": "2005-01-20T23:30:00-05:00",
    },  # 2005-01-21 in UTC
    {"id": "c", "title": "", "text": "President Bush spoke.", "published": "2005-01-20T12:00:00Z"},
    {"id": "d", "title": "", "text": "President Bush spoke.", "published": "someday"},
    # A field the extractor does not read, of any shape, is skipped by both readers.
    {"id": "e", "title": None, "text": "Russia.", "source": {"name": "wire", "tags": [1]}},
]


def _extract(lines: list[str]) -> tuple[list[dict[str, object]], list[BadInput]]:
    out = io.BytesIO()
    errors: list[BadInput] = []
    extract_jsonl(
        io.BytesIO("".join(lines).encode("utf-8")),
        out,
        SEEDS_DIR,
        name="in.jsonl",
        on_error=errors.append,
    )
    return [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()], errors


def _who(rows: list[dict[str, object]]) -> dict[str, object]:
    return {str(r["article_id"]): r["id"] for r in rows}


@pytest.mark.parametrize("broken", [False, True])
def test_clean_and_broken_batches_give_the_same_mentions(broken: bool) -> None:
    lines = [json.dumps(obj) + "\n" for obj in LINES]
    if broken:  # one bad line sends the batch through the line-by-line reader
        lines.insert(2, "{not json\n")
    rows, errors = _extract(lines)
    assert _who(rows) == {
        "1": "George H. W. Bush",
        "b": "George W. Bush",
        "c": "George W. Bush",
        "e": "RUS",
    }
    reasons = [(e.location, e.reason.split(" (")[0]) for e in errors]
    expected = [("in.jsonl:5" if broken else "in.jsonl:4", "bad published date 'someday'; ignored")]
    if broken:
        expected.insert(0, ("in.jsonl:3", "not JSON"))
    assert sorted(reasons) == sorted(expected)


def test_a_title_that_is_not_text_is_named(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "x", "title": ["a list"], "text": "Russia."}) + "\n",
        json.dumps({"id": "y", "title": "", "text": "Ukraine."}) + "\n",
    ]
    rows, errors = _extract(lines)
    assert _who(rows) == {"y": "UKR"}
    assert [(e.location, e.reason) for e in errors] == [
        ("in.jsonl:1", "title and text must be strings")
    ]


def test_line_numbers_hold_across_batches_blank_lines_and_bad_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("jobs.extract.INPUT_BATCH_BYTES", 120)
    good = [json.dumps({"id": i, "title": "", "text": "Kyiv and Moscow."}) for i in range(6)]
    data = (
        "\n".join(good[:3]).encode()
        + b"\n\n"  # a blank line 4
        + b'{"id": "bad", "text": "caf\xe9"}\n'  # line 5: not UTF-8
        + "\n".join(good[3:]).encode()
        + b'\n{"id": "late", "text": "x", "published": "never"}'  # line 9, no final newline
    )
    out = io.BytesIO()
    errors: list[BadInput] = []
    result = extract_jsonl(io.BytesIO(data), out, SEEDS_DIR, name="in", on_error=errors.append)
    rows = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert sorted({r["article_id"] for r in rows}) == [str(i) for i in range(6)]
    assert [(e.location, e.reason) for e in errors] == [
        ("in:5", "not UTF-8 text (byte 26)"),
        ("in:9", "bad published date 'never'; ignored"),
    ]
    assert (result.articles, result.errors) == (7, 2)


def test_json_nested_too_deeply_is_one_bad_line() -> None:
    lines = [
        "null\n",
        "[" * 100_000 + "]" * 100_000 + "\n",
        json.dumps({"id": "ok", "title": "", "text": "Russia."}) + "\n",
    ]
    rows, errors = _extract(lines)
    assert _who(rows) == {"ok": "RUS"}
    assert [(e.location, e.reason) for e in errors] == [
        ("in.jsonl:1", "not an object with an id"),
        ("in.jsonl:2", "not JSON (nested too deeply)"),
    ]


@pytest.mark.parametrize("batch_bytes", [7, 64, 10_000])
def test_batches_cut_only_at_line_breaks(monkeypatch: pytest.MonkeyPatch, batch_bytes: int) -> None:
    """Reads of any size, shorter than a line (7 bytes: the line grows over several
    reads) or holding several lines, give the same articles and line numbers; a last
    line without a line break is read, blank lines and blank reads are skipped."""
    monkeypatch.setattr("jobs.extract.INPUT_BATCH_BYTES", batch_bytes)
    lines = [json.dumps({"id": i, "title": "", "text": f"Kyiv {i}."}) for i in range(4)]
    data = (
        "\n".join(lines[:2]) + "\n \n\n" + lines[2] + "\n"
        '{"id": "late", "text": "x", "published": "never"}\n' + lines[3]  # line 7, no final newline
    ).encode()
    out = io.BytesIO()
    errors: list[BadInput] = []
    result = extract_jsonl(io.BytesIO(data), out, SEEDS_DIR, name="in", on_error=errors.append)
    rows = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert [r["article_id"] for r in rows] == ["0", "1", "2", "3"]
    assert [(e.location, e.reason) for e in errors] == [
        ("in:6", "bad published date 'never'; ignored")
    ]
    assert (result.articles, result.mentions, result.errors) == (5, 4, 1)


@pytest.mark.parametrize("batch_bytes", [64, 32_000_000])
def test_a_gzip_input_is_read_as_its_lines(
    monkeypatch: pytest.MonkeyPatch, batch_bytes: int
) -> None:
    """A dump kept gzipped (the ingest reads ``.jsonl.gz``; a pipe may carry one too)
    gives the mentions and line numbers of its lines: it was cut into batches as bytes,
    and polars failed on a batch of compressed bytes with an error of no reason."""
    monkeypatch.setattr("jobs.extract.INPUT_BATCH_BYTES", batch_bytes)
    lines = [json.dumps(obj) + "\n" for obj in LINES] * 3
    plain_rows, plain_errors = _extract(lines)
    out = io.BytesIO()
    errors: list[BadInput] = []
    packed = gzip.compress("".join(lines).encode("utf-8"))
    extract_jsonl(io.BytesIO(packed), out, SEEDS_DIR, name="in.jsonl", on_error=errors.append)
    rows = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert len(rows) == 12
    assert rows == plain_rows
    assert errors == plain_errors


class _Trickle(io.RawIOBase):
    """A pipe whose writer is slow: each read gives at most ``step`` bytes."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), self._step))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("step", [1, 7])
def test_a_gzip_pipe_that_trickles_in_is_read_as_gzip(step: int) -> None:
    """A pipe's first read may hold one byte of gzip's two-byte magic (a buffered
    reader's peek returns what one read gave): read as plain text, the dump was one
    bad batch of compressed bytes."""
    lines = [json.dumps(obj) + "\n" for obj in LINES]
    plain_rows, plain_errors = _extract(lines)
    packed = gzip.compress("".join(lines).encode("utf-8"))
    source = io.BufferedReader(_Trickle(packed, step))
    out = io.BytesIO()
    errors: list[BadInput] = []
    extract_jsonl(source, out, SEEDS_DIR, name="in.jsonl", on_error=errors.append)
    rows = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert (rows, errors) == (plain_rows, plain_errors)


def test_a_raw_stream_that_trickles_in_is_read_in_whole_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A raw stream (a notebook's pipe, unbuffered) gives a few bytes a read: each
    batch is filled to INPUT_BATCH_BYTES all the same, not cut at every line break the
    reads happen to hold (each call of the extractor has a fixed cost: a line a batch,
    a large dump took hours)."""
    import jobs.extract

    lines = [json.dumps(obj) + "\n" for obj in LINES] * 4
    plain_rows, plain_errors = _extract(lines)
    data = "".join(lines).encode("utf-8")
    monkeypatch.setattr("jobs.extract.INPUT_BATCH_BYTES", len(data) // 2 + 1)
    monkeypatch.setattr("jobs.extract.EXTRACT_BATCH_BYTES", 1)  # each batch extracted alone
    batches: list[int] = []

    def counted(batch: object, gazetteer: object) -> object:
        batches.append(len(batch))  # type: ignore[arg-type]
        return extract_mentions(batch, gazetteer)

    extract_mentions = jobs.extract.extract_mentions
    monkeypatch.setattr("jobs.extract.extract_mentions", counted)
    out = io.BytesIO()
    errors: list[BadInput] = []
    extract_jsonl(_Trickle(data, 7), out, SEEDS_DIR, name="in.jsonl", on_error=errors.append)
    rows = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert (rows, errors) == (plain_rows, plain_errors)
    # The first half of the input up to its last line break, then the rest.
    assert len(batches) == 2
    assert sum(batches) == len(lines)


def test_a_truncated_gzip_input_is_one_clear_error() -> None:
    packed = gzip.compress((json.dumps(LINES[0]) + "\n").encode("utf-8") * 200)
    with pytest.raises(EOFError, match="end-of-stream"):
        extract_jsonl(io.BytesIO(packed[: len(packed) // 2]), io.BytesIO(), SEEDS_DIR)


@pytest.mark.parametrize(
    "junk",
    [gzip.compress(b"x")[:-1], b"\x1f\x8b", b"\x28\xb5\x2f\xfd junk", b"x\x9c junk"],
    ids=["gzip", "gzip-magic", "zstd", "zlib"],
)
def test_a_line_that_starts_as_compressed_data_is_one_bad_line(
    monkeypatch: pytest.MonkeyPatch, junk: bytes
) -> None:
    """polars reads a batch that starts with gzip's, zstd's or zlib's magic bytes as
    compressed, and failed on it as a whole, the extract with it: a line of such bytes
    that starts a batch is one bad line."""
    good = json.dumps({"id": "ok", "title": "", "text": "Russia."}).encode() + b"\n"
    monkeypatch.setattr("jobs.extract.INPUT_BATCH_BYTES", len(good))
    out = io.BytesIO()
    errors: list[BadInput] = []
    data = good + junk.replace(b"\n", b" ") + b"\n" + good.replace(b"ok", b"ok2")
    extract_jsonl(io.BytesIO(data), out, SEEDS_DIR, name="in", on_error=errors.append)
    rows = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert _who(rows) == {"ok": "RUS", "ok2": "RUS"}
    assert [e.location for e in errors] == ["in:2"]


def test_blank_input_has_no_articles() -> None:
    out = io.BytesIO()
    result = extract_jsonl(io.BytesIO(b"\n  \n\t\n"), out, SEEDS_DIR, name="in")
    assert (result.articles, result.mentions, result.errors, out.getvalue()) == (0, 0, 0, b"")


def test_extract_loads_no_http_client() -> None:
    """`mentions extract` reads a file or stdin: httpx (0.1 s to import) stays unloaded."""
    import subprocess
    import sys

    code = "import sys, jobs.cli, jobs.extract; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_jobs_that_may_extract_load_no_numba_until_they_do() -> None:
    """numba takes a quarter of a second to import and memory to hold: the scheduler and
    the pipeline (which import ``jobs.extract``) pay it on first use, not at start."""
    import subprocess
    import sys

    code = "import sys, jobs.pipeline, jobs.scheduler.runner; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


_CACHE_PROBE = """
import json, sys
from pathlib import Path
import polars as pl
from numba.core.dispatcher import Dispatcher
from analytics.extraction.mentions import extract_mentions
from jobs.store.seeds import load_gazetteer
text = "Biden in\\n  Kyiv, President Macron's aide"
articles = pl.DataFrame({"article_id": ["a"], "title": ["France"], "text": [text]})
extract_mentions(articles, load_gazetteer(Path(sys.argv[1])))
loops = {}
for name, module in list(sys.modules.items()):
    if name.startswith("analytics"):
        for attr, value in vars(module).items():
            if isinstance(value, Dispatcher) and value.signatures:
                hits, misses = value.stats.cache_hits, value.stats.cache_misses
                loops[name + "." + attr] = [sum(hits.values()), sum(misses.values())]
print(json.dumps(loops))
"""


def test_the_compiled_loops_load_from_their_cache_in_the_next_process() -> None:
    """Each process that extracts loads the loops numba compiled before, none compiled
    again: a loop keyed by a value its cache cannot hold (an array as a default
    argument) was compiled anew in every `mentions extract`, 1.3 s of its start."""
    import subprocess
    import sys

    def run() -> dict[str, list[int]]:
        out = subprocess.run(
            [sys.executable, "-c", _CACHE_PROBE, str(SEEDS_DIR)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return json.loads(out.stdout)

    run()  # the first may compile (a fresh checkout)
    loops = run()
    assert len(loops) >= 10, loops
    compiled = {name: counts for name, counts in loops.items() if counts[1] or not counts[0]}
    assert not compiled, compiled


def test_a_text_sink_gets_the_same_lines() -> None:
    """The CLI writes bytes; a notebook may hand ``sys.stdout`` or a StringIO."""
    data = "".join(json.dumps(obj) + "\n" for obj in LINES).encode()
    binary, text = io.BytesIO(), io.StringIO()
    extract_jsonl(io.BytesIO(data), binary, SEEDS_DIR, name="in")
    extract_jsonl(io.BytesIO(data), text, SEEDS_DIR, name="in")
    assert binary.getvalue() and text.getvalue() == binary.getvalue().decode("utf-8")


@pytest.mark.parametrize("unbuffered", ["", "1"])
@pytest.mark.parametrize("batch_bytes", [100_000, 32_000_000])
def test_a_reader_that_stops_early_stops_the_extract_quietly(
    tmp_path: Path, batch_bytes: int, unbuffered: str
) -> None:
    """`mentions extract ... | head -1`: the pipe closes, the extract stops without
    blaming its input ("Error: in.jsonl: Broken pipe") or a traceback; and without
    claiming it wrote every mention. Unbuffered (``PYTHONUNBUFFERED``), standard output
    is the raw pipe, whose write of 5 MB wrote the 72 KB the reader took, said so, and
    the rest was dropped: the command went on to say "40,000 mentions" and exit 0."""
    import os
    import subprocess
    import sys

    source = tmp_path / "in.jsonl"
    line = json.dumps({"id": "x", "title": "", "text": "Russia and Ukraine."}) + "\n"
    source.write_text(line * 20_000, encoding="utf-8")  # 40,000 mentions: 5 MB of lines
    # Batches of 100 kB: lines are written batch by batch, after the pipe has closed; of
    # 32 MB, in one write of 5 MB, which the pipe takes in part.
    code = (
        f"import sys, jobs.extract; jobs.extract.INPUT_BATCH_BYTES = {batch_bytes}; "
        f"jobs.extract.EXTRACT_BATCH_BYTES = {batch_bytes}; jobs.extract.OUTPUT_ROWS = 10**6; "
        "from jobs.cli import main; sys.argv[0] = 'mentions'; main()"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    with subprocess.Popen(
        [sys.executable, "-c", code, "extract", "--input", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            assert json.loads(process.stdout.readline())["id"] == "RUS"
            process.stdout.close()
            errors = process.stderr.read().decode()
            code_ = process.wait(timeout=120)
        finally:
            process.kill()
    assert errors == ""
    assert code_ == 1  # as Python's documentation has it for a closed pipe


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_output_is_named_not_the_input(tmp_path: Path) -> None:
    """Writing the mentions fails (a full disk): the error names where they were going,
    not the input ("Error: in.jsonl: No space left on device" sent the user to check a
    file that was fine)."""
    import subprocess
    import sys

    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "x", "title": "", "text": "Russia and Ukraine."}) + "\n",
        encoding="utf-8",
    )
    code = "import sys; from jobs.cli import main; sys.argv[0] = 'mentions'; main()"
    with Path("/dev/full").open("wb") as full:
        ran = subprocess.run(
            [sys.executable, "-c", code, "extract", "--input", str(source)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert ran.returncode == 1
    assert ran.stderr.splitlines()[-1] == "Error: <stdout>: No space left on device"


@pytest.mark.parametrize(
    ("batch_bytes", "extract_bytes", "output_rows"), [(1, 1, 1), (200, 500, 3)]
)
def test_batches_extracted_together_and_written_in_parts_give_the_same_lines(
    monkeypatch: pytest.MonkeyPatch, batch_bytes: int, extract_bytes: int, output_rows: int
) -> None:
    """Parsed batches gathered into one extraction (``EXTRACT_BATCH_BYTES``) and its
    mentions written a few rows at a time (``OUTPUT_ROWS``) give the lines, in the order,
    and the bad lines' numbers that one batch of every line gives."""
    texts = ["Kyiv and Moscow.", "President Bush spoke.", "", "Russia, then France."]
    lines = [
        json.dumps({"id": i, "title": f"Iran {i}", "text": texts[i % 4], "published": "1990-08-02"})
        + "\n"
        for i in range(12)
    ]
    lines.insert(5, "{not json\n")
    whole_rows, whole_errors = _extract(lines)
    monkeypatch.setattr("jobs.extract.INPUT_BATCH_BYTES", batch_bytes)
    monkeypatch.setattr("jobs.extract.EXTRACT_BATCH_BYTES", extract_bytes)
    monkeypatch.setattr("jobs.extract.OUTPUT_ROWS", output_rows)
    rows, errors = _extract(lines)
    assert len(whole_rows) == 12 + 3 * 2 + 3 + 3 * 2  # the titles, Kyiv and Moscow, Bush...
    assert rows == whole_rows
    assert errors == whole_errors == [BadInput("in.jsonl:6", errors[0].reason)]
    assert errors[0].reason.startswith("not JSON")


class _Narrow(io.RawIOBase):
    """A raw stream that takes at most ``step`` bytes a write, and says so (as a pipe
    does when it fills, or a write a signal cuts short)."""

    def __init__(self, step: int) -> None:
        self.taken = io.BytesIO()
        self._step = step

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        return self.taken.write(bytes(data[: self._step]))


def test_a_sink_that_takes_part_of_a_write_gets_every_line() -> None:
    """A raw sink (standard output unbuffered, a socket's file) may take part of a
    write: the rest is written, not dropped."""
    lines = [json.dumps(obj) + "\n" for obj in LINES] * 50
    plain_rows, _ = _extract(lines)
    sink = _Narrow(1_000)
    extract_jsonl(io.BytesIO("".join(lines).encode("utf-8")), sink, SEEDS_DIR)
    rows = [json.loads(line) for line in sink.taken.getvalue().decode("utf-8").splitlines()]
    assert len(rows) == 200
    assert rows == plain_rows
