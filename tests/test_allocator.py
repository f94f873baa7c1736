"""`mentions extract` asks polars' allocator to keep freed pages, before polars loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.allocator import CONF_VARIABLE, KEEP_FREED_PAGES, keep_freed_pages

# The console script's main, then what the environment said when the command ended.
_RUN = (
    "import os, sys\n"
    "from jobs.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    f"    print('conf:', os.environ.get({CONF_VARIABLE!r}), file=sys.stderr)\n"
)


def _mentions(tmp_path: Path, *args: str, conf: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {CONF_VARIABLE, "MENTIONS_DB"}}
    if conf is not None:
        env[CONF_VARIABLE] = conf
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "--db", str(tmp_path / "m.duckdb"), "-vv", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    line = {"id": "a1", "title": "Russia and Ukraine", "text": "Talks in Kyiv went on."}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return path


def test_extract_keeps_freed_pages(tmp_path: Path, articles: Path) -> None:
    out = tmp_path / "out.jsonl"
    stderr = _mentions(tmp_path, "extract", "--input", str(articles), "--output", str(out))
    # polars puts its own defaults first; a later option overrides an earlier one.
    assert stderr.splitlines()[-1].endswith(f",{KEEP_FREED_PAGES}")
    assert f"polars' allocator: {KEEP_FREED_PAGES}" in stderr
    assert {json.loads(line)["id"] for line in out.read_text().splitlines()} == {"RUS", "UKR"}


def test_a_users_own_setting_and_other_commands_are_left_alone(
    tmp_path: Path, articles: Path
) -> None:
    out = tmp_path / "out.jsonl"
    stderr = _mentions(
        tmp_path, "extract", "--input", str(articles), "--output", str(out), conf="narenas:2"
    )
    assert stderr.splitlines()[-1].endswith(",narenas:2")
    assert "polars' allocator" not in stderr
    conf = _mentions(tmp_path, "report", "--help").splitlines()[-1]
    assert conf.startswith("conf: ") and "decay_ms:5000" not in conf


def test_too_late_once_polars_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars  # noqa: F401 (loaded: jemalloc has read its options)

    monkeypatch.delenv(CONF_VARIABLE, raising=False)
    assert keep_freed_pages() is False
    assert CONF_VARIABLE not in os.environ
