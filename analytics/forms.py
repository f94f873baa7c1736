"""Which mentions count: the forms policy, and leaders rolled up to their country.

A country can be named (*Russia*), described (*Russian*), stood for by its capital
(*Moscow*) or by a building (*the Kremlin*), and talked about through its leader
(*Putin*). Each mention keeps its form, so a reader can choose which of these count
as attention to the country without re-reading any text. One function applies the
choice, and every count, co-mention and evidence snippet goes through it, so a
chart and the sentences behind it never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from analytics.form_policy import ALL_FORMS, LEADERS
from analytics.frames import require_columns


def counted_rows(rows: pl.DataFrame, entities: pl.DataFrame, forms: Iterable[str]) -> pl.DataFrame:
    """Rows of mentions (or of mention counts) as they count under ``forms``.

    ``rows`` has entity_id, kind, country and form, plus any other columns, which are
    kept. A country row stays when its form is counted; a leader row always stays (a
    leader counts for themselves) and, when ``forms`` holds 'leaders', is repeated as
    a row of the leader's country with form 'leaders'. ``entities`` (entity_id, kind,
    name) names the countries a leader rolls up to. Returns the same columns, plus
    name, with entity_id, kind and name of the entity the row counts for.
    """
    require_columns(rows, {"entity_id", "kind", "country", "form"})
    require_columns(entities, {"entity_id", "kind", "name"})
    chosen = set(forms)
    columns = [c for c in rows.columns if c != "name"]
    names = entities.select("entity_id", "name").unique("entity_id")
    own = rows.filter(
        (pl.col("kind") == "leader")
        | ((pl.col("kind") == "country") & pl.col("form").is_in(sorted(chosen)))
    ).select(columns)
    parts = [own]
    if LEADERS in chosen:
        parts.append(leaders_as_countries(rows).select(columns))
    return (
        pl.concat(parts)
        .join(names, on="entity_id", how="left")
        .select(*columns, name=pl.coalesce("name", "entity_id"))
    )


def leaders_as_countries(rows: pl.DataFrame) -> pl.DataFrame:
    """Leader rows relabelled as rows of their country, form 'leaders'.

    Expects entity_id, kind, country, form. Leaders without a country are dropped.
    """
    require_columns(rows, {"entity_id", "kind", "country", "form"})
    return rows.filter((pl.col("kind") == "leader") & pl.col("country").is_not_null()).with_columns(
        entity_id=pl.col("country"), kind=pl.lit("country"), form=pl.lit(LEADERS)
    )


def article_entities(entity_forms: pl.DataFrame) -> pl.DataFrame:
    """One row per (article, entity) from counted rows per (article, entity, form):
    the mentions summed. Returns article_id, entity_id, kind, name, published_at,
    story_id and mentions, in no particular order (sorting a year's rows took as long
    as grouping them; whoever shows rows sorts them)."""
    require_columns(
        entity_forms,
        {"article_id", "entity_id", "kind", "name", "published_at", "story_id", "mentions"},
    )
    # The entity's kind and name and the article's time and story follow from the two
    # ids: grouping by the ids alone hashes two strings a row instead of four.
    return entity_forms.group_by("article_id", "entity_id").agg(
        pl.col("kind", "name", "published_at", "story_id").first(),
        pl.col("mentions").sum().cast(pl.Int64),
    )


def form_split(
    entity_forms: pl.DataFrame,
    entity_ids: list[str],
    forms: Iterable[str],
    total_articles: int,
) -> pl.DataFrame:
    """How each country in ``entity_ids`` is talked about: per form (its leaders
    included, whether or not they are counted), the mentions, the articles using
    that form, the share of all ``total_articles``, and whether the form counts
    under ``forms``.

    Expects rows per (article, entity, form) before any policy: article_id,
    entity_id, kind, country, form, mentions. Returns entity_id, form, mentions,
    articles, share, counted for every entity and form (zeros included), in the
    order of ``entity_ids`` and ALL_FORMS.
    """
    require_columns(
        entity_forms, {"article_id", "entity_id", "kind", "country", "form", "mentions"}
    )
    countries = entity_forms.filter(pl.col("kind") == "country")
    rows = pl.concat(
        [
            countries.select("article_id", "entity_id", "form", "mentions"),
            leaders_as_countries(entity_forms).select(
                "article_id", "entity_id", "form", "mentions"
            ),
        ]
    ).filter(pl.col("entity_id").is_in(entity_ids) & pl.col("form").is_in(ALL_FORMS))
    counts = rows.group_by("entity_id", "form").agg(
        mentions=pl.col("mentions").sum().cast(pl.Int64),
        articles=pl.col("article_id").n_unique().cast(pl.Int64),
    )
    grid = pl.DataFrame({"entity_id": entity_ids}, schema={"entity_id": pl.String}).join(
        pl.DataFrame({"form": list(ALL_FORMS)}), how="cross"
    )
    order = {e: i for i, e in enumerate(entity_ids)}
    chosen = set(forms)
    return (
        grid.join(counts, on=["entity_id", "form"], how="left")
        .with_columns(pl.col("mentions", "articles").fill_null(0))
        .with_columns(
            share=pl.col("articles") / total_articles if total_articles else pl.lit(0.0),
            counted=pl.col("form").is_in(sorted(chosen)),
            _e=pl.col("entity_id").replace_strict(order, return_dtype=pl.Int64),
            _f=pl.col("form").replace_strict(
                {f: i for i, f in enumerate(ALL_FORMS)}, return_dtype=pl.Int64
            ),
        )
        .sort("_e", "_f")
        .drop("_e", "_f")
    )
