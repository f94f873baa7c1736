"""A batch finds its stored articles, by id or by content, through their 64-bit digests
(``article_keys``) and only then through the strings: the same answers as reading the
strings alone, whatever the digests say."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

import jobs.store.articles as store_articles
from analytics.frames import MENTION_SCHEMA
from jobs.ingest.frames import articles_frame
from jobs.sources.records import Record
from jobs.store.articles import insert_articles, known_article_ids, new_article_ids
from jobs.store.check import verify
from jobs.store.connect import connect
from jobs.store.schema import ensure_schema

NOW = datetime(2024, 3, 1, 12)


def _articles(*pairs: tuple[str, str]) -> pl.DataFrame:
    records = [Record(title="t", text=text, url=f"https://x.org/{url}") for url, text in pairs]
    return articles_frame(records, "s", NOW)


def _stored(tmp_path: Path) -> Path:
    path = tmp_path / "k.duckdb"
    with connect(path) as con:
        ensure_schema(con)
        stored = _articles(("a", "Peru and Chile."), ("b", "Kenya."))
        assert insert_articles(con, stored, pl.DataFrame(schema=MENTION_SCHEMA), None) == (2, 0)
    return path


def test_a_batch_finds_stored_articles_by_id_and_by_content(tmp_path: Path) -> None:
    path = _stored(tmp_path)
    batch = _articles(
        ("a", "A new text under a stored URL."),
        ("moved", "Kenya."),  # a stored text under a new URL
        ("new", "Fiji."),
    )
    same_url, moved, new = batch.get_column("article_id").to_list()
    with connect(path) as con:
        assert known_article_ids(con, batch.get_column("article_id")) == {same_url}
        assert new_article_ids(con, batch) == {new}
        assert insert_articles(con, batch, pl.DataFrame(schema=MENTION_SCHEMA), None) == (1, 0)
        keys = con.execute("SELECT count(*) FROM article_keys").fetchone()
        assert keys == (3,)
        assert {c.name: c.ok for c in verify(con)}["article keys"]
    assert moved not in {same_url, new}


def test_a_shared_digest_is_no_match_without_the_same_string(tmp_path: Path) -> None:
    path = _stored(tmp_path)
    batch = _articles(("new", "Fiji."))
    [article_id] = batch.get_column("article_id").to_list()
    with connect(path) as con:
        # As if a stored article's digests equalled the new one's (a collision).
        con.execute(
            "INSERT INTO article_keys VALUES (md5_number_lower(?), md5_number_lower(?))",
            [article_id, batch.item(0, "content_hash")],
        )
        assert known_article_ids(con, batch.get_column("article_id")) == set()
        assert new_article_ids(con, batch) == {article_id}
        check = {c.name: c for c in verify(con)}["article keys"]
        assert not check.ok
        assert check.detail == "0 articles without their digests, 1 digest of no article"
        con.execute("DELETE FROM article_keys")
        check = {c.name: c for c in verify(con)}["article keys"]
        assert check.detail == "2 articles without their digests, 0 digests of no article"


def test_the_digests_are_rewritten_whole_every_so_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch, stored and checkpointed on its own, leaves its digests in a row group
    of their own; the batch that crosses a multiple of KEYS_COMPACT_ROWS rewrites them
    into one."""
    monkeypatch.setattr(store_articles, "KEYS_COMPACT_ROWS", 3)
    path = tmp_path / "k.duckdb"
    groups = []
    for batch in range(4):
        articles = _articles(*((f"{batch}-{i}", f"Text {batch} {i}.") for i in range(2)))
        with connect(path) as con:
            ensure_schema(con)
            insert_articles(con, articles, pl.DataFrame(schema=MENTION_SCHEMA), None)
        with connect(path) as con:
            groups.append(
                con.execute(
                    "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('article_keys')"
                ).fetchone()
            )
            assert {c.name: c.ok for c in verify(con)}["article keys"]
    # 2 digests; 4 (past 3: rewritten); 6 (reaching 6: rewritten); 8 (a group added).
    assert groups == [(1,), (1,), (1,), (2,)]
