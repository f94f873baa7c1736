"""How patient and how trusting a download is: plain settings, with no HTTP client
imported (a reader's context carries them whether or not it ever downloads)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_USER_AGENT = "mentions/0.1 (news monitor; feedparser, trafilatura)"


@dataclass(frozen=True)
class FetchLimits:
    """How patient and how trusting a download is.

    ``timeout`` bounds each wait (to connect, for the next bytes); a whole
    download, redirects and headers included, ends within ``deadline`` seconds
    (3 x ``timeout``) however slowly its bytes come.
    """

    timeout: float = 20.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    allow_private_redirects: bool = False
    user_agent: str = DEFAULT_USER_AGENT

    @property
    def deadline(self) -> float:
        return self.timeout * 3
