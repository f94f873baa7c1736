"""Start-up time of the CLI: `mentions --help`, `--version` and `sql "select 1"` as a user
runs them (fresh processes, imports included), and whether `import jobs.cli` loads
matplotlib or fontTools.

    uv run python tests/benchmarks/bench_startup.py --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MENTIONS = str(Path(sys.executable).parent / "mentions")  # the console script of this venv


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def _heavy_imports() -> list[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import jobs.cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    return sorted(n for n in names if n.split(".")[0] in ("matplotlib", "fontTools"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        db = cwd / "m.duckdb"
        subprocess.run(
            [MENTIONS, "--db", str(db), "sql", "--write", "select 1"],
            cwd=cwd,
            check=True,
            capture_output=True,
        )
        commands = {
            "mentions --help": [MENTIONS, "--help"],
            "mentions --version": [MENTIONS, "--version"],
            'mentions sql "select 1"': [MENTIONS, "--db", str(db), "sql", "select 1"],
        }
        _timed(commands["mentions --help"], cwd)  # warm the page cache
        for label, command in commands.items():
            times = [_timed(command, cwd) for _ in range(args.runs)]
            print(
                f"{label:26} median {statistics.median(times):.2f} s"
                f"  min {min(times):.2f} s  max {max(times):.2f} s  ({args.runs} runs)"
            )
    heavy = _heavy_imports()
    print(
        f"import jobs.cli loads {len(heavy)} matplotlib/fontTools modules"
        + (f" (first: {heavy[0]})" if heavy else "")
    )


if __name__ == "__main__":
    main()
