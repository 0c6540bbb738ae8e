"""Fresh planner statistics for the register tables a load writes.

The loaders connect as the app role, which may not ANALYZE tables it does not own; the
migration's ``felles.oppdater_statistikk`` does it as the owner, for register tables the
caller writes. Inside a load's transaction it counts the load's own uncommitted rows (which
autovacuum and other sessions cannot see), and it holds the tables against autovacuum until
the load commits, so an estimate it fixed stays fixed while the load runs.
"""

from __future__ import annotations

import psycopg

REFRESH = "SELECT felles.oppdater_statistikk(%s::regclass[], %s)::text[]"


def refresh_if_stale(conn: psycopg.Connection, *tables: str) -> list[str]:
    """Analyze those of ``tables`` whose row estimate is below half of what this
    transaction added to them; the tables analyzed. Call it before statements whose plans
    depend on the tables' sizes (a batch's merge)."""
    return _refresh(conn, tables, always=False)


def refresh(conn: psycopg.Connection, *tables: str) -> list[str]:
    """Analyze ``tables`` (a load's end: the first queries after it plan with its rows)."""
    return _refresh(conn, tables, always=True)


def _refresh(conn: psycopg.Connection, tables: tuple[str, ...], *, always: bool) -> list[str]:
    row = conn.execute(REFRESH, [list(tables), always]).fetchone()
    return list(row[0]) if row and row[0] else []
