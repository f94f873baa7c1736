"""The README's command table and the CLI cannot drift apart: every command is in the
table, every row names a real command, and every option a row names is one that
command's --help offers."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from jobs.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def _table_rows() -> list[tuple[str, str]]:
    """(command cell, does cell) of each row of the table under "## Commands"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`mentions "):
            rows.append((cells[0], " | ".join(cells[1:])))
    return rows


def _command_name(cell: str) -> str:
    return cell.strip("`").split()[1]


def _help(name: str) -> str:
    result = CliRunner().invoke(cli, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_has_a_row_and_every_row_a_command() -> None:
    named = {_command_name(cell) for cell, _ in _table_rows()}
    assert named == set(cli.commands)


def test_every_option_a_row_names_is_in_that_commands_help() -> None:
    for cell, does in _table_rows():
        name = _command_name(cell)
        options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])\b", cell + " " + does))
        offered = _help(name)
        missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){o}\b", offered))
        assert not missing, f"README row for {name!r} names {missing}, not in its --help"


def test_every_option_of_a_command_is_in_its_row() -> None:
    cells: dict[str, list[str]] = {}
    for cell, does in _table_rows():
        cells.setdefault(_command_name(cell), []).append(cell + " " + does)
    for name, command in cli.commands.items():
        row = " ".join(cells[name])
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            longest = max(param.opts, key=len)
            if longest == "--help":
                continue
            assert re.search(rf"(?<![\w-]){longest}\b", row), (
                f"{name} {longest} is not in the README's command table"
            )
