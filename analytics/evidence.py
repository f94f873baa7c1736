"""Evidence: the articles behind a number, and the sentences around each mention.

The store keeps every mention's character offsets, so the sentence around it can be
cut out of the stored text. Sentences are found by a small rule set tuned for news
and transcripts: a sentence ends at . ! or ? followed by space and a capital (not
after an abbreviation or an initial such as U.S., Mr., Joseph R.), and at every line
break (paragraphs, speaker turns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from analytics.frames import require_columns

# A candidate end of sentence: terminal punctuation, closing quotes or brackets,
# then whitespace; or a line break.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr st jr sr gen sen rep gov lt col capt sgt prof no vol vs etc inc co
    corp ltd jan feb mar apr jun jul aug sep sept oct nov dec pres rev hon amb adm maj
    cmdr gov't dept est approx fig al""".split()
)
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)*[A-Za-z]$")
MAX_SENTENCE = 320
ELLIPSIS = "…"

SNIPPET_SCHEMA: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "entity_id": pl.String(),
    "field": pl.String(),
    "sentence_start": pl.Int64(),
    "parts": pl.List(pl.Struct({"text": pl.String(), "mark": pl.Boolean()})),
}


@dataclass(frozen=True)
class Evidence:
    """The chosen articles with their sentences.

    articles: target_id, entity_id, article_id, mentions, published_at, rank,
    articles (as ``evidence_articles`` returns them) plus url, title, source_id.
    sentences: article_id, entity_id, field, sentence_start, parts (as ``snippets``
    returns them).
    """

    articles: pl.DataFrame
    sentences: pl.DataFrame


def evidence_articles(
    article_entities: pl.DataFrame, targets: pl.DataFrame, per_target: int
) -> pl.DataFrame:
    """For each target (an entity over a time range), the articles that drive it: the
    ones mentioning it most, one per story, at most ``per_target``.

    ``article_entities`` has one row per (article, entity): article_id, entity_id,
    published_at, story_id, mentions. ``targets`` has target_id, entity_id, start_at,
    end_at ([start_at, end_at) in published_at's terms). Returns target_id,
    entity_id, article_id, mentions, published_at, rank (1 = strongest) and
    articles (all articles mentioning the entity in the range), by target and rank.
    """
    require_columns(
        article_entities, {"article_id", "entity_id", "published_at", "story_id", "mentions"}
    )
    require_columns(targets, {"target_id", "entity_id", "start_at", "end_at"})
    hits = (
        targets.select("target_id", "entity_id", "start_at", "end_at")
        .join(
            article_entities.select(
                "article_id", "entity_id", "published_at", "story_id", "mentions"
            ),
            on="entity_id",
        )
        .filter(
            (pl.col("published_at") >= pl.col("start_at"))
            & (pl.col("published_at") < pl.col("end_at"))
        )
        .with_columns(articles=pl.len().over("target_id").cast(pl.Int64))
        .sort(
            ["target_id", "mentions", "published_at", "article_id"],
            descending=[False, True, False, False],
        )
        .unique(["target_id", "story_id"], keep="first", maintain_order=True)
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("target_id").cast(pl.Int64))
        .filter(pl.col("rank") <= per_target)
    )
    return hits.select(
        "target_id", "entity_id", "article_id", "mentions", "published_at", "rank", "articles"
    )


def _is_abbreviation(window: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation or initial, not a sentence."""
    begin = dot
    while begin > 0 and not window[begin - 1].isspace() and window[begin - 1] not in "(\"'“‘":
        begin -= 1
    token = window[begin:dot]
    return bool(_INITIALISM.match(token)) or token.lower().rstrip(".") in _ABBREVIATIONS


def sentence_bounds(window: str, start: int, end: int) -> tuple[int, int]:
    """[begin, finish) of the sentence of ``window`` holding [start, end)."""
    begin, finish = 0, len(window)
    for match in _END.finditer(window):
        if match.group() != "\n":
            dot = match.start()
            after = window[match.end() :].lstrip()
            if window[dot] == "." and (
                _is_abbreviation(window, dot) or (after[:1].islower() if after else False)
            ):
                continue
        if match.end() <= start:
            begin = match.end()
        elif match.start() >= end:
            finish = match.end() if match.group() != "\n" else match.start()
            break
    while begin < start and window[begin].isspace():
        begin += 1
    while finish > end and window[finish - 1].isspace():
        finish -= 1
    return begin, finish


def _parts(
    window: str, begin: int, finish: int, marks: list[tuple[int, int]], left: bool, right: bool
) -> list[dict[str, object]]:
    if finish - begin > MAX_SENTENCE:
        first = marks[0][0]
        cut_begin = max(begin, first - MAX_SENTENCE // 2)
        cut_finish = min(finish, cut_begin + MAX_SENTENCE)
        left, right = left or cut_begin > begin, right or cut_finish < finish
        begin, finish = cut_begin, cut_finish
        marks = [(s, e) for s, e in marks if s >= begin and e <= finish]
    parts: list[dict[str, object]] = []
    position = begin
    for s, e in marks:
        if s > position:
            parts.append({"text": window[position:s], "mark": False})
        parts.append({"text": window[s:e], "mark": True})
        position = e
    if finish > position:
        parts.append({"text": window[position:finish], "mark": False})
    if left:
        parts.insert(0, {"text": ELLIPSIS, "mark": False})
    if right:
        parts.append({"text": ELLIPSIS, "mark": False})
    return parts


def snippets(mention_windows: pl.DataFrame, per_article: int) -> pl.DataFrame:
    """The sentences around the mentions of each (article, entity), every mention of
    the entity in a sentence marked; at most ``per_article`` sentences, those of the
    text first (in reading order), the title only when the text has none.

    Expects one row per mention: article_id, entity_id, field, start_pos, end_pos
    (offsets into the field), window_start (the field offset where ``window``
    begins), window (text around the mention) and field_length. Returns article_id,
    entity_id, field, sentence_start and parts (a list of {text, mark}, with an
    ellipsis where the sentence was cut), by article, entity and position.
    """
    require_columns(
        mention_windows,
        {
            "article_id",
            "entity_id",
            "field",
            "start_pos",
            "end_pos",
            "window_start",
            "window",
            "field_length",
        },
    )
    ordered = mention_windows.sort(
        "article_id", "entity_id", pl.col("field") != "text", "start_pos"
    )
    spans: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for row in ordered.iter_rows(named=True):
        key = (row["article_id"], row["entity_id"], row["field"])
        spans.setdefault(key, []).append((row["start_pos"], row["end_pos"]))
    records: list[dict[str, object]] = []
    taken: dict[tuple[str, str], list[int]] = {}
    for row in ordered.iter_rows(named=True):
        pair = (row["article_id"], row["entity_id"])
        done = taken.setdefault(pair, [])
        if len(done) >= per_article or (row["field"] != "text" and done):
            continue
        offset, window = row["window_start"], row["window"]
        begin, finish = sentence_bounds(window, row["start_pos"] - offset, row["end_pos"] - offset)
        if offset + begin in done:
            continue
        done.append(offset + begin)
        marks = [
            (s - offset, e - offset)
            for s, e in spans[(*pair, row["field"])]
            if s - offset >= begin and e - offset <= finish
        ]
        left = begin == 0 and offset > 0
        right = finish == len(window) and offset + len(window) < row["field_length"]
        records.append(
            {
                "article_id": row["article_id"],
                "entity_id": row["entity_id"],
                "field": row["field"],
                "sentence_start": offset + begin,
                "parts": _parts(window, begin, finish, marks, left, right),
            }
        )
    return pl.DataFrame(records, schema=SNIPPET_SCHEMA).sort(
        "article_id", "entity_id", pl.col("field") != "title", "sentence_start"
    )
