"""An export that dies mid-way leaves a readable lake, and the next export converges to
what an uninterrupted export writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from jobs.lake.export import export_lake
from jobs.lake.files import MANIFEST_NAME
from jobs.settings import Settings
from tests.conftest import ROOT, load_report_corpus
from tests.lake.test_lake import NOW, add_articles, file_answers, lake_answers


class Crash(RuntimeError):
    pass


def manifest(lake: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((lake / MANIFEST_NAME).read_text())
    return loaded


@pytest.fixture
def changed(tmp_path: Path) -> tuple[Settings, Path, list[list[tuple[Any, ...]]]]:
    """A lake exported from the corpus, then a database with new articles in two months;
    with the answers of the lake as exported."""
    settings = load_report_corpus(tmp_path)
    lake = tmp_path / "lake"
    export_lake(settings.db_path, lake, now=NOW)
    answers = lake_answers(lake)
    add_articles(settings, tmp_path, month=1, count=2)
    add_articles(settings, tmp_path, month=3, count=2)
    return settings, lake, answers


def test_a_failure_before_the_rename_keeps_the_previous_lake(
    changed: tuple[Settings, Path, list[list[tuple[Any, ...]]]], tmp_path: Path
) -> None:
    settings, lake, previous = changed
    before = (lake / MANIFEST_NAME).read_bytes()

    def fail(path: Path) -> None:
        assert path.with_name(f"{path.name}.tmp-{os.getpid()}").exists()
        raise Crash(path)

    with pytest.raises(Crash):
        export_lake(settings.db_path, lake, now=NOW, before_replace=fail)

    assert lake_answers(lake) == previous
    assert (lake / MANIFEST_NAME).read_bytes() == before
    assert not list(lake.rglob("*.tmp-*"))

    export_lake(settings.db_path, lake, now=NOW)
    fresh = tmp_path / "fresh"
    export_lake(settings.db_path, fresh, now=NOW)
    assert manifest(lake) == manifest(fresh)
    assert lake_answers(lake) == file_answers(settings.db_path)


KILL_AFTER_FIRST_PARTITION = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from pathlib import Path
    from jobs.lake.export import export_lake

    seen = []

    def die_on_second(path):
        seen.append(path)
        if len(seen) == 2:  # the first changed partition is in place, the second is not
            os.kill(os.getpid(), signal.SIGKILL)

    export_lake(Path(sys.argv[1]), Path(sys.argv[2]),
                now=datetime.fromisoformat(sys.argv[3]), before_replace=die_on_second)
    """
)


def test_a_killed_export_leaves_a_readable_lake_and_a_rerun_converges(
    changed: tuple[Settings, Path, list[list[tuple[Any, ...]]]], tmp_path: Path
) -> None:
    settings, lake, _previous = changed
    before = manifest(lake)

    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            KILL_AFTER_FIRST_PARTITION,
            str(settings.db_path),
            str(lake),
            NOW.isoformat(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert killed.returncode == -9, killed.stderr
    assert len(list(lake.rglob("data.parquet.tmp-*"))) == 1  # what the crash left
    assert manifest(lake) == before
    # Readable: every partition is a whole file, old or new; the leftover is not read.
    with_new_january = lake_answers(lake)
    assert with_new_january[1][0] == ("2022-01", 10)  # January was rewritten first
    assert with_new_january[1][2] == ("2022-03", 10)  # March is still the previous version

    rerun = export_lake(settings.db_path, lake, now=NOW)
    assert "articles/month=2022-01" in rerun.written  # the manifest did not know it yet
    assert not list(lake.rglob("*.tmp-*"))
    fresh = tmp_path / "fresh"
    export_lake(settings.db_path, fresh, now=NOW)
    assert manifest(lake) == manifest(fresh)
    assert lake_answers(lake) == file_answers(settings.db_path)
