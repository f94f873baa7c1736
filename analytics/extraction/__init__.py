"""Extraction: the gazetteer, the matcher, context rules and leader resolution."""

from __future__ import annotations

__all__: list[str] = []
