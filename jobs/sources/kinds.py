"""The kinds of source a user can name (``--kind``, ``kind =`` in mentions.toml).

Plain constants with no imports, so the CLI can offer them without loading a reader.
"""

from __future__ import annotations

URL_KINDS = ("url", "feed", "page", "auto")
FILE_KINDS = ("jsonl", "csv", "parquet", "feed", "html", "text")
# File suffixes of saved feeds and pages (their readers import feedparser, trafilatura
# and lxml: loaded only when such a file or a URL is read).
FEED_SUFFIXES = (".rss", ".atom", ".xml", ".rdf")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
