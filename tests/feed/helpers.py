"""Shared by the feed's tests: the events as stored, in order."""

from __future__ import annotations

from typing import Any

from grunndata.db.database import Database, connect


def events(db: Database, after: int = 0) -> list[dict[str, Any]]:
    with connect(db.app_url) as conn:
        cursor = conn.execute(
            "SELECT sekvensnummer, last_id, tidspunkt, register, entitet, noekkel, "
            "hendelsestype, feltgrupper FROM felles.hendelse WHERE sekvensnummer > %s "
            "ORDER BY sekvensnummer",
            [after],
        )
        names = [c.name for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def kinds(rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(entitet, noekkel, hendelsestype) of each event."""
    return {(r["entitet"], r["noekkel"], r["hendelsestype"]) for r in rows}
