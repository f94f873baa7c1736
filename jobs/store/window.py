"""A report's rows with whole numbers for keys: the window's articles and their counts
per entity and form, each article and story named by an integer instead of its id.

The analysis groups, joins and counts distinct values of these ids again and again
(2.4 M rows for a month's trend window at a million articles); the stored ids are
16-character strings. An article's key is the rank of its id among the window's
(so keys sort as the ids do, and the evidence's ties, broken by article id, pick the
same articles); a story's is the rank of its id. ``WindowRows.stored`` puts the stored
ids back into the rows that leave the analysis (the evidence, which is read by id).
A month's analysis at a million articles took 1.12-1.17 s with the strings and
0.88-0.90 s with the keys; making the keys costs 0.04 s.

A report reads its period's rows one by one, and counts the rest of its trend window
here, in SQL, by the buckets the analysis gives each earlier article
(``count_earlier``): eleven of a month's twelve months need not travel as rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from analytics.form_policy import COUNTRY_FORMS, LEADERS
from analytics.frequencies import COUNT_COLUMNS, COUNT_SCHEMA
from analytics.period import EarlierCounts
from jobs.store.articles import ARTICLES_IN_RANGE_SQL, MENTION_COUNTS_CTE

WINDOW_ARTICLES_SQL = ARTICLES_IN_RANGE_SQL + "ORDER BY article_id\n"

_KEYED = "report_window_articles"  # the keyed articles, registered for the queries below

KEYED_ENTITY_FORMS_SQL = f"""
WITH {MENTION_COUNTS_CTE}
SELECT w.article_key AS article_id, c.entity_id, e.kind, e.country, w.published_at,
       w.story_key AS story_id, c.form, c.mentions
FROM counts c
JOIN {_KEYED} w USING (article_id)
JOIN entities e USING (entity_id)
"""

# The counting policy (``analytics.forms.counted_rows``) in SQL: a country's mentions
# count when their form is chosen, a leader's always, and with 'leaders' chosen a
# leader's mentions count for the leader's country too. Mentions of entities no longer
# in ``entities`` are left out, as the rows' join to it leaves them out; a leader's
# country still counts when it is gone (named by its id, as the rows name it).
#
# Every entity, and every leader's country, gets a whole number (``codes``); each
# mention is counted for the codes it counts for (``targets``: its entity's, and its
# leader's country's), per article and code, then per code and bucket, as
# ``analytics.frequencies.bucket_counts`` counts them: the mentions, the articles (a
# row each) and the distinct stories. The registered articles carry their bucket at
# the trend's grain (fine) and by period (coarse), each null where the article is not
# counted in one; both grains are counted in one pass (grouping sets). Grouping the
# window's 5.9 M counted mentions (a month's report at a million articles) by article
# and code, then by code and bucket, takes 0.48-0.54 s; by article and entity id,
# regrouping the leaders' rows added for their countries, 0.70-0.89 s; grouping sets
# save 0.06-0.08 s more over grouping the rows once per grain.
#
# A bucket's stories are its distinct story keys, but an article alone in its story
# within the bucket (``alone_fine``, ``alone_coarse``: no other article of the window's
# buckets shares both) is a story of its own wherever it is counted: only the others'
# keys need the distinct count's hash tables. At a million articles, where most
# stories have one article, the query took 0.34-0.37 s instead of 0.44-0.50.
_CODES = """codes AS (
    SELECT entity_id, CAST(row_number() OVER (ORDER BY entity_id) AS INTEGER) AS code
    FROM (SELECT entity_id FROM entities
          UNION
          SELECT country FROM entities WHERE kind = 'leader' AND country IS NOT NULL)
)"""
_OWN_TARGETS = "SELECT entity_id, code AS target FROM entities JOIN codes USING (entity_id)"
_TARGETS = {
    False: f"targets AS ({_OWN_TARGETS})",
    True: f"""targets AS (
    {_OWN_TARGETS}
    UNION ALL
    SELECT e.entity_id, c.code FROM entities e JOIN codes c ON c.entity_id = e.country
    WHERE e.kind = 'leader'
)""",
}
_BY_BUCKET = f"""
per_article AS (
    SELECT m.article_id, t.target, count(*) AS mentions
    FROM mentions m JOIN targets t USING (entity_id)
    WHERE m.day BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND (m.kind = 'leader' OR list_contains($forms, m.form))
    GROUP BY m.article_id, t.target
),
rows AS (
    SELECT w.fine, w.coarse, p.target, p.mentions, w.alone_fine, w.alone_coarse,
           CASE WHEN NOT w.alone_fine THEN w.story_key END AS shared_fine,
           CASE WHEN NOT w.alone_coarse THEN w.story_key END AS shared_coarse
    FROM per_article p
    JOIN {_KEYED} w USING (article_id)
),
buckets AS (
    SELECT CASE WHEN GROUPING(fine) = 0 THEN 'fine' ELSE 'coarse' END AS grain, target,
           coalesce(fine, coarse) AS bucket, sum(mentions) AS mentions,
           count(*) AS articles,
           CASE WHEN GROUPING(fine) = 0
                THEN count(*) FILTER (WHERE alone_fine) + count(DISTINCT shared_fine)
                ELSE count(*) FILTER (WHERE alone_coarse) + count(DISTINCT shared_coarse)
           END AS stories
    FROM rows GROUP BY GROUPING SETS ((target, fine), (target, coarse))
    HAVING bucket IS NOT NULL  -- an article not counted at a grain has no bucket there
)
SELECT b.grain, c.entity_id, coalesce(e.kind, 'country') AS kind,
       coalesce(e.name, c.entity_id) AS name, b.bucket,
       CAST(b.mentions AS BIGINT) AS mentions, CAST(b.articles AS BIGINT) AS articles,
       CAST(b.stories AS BIGINT) AS stories
FROM buckets b
JOIN codes c ON c.code = b.target
LEFT JOIN entities e USING (entity_id)
"""
# By whether leaders count for their countries.
COUNT_EARLIER_SQL = {
    leaders: f"WITH {_CODES},\n{targets},{_BY_BUCKET}" for leaders, targets in _TARGETS.items()
}


@dataclass(frozen=True)
class WindowArticles:
    """The window's articles, keyed: article_id (key), published_at (stored, UTC),
    story_id (key), date_source; ``ids`` the stored id of each key (the key is its
    position)."""

    articles: pl.DataFrame
    ids: pl.Series

    def stored(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with the stored id in place of each article key in article_id."""
        return frame.with_columns(article_id=self.ids.gather(frame["article_id"]))


@dataclass(frozen=True)
class WindowRows(WindowArticles):
    """The window's articles (``WindowArticles``) with every row of them: entity_forms
    has article_id (key), entity_id, kind, country, published_at, story_id (key), form,
    mentions, one row per article, entity and form (as ``read_entity_forms`` returns
    them)."""

    entity_forms: pl.DataFrame


def read_window_articles(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, include_undated: bool = True
) -> WindowArticles:
    """The articles published in [start, end), each with an article key and a story
    key (see ``WindowArticles``)."""
    stored = con.sql(
        WINDOW_ARTICLES_SQL, params={"start": start, "end": end, "undated": include_undated}
    ).pl()
    keyed = stored.select(
        article_id=pl.int_range(pl.len(), dtype=pl.Int64),
        published_at="published_at",
        story_id=pl.col("story_id").rank("dense").cast(pl.Int64),
        date_source="date_source",
    )
    return WindowArticles(articles=keyed, ids=stored["article_id"])


@contextmanager
def _registered(
    con: duckdb.DuckDBPyConnection, window: WindowArticles, chosen: pl.DataFrame
) -> Iterator[dict[str, datetime]]:
    """Register the articles of ``chosen`` (article_id: keys, plus any columns of its
    own) as the keyed articles (stored id, key, time, story key, and those columns)
    for the duration; yield the query's bounds: the stored times of the first and
    the last of them."""
    keys = chosen["article_id"]
    articles = window.articles.select(pl.col("published_at", "story_id").gather(keys))
    keyed = pl.concat(
        [
            pl.DataFrame({"article_id": window.ids.gather(keys), "article_key": keys}),
            articles.rename({"story_id": "story_key"}),
            chosen.drop("article_id"),
        ],
        how="horizontal",
    )
    con.register(_KEYED, keyed)
    try:
        bounds = articles.select(
            start=pl.col("published_at").min(), end=pl.col("published_at").max()
        )
        yield bounds.row(0, named=True)
    finally:
        con.unregister(_KEYED)


def read_keyed_entity_forms(
    con: duckdb.DuckDBPyConnection, window: WindowArticles, keys: pl.Series | None = None
) -> pl.DataFrame:
    """One row per (article, entity, form) of the window's articles with ``keys``
    (default: all of them), as ``WindowRows.entity_forms`` has them. The counts are
    joined to the keyed articles as read, so each of their keys names one of them even
    where an ingest stores more articles between the two reads."""
    chosen = window.articles.select("article_id") if keys is None else keys.to_frame("article_id")
    with _registered(con, window, chosen) as bounds:
        return con.sql(KEYED_ENTITY_FORMS_SQL, params=bounds).pl()


def _alone_in_story(window: WindowArticles, buckets: pl.DataFrame) -> pl.DataFrame:
    """``buckets`` (article_id: key, fine, coarse) with alone_fine and alone_coarse:
    whether no other of its articles has the article's story and bucket at that grain."""
    story = window.articles["story_id"].gather(buckets["article_id"])
    return buckets.select(
        "article_id",
        "fine",
        "coarse",
        alone_fine=pl.struct(story, "fine").is_unique(),
        alone_coarse=pl.struct(story, "coarse").is_unique(),
    )


def count_earlier(
    con: duckdb.DuckDBPyConnection,
    window: WindowArticles,
    buckets: pl.DataFrame,
    forms: tuple[str, ...],
) -> EarlierCounts:
    """The trend window's earlier buckets counted under ``forms``: ``buckets`` gives
    each article counted in one (article_id: key, fine, coarse; as
    ``analytics.period.earlier_buckets`` makes them). The same counts as
    ``analytics.period.count_earlier`` makes from the rows."""
    sql = COUNT_EARLIER_SQL[LEADERS in forms]
    params = {"forms": [f for f in COUNTRY_FORMS if f in forms]}
    if buckets.is_empty():
        counts = pl.DataFrame(schema={"grain": pl.String, **COUNT_SCHEMA})
    else:
        with _registered(con, window, _alone_in_story(window, buckets)) as bounds:
            counts = con.sql(sql, params={**params, **bounds}).pl()
    fine, coarse = (
        counts.filter(pl.col("grain") == grain).select(COUNT_COLUMNS).cast(COUNT_SCHEMA)
        for grain in ("fine", "coarse")
    )
    return EarlierCounts(fine=fine, coarse=coarse)


def read_window_rows(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, include_undated: bool = True
) -> WindowRows:
    """The rows of the articles published in [start, end) (see ``WindowRows``)."""
    window = read_window_articles(con, start, end, include_undated)
    return WindowRows(
        articles=window.articles,
        ids=window.ids,
        entity_forms=read_keyed_entity_forms(con, window),
    )
