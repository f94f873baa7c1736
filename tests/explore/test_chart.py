"""``mentions chart`` on a ten-article corpus: every number of its CSV against values
worked out by hand from tests/chart_corpus.py, entity names, errors, and the files."""

from __future__ import annotations

import csv
import multiprocessing
import re
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from jobs.cli import cli
from jobs.settings import Settings
from tests.conftest import assert_chart_image
from tests.explore.chart_corpus import load_chart_corpus
from tests.store.test_db import _hold_lock

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = [
    "bucket_start",
    "entity_id",
    "name",
    "articles",
    "total_articles",
    "share",
    "mentions",
    "partial",
]
PUTIN = "Vladimir Putin"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_chart_corpus(tmp_path_factory.mktemp("chart"))


def _chart(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(settings.db_path), "chart", *args])
    return result.exit_code, result.output


def _approx(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Rows with their floats rounded, so 2 / 3 equals the CSV's 0.6666666666666666."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


def _rows(settings: Settings, tmp_path: Path, *args: str) -> list[tuple[object, ...]]:
    output = tmp_path / "chart.png"
    code, out = _chart(settings, *args, "--output", str(output))
    assert code == 0, out
    assert out.splitlines() == [str(output), str(output.with_suffix(".csv"))]
    with output.with_suffix(".csv").open(encoding="utf-8") as f:
        reader = csv.reader(f)
        assert next(reader) == HEADER
        return [
            (b, e, n, int(a), int(t), float(s), int(m), p == "true")
            for b, e, n, a, t, s, m, p in reader
        ]


def test_weekly_csv_of_the_whole_range(corpus: Settings, tmp_path: Path) -> None:
    # Weeks from Monday 2022-03-07; the data runs 03-08 to 04-05, so the first and
    # last weeks are partial. Totals: 3 (c1-c3), 2 (c4-c5), 2 (c6-c7), 2 (c8-c9), 1.
    rows = _rows(corpus, tmp_path, "RUS", "Ukraine", "putin")
    expected = [
        ("2022-03-07", "RUS", "Russia", 2, 3, 2 / 3, 3, True),  # c1 twice, c2 Moscow
        ("2022-03-07", "UKR", "Ukraine", 1, 3, 1 / 3, 1, True),
        ("2022-03-07", PUTIN, PUTIN, 1, 3, 1 / 3, 1, True),
        ("2022-03-14", "RUS", "Russia", 0, 2, 0.0, 0, False),  # zero-filled
        ("2022-03-14", "UKR", "Ukraine", 1, 2, 0.5, 1, False),
        ("2022-03-14", PUTIN, PUTIN, 0, 2, 0.0, 0, False),
        ("2022-03-21", "RUS", "Russia", 1, 2, 0.5, 1, False),  # 'Russian troops'
        ("2022-03-21", "UKR", "Ukraine", 0, 2, 0.0, 0, False),
        ("2022-03-21", PUTIN, PUTIN, 1, 2, 0.5, 1, False),
        ("2022-03-28", "RUS", "Russia", 2, 2, 1.0, 2, False),
        ("2022-03-28", "UKR", "Ukraine", 1, 2, 0.5, 1, False),
        ("2022-03-28", PUTIN, PUTIN, 0, 2, 0.0, 0, False),
        ("2022-04-04", "RUS", "Russia", 0, 1, 0.0, 0, True),
        ("2022-04-04", "UKR", "Ukraine", 0, 1, 0.0, 0, True),
        ("2022-04-04", PUTIN, PUTIN, 0, 1, 0.0, 0, True),
    ]
    assert _approx(rows) == _approx(expected)


def test_monthly_csv_sums_before_dividing(corpus: Settings, tmp_path: Path) -> None:
    # March: 8 articles, Russia in c1, c2, c6, c8 (5 mentions); April: 2 articles.
    # Both months are cut by the data (03-08 to 04-05): partial.
    rows = _rows(corpus, tmp_path, "Russia", "--every", "month", "--measure", "articles")
    assert _approx(rows) == _approx(
        [
            ("2022-03-01", "RUS", "Russia", 4, 8, 0.5, 5, True),
            ("2022-04-01", "RUS", "Russia", 1, 2, 0.5, 1, True),
        ]
    )


def test_from_to_range_whole_weeks(corpus: Settings, tmp_path: Path) -> None:
    rows = _rows(corpus, tmp_path, "RUS", "FRA", "--from", "2022-03-14", "--to", "2022-03-27")
    assert _approx(rows) == _approx(
        [
            ("2022-03-14", "RUS", "Russia", 0, 2, 0.0, 0, False),
            ("2022-03-14", "FRA", "France", 0, 2, 0.0, 0, False),
            ("2022-03-21", "RUS", "Russia", 1, 2, 0.5, 1, False),
            ("2022-03-21", "FRA", "France", 1, 2, 0.5, 1, False),
        ]
    )


def test_range_cutting_a_week_marks_it_partial(corpus: Settings, tmp_path: Path) -> None:
    # 03-16 to 03-24: only c5 of the week of 03-14 and c6, c7 of the week of 03-21.
    rows = _rows(corpus, tmp_path, "RUS", "--from", "2022-03-16", "--to", "2022-03-24")
    assert _approx(rows) == _approx(
        [
            ("2022-03-14", "RUS", "Russia", 0, 1, 0.0, 0, True),
            ("2022-03-21", "RUS", "Russia", 1, 2, 0.5, 1, True),
        ]
    )


def test_leaders_form_rolls_putin_into_russia(corpus: Settings, tmp_path: Path) -> None:
    # c2 (Putin, Moscow) and c6 (Russian, Putin) each count Putin for Russia too.
    rows = _rows(corpus, tmp_path, "RUS", "--every", "month", "--forms", "name,leaders")
    assert _approx(rows) == _approx(
        [
            ("2022-03-01", "RUS", "Russia", 4, 8, 0.5, 5, True),  # c1 2, c2 1, c6 1, c8 1
            ("2022-04-01", "RUS", "Russia", 1, 2, 0.5, 1, True),
        ]
    )


def test_smoothing_sums_numerators_and_denominators(corpus: Settings, tmp_path: Path) -> None:
    rows = _rows(corpus, tmp_path, "RUS", "--smooth", "2")
    shares = [(b, a, t, s, p) for b, _, _, a, t, s, _, p in rows]
    assert _approx(shares) == _approx(
        [
            ("2022-03-07", 2, 3, 2 / 3, True),
            ("2022-03-14", 2, 5, 0.4, True),  # (2 + 0) / (3 + 2): the window holds 03-07
            ("2022-03-21", 1, 4, 0.25, False),
            ("2022-03-28", 3, 4, 0.75, False),
            ("2022-04-04", 2, 3, 2 / 3, True),
        ]
    )


@pytest.mark.parametrize(
    ("name", "entity_id"),
    [
        ("RUS", "RUS"),
        ("Russia", "RUS"),
        ("russia", "RUS"),
        ("Vladimir Putin", PUTIN),
        ("Putin", PUTIN),
        ("Zelensky", "Volodymyr Zelenskyy"),
    ],
)
def test_names_resolve(corpus: Settings, name: str, entity_id: str) -> None:
    from jobs.explore import find_entity

    assert find_entity(corpus, name).entity_id == entity_id


def test_ambiguous_name_lists_candidates(corpus: Settings) -> None:
    code, out = _chart(corpus, "Johnson")
    assert code == 2
    assert out.count("\n") == 1 and "Traceback" not in out
    assert out.startswith("Error: 'Johnson' is ambiguous: ")
    assert "Boris Johnson (leader, GBR: Prime Minister 2019-07-24 to 2022-09-06)" in out
    assert "Lyndon B. Johnson (leader, USA: President 1963-11-22 to 1969-01-20)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Russsia"], "Error: no country or leader named 'Russsia'; closest: Russia, "),
        (
            ["RUS", "--from", "2022-04-01", "--to", "2022-03-01"],
            "Error: the range 2022-04-01 to 2022-03-01 is reversed; "
            "--from must be on or before --to",
        ),
        (
            ["RUS", "--from", "2023-01-01"],
            "Error: no articles in the range asked for; stored articles run from "
            "2022-03-08 to 2022-04-05",
        ),
        (
            ["RUS", "--from", "2022-03-11", "--to", "2022-03-13"],
            "Error: no articles between 2022-03-11 and 2022-03-13",
        ),
        (
            [*"RUS UKR FRA DEU GBR USA CHN JPN IND BRA CAN MEX ITA".split()],
            "Error: 13 entities are more than a chart can show; name at most 12",
        ),
        (["RUS", "--output", "chart.gif"], "Error: cannot tell the format of chart.gif"),
        (["RUS", "--forms", "nope"], "Error: unknown form(s) 'nope'"),
    ],
)
def test_bad_requests_exit_2_with_one_line(
    corpus: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = _chart(corpus, *args)
    assert code == 2, out
    assert out.count("\n") == 1 and "Traceback" not in out
    assert out.startswith(message), out


def test_png_svg_pdf_by_suffix(corpus: Settings, tmp_path: Path) -> None:
    for suffix in (".png", ".svg", ".pdf"):
        output = tmp_path / f"russia{suffix}"
        code, out = _chart(corpus, "Russia", "Putin", "--output", str(output))
        assert code == 0, out
        assert output.with_suffix(".csv").is_file()
    assert_chart_image(tmp_path / "russia.png", (1000, 500))
    assert (tmp_path / "russia.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (tmp_path / "russia.pdf").read_bytes().startswith(b"%PDF")
    with Image.open(tmp_path / "russia.png") as image:
        assert image.format == "PNG"


def test_one_bucket_series_is_drawn_with_a_marker(corpus: Settings) -> None:
    from jobs.explore import timeline, timeline_figure

    frame = timeline(corpus, ["France"], every="year")
    assert frame.height == 1
    ax = timeline_figure(frame).axes[0]
    assert any(line.get_marker() == "o" and len(line.get_xdata()) == 1 for line in ax.lines)
    assert ax.get_ylim() == (0.0, 1.0)


def test_readme_notebook_example_runs(
    corpus: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"### Notebook\n.*?```python\n(.*?)```", text, re.S)
    assert block, "README has no Notebook example"
    code = block.group(1).replace('"data/mentions.duckdb"', repr(str(corpus.db_path)))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102  (our own README)
    assert (tmp_path / "russia.svg").is_file()
    together = namespace["together"]
    assert together["entity_id"].to_list()[:2] == [PUTIN, "UKR"]  # type: ignore[index]


def test_chart_says_on_stderr_that_it_waits_for_a_busy_file(
    corpus: Settings, tmp_path: Path
) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(corpus.db_path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        threading.Timer(1.0, release.set).start()  # a job that ends while the chart waits
        output = str(tmp_path / "r.png")
        result = CliRunner().invoke(
            cli, ["--db", str(corpus.db_path), "chart", "Russia", "--output", output]
        )
        assert result.exit_code == 0, result.output
        waits = [line for line in result.stderr.splitlines() if "waiting up to" in line]
        assert len(waits) == 1, result.stderr
        assert waits[0].startswith(f"{corpus.db_path} is in use by PID {holder.pid}")
    finally:
        release.set()
        holder.join(10)
        if holder.is_alive():
            holder.kill()
