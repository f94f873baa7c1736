"""What the explorer and the notebook API read besides articles and entities: the
strings that name entities, and the leaders' terms in office."""

from __future__ import annotations

import duckdb
import polars as pl

NAMING_ALIASES_SQL = """
SELECT DISTINCT alias, entity_id, kind FROM aliases
WHERE kind IN ('country', 'leader') ORDER BY alias, entity_id
"""


def read_naming_aliases(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every alias that names a country or a leader: alias, entity_id, kind."""
    return con.sql(NAMING_ALIASES_SQL).pl()


LEADER_TERMS_SQL = """
SELECT entity_id, country, role, start_on, end_on FROM leader_terms ORDER BY entity_id, start_on
"""


def read_leader_terms(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every leader's terms in office: entity_id, country, role, start_on, end_on."""
    return con.sql(LEADER_TERMS_SQL).pl()


NAMING_SQL = """
SELECT form, surface, count(*) AS mentions FROM mentions WHERE entity_id = ?
GROUP BY ALL ORDER BY mentions DESC, form, surface LIMIT ?
"""


def read_naming(con: duckdb.DuckDBPyConnection, entity_id: str, top: int) -> pl.DataFrame:
    """How an entity was written, most mentions first: form, surface, mentions."""
    return con.sql(NAMING_SQL, params=[entity_id, top]).pl()
