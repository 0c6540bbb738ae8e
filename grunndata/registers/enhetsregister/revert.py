"""Reverting an Enhetsregisteret load (``grunndata.loaders.revert``): the versioned tables
are generic (``ENHET``, ``ROLLE``); this adds the withdrawn units, ``enhetsregister.fjernet``.

That list is append-only in grunndata's transaction time: a followed batch adds a row for
a unit it finds withdrawn (``load_id``) and closes the row of a unit it finds published
again (``opphevet_av``). A revert of the batch closes the rows it added that are still in
force (``opphevet_av`` = the revert) and adds again, as new rows, the withdrawals it closed
(``load_id`` kept: the batch that withdrew the unit; ``gjenopprettet_av`` = the revert).
So queries (which see the rows in force) answer as before the batch, and nothing is
deleted. The entities are the units (``enhetsregister.fjernet``, by organisasjonsnummer).
"""

from __future__ import annotations

import psycopg

from grunndata.loaders.revert import Revertible
from grunndata.registers.enhetsregister.tables import ENHET, ROLLE

TOUCHED = """INSERT INTO rv_touched
    SELECT DISTINCT 'enhetsregister.fjernet', organisasjonsnummer FROM enhetsregister.fjernet
    WHERE load_id = %(load)s OR opphevet_av = %(load)s"""

_IN_TOUCHED = (
    "('enhetsregister.fjernet', f.organisasjonsnummer) IN (SELECT tabell, nokkel FROM rv_touched)"
)
LATER = f"""
    SELECT f.load_id FROM enhetsregister.fjernet f WHERE f.load_id > %(load)s AND {_IN_TOUCHED}
    UNION SELECT f.opphevet_av FROM enhetsregister.fjernet f
      WHERE f.opphevet_av > %(load)s AND {_IN_TOUCHED}
"""


def undo(conn: psycopg.Connection, load_id: int, revert_id: int) -> tuple[int, int]:
    """Undo what load ``load_id`` did to the withdrawn units; (withdrawals taken out,
    withdrawals in force again)."""
    params = {"load": load_id, "revert": revert_id}
    taken_out = conn.execute(
        "UPDATE enhetsregister.fjernet SET opphevet = clock_timestamp(), opphevet_av = %(revert)s "
        "WHERE load_id = %(load)s AND opphevet IS NULL",
        params,
    ).rowcount
    put_back = conn.execute(
        """INSERT INTO enhetsregister.fjernet (organisasjonsnummer, load_id, gjenopprettet_av)
           SELECT DISTINCT ON (organisasjonsnummer) organisasjonsnummer, load_id, %(revert)s
           FROM enhetsregister.fjernet WHERE opphevet_av = %(load)s
           ORDER BY organisasjonsnummer, id DESC""",
        params,
    ).rowcount
    return taken_out, put_back


REVERTIBLE = Revertible(tables=(ENHET, ROLLE), touched=TOUCHED, later=LATER, undo=undo)
