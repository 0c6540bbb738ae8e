"""How long the feed keeps its events (``GRUNNDATA_HENDELSER_RETENTION`` days, default
400), and what a cursor older than that gets: ``CursorExpired`` (GraphQL
``CURSOR_EXPIRED``, HTTP 410), naming the export to start again from.

The writer prunes (``prune``), in its transaction under the feed's lock; the newest
event is always kept, so numbering goes on from it. Numbers are gap-free, so a cursor
``after`` has lost events exactly when the oldest kept is above ``after + 1``.
"""

from __future__ import annotations

import psycopg

from grunndata.config import Settings
from grunndata.errors import GrunndataError


class CursorExpired(GrunndataError):
    code = "CURSOR_EXPIRED"
    http_status = 410


def prune(conn: psycopg.Connection) -> int:
    """Drop the events older than the retention (never the newest); how many."""
    days = Settings.from_env().hendelser_retention_days
    return conn.execute(
        "DELETE FROM felles.hendelse WHERE tidspunkt < clock_timestamp() - make_interval("
        "days => %s) AND sekvensnummer < (SELECT max(sekvensnummer) FROM felles.hendelse)",
        [days],
    ).rowcount


def check(after: int, oldest: int | None) -> None:
    """Raise ``CursorExpired`` when events after ``after`` were pruned (``oldest``: the
    oldest number kept, None when the feed is empty)."""
    if oldest is not None and oldest > after + 1:
        raise CursorExpired(
            f"the feed no longer holds the events after {after}: it keeps events "
            f"{Settings.from_env().hendelser_retention_days} days and its oldest is now "
            f"{oldest}. Take a new baseline (`grunndata export REGISTER`, which prints the "
            "sequence number it reflects) and follow from that number"
        )
