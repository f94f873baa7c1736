"""Readers, one per medium (files and folders, dumps, feeds, pages), and the HTTP client."""

from __future__ import annotations

__all__: list[str] = []
