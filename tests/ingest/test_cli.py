"""`mentions ingest` on each kind of source: a feed URL, a configured feed, a mapped CSV."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from jobs.cli import cli
from jobs.settings import Settings, SettingsError, load_settings
from tests.conftest import FEEDS
from tests.sources.loopback import LoopbackServer, Reply


def _ingest(settings: Settings, *args: str, config: Path | None = None) -> Result:
    extra = ["--config", str(config)] if config else []
    return CliRunner().invoke(cli, ["--db", str(settings.db_path), *extra, "ingest", *args])


def test_ingest_a_feed_url_then_poll_again(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route(
        "/rss.xml",
        Reply(
            (FEEDS / "rss20.xml").read_bytes(),
            headers={"Content-Type": "application/rss+xml", "ETag": '"e1"'},
        ),
    )
    result = _ingest(settings, url)
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip()
    assert summary.startswith("ingested 2 new of 2 articles (")
    assert summary.endswith(f" mentions, 1 error) into {settings.db_path}")
    assert result.stderr.splitlines() == [
        f"skipped {url} item 3 (https://worlddesk.example/empty): empty article"
    ]
    again = _ingest(settings, url)
    assert "ingested 0 new of 2 articles" in again.stdout
    assert http_server.requests[-1].headers["if-none-match"] == '"e1"'


def test_ingest_the_configured_feed(
    http_server: LoopbackServer, settings: Settings, tmp_path: Path
) -> None:
    url = http_server.route(
        "/atom.xml",
        Reply((FEEDS / "atom.xml").read_bytes(), headers={"Content-Type": "application/atom+xml"}),
    )
    config = tmp_path / "mentions.toml"
    config.write_text(f'[[sources]]\nname = "atom-wire"\nurl = "{url}"\n', encoding="utf-8")
    result = _ingest(settings, config=config)
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("select source_id, kind from sources").fetchall() == [
            ("atom-wire", "feed")
        ]
        assert con.execute("select count(*) from articles").fetchall() == [(2,)]


def test_ingest_a_csv_with_mapped_columns(tmp_path: Path, settings: Settings) -> None:
    dump = tmp_path / "export.csv"
    dump.write_text(
        "headline,body,when\nPeru votes,Lima chose a president.,2021-06-06T20:00:00-05:00\n",
        encoding="utf-8",
    )
    result = _ingest(
        settings,
        str(dump),
        "--column",
        "title=headline",
        "--column",
        "text=body",
        "--column",
        "published=when",
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("select title, published_at::varchar from articles").fetchall() == [
            ("Peru votes", "2021-06-07 01:00:00")
        ]
    bad = _ingest(settings, str(dump), "--column", "text")
    assert bad.exit_code == 1
    assert "Error: --column takes ROLE=FIELD, for example text=body" in bad.output


def test_ingest_a_missing_path_is_one_line(settings: Settings, tmp_path: Path) -> None:
    result = _ingest(settings, str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"skipped {tmp_path / 'nope'}: does not exist",
        f"Error: 1 of 1 inputs could not be read: {tmp_path / 'nope'} (does not exist)",
    ]


def test_ingest_settings_section(tmp_path: Path) -> None:
    config = tmp_path / "mentions.toml"
    config.write_text(
        "[ingest]\nbatch_size = 50\ntimeout = 2.5\nmax_bytes = 1000\nmax_redirects = 1\n",
        encoding="utf-8",
    )
    settings = load_settings(config, environ={})
    assert (
        settings.ingest_batch_size,
        settings.fetch_timeout,
        settings.max_download_bytes,
        settings.max_redirects,
    ) == (50, 2.5, 1000, 1)
    config.write_text("[ingest]\nbatch_size = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[ingest\] batch_size, max_bytes and timeout"):
        load_settings(config, environ={})
    config.write_text("[ingest]\nretries = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown key \\[ingest\\] 'retries'"):
        load_settings(config, environ={})


def _jsonl(path: Path, *titles: str) -> Path:
    lines = [
        json.dumps({"id": t, "title": t, "text": f"{t} met France.", "published": "2022-03-01"})
        for t in titles
    ]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_missing_input_is_one_skipped_line_and_the_rest_is_ingested(
    settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.jsonl"
    good = _jsonl(tmp_path / "good.jsonl", "Peru votes", "Chile votes")
    result = _ingest(settings, str(missing), str(good))
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("ingested 2 new of 2 articles (")
    assert result.stderr.splitlines() == [
        f"skipped {missing}: does not exist",
        f"Error: 1 of 2 inputs could not be read: {missing} (does not exist)",
    ]
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchall() == [(2,)]
        assert con.execute("select location, reason from ingest_errors").fetchall() == [
            (str(missing), "does not exist")
        ]
    assert _ingest(settings, str(good)).exit_code == 0


def test_an_empty_jsonl_says_so_and_is_not_a_failure(settings: Settings, tmp_path: Path) -> None:
    empty = tmp_path / "x.jsonl"
    empty.write_bytes(b"")
    result = _ingest(settings, str(empty))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"skipped {empty}: empty, no articles"]
    assert result.stdout.startswith("ingested 0 new of 0 articles")


def test_ingest_help_documents_the_exit_status() -> None:
    result = CliRunner().invoke(cli, ["ingest", "--help"])
    assert "Exit status: 0 when every input was read, 1 when any input could not be" in " ".join(
        result.output.split()
    )
