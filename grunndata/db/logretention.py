"""Retention of the lookup log: whole months past the retention period are dropped.

``felles.oppslagslogg`` is partitioned by month (migration felles_0006). Nothing may delete a row
of it; only the schema owner may drop a partition, and ``prune`` does, for the months that
ended before the cutoff, each journalled in ``felles.oppslagslogg_sletting`` (when, by
whom, which month, how many rows, the cutoff) in the same transaction. It also makes the
partitions of this month and the next twelve, and gives rows that landed in the default
partition (a month that had none) partitions of their own: run it regularly (cron).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from grunndata.db.database import Database, connect
from grunndata.errors import GrunndataError

MONTHS_AHEAD = 12

_AHEAD = (
    "SELECT felles.oppslagslogg_partisjoner(current_date, "
    "(current_date + make_interval(months => %s))::date)"
)
_DEFAULT_MONTHS = (
    "SELECT DISTINCT date_trunc('month', tidspunkt AT TIME ZONE 'UTC')::date "
    "FROM felles.oppslagslogg_standard"
)
_MONTH = "SELECT felles.oppslagslogg_partisjoner(%(m)s, %(m)s)"
#: The monthly partitions that ended at or before the cutoff, oldest first.
_EXPIRED = """
SELECT c.relname, x.fra, x.fra + interval '1 month' AS til
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
     LATERAL (SELECT to_date(substr(c.relname, 14), '"y"YYYY"m"MM')::timestamp
                     AT TIME ZONE 'UTC' AS fra) AS x
WHERE i.inhparent = 'felles.oppslagslogg'::regclass
  AND c.relname ~ '^oppslagslogg_y[0-9]{4}m[0-9]{2}$'
  AND x.fra + interval '1 month' <= %s
ORDER BY x.fra
"""


@dataclass(frozen=True)
class DroppedMonth:
    partition: str
    start: dt.datetime
    end: dt.datetime
    rows: int


def prune(
    database: Database, older_than_days: int, *, now: dt.datetime | None = None
) -> list[DroppedMonth]:
    """Drop the log's months that ended more than ``older_than_days`` ago (as the owner,
    in one transaction, journalled); the months dropped."""
    if older_than_days < 1:
        raise GrunndataError("--older-than must be at least 1 day.")
    with connect(database.owner_url) as conn, conn.transaction():
        cutoff_row = conn.execute(
            "SELECT coalesce(%s, now()) - make_interval(days => %s)", [now, older_than_days]
        ).fetchone()
        assert cutoff_row is not None
        cutoff: dt.datetime = cutoff_row[0]
        conn.execute(_AHEAD, [MONTHS_AHEAD])
        for (month,) in conn.execute(_DEFAULT_MONTHS).fetchall():
            conn.execute(_MONTH, {"m": month})
        dropped: list[DroppedMonth] = []
        for name, start, end in conn.execute(_EXPIRED, [cutoff]).fetchall():
            table = f"felles.{name}"
            (rows,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
            conn.execute(f"ALTER TABLE felles.oppslagslogg DETACH PARTITION {table}")
            conn.execute(f"DROP TABLE {table}")
            conn.execute(
                "INSERT INTO felles.oppslagslogg_sletting (partisjon, fra, til, rader, eldre_enn) "
                "VALUES (%s, %s, %s, %s, %s)",
                [table, start, end, rows, cutoff],
            )
            dropped.append(DroppedMonth(table, start, end, rows))
    return dropped
