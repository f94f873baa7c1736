# ruff: noqa: T201  (a script: it reports what it wrote)
"""Write a corpus with its lines wrapped the way wire copy wraps them.

    uv run python tests/benchmarks/wrap_corpus.py IN.jsonl OUT.jsonl [--width 65] [--limit N]

Each paragraph of each text is wrapped at ``--width`` columns and every line after the
first is indented by four spaces, as in Reuters-21578; paragraphs stay separated by a
blank line. Extracting from both files shows which mentions a wrapped line loses.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path


def wrapped(text: str, width: int) -> str:
    paragraphs = text.split("\n\n")
    return "\n\n".join(
        textwrap.fill(p, width=width, subsequent_indent="    ", break_on_hyphens=False)
        for p in paragraphs
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--width", type=int, default=65)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    written = 0
    with args.source.open(encoding="utf-8") as src, args.target.open("w", encoding="utf-8") as dst:
        for line in src:
            if args.limit and written >= args.limit:
                break
            obj = json.loads(line)
            obj["text"] = wrapped(obj.get("text") or "", args.width)
            dst.write(json.dumps(obj, ensure_ascii=False) + "\n")
            written += 1
    print(f"{written} articles wrapped at {args.width} columns into {args.target}")


if __name__ == "__main__":
    main()
