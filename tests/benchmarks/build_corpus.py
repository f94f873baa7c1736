# ruff: noqa: T201  (a script: it reports what it wrote)
"""Build a JSONL corpus of N distinct articles from the real wh-briefings documents.

    uv run python tests/benchmarks/build_corpus.py [--articles 46000] [--out PATH] [--gzip]
        [--seed 7] [--start 2021-01-01] [--end 2026-12-01] [--source PATH]

Each output line is ``{"id", "url", "title", "text", "published_time"}`` (the names a
JSONL dump is read by: jobs/sources/dumps.py). An article is made of runs of consecutive
paragraphs from three to five source documents (the first one gives the title and, by
its own length, the article's target length, at least 1,500 characters), so articles are
about as long as the source's (about 10 KB) and no two of them are near duplicates: story
grouping (MinHash, analytics/stories.py) keeps them apart. Publication times are spread
evenly and in order over [--start, --end) (uniform, one slot per article, a random
moment inside it); ids and URLs are numbered. Deterministic for a given --seed.

Streaming: only the source's paragraphs (pre-encoded as JSON string bytes) are held;
articles are written as they are made, so memory does not grow with --articles.
Without --out the file goes to a new temporary folder (never into the repository);
the path is printed. One core: 1,000,000 articles (about 10 GB) take about a minute
plain; --gzip (level 1) is slower and about 3x smaller.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "corpora" / "wh-briefings" / "articles.jsonl.gz"
MIN_CHARS = 1_500  # a shorter target would be made of one or two short paragraphs
MAX_CHARS = 60_000  # the longest transcripts are cut
SEPARATOR = b"\\n\\n"  # a blank line between paragraphs, JSON-escaped


@dataclass(frozen=True)
class Documents:
    """The source documents, pre-encoded: per document its JSON-escaped title (with
    quotes), its paragraphs (JSON-escaped, without quotes) and their cumulative lengths."""

    titles: list[bytes]
    paragraphs: list[list[bytes]]
    ends: list[list[int]]  # ends[d][i]: characters of paragraphs 0..i of document d

    @classmethod
    def load(cls, source: Path) -> Documents:
        titles, paragraphs, ends = [], [], []
        with gzip.open(source, "rt", encoding="utf-8") as lines:
            for line in lines:
                doc = json.loads(line)
                parts = [p.strip() for p in (doc.get("text") or "").split("\n\n")]
                parts = [p for p in parts if p.strip("#*-_ ")]  # no "###" end marks
                if not parts:
                    continue
                encoded = [json.dumps(p, ensure_ascii=False)[1:-1].encode() for p in parts]
                titles.append(json.dumps(doc.get("title") or "", ensure_ascii=False).encode())
                paragraphs.append(encoded)
                ends.append(list(accumulate(len(p) + 2 for p in encoded)))
        if not titles:
            raise SystemExit(f"{source}: no documents with text")
        return cls(titles, paragraphs, ends)


def article_text(docs: Documents, rng: random.Random) -> tuple[bytes, bytes]:
    """(title as a JSON string, text JSON-escaped) of one new article."""
    count = len(docs.titles)
    lead = rng.randrange(count)
    target = min(MAX_CHARS, max(MIN_CHARS, docs.ends[lead][-1]))
    pieces = rng.randint(3, 5)
    budget = target // pieces
    parts: list[bytes] = []
    used: set[int] = set()
    size = 0
    doc = lead
    while size < target or len(used) < 3:
        while doc in used:
            doc = rng.randrange(count)
        used.add(doc)
        ends = docs.ends[doc]
        first = rng.randrange(len(ends))
        if ends[-1] - (ends[first - 1] if first else 0) < budget:
            # Too near the end to fill the budget: start earlier, so that every piece is
            # a real share of the article (a text of a few closing lines and one long
            # run would make the article the copy of another with that run).
            first = min(first, bisect.bisect_right(ends, ends[-1] - budget))
        before = ends[first - 1] if first else 0
        # The run of paragraphs from ``first`` that reaches this piece's budget.
        last = min(len(ends) - 1, bisect.bisect_left(ends, before + budget, lo=first))
        parts.extend(docs.paragraphs[doc][first : last + 1])
        size += ends[last] - before
    return docs.titles[lead], SEPARATOR.join(parts)


def _open(out: Path, compress: bool) -> BinaryIO:
    if compress:
        return gzip.open(out, "wb", compresslevel=1)  # type: ignore[return-value]
    return out.open("wb", buffering=1 << 20)


def build(
    out: Path,
    articles: int,
    *,
    seed: int = 7,
    start: datetime = datetime(2021, 1, 1, tzinfo=UTC),
    end: datetime = datetime(2026, 12, 1, tzinfo=UTC),
    compress: bool = False,
    source: Path = SOURCE,
) -> dict[str, float]:
    """Write ``articles`` articles to ``out``; return what was written and how fast."""
    started = time.perf_counter()
    docs = Documents.load(source)
    loaded = time.perf_counter() - started
    rng = random.Random(seed)
    first, span = start.timestamp(), end.timestamp() - start.timestamp()
    text_bytes = 0
    with _open(out, compress) as sink:
        for number in range(articles):
            moment = datetime.fromtimestamp(
                int(first + (number + rng.random()) * span / articles), UTC
            )
            day = moment.strftime("%Y/%m/%d")
            title, text = article_text(docs, rng)
            text_bytes += len(text)
            sink.write(
                b'{"id":"bench-%d-%07d","url":"https://news.example.org/%s/article-%07d",'
                b'"title":%s,"text":"%s","published_time":"%s"}\n'
                % (
                    seed,
                    number,
                    day.encode(),
                    number,
                    title,
                    text,
                    moment.isoformat().encode(),
                )
            )
    seconds = time.perf_counter() - started
    return {
        "articles": articles,
        "bytes": out.stat().st_size,
        "text_bytes": text_bytes,
        "source_documents": len(docs.titles),
        "load_seconds": round(loaded, 2),
        "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=46_000)
    parser.add_argument("--out", type=Path, default=None, help="default: a new temporary folder")
    parser.add_argument("--gzip", action="store_true", help="write .jsonl.gz (level 1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default="2021-01-01", help="first day (UTC)")
    parser.add_argument("--end", default="2026-12-01", help="day after the last (UTC)")
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args()
    if not args.source.exists():
        sys.exit(f"error: {args.source} not found (../shared/corpora beside the checkout?)")
    if args.articles < 1:
        sys.exit("error: --articles must be at least 1")
    out = args.out
    if out is None:
        folder = Path(tempfile.mkdtemp(prefix="mentions-corpus-"))
        out = folder / ("articles.jsonl.gz" if args.gzip else "articles.jsonl")
    if out.resolve().is_relative_to(ROOT):
        sys.exit(f"error: {out} is inside the repository; write the corpus elsewhere")
    start, end = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in (args.start, args.end))
    done = build(
        out,
        args.articles,
        seed=args.seed,
        start=start,
        end=end,
        compress=args.gzip,
        source=args.source,
    )
    print(
        f"{done['articles']} articles, {done['bytes'] / 1e6:.1f} MB "
        f"({done['text_bytes'] / done['articles'] / 1e3:.1f} KB of text each) in "
        f"{done['seconds']:.1f} s (source loaded in {done['load_seconds']:.1f} s): {out}"
    )


if __name__ == "__main__":
    main()
