"""Near duplicates -> stories: the pure grouping on small texts, then through the store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from analytics.minhash import NUM_PERM, has_signature, minhash_signatures, similarity
from analytics.stories import assign_stories
from jobs.ingest import run_ingest
from jobs.settings import Settings, SourceConfig
from tests.analytics.story_sample import build_sample, measure, write_jsonl
from tests.conftest import CORPUS, needs_shared

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2022, 3, 1, 9)
PARAGRAPHS = [
    "Delegations from Ukraine and Russia met near the Belarusian border on Monday for the "
    "first talks since the invasion began, officials in Kyiv said.",
    "The Ukrainian side asked for an immediate ceasefire and the withdrawal of Russian troops "
    "from its territory, including Crimea and the Donbas region.",
    "Moscow's negotiator said the two sides had found points on which common positions could "
    "be foreseen, and that a second round would follow within days.",
    "Meanwhile the Russian column north of the capital moved closer, satellite images showed, "
    "and air raid sirens sounded again across several cities overnight.",
    "Western governments announced new sanctions on the Russian central bank and pledged more "
    "weapons, while the European Union closed its airspace to Russian aircraft.",
    "In Kyiv, residents queued for bread and fuel during the few hours without a curfew, and "
    "volunteers handed out rifles to anyone willing to defend the city.",
    "The United Nations said more than half a million people had fled Ukraine in five days, "
    "most of them to Poland, Hungary, Slovakia and Moldova.",
    "Russia's currency fell by almost a third against the dollar, and the central bank in "
    "Moscow doubled its main interest rate to twenty per cent to stop the slide.",
]
ORIGINAL = "\n\n".join(PARAGRAPHS)
# The same wire story: a paragraph cut and an outlet's footer added.
REPRINT = "\n\n".join(
    PARAGRAPHS[:3]
    + PARAGRAPHS[4:]
    + ["Copyright 2022 Example Wire. All rights reserved. Read more world news on our site."]
)
# The same template filled with other names and numbers throughout: another story.
TEMPLATE = (
    ORIGINAL.replace("Ukraine", "Armenia")
    .replace("Ukrainian", "Armenian")
    .replace("Russia", "Azerbaijan")
    .replace("Russian", "Azerbaijani")
    .replace("Belarusian", "Georgian")
    .replace("Kyiv", "Yerevan")
    .replace("Moscow", "Baku")
    .replace("Crimea and the Donbas region", "the Lachin corridor")
    .replace("Monday", "Friday")
    .replace("capital", "border")
)
OTHER = (
    "Japan and India signed a trade agreement on Tuesday that cuts tariffs on machinery, "
    "textiles and pharmaceuticals over five years, the two governments said in Tokyo. "
    "The deal, negotiated for almost a decade, also opens public procurement to each other's firms."
)


def _frame(ids: list[str], times: list[datetime], sizes: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "article_id": ids,
            "story_id": ids,
            "published_at": times,
            "shingles": sizes[:, 0],
            "long_shingles": sizes[:, 1],
        }
    )


def _stories(texts: list[str], times: list[datetime] | None = None) -> list[str]:
    ids = [f"a{i}" for i in range(len(texts))]
    signatures, sizes = minhash_signatures(pl.Series(texts))
    new = _frame(ids, times or [T0] * len(texts), sizes)
    empty = new.clear()
    result = assign_stories(new, signatures, empty, signatures[:0])
    return result.get_column("story_id").to_list()


def test_reprint_joins_and_template_and_other_story_do_not() -> None:
    assert _stories([ORIGINAL, REPRINT, TEMPLATE, OTHER]) == ["a0", "a0", "a2", "a3"]


def test_signatures_are_a_stable_format() -> None:
    """Signatures are stored and compared with later runs: their values must not drift."""
    signatures, sizes = minhash_signatures(pl.Series([ORIGINAL, "too short to sign"]))
    assert signatures.shape == (2, 2 * NUM_PERM) and signatures.dtype == np.uint32
    assert sizes.tolist() == [[198, 191], [0, 0]]
    assert has_signature(signatures).tolist() == [True, False]
    again, _ = minhash_signatures(pl.Series(["Unrelated first.", ORIGINAL.upper()]))
    assert (again[1] == signatures[0]).all(), "case and batch neighbours do not matter"
    assert signatures[0, :4].tolist() == [2488311945, 2784688874, 130253113, 4166439369]


def test_signatures_keep_their_bits_on_hard_texts() -> None:
    """Every signature and shingle count of texts that exercise the edge cases (capitals,
    non-ASCII letters, NULs, tokens longer than the hashed prefix, repeated shingles, too
    few words) equals what the first implementation (numpy, before the compiled loops)
    gave: a digest of both arrays."""
    seed = (ROOT / "seeds" / "articles" / "us-russia-second-round-talks.txt").read_text(
        encoding="utf-8"
    )
    words = seed.split()
    texts = [
        seed,
        seed.upper(),
        "",
        "too short to sign",
        " ".join(words[:20]),
        " ".join(words[5:400]),
        "Café Biden’s naïve façade " * 40,
        "x" * 5000 + " end",
        "\x00".join(words[:100]),
        " ".join(reversed(words)),
        "Ünïcödé ΣΊΣΥΦΟΣ ñ " * 30 + seed[:3000],
    ]
    signatures, sizes = minhash_signatures(pl.Series(texts))
    digest = hashlib.sha256(signatures.tobytes() + sizes.tobytes()).hexdigest()
    assert digest == "89bf8990f1792aad644aecf00d6d7cc0f15b51790600ae07e3aaf0cc66ab1856"


# Capitals outside ASCII, one of them (U+1C89, Cyrillic Tje) newer than Python 3.11's
# Unicode tables but lowered by polars'; a Roman numeral, a final sigma, a dotted I.
CAPITALS = ["É", "Σ", "İ", "ẞ", "Ǆ", "\u1c89", "\U00010d50", "Ⅻ", "ΟΔΥΣΣΕΥΣ"]


def test_signing_lowers_every_capital_as_polars_does() -> None:
    """The compiled loop lowers ASCII capitals as it reads, and only a text holding
    another character that lowering changes is lowered by polars first: every text
    signs as its polars-lowered copy does, capitals of every kind."""
    words = (
        (ROOT / "seeds" / "articles" / "us-russia-second-round-talks.txt")
        .read_text(encoding="utf-8")
        .split()
    )
    texts = pl.Series(
        [" ".join(words[:80]).upper(), " ".join(words[80:160]) + " Café “naïve” — é"]
        + [f"{c} " + " ".join(words[i * 20 : i * 20 + 60]) for i, c in enumerate(CAPITALS)]
    )
    signed, sizes = minhash_signatures(texts)
    lowered, lowered_sizes = minhash_signatures(texts.str.to_lowercase())
    assert has_signature(signed).all()
    assert (signed == lowered).all() and (sizes == lowered_sizes).all()


def test_only_texts_with_a_capital_outside_ascii_are_lowered_by_polars() -> None:
    """The table of what lowering changes is polars' own, newer capitals included;
    curly quotes, dashes, small accented letters and ASCII capitals leave a text to the
    compiled loop."""
    from analytics.minhash import lowering_table
    from analytics.minhash_kernels import lowering_changes
    from analytics.utf8 import utf8_buffer

    table = lowering_table()
    for capital in CAPITALS:
        assert table[ord(capital[0])], capital
    assert not table[[ord(c) for c in "é’“—ßαя"]].any()
    texts = pl.Series(["PLAIN ASCII Capitals", "Café “naïve” — é ß", "", *CAPITALS])
    flagged = lowering_changes(*utf8_buffer(texts), table)
    assert flagged.tolist() == [False, False, False] + [True] * len(CAPITALS)


def test_similarity_tracks_the_share_of_common_text() -> None:
    signatures, _ = minhash_signatures(pl.Series([ORIGINAL, REPRINT, OTHER]))
    same, other = similarity(signatures[[0, 0]], signatures[[1, 2]])
    assert 0.55 < same < 0.9
    assert other < 0.1


def test_the_same_text_a_month_later_is_another_story() -> None:
    assert _stories([ORIGINAL, REPRINT], [T0, T0 + timedelta(days=30)]) == ["a0", "a1"]
    assert _stories([ORIGINAL, REPRINT], [T0, T0 + timedelta(days=6)]) == ["a0", "a0"]


def test_short_texts_start_their_own_stories() -> None:
    assert _stories(["Kyiv talks resume.", "Kyiv talks resume."]) == ["a0", "a1"]


def test_a_new_article_joins_a_stored_story_across_batches() -> None:
    signatures, sizes = minhash_signatures(pl.Series([ORIGINAL, OTHER, REPRINT]))
    stored = _frame(["s1", "s2"], [T0, T0], sizes[:2]).with_columns(
        story_id=pl.Series(["story-x", "s2"])
    )
    new = _frame(["n1"], [T0 + timedelta(hours=3)], sizes[2:])
    result = assign_stories(new, signatures[2:], stored, signatures[:2])
    assert result.row(0, named=True)["story_id"] == "story-x"
    assert result.row(0, named=True)["matched_id"] == "s1"


def _dump(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_stories_persist_across_runs_and_batches(tmp_path: Path, settings: Settings) -> None:
    settings = replace(settings, ingest_batch_size=2)
    first = _dump(
        tmp_path / "first.jsonl",
        [
            {"id": "o", "title": "Talks begin", "text": ORIGINAL, "published": "2022-03-01"},
            {"id": "x", "title": "Trade pact", "text": OTHER, "published": "2022-03-01"},
            {
                "id": "t",
                "title": "Talks in the Caucasus",
                "text": TEMPLATE,
                "published": "2022-03-01",
            },
        ],
    )
    second = _dump(
        tmp_path / "second.jsonl",
        [
            {
                "id": "r",
                "title": "Russia, Ukraine hold talks",
                "text": REPRINT,
                "published": "2022-03-02",
            }
        ],
    )
    run_ingest(settings, [SourceConfig(name="a", location=str(first))])
    run_ingest(settings, [SourceConfig(name="b", location=str(second))])
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        rows = dict(con.execute("select external_id, story_id from articles").fetchall())
        ids = dict(con.execute("select external_id, article_id from articles").fetchall())
        [(signed,)] = con.execute("select count(*) from story_signatures").fetchall()
        [(bands,)] = con.execute("select count(*) from story_bands").fetchall()
        [(wrong_days,)] = con.execute(
            "select count(*) from story_bands join articles using (article_id) "
            "where day is distinct from cast(published_at as date)"
        ).fetchall()
        [(stories,)] = con.execute(
            "select stories from daily_articles where day = '2022-03-01'"
        ).fetchall()
    assert rows["r"] == rows["o"] == ids["o"]
    assert len({rows["o"], rows["x"], rows["t"]}) == 3
    assert (signed, bands, wrong_days) == (4, 4 * 32, 0)
    assert stories == 3


@needs_shared(CORPUS)
def test_corpus_copies_join_and_same_topic_documents_do_not(
    tmp_path: Path, settings: Settings
) -> None:
    """Real documents: edited copies join their original (across runs), and the
    closest-titled other document of the same week does not."""
    sample = build_sample(CORPUS, "2022", every=25)
    assert len(sample.originals) >= 60 and len(sample.negatives) >= 40
    settings = replace(settings, ingest_batch_size=50)
    first = write_jsonl(tmp_path / "originals.jsonl", sample.originals + sample.negatives)
    second = write_jsonl(tmp_path / "copies.jsonl", sample.copies)
    run_ingest(settings, [SourceConfig(name="corpus", location=str(first))])
    run_ingest(settings, [SourceConfig(name="wire", location=str(second))])
    grouping = measure(settings.db_path, sample)
    assert grouping.recall >= 0.9, grouping
    assert grouping.precision >= 0.95, grouping


def test_every_token_of_many_short_texts_is_counted_within_its_text() -> None:
    """The texts are one buffer without separators: tokens stop at each text's end, and
    there is room for every token however short the texts."""
    from analytics.minhash import _tokens

    counts, hashes = _tokens(pl.Series(["a", "b c", "", "ab"] * 500))
    assert counts.tolist() == [1, 2, 0, 1] * 500
    assert hashes.size == 2000
    # "a" + "b c" read as one text would make the token "ab": the hash of "ab" alone.
    assert hashes[0] != hashes[3] and hashes[3] == _tokens(pl.Series(["ab"]))[1][0]
