"""SQL giving a value as the schema's scalars serialise what psycopg reads of it, for a
room's ``Column``: a timestamptz as ``DateTime`` writes it (``datetime.isoformat()`` in the
session's time zone: the server's connections are in Norwegian time, ``server``).

PostgreSQL's own JSON of a timestamptz trims the fraction of a second ("…:00.5+01:00")
where Python writes six digits or none ("…:00.500000+01:00"); so the text is built here.
"""

from __future__ import annotations


def datetime_sql(value: str) -> str:
    """``value`` (SQL, a timestamptz; null stays null) as ``isoformat()`` writes it."""
    return (
        f"(to_char({value}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', "
        f"{value}) = {value} THEN '' ELSE to_char({value}, '.US') END || "
        f"to_char({value}, 'TZH:TZM'))"
    )
