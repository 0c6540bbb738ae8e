"""Reverting a Folkeregisteret load (``grunndata.loaders.revert`` calls ``undo``).

A load's versions (``versjon.load_id``) are taken out (``tilbakefort_av``: the rules that
derive ``fakta`` leave them out); what it overwrote of older versions (``er_gjeldende``,
``sist_sett``, ``fjernet``) is put back from ``versjon_endret``; identifiers it introduced
leave the lookup for ``identifikator_tilbakefort``; then the persons' ``fakta`` are derived
again by the same rules as a load (every row that rewrites is journalled in
``fakta_endret``), so every answer, at every recorded and valid time, is as before the
load. The entities are persons (``folkeregister.person``, by id).
"""

from __future__ import annotations

import psycopg

from grunndata.loaders.revert import Revertible
from grunndata.registers.folkeregister.merge import REFRESH_GRADED, STAGING, rederive

_PERSONS = """
    SELECT person_id FROM folkeregister.versjon WHERE load_id = %(load)s
    UNION SELECT v.person_id FROM folkeregister.versjon_endret e
          JOIN folkeregister.versjon v ON v.id = e.versjon_id WHERE e.load_id = %(load)s
    UNION SELECT person_id FROM folkeregister.identifikator WHERE load_id = %(load)s
"""

TOUCHED = f"""INSERT INTO rv_touched
    SELECT 'folkeregister.person', person_id::text FROM ({_PERSONS}) p"""

LATER = """
    SELECT v.load_id FROM folkeregister.versjon v WHERE v.load_id > %(load)s
      AND ('folkeregister.person', v.person_id::text) IN (SELECT tabell, nokkel FROM rv_touched)
    UNION SELECT e.load_id FROM folkeregister.versjon_endret e
      JOIN folkeregister.versjon v ON v.id = e.versjon_id WHERE e.load_id > %(load)s
      AND ('folkeregister.person', v.person_id::text) IN (SELECT tabell, nokkel FROM rv_touched)
"""


def undo(conn: psycopg.Connection, load_id: int, revert_id: int) -> tuple[int, int]:
    """Take load ``load_id`` out; (versions taken out, versions whose marks were put back)."""
    params = {"load": load_id, "revert": revert_id}
    conn.execute(STAGING)
    conn.execute(f"INSERT INTO st_berort {_PERSONS}", params)
    conn.execute(
        "INSERT INTO st_person (gruppe, person_id) "
        "SELECT row_number() OVER (ORDER BY person_id), person_id FROM st_berort"
    )
    taken_out = conn.execute(
        "UPDATE folkeregister.versjon SET tilbakefort_av = %(revert)s "
        "WHERE load_id = %(load)s AND tilbakefort_av IS NULL",
        params,
    ).rowcount
    put_back = conn.execute(
        """UPDATE folkeregister.versjon v
           SET er_gjeldende = e.er_gjeldende, sist_sett = e.sist_sett, fjernet = e.fjernet
           FROM (SELECT DISTINCT ON (versjon_id) * FROM folkeregister.versjon_endret
                 WHERE load_id = %(load)s ORDER BY versjon_id, nr) e
           WHERE v.id = e.versjon_id""",
        params,
    ).rowcount
    conn.execute(
        """WITH borte AS (DELETE FROM folkeregister.identifikator WHERE load_id = %(load)s
                          RETURNING identifikasjonsnummer, person_id, load_id)
           INSERT INTO folkeregister.identifikator_tilbakefort
           SELECT identifikasjonsnummer, person_id, load_id, %(revert)s FROM borte""",
        params,
    )
    conn.execute("ANALYZE st_berort, st_person")
    rederive(conn, revert_id)
    conn.execute(REFRESH_GRADED)
    return taken_out, put_back


REVERTIBLE = Revertible(touched=TOUCHED, later=LATER, undo=undo)
