"""A labelled near-duplicate sample made from real corpus documents.

Positives: copies of corpus documents with another headline, a paragraph cut and an
outlet's footer added; each must join its original's story. Negatives: for each
original, the other corpus document of the same week whose title is closest to its
own (same genre, same topic) and whose text shares less than half its 5-word
shingles (exact, not estimated): a different document, which must not join.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

FOOTER = (
    "This article was distributed by Example Wire Service. Copyright 2026 Example Wire. "
    "All rights reserved. Sign up for our newsletter to get the day's top stories."
)
_WORD = re.compile(r"\w+")


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def _jaccard(a: set[Any], b: set[Any]) -> float:
    return len(a & b) / max(1, len(a | b))


@dataclass(frozen=True)
class Sample:
    originals: list[dict[str, Any]]
    copies: list[dict[str, Any]]
    negatives: list[dict[str, Any]]


def read_corpus(path: Path, year: str) -> Iterator[dict[str, Any]]:
    """The corpus documents published in ``year``, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc["published"].startswith(year):
                yield doc


def copy_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The same story as another outlet runs it."""
    paragraphs = doc["text"].split("\n\n")
    del paragraphs[len(paragraphs) // 2]
    lead = " ".join(doc["text"].split()[:9])
    return {
        "id": doc["id"] + "-copy",
        "url": doc["url"].replace("https://", "https://wire.example/") + "?utm_source=feed",
        "title": f"Wire: {lead}",
        "text": "\n\n".join([*paragraphs, FOOTER]),
        "published_time": doc["published_time"],
    }


def build_sample(path: Path, year: str, every: int) -> Sample:
    docs = list(read_corpus(path, year))
    originals = [
        d
        for i, d in enumerate(docs)
        if i % every == 0 and d["text"].count("\n\n") >= 3 and len(d["text"].split()) >= 80
    ]
    chosen = {d["id"] for d in originals}
    negatives: dict[str, dict[str, Any]] = {}
    for doc in originals:
        day = date.fromisoformat(doc["published"])
        title = set(_WORD.findall(doc["title"].lower()))
        shingles = _shingles(doc["text"])
        best, best_score = None, 0.3
        for other in docs:
            if other["id"] in chosen or other["id"] in negatives:
                continue
            if abs((date.fromisoformat(other["published"]) - day).days) > 7:
                continue
            score = _jaccard(title, set(_WORD.findall(other["title"].lower())))
            if score > best_score and _jaccard(shingles, _shingles(other["text"])) < 0.5:
                best, best_score = other, score
        if best is not None:
            negatives[best["id"]] = best
    return Sample(originals, [copy_of(d) for d in originals], list(negatives.values()))


def write_jsonl(path: Path, docs: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps(doc) + "\n")
    return path


@dataclass(frozen=True)
class Grouping:
    recall: float
    precision: float
    joined: int
    copies: int
    false_pairs: int
    negatives: int


def measure(db: Path, sample: Sample) -> Grouping:
    """Pairs sharing a story: original-copy pairs are right, every other pair is wrong."""
    with duckdb.connect(str(db), read_only=True) as con:
        story = dict(con.execute("SELECT external_id, story_id FROM articles").fetchall())
    joined = sum(1 for o in sample.originals if story.get(o["id"]) == story.get(o["id"] + "-copy"))
    members: dict[str, list[str]] = {}
    for external_id, story_id in story.items():
        members.setdefault(story_id, []).append(external_id)
    pairs = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
    false_pairs = pairs - joined
    return Grouping(
        recall=joined / max(1, len(sample.originals)),
        precision=joined / max(1, pairs),
        joined=joined,
        copies=len(sample.copies),
        false_pairs=false_pairs,
        negatives=len(sample.negatives),
    )
