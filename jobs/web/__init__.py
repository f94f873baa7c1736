"""The loopback web side: the ASGI app serving the reports folder under its rules, the
explorer's routes, and an entity's page (served, or written by `mentions entity`)."""

from __future__ import annotations

__all__: list[str] = []
