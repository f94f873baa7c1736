"""Imports flow one way: jobs/ uses analytics/ and reports/, which import neither
jobs nor duckdb. Checked on each module's syntax tree, so imports inside functions
count and words in docstrings do not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FORBIDDEN = frozenset({"jobs", "duckdb"})
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def imported_modules(source: str, module: str) -> set[str]:
    """Every module ``source`` (the code of ``module``, dotted) imports, relative
    imports resolved, including ``importlib.import_module("...")`` with a literal."""
    package = module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            if node.module:
                found.add(target)
            else:  # from . import x: x may be a module
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _called(node) in {"import_module", "__import__"}:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def forbidden_imports(package: str) -> list[str]:
    """'reports/page.py imports jobs.evidence' for each forbidden import under ``package``."""
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT)
        module = ".".join(relative.with_suffix("").parts)
        if path.name == "__init__.py":
            module += ".__init__"
        for name in sorted(imported_modules(path.read_text(encoding="utf-8"), module)):
            if name.split(".")[0] in FORBIDDEN:
                problems.append(f"{relative.as_posix()} imports {name}")
    return problems


@pytest.mark.parametrize("package", ["analytics", "reports"])
def test_package_imports_neither_jobs_nor_duckdb(package: str) -> None:
    assert list((ROOT / package).rglob("*.py")), f"no modules found under {ROOT / package}"
    assert forbidden_imports(package) == []


def test_every_form_of_import_is_seen() -> None:
    source = """
import duckdb
import os, jobs.store as store
from jobs.evidence import read_evidence
from . import sibling
from .. import jobs

def late():
    from jobs import settings
    importlib.import_module("jobs.report")
\"\"\"from jobs import nothing: only words\"\"\"
"""
    found = imported_modules(source, "reports.sub.page")
    assert {n for n in found if n.split(".")[0] in FORBIDDEN} == {
        "duckdb",
        "jobs.store",
        "jobs.evidence",
        "jobs",
        "jobs.report",
    }
    assert "reports.sub.sibling" in found and "reports.jobs" in found
