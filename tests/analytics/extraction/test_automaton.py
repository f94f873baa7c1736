"""When the candidate automaton becomes a DFA: only when the faster scan pays for the build."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

import analytics.extraction.automaton as automaton_module
from analytics.extraction.automaton import Automaton, automaton
from analytics.extraction.gazetteer import Gazetteer, per_version
from jobs.extract import extract_jsonl
from tests.conftest import SEEDS_DIR

PATTERNS = ["United States", "Biden", "Ma"]
TEXT = "President Biden left the United States. Make way."
# (pattern, start, end): "Ma" inside "Make" too (the resolver drops it, not the machine).
FOUND_ALL = [(1, 10, 15), (0, 25, 38), (2, 40, 42)]


def found(machine: Automaton, text: str = TEXT) -> list[tuple[int, int, int]]:
    """The machine's matches in ``text`` as (pattern, start, end) byte offsets."""
    pattern, start, end = machine.scan(np.frombuffer(text.encode("utf-8"), dtype=np.uint8))
    return list(zip(pattern.tolist(), start.tolist(), end.tolist(), strict=True))


@pytest.fixture
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds in bytes of test text: the NFA scans 100 before an unannounced
    input makes it a DFA, and 1,000 to come pay for the build."""
    monkeypatch.setattr(automaton_module, "DFA_AFTER_BYTES", 100)
    monkeypatch.setattr(automaton_module, "DFA_PAYS_AFTER_BYTES", 1_000)


@pytest.mark.usefixtures("small_thresholds")
def test_without_an_announced_size_the_nfa_becomes_a_dfa_after_scanning_enough() -> None:
    machine = Automaton(PATTERNS)
    for _ in range(2):  # 49 and 98 bytes scanned
        assert found(machine) == FOUND_ALL
    assert not machine.is_dfa
    assert found(machine) == FOUND_ALL
    assert machine.is_dfa


@pytest.mark.usefixtures("small_thresholds")
def test_a_small_announced_input_never_pays_for_the_dfa() -> None:
    machine = Automaton(PATTERNS)
    machine.expect(999)
    for _ in range(20):  # 980 bytes: far past the unannounced threshold
        assert found(machine) == FOUND_ALL
    assert not machine.is_dfa


@pytest.mark.usefixtures("small_thresholds")
def test_text_past_an_announced_input_is_unannounced() -> None:
    """The machine is one per process: a small file extracted first (in a notebook, say)
    must not keep the NFA for whatever is scanned after it."""
    machine = Automaton(PATTERNS)
    machine.expect(200)
    for _ in range(4):  # 196 bytes: the announced input
        found(machine)
    assert not machine.is_dfa
    found(machine)  # past it, and past the unannounced threshold
    assert machine.is_dfa


@pytest.mark.usefixtures("small_thresholds")
def test_a_large_announced_input_gets_the_dfa_before_the_first_scan() -> None:
    machine = Automaton(PATTERNS)
    machine.expect(1_000)
    assert machine.is_dfa
    assert found(machine) == FOUND_ALL


@pytest.mark.usefixtures("small_thresholds")
def test_a_dfa_is_built_once() -> None:
    """A second large input announced to a machine that is a DFA already (the next file a
    process extracts) is scanned with that DFA, not with a new one built for it."""
    machine = Automaton(PATTERNS)
    machine.expect(1_000)
    dfa = machine._machine
    machine.expect(1_000)
    assert machine._machine is dfa
    assert found(machine) == FOUND_ALL


@pytest.mark.usefixtures("small_thresholds")
def test_an_input_announced_after_a_scan_counts_from_there() -> None:
    machine = Automaton(PATTERNS)
    found(machine, TEXT * 2)  # 98 bytes: just short of building a DFA unannounced
    machine.expect(500)  # far less than pays for the DFA: the NFA scans it all
    for _ in range(10):
        found(machine)
    assert not machine.is_dfa


@pytest.mark.usefixtures("small_thresholds")
def test_a_machine_that_may_not_become_a_dfa_stays_an_nfa() -> None:
    machine = Automaton(PATTERNS, dfa_after_bytes=sys.maxsize)  # an ingest worker's
    machine.expect(10_000)
    for _ in range(30):
        found(machine)
    assert not machine.is_dfa


def test_extract_announces_a_file_s_size_and_not_a_pipe_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mentions extract --input FILE` tells the automaton how much is coming; stdin
    (a pipe, or a stream of unknown length) does not."""
    announced: list[int] = []
    monkeypatch.setattr(Automaton, "expect", lambda self, size: announced.append(size))
    data = b'{"id": "a", "title": "", "text": "President Biden spoke."}\n'
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    out = tmp_path / "out.jsonl"
    with path.open("rb") as source, out.open("wb") as sink:
        extract_jsonl(source, sink, SEEDS_DIR, name=str(path))
    assert announced == [len(data)]
    assert '"id":"Joe Biden"' in out.read_text()

    with out.open("wb") as sink:
        extract_jsonl(io.BytesIO(data), sink, SEEDS_DIR, name="<stdin>")
    assert announced == [len(data)]


def test_per_version_builds_once_per_version_and_keeps_one(gazetteer: Gazetteer) -> None:
    """The automaton and the rules' word lists are made once per gazetteer version; a
    new version (a seeds change) replaces the old one rather than adding to it."""
    from dataclasses import replace

    builds: list[str] = []

    @per_version
    def built(g: Gazetteer) -> object:
        builds.append(g.version)
        return object()

    changed = replace(gazetteer, version="another")
    first = built(gazetteer)
    assert built(gazetteer) is first and builds == [gazetteer.version]
    assert built(changed) is not first
    assert built(gazetteer) is not first  # the old version was dropped, so made again
    assert builds == [gazetteer.version, "another", gazetteer.version]
    assert automaton(gazetteer) is automaton(gazetteer)
