"""The counting policy's vocabulary: which forms of a country mention count.

Plain Python (no polars), so settings and the CLI can load it at once.
"""

from __future__ import annotations

from collections.abc import Iterable

COUNTRY_FORMS: tuple[str, ...] = ("name", "adjective", "capital", "metonym")
# Not a form of the text: a mention of a leader also counts for the leader's country.
LEADERS = "leaders"
ALL_FORMS: tuple[str, ...] = (*COUNTRY_FORMS, LEADERS)
DEFAULT_FORMS: tuple[str, ...] = COUNTRY_FORMS
FORM_LABELS = {
    "name": "name (Russia)",
    "adjective": "adjective (Russian)",
    "capital": "capital (Moscow)",
    "metonym": "metonym (the Kremlin)",
    LEADERS: "its leaders (Putin)",
}


class UnknownFormError(ValueError):
    """A form name the counting policy does not know, or an empty policy."""


def parse_forms(values: Iterable[str] | str) -> tuple[str, ...]:
    """The forms to count, validated and in canonical order.

    Accepts an iterable of names or one comma-separated string ("name,adjective");
    "all" stands for every form, leaders included.
    """
    items = values.split(",") if isinstance(values, str) else list(values)
    names = {str(v).strip().lower() for v in items if str(v).strip()}
    if "all" in names:
        names = (names - {"all"}) | set(ALL_FORMS)
    unknown = sorted(names - set(ALL_FORMS))
    if unknown:
        raise UnknownFormError(
            f"unknown form(s) {', '.join(map(repr, unknown))}; use {', '.join(ALL_FORMS)} or all"
        )
    if not names & set(COUNTRY_FORMS):
        raise UnknownFormError(
            f"forms {', '.join(sorted(names)) or '(none)'} count no country mention; "
            f"name at least one of {', '.join(COUNTRY_FORMS)}"
        )
    return tuple(f for f in ALL_FORMS if f in names)


def describe_forms(forms: Iterable[str]) -> str:
    """'name, adjective and capital; leaders not rolled up' for a page or a PDF."""
    chosen = [f for f in COUNTRY_FORMS if f in set(forms)]
    text = chosen[0] if len(chosen) == 1 else f"{', '.join(chosen[:-1])} and {chosen[-1]}"
    rolled = "a leader's mentions also count for their country"
    return f"{text}; {rolled if LEADERS in set(forms) else 'leaders count only for themselves'}"
