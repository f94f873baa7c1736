"""Entity names a person types -> the entity they mean.

``RUS``, ``Russia``, ``russia``, ``Moscow``, ``Vladimir Putin``, ``Putin`` and any spelling
of the alias list (``Zelensky``) resolve; a name shared by several entities (``Johnson``)
is ambiguous and lists them with their countries and terms; an unknown name answers
with the closest known names. Pure: the caller passes the gazetteer's frames in.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import polars as pl

from analytics.frames import require_columns

# Strings the extractor skips (namesakes, exclusions) never name an entity.
_NAMING_KINDS = ("country", "leader")
CLOSEST = 5


@dataclass(frozen=True)
class Entity:
    """One country or leader: its id, kind, name, country and (leaders) terms in office
    as 'President 2012-05-07 to now'."""

    entity_id: str
    kind: str
    name: str
    country: str | None
    terms: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """'Boris Johnson (leader, GBR: Prime Minister 2019-07-24 to 2022-09-06)'."""
        where = ", ".join(p for p in (self.kind, self.country) if p)
        terms = "; ".join(self.terms)
        return f"{self.name} ({where}{': ' + terms if terms else ''})"


class UnknownEntityError(LookupError):
    """No country or leader goes by this name; ``closest`` holds the nearest names."""

    def __init__(self, name: str, closest: list[str]) -> None:
        self.name = name
        self.closest = closest
        hint = f"; closest: {', '.join(closest)}" if closest else ""
        super().__init__(f"no country or leader named {name!r}{hint}")


class AmbiguousEntityError(LookupError):
    """Several entities go by this name; ``candidates`` lists them."""

    def __init__(self, name: str, candidates: list[Entity]) -> None:
        self.name = name
        self.candidates = candidates
        listed = "; ".join(c.describe() for c in candidates)
        super().__init__(f"{name!r} is ambiguous: {listed}. Give the full name or the entity id.")


def entity_terms(leader_terms: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    """'Role start to end' (or 'to now') per leader, in order of start.

    Expects entity_id, role, start_on, end_on."""
    require_columns(leader_terms, {"entity_id", "role", "start_on", "end_on"})
    terms: dict[str, list[str]] = {}
    for row in leader_terms.sort("entity_id", "start_on").iter_rows(named=True):
        end = row["end_on"].isoformat() if row["end_on"] is not None else "now"
        terms.setdefault(row["entity_id"], []).append(
            f"{row['role']} {row['start_on'].isoformat()} to {end}"
        )
    return {k: tuple(v) for k, v in terms.items()}


def resolve_entity(
    name: str,
    entities: pl.DataFrame,
    aliases: pl.DataFrame,
    leader_terms: pl.DataFrame,
) -> Entity:
    """The entity ``name`` means, case-insensitively: an entity id, else a canonical
    name, else an alias of a country or leader (the first of these that matches).

    ``entities``: entity_id, kind, name, country; ``aliases``: alias, entity_id, kind;
    ``leader_terms``: entity_id, role, start_on, end_on. Raises AmbiguousEntityError
    when the first matching level names several entities, UnknownEntityError (with
    the closest names) when none does.
    """
    require_columns(entities, {"entity_id", "kind", "name", "country"})
    require_columns(aliases, {"alias", "entity_id", "kind"})
    wanted = name.strip().casefold()
    naming = aliases.filter(pl.col("kind").is_in(_NAMING_KINDS))
    levels = (
        entities.filter(pl.col("entity_id").str.to_lowercase() == wanted)["entity_id"],
        entities.filter(pl.col("name").str.to_lowercase() == wanted)["entity_id"],
        naming.filter(pl.col("alias").str.to_lowercase() == wanted)["entity_id"],
    )
    terms = entity_terms(leader_terms)
    for ids in levels:
        found = sorted(set(ids.to_list()))
        if len(found) == 1:
            return _entity(entities, found[0], terms)
        if found:
            candidates = [_entity(entities, i, terms) for i in found]
            raise AmbiguousEntityError(name, candidates)
    raise UnknownEntityError(name, closest_names(name, entities, naming))


def closest_names(name: str, entities: pl.DataFrame, aliases: pl.DataFrame) -> list[str]:
    """Up to CLOSEST known names (canonical names first, then aliases) nearest ``name``."""
    spelled: dict[str, str] = {}
    # The spelling a person would type wins over the upper-case copy of a string.
    written = sorted(aliases["alias"].to_list(), key=lambda a: (a.isupper(), a))
    for known in [*entities["name"].to_list(), *written]:
        spelled.setdefault(known.casefold(), known)
    matches = difflib.get_close_matches(name.strip().casefold(), list(spelled), CLOSEST, 0.6)
    return [spelled[m] for m in matches]


def _entity(entities: pl.DataFrame, entity_id: str, terms: dict[str, tuple[str, ...]]) -> Entity:
    row = entities.filter(pl.col("entity_id") == entity_id).row(0, named=True)
    return Entity(
        entity_id=row["entity_id"],
        kind=row["kind"],
        name=row["name"],
        country=row["country"],
        terms=terms.get(entity_id, ()),
    )
