from __future__ import annotations

from datetime import datetime

import polars as pl
from polars.testing import assert_frame_equal

from analytics.evidence import ELLIPSIS, evidence_articles, sentence_bounds, snippets


def _sentence(text: str, word: str) -> str:
    start = text.index(word)
    begin, finish = sentence_bounds(text, start, start + len(word))
    return text[begin:finish]


def test_sentences_end_at_punctuation_but_not_at_abbreviations() -> None:
    text = (
        "The U.S. and Mr. Smith met on Tuesday. Joseph R. Biden spoke with Russia's "
        "leader at 3 p.m. today. Then they left! Was it Kyiv? Yes.\nMS. PSAKI: Ukraine first."
    )
    assert _sentence(text, "Smith") == "The U.S. and Mr. Smith met on Tuesday."
    assert _sentence(text, "Russia") == (
        "Joseph R. Biden spoke with Russia's leader at 3 p.m. today."
    )
    assert _sentence(text, "Kyiv") == "Was it Kyiv?"
    assert _sentence(text, "Ukraine") == "MS. PSAKI: Ukraine first."


def test_evidence_articles_rank_by_mentions_one_per_story() -> None:
    t = datetime(2022, 3, 2)
    rows = pl.DataFrame(
        {
            "article_id": ["a1", "a2", "a3", "a4", "a5"],
            "entity_id": ["RUS", "RUS", "RUS", "RUS", "UKR"],
            "published_at": [t, t, t, datetime(2022, 4, 2), t],
            "story_id": ["s1", "s1", "s2", "s3", "s4"],
            "mentions": [5, 7, 2, 9, 1],
        }
    )
    targets = pl.DataFrame(
        {
            "target_id": [0],
            "entity_id": ["RUS"],
            "start_at": [datetime(2022, 3, 1)],
            "end_at": [datetime(2022, 4, 1)],
        }
    )
    got = evidence_articles(rows, targets, per_target=5)
    # a4 is outside the range; a1 repeats a2's story with fewer mentions.
    assert_frame_equal(
        got.select("article_id", "mentions", "rank", "articles"),
        pl.DataFrame(
            {"article_id": ["a2", "a3"], "mentions": [7, 2], "rank": [1, 2], "articles": [3, 3]}
        ),
    )


def test_snippets_mark_every_mention_of_the_sentence_and_cut_at_the_window() -> None:
    text = "Intro words here. Russia and Russia again met. Later, Russia left."
    # "Russia" at 18 and 29 (one sentence), at 54 (sentence from 47)
    windows = pl.DataFrame(
        {
            "article_id": ["a1", "a1", "a1", "a1"],
            "entity_id": ["RUS", "RUS", "RUS", "RUS"],
            "field": ["text", "text", "text", "title"],
            "start_pos": [18, 29, 54, 0],
            "end_pos": [24, 35, 60, 6],
            "window_start": [10, 10, 10, 0],
            "window": [text[10:], text[10:], text[10:], "Russia talks"],
            "field_length": [len(text), len(text), len(text), 12],
        }
    )
    got = snippets(windows, per_article=2)
    assert got["sentence_start"].to_list() == [18, 47]
    first = got["parts"][0].to_list()
    assert first == [
        {"text": "Russia", "mark": True},
        {"text": " and ", "mark": False},
        {"text": "Russia", "mark": True},
        {"text": " again met.", "mark": False},
    ]
    # A window starting mid-text gets an ellipsis when the sentence reaches its edge.
    cut = snippets(
        windows.with_columns(window_start=pl.lit(20), window=pl.lit(text[20:]))
        .head(1)
        .with_columns(start_pos=pl.lit(29), end_pos=pl.lit(35)),
        1,
    )
    assert cut["parts"][0].to_list()[0] == {"text": ELLIPSIS, "mark": False}
    # Only the title mentions the entity: the title is the snippet.
    title_only = snippets(windows.filter(pl.col("field") == "title"), per_article=2)
    assert title_only["parts"][0].to_list() == [
        {"text": "Russia", "mark": True},
        {"text": " talks", "mark": False},
    ]
