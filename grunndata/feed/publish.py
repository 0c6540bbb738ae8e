"""Number the transaction's staged events and write them to ``felles.hendelse``: the
last step before ``COMMIT``.

Numbers are gap-free and in commit order, however many loads of different registers
commit at once: the writer takes the feed's own advisory lock (held until its commit)
and only then reads the highest number, in a statement of its own, so under ``READ
COMMITTED`` it sees the previous holder's commit. A transaction that fails after
numbering commits nothing, and the next one numbers from the same place. Inside the
transaction it also sends ``NOTIFY grunndata_hendelser, '<highest number>'`` (delivered
at commit) and drops events older than the retention (``grunndata.feed.retention``).
"""

from __future__ import annotations

import psycopg

from grunndata.feed import retention, staging
from grunndata.feed.declare import Hendelser

CHANNEL = "grunndata_hendelser"
LOCK_KEY = "grunndata.feed"

#: One event per entity and load: created or ended as its main table says last, else
#: changed; a revert's events are ``tilbakefoert``; field groups sorted, no repeats.
_NUMBER = """
WITH agg AS (
    SELECT last_id, entitet, noekkel,
           CASE WHEN bool_or(hendelsestype = 'tilbakefoert') THEN 'tilbakefoert'
                WHEN (array_agg(hendelsestype ORDER BY nr DESC)
                      FILTER (WHERE hendelsestype <> 'endret'))[1] IN ('slettet', 'opphoert')
                THEN (array_agg(hendelsestype ORDER BY nr DESC)
                      FILTER (WHERE hendelsestype <> 'endret'))[1]
                WHEN bool_or(hendelsestype = 'opprettet') THEN 'opprettet'
                ELSE 'endret' END AS hendelsestype,
           coalesce(array_agg(DISTINCT feltgruppe ORDER BY feltgruppe)
                    FILTER (WHERE feltgruppe IS NOT NULL), '{}') AS feltgrupper
    FROM fh_staged WHERE noekkel IS NOT NULL GROUP BY last_id, entitet, noekkel
), ins AS (
    INSERT INTO felles.hendelse (sekvensnummer, last_id, tidspunkt, register, entitet, noekkel,
                                 hendelsestype, feltgrupper)
    SELECT (SELECT coalesce(max(sekvensnummer), 0) FROM felles.hendelse)
               + row_number() OVER (ORDER BY a.last_id, a.entitet, a.noekkel),
           a.last_id, n.t, %(register)s, a.entitet, a.noekkel, a.hendelsestype, a.feltgrupper
    FROM agg a CROSS JOIN (SELECT clock_timestamp() AS t) n
    RETURNING sekvensnummer
)
SELECT pg_notify(%(channel)s, max(sekvensnummer)::text), count(*) FROM ins HAVING count(*) > 0
"""


def register_feed(name: str) -> Hendelser | None:
    """The register's declaration (read lazily: the rooms import the engine)."""
    from grunndata.registers import REGISTERS

    return next((r.hendelser for r in REGISTERS if r.name == name), None)


def publish_load(conn: psycopg.Connection, register: str, load_id: int) -> int:
    """Write the events of load (or followed batch) ``load_id``; how many."""
    hendelser = register_feed(register)
    if hendelser is None:
        staging.ensure(conn)
        conn.execute("TRUNCATE fh_versjoner")
        return 0
    staging.stage_load(conn, hendelser, load_id)
    return publish(conn, register)


def publish_reverts(conn: psycopg.Connection, register: str, revert_ids: list[int]) -> int:
    """Write a ``tilbakefoert`` event for every entity each revert touched; how many."""
    hendelser = register_feed(register)
    if hendelser is None:
        return 0
    for revert_id in revert_ids:
        staging.stage_revert(conn, hendelser, revert_id)
    return publish(conn, register)


def publish(conn: psycopg.Connection, register: str) -> int:
    """Number what is staged and write it (see the module docstring); how many."""
    staging.ensure(conn)
    if not conn.execute("SELECT EXISTS (SELECT 1 FROM fh_staged)").fetchone()[0]:  # type: ignore[index]
        return 0
    conn.execute("ANALYZE fh_staged")
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [LOCK_KEY])
    row = conn.execute(_NUMBER, {"register": register, "channel": CHANNEL}).fetchone()
    conn.execute("TRUNCATE fh_staged")
    retention.prune(conn)
    return row[1] if row else 0
