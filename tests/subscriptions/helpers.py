"""Shared by the subscription tests: events written through the feed's own writer
(``grunndata.feed.publish``: numbered under its lock, ``NOTIFY`` at commit), without the
cost of a whole load when a test needs thousands."""

from __future__ import annotations

from grunndata.db.database import Database, connect
from grunndata.feed import publish, staging


def write_events(
    db: Database, count: int, *, register: str = "matrikkel", entitet: str = "Adresse",
    first_key: int = 1, load_id: int = 1,
) -> int:  # fmt: skip
    """Commit ``count`` ``endret`` events in one transaction; the highest number."""
    with connect(db.app_url) as conn:
        staging.ensure(conn)
        conn.execute(
            "INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype, feltgruppe) "
            "SELECT %s, %s, g::text, 'endret', 'adresse' "
            "FROM generate_series(%s::bigint, %s::bigint) g",
            [load_id, entitet, first_key, first_key + count - 1],
        )
        publish.publish(conn, register)
        conn.commit()
        return conn.execute("SELECT max(sekvensnummer) FROM felles.hendelse").fetchone()[0]  # type: ignore[index]
