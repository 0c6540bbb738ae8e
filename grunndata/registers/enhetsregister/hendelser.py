"""Enhetsregisteret's part of the change feed (``grunndata.feed``): an Enhet or
Underenhet by organisasjonsnummer; a unit's roles (``Rolle``) by the unit's
organisasjonsnummer, its role groups as field groups; a unit withdrawn from the register
(``enhetsregister.fjernet``) is ``slettet``, one published again ``endret``."""

from grunndata.feed.declare import Hendelser, TableEvents

#: Enhet or Underenhet, as the unit's newest version says (``%s``: its organisasjonsnummer).
_KIND = """coalesce((SELECT CASE WHEN e.er_underenhet THEN 'Underenhet' ELSE 'Enhet' END
    FROM enhetsregister.enhet e WHERE e.organisasjonsnummer = {0} AND upper_inf(e.registrert)
    ORDER BY lower(e.gyldig) DESC NULLS LAST LIMIT 1),
  (SELECT CASE WHEN e.er_underenhet THEN 'Underenhet' ELSE 'Enhet' END
    FROM enhetsregister.enhet e WHERE e.organisasjonsnummer = {0}
    ORDER BY lower(e.registrert) DESC LIMIT 1), 'Enhet')"""

_WITHDRAWN = f"""INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype)
    SELECT %(load)s, {_KIND.format("f.organisasjonsnummer")}, f.organisasjonsnummer,
           CASE WHEN f.load_id = %(load)s THEN 'slettet' ELSE 'endret' END
    FROM enhetsregister.fjernet f WHERE f.load_id = %(load)s OR f.opphevet_av = %(load)s"""

_REVERTED = f"""INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype)
    SELECT %(revert)s, {_KIND.format("t.nokkel")}, t.nokkel, 'tilbakefoert'
    FROM felles.tilbakefort t
    WHERE t.revert_id = %(revert)s AND t.tabell = 'enhetsregister.fjernet'"""

HENDELSER = Hendelser(
    entiteter=("Enhet", "Underenhet", "Rolle"),
    tables=(
        TableEvents("enhetsregister.enhet", _KIND.format("k[1]")),
        TableEvents("enhetsregister.rolle", "'Rolle'", feltgruppe="k[2]", main=False),
    ),
    load=(_WITHDRAWN,),
    reverted=(_REVERTED,),
    lenker={"Underenhet": "Enhet", "Rolle": "Enhet"},
)
