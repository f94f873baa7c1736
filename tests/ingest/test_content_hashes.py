"""A batch's content hashes, computed over polars columns, equal the definition
(``content_hash_for``: Python's split, join, lower) for every text: the hashes
already stored must keep matching new copies of the same content."""

from __future__ import annotations

import sys

import polars as pl

from jobs.ingest.frames import content_hash_for, content_hashes, with_content_hashes


def _hashes(titles: list[str], texts: list[str]) -> list[str]:
    frame = pl.DataFrame({"title": titles, "text": texts, "n": range(len(texts))})
    # Equal contents are dropped but the first: keep them apart with a distinct tail.
    hashed = with_content_hashes(frame)
    assert hashed.height == len(texts), "contents expected distinct"
    return hashed.sort("n")["content_hash"].to_list()


def test_every_code_point_splits_as_python_splits() -> None:
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    texts = [f"{chr(c)}{c}{chr(c)}{chr(c)}x{chr(c)}" for c in points]
    assert _hashes([""] * len(texts), texts) == [content_hash_for("", t) for t in texts]


def test_blank_texts_fall_back_to_the_title_as_python_decides_blank() -> None:
    texts = ["", " ", "\x1c\x1f", "\u3000\n\t", "\x85", "\u200b", " a "]
    titles = [f"Title {i}\u00a0of\x1dthe batch" for i in range(len(texts))]
    expected = [content_hash_for(title, text) for title, text in zip(titles, texts, strict=True)]
    assert _hashes(titles, texts) == expected
    # U+200B (zero width space) is not whitespace: that text is its own content.
    assert expected[5] != content_hash_for(titles[5], "")


def test_case_and_runs_of_any_whitespace_do_not_count() -> None:
    texts = ["ΟΔΥΣΣΕΥΣ  in\r\nİstanbul", "οδυσσευσ in istanbul", "Kyiv talks\u2003resume "]
    assert _hashes(["t"] * 3, texts) == [content_hash_for("t", t) for t in texts]


def test_random_texts_of_every_kind_of_character() -> None:
    """Texts mixing ASCII, whitespace of every kind, letters that lowering changes and
    letters or symbols it leaves alone (one- to four-byte characters), some blank."""
    import random

    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    others = list("aZ9.,'\"-") + list("’—“”…éğñ°ʻﬁ€✅🏡中国") + list("ÉΣΟİẞǅⅫⒶ𐐀Ω")
    rng = random.Random(12)
    for _ in range(5):
        texts, titles = [], []
        for n in range(300):
            pieces = [rng.choice(spaces if rng.random() < 0.3 else others) for _ in range(40)]
            text = "".join(rng.sample(pieces, rng.randrange(0, 40)))
            texts.append(text if n % 7 else "".join(rng.sample(spaces, 3)))
            titles.append(f"{n} " + "".join(rng.sample(pieces, 5)))
        expected = [
            content_hash_for(title, text) for title, text in zip(titles, texts, strict=True)
        ]
        frame = pl.DataFrame({"title": titles, "text": texts})
        assert content_hashes(frame["title"], frame["text"]) == expected
        # Sliced columns (an Arrow array that starts past its buffer's first text).
        assert content_hashes(frame["title"][100:], frame["text"][100:]) == expected[100:]


def test_the_loop_s_tables_are_python_s() -> None:
    from jobs.ingest.hash_kernels import tables

    is_space, changes = tables()
    points = range(sys.maxunicode + 1)
    assert is_space.tolist() == [chr(p).isspace() for p in points]
    assert changes.tolist() == [p >= 0x80 and chr(p).lower() != chr(p) for p in points]


def test_mostly_ascii_texts_hash_as_python() -> None:
    """Mostly ASCII texts, as news is, read by the loop without its tables of code
    points: capitals and the neighbours of "A" and "Z" ("@", "[", "`", "{"), runs of
    spaces, tabs and line breaks, the separators 0x1C-0x1F, other control bytes and DEL
    (no whitespace), a letter that lowering changes, words run up to a text's end."""
    import random

    pieces = list("abcxyzABCXYZ@[`{~09.,'\"-") + [" "] * 12 + ["  ", "\t", "\n", "\r\n"]
    pieces += ["\x1c", "\x1f", "\x00", "\x01", "\x7f", "É", "é", "’"]
    rng = random.Random(8)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 60))) for _ in range(3_000)]
    texts += [" " * k + "Word" * k + " Kyiv SAYS" + " " * (k % 3) for k in range(24)]
    titles = [f"t{n}" for n in range(len(texts))]
    frame = pl.DataFrame({"title": titles, "text": texts})
    expected = [content_hash_for(title, text) for title, text in zip(titles, texts, strict=True)]
    assert content_hashes(frame["title"], frame["text"]) == expected
