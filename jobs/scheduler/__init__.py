"""APScheduler wiring: triggers, job specs, the runner, status and catch-up."""

from __future__ import annotations

__all__: list[str] = []
