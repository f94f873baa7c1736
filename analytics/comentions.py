"""Co-mentions: which countries and leaders the same articles talk about.

Raw counts of articles mentioning two entities mostly rank the biggest entities
first (everything co-occurs with the United States in US news). Beside them we keep
lift (how many times more often the pair appears together than if the two were
independent) and normalised PMI (log lift scaled to [-1, 1]: 1 = always together,
0 = independent, -1 = never together), which rank pairs by how tied they are.
"""

from __future__ import annotations

import polars as pl

from analytics.frames import require_columns

PAIR_COLUMNS = ("entity_a", "entity_b", "name_a", "name_b", "together", "articles_a", "articles_b")


def comention_pairs(article_entities: pl.DataFrame, total_articles: int) -> pl.DataFrame:
    """Every pair of entities mentioned in at least one article together.

    Expects one row per (article, entity): article_id, entity_id, name. Each pair
    appears once (entity_a < entity_b). Returns entity_a, entity_b, name_a, name_b,
    together (articles mentioning both), articles_a, articles_b, lift and npmi, where
    ``total_articles`` (every article of the period, with or without mentions) is the
    number the probabilities are taken over.
    """
    require_columns(article_entities, {"article_id", "entity_id", "name"})
    rows = article_entities.select("article_id", "entity_id", "name").unique(
        ["article_id", "entity_id"]
    )
    # The pairs are joined and counted by a whole number per entity (its rank among the
    # ids, so code_a < code_b as entity_a < entity_b), named afterwards: a month at a
    # million articles joins into 1.9 M (article, entity, entity) rows: 69 MB with two
    # ids and two names each, grouped in 0.078 s; 29 MB as codes, 0.050 s in all.
    names = (
        rows.select("entity_id", "name")
        .unique("entity_id")
        .sort("entity_id")
        .with_row_index("code")
    )
    coded = rows.join(names.select("entity_id", "code"), on="entity_id").select(
        "article_id", "code"
    )
    singles = names.join(coded.group_by("code").agg(articles=pl.len().cast(pl.Int64)), on="code")
    pairs = (
        coded.join(coded, on="article_id", suffix="_b")
        .filter(pl.col("code") < pl.col("code_b"))
        .group_by("code", "code_b")
        .agg(together=pl.len().cast(pl.Int64))
    )
    side = {
        end: singles.select(
            pl.col("code").alias(f"code{suffix}"),
            pl.col("entity_id").alias(f"entity_{end}"),
            pl.col("name").alias(f"name_{end}"),
            pl.col("articles").alias(f"articles_{end}"),
        )
        for end, suffix in (("a", ""), ("b", "_b"))
    }
    named = pairs.join(side["a"], on="code").join(side["b"], on="code_b").select(*PAIR_COLUMNS)
    return with_association(named, total_articles).sort(
        ["together", "entity_a", "entity_b"], descending=[True, False, False]
    )


def with_association(pairs: pl.DataFrame, total_articles: int) -> pl.DataFrame:
    """Add lift = together * N / (articles_a * articles_b) and npmi = log(lift) /
    -log(together / N) (1 when the two are always together; 1 also when N ==
    together, where PMI says nothing)."""
    require_columns(pairs, {"together", "articles_a", "articles_b"})
    n = float(total_articles)
    together = pl.col("together").cast(pl.Float64)
    lift = together * n / (pl.col("articles_a") * pl.col("articles_b")).cast(pl.Float64)
    p_ab = together / n
    return pairs.with_columns(lift=lift).with_columns(
        npmi=pl.when(pl.col("together") == 0)
        .then(-1.0)
        .when(p_ab >= 1.0)
        .then(1.0)
        .otherwise(pl.col("lift").log() / -(p_ab.log()))
    )


def strongest_pairs(
    pairs: pl.DataFrame,
    n: int,
    *,
    min_together: int = 3,
    countries: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The ``n`` pairs with the highest npmi among those seen together in at least
    ``min_together`` articles (ties: more articles first).

    With ``countries`` (entity_id, country for every entity), a leader paired with
    their own country is left out: that the news names Putin beside Russia says
    nothing new.
    """
    require_columns(pairs, {*PAIR_COLUMNS, "npmi"})
    out = pairs.filter(pl.col("together") >= min_together)
    if countries is not None:
        require_columns(countries, {"entity_id", "country"})
        home = countries.select("entity_id", "country").unique("entity_id")
        out = (
            out.join(home.rename({"entity_id": "entity_a", "country": "_ca"}), "entity_a", "left")
            .join(home.rename({"entity_id": "entity_b", "country": "_cb"}), "entity_b", "left")
            .filter(
                pl.col("_ca").is_null() | pl.col("_cb").is_null() | (pl.col("_ca") != pl.col("_cb"))
            )
            .drop("_ca", "_cb")
        )
    return out.sort(
        ["npmi", "together", "entity_a", "entity_b"], descending=[True, True, False, False]
    ).head(n)


def comention_matrix(
    article_entities: pl.DataFrame, entity_ids: list[str], total_articles: int
) -> pl.DataFrame:
    """The square matrix of ``entity_ids`` in long form, both orders of every pair.

    Expects one row per (article, entity): article_id, entity_id, name. Returns
    entity_a, entity_b, name_a, name_b, together, lift, npmi for every ordered pair
    (together 0 and npmi -1 for pairs never seen together), and on the diagonal the
    entity's own articles with lift and npmi null (also null for an entity with no
    article). Rows follow the order of ``entity_ids``, then columns likewise.
    """
    require_columns(article_entities, {"article_id", "entity_id", "name"})
    rows = article_entities.filter(pl.col("entity_id").is_in(entity_ids))
    order = pl.DataFrame({"entity_id": entity_ids}, schema={"entity_id": pl.String}).with_row_index(
        "_i"
    )
    ids = (
        order.join(rows.select("entity_id", "name").unique("entity_id"), on="entity_id", how="left")
        .join(
            rows.group_by("entity_id").agg(articles=pl.col("article_id").n_unique().cast(pl.Int64)),
            on="entity_id",
            how="left",
        )
        .with_columns(
            pl.coalesce("name", "entity_id").alias("name"), pl.col("articles").fill_null(0)
        )
    )
    pairs = comention_pairs(rows, total_articles).select("entity_a", "entity_b", "together")
    both = pl.concat(
        [pairs, pairs.select(entity_a="entity_b", entity_b="entity_a", together="together")]
    )
    grid = ids.join(ids, how="cross", suffix="_b").select(
        "_i",
        "_i_b",
        entity_a="entity_id",
        entity_b="entity_id_b",
        name_a="name",
        name_b="name_b",
        articles_a="articles",
        articles_b="articles_b",
    )
    frame = (
        grid.join(both, on=["entity_a", "entity_b"], how="left")
        .with_columns(
            together=pl.when(pl.col("entity_a") == pl.col("entity_b"))
            .then(pl.col("articles_a"))
            .otherwise(pl.col("together").fill_null(0))
        )
        .pipe(with_association, total_articles)
    )
    blank = (
        (pl.col("entity_a") == pl.col("entity_b"))
        | (pl.col("articles_a") == 0)
        | (pl.col("articles_b") == 0)
    )
    return (
        frame.with_columns(
            lift=pl.when(blank).then(None).otherwise(pl.col("lift")),
            npmi=pl.when(blank).then(None).otherwise(pl.col("npmi")),
        )
        .sort("_i", "_i_b")
        .select("entity_a", "entity_b", "name_a", "name_b", "together", "lift", "npmi")
    )
