"""The commands of ``mentions``, by what they work on; jobs/cli.py gathers them.

Each command imports the library it drives inside its body, so ``mentions --help``
and ``mentions sql`` start without loading polars' engine, matplotlib or the readers.
"""

from __future__ import annotations

__all__: list[str] = []
