# ruff: noqa: T201  (a measuring script: printing its counts is its job)
"""Count, over a corpus, the mentions each rule of the wire-copy issue is about.

    uv run mentions extract --input CORPUS.jsonl --output MENTIONS.jsonl
    uv run python tests/benchmarks/count_wire_rules.py CORPUS.jsonl MENTIONS.jsonl

Prints one line per item: how many mentions the extractor gave and, where the corpus
can say, how many the text holds (``Costa Rica`` written out, a name wrapped across a
line). Run it on the output of the old and the new extractor to compare.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

NICKNAMES = "Ike Fidel Golda Indira HBJ IBK CFK Lula Bibi MBS AMLO FDR LBJ".split()
PLACE_AFTER = (
    r"^,?\s+(?:County|Oblast|[Rr]egion|[Pp]rovince|District|Hospital|Township|"
    r"Corp\.?|Inc\.?|N\.Y\.|Pa\.|[A-Z][a-z]{1,3}\.)"
)
PLACE_BEFORE = r"(?:District|County|Territory|State|Diocese) of\s+$"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=Path)
    parser.add_argument("mentions", type=Path)
    args = parser.parse_args()
    articles = pl.read_ndjson(args.articles).select(
        article_id=pl.col("id").cast(pl.String), title="title", text="text"
    )
    mentions = pl.read_ndjson(args.mentions, infer_schema_length=None)
    text = pl.concat_str("title", "text", separator="\n")
    written = articles.select(
        costa_rica=text.str.count_matches(r"Costa[ -]Rica").sum(),
    ).row(0, named=True)
    print(f"Costa Rica(n) written in the corpus: {written['costa_rica']}")
    cri = mentions.filter((pl.col("id") == "CRI") & pl.col("text").str.contains("Costa"))
    print(f"Costa Rica(n) found as CRI: {cri.height}")
    wrapped = mentions.filter(pl.col("text").str.contains(r"\n|\s{2}"))
    print(
        f"mentions with a whitespace run inside (wrapped names): {wrapped.height} "
        f"(countries {wrapped.filter(pl.col('kind') == 'country').height}, "
        f"leaders {wrapped.filter(pl.col('kind') == 'leader').height})"
    )
    nick = mentions.filter(pl.col("kind") == "leader", pl.col("text").is_in(NICKNAMES))
    counts = dict(nick.group_by("text").len().iter_rows())
    print("nicknames alone: " + ", ".join(f"{n} {counts.get(n, 0)}" for n in NICKNAMES))
    sides = mentions.join(articles, on="article_id").with_columns(
        field_text=pl.when(pl.col("field") == "title").then("title").otherwise("text")
    )
    sides = sides.with_columns(
        after=pl.col("field_text").str.slice(pl.col("end"), 30),
        before=pl.col("field_text").str.slice(
            pl.max_horizontal(pl.col("end") * 0, pl.col("start") - 30),
            pl.col("start") - pl.max_horizontal(pl.col("end") * 0, pl.col("start") - 30),
        ),
    )
    places = sides.filter(
        (pl.col("kind") == "country")
        & (pl.col("after").str.contains(PLACE_AFTER) | pl.col("before").str.contains(PLACE_BEFORE))
    )
    print(f"country words inside a place or company name: {places.height}")
    for surface, n in places.group_by("text").len().sort("len", descending=True).head(8).rows():
        print(f"    {surface!r} {n}")
    firms = sides.filter((pl.col("kind") == "leader") & pl.col("after").str.contains(r"^\s*&"))
    firms_before = sides.filter(
        (pl.col("kind") == "leader") & pl.col("before").str.contains(r"&\s*$")
    )
    print(f"leader surnames joined by '&' (firms): {firms.height + firms_before.height}")
    given = sides.filter(
        (pl.col("kind") == "country")
        & (pl.col("form") == "adjective")
        & pl.col("after").str.contains(r"^\s[A-Z][a-z]+(?:enko|ov|ev|in|sky|ko|uk)\b")
    )
    print(f"demonyms before a Slavic surname (German Galushchenko): {given.height}")
    by_id = dict(mentions.filter(pl.col("kind") == "leader").group_by("id").len().iter_rows())
    print(f"leader mentions: {sum(by_id.values())} of {len(by_id)} leaders")


if __name__ == "__main__":
    main()
