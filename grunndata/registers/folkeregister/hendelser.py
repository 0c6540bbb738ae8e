"""Folkeregisteret's part of the change feed (``grunndata.feed``): a ``Person`` event,
keyed by the identifier in use, for every person a load changed, with the elements that
changed (``navn``, ``bostedsadresse``, ...) as field groups: never a value, so never an
address. Seen only with a scope for persons (``ACCESS.persons``); a graded person's
address elements (``ADDRESS_ELEMENTS``) only with the graded scope.

The merge notes in ``st_endret`` (a temporary table for the whole load) each person and
element a batch changed: versions added, ``erGjeldende`` or removal marks rewritten.
"""

from grunndata.feed.declare import Hendelser
from grunndata.registers.folkeregister.access import ACCESS

#: The load's changed persons and elements (created with the merge's staging tables).
CHANGED = """
CREATE TEMP TABLE IF NOT EXISTS st_endret (person_id bigint, element text) ON COMMIT DROP;
"""


def _named(persons: str) -> str:
    """(person_id, noekkel) for the persons ``persons`` selects (a query of ``person_id``),
    set-based: the identifier in use (as ``Person.identifikasjonsnummer`` answers: in use,
    a fødselsnummer before a D-nummer), else any it held, so a person a revert took out
    entirely is still named."""
    return f"""SELECT p.person_id, coalesce(c.ident, i.ident, t.ident) AS noekkel
    FROM ({persons}) p
    LEFT JOIN (SELECT DISTINCT ON (f.person_id) f.person_id,
                      v.data->>'foedselsEllerDNummer' AS ident
               FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id
               WHERE f.person_id IN ({persons}) AND f.element = 'identifikasjonsnummer'
                 AND upper_inf(f.registrert) AND upper_inf(f.gyldig)
                 AND v.data->>'status' = 'iBruk'
               ORDER BY f.person_id, v.data->>'identifikatortype' = 'foedselsnummer' DESC,
                        lower(f.gyldig) DESC NULLS LAST, f.relasjon DESC, v.id DESC) c
      USING (person_id)
    LEFT JOIN (SELECT person_id, min(identifikasjonsnummer) AS ident
               FROM folkeregister.identifikator WHERE person_id IN ({persons})
               GROUP BY person_id) i USING (person_id)
    LEFT JOIN (SELECT person_id, min(identifikasjonsnummer) AS ident
               FROM folkeregister.identifikator_tilbakefort WHERE person_id IN ({persons})
               GROUP BY person_id) t USING (person_id)"""


_LOAD = f"""INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype, feltgruppe)
    SELECT %(load)s, 'Person', n.noekkel,
           CASE WHEN p.load_id = %(load)s THEN 'opprettet' ELSE 'endret' END, e.element
    FROM (SELECT DISTINCT person_id, element FROM st_endret) e
    JOIN folkeregister.person p ON p.id = e.person_id
    JOIN ({_named("SELECT DISTINCT person_id FROM st_endret")}) n USING (person_id)"""

_REVERTED = f"""INSERT INTO fh_staged (last_id, entitet, noekkel, hendelsestype)
    SELECT %(revert)s, 'Person', n.noekkel, 'tilbakefoert'
    FROM ({
    _named(
        "SELECT DISTINCT nokkel::bigint AS person_id FROM felles.tilbakefort "
        "WHERE revert_id = %(revert)s AND tabell = 'folkeregister.person'"
    )
}) n"""

#: The elements that say where a person lives or gets post, or that its address is graded.
ADDRESS_ELEMENTS = (
    "adressebeskyttelse", "bostedsadresse", "deltBosted", "oppholdsadresse", "postadresse",
    "postadresseIUtlandet",
)  # fmt: skip

_PERSONS = ACCESS.persons
assert _PERSONS is not None

HENDELSER = Hendelser(
    entiteter=("Person",),
    load=(CHANGED.strip().rstrip(";"), "ANALYZE st_endret", _LOAD),
    reverted=(_REVERTED,),
    personer={"Person": (_PERSONS.identity_scope, _PERSONS.full_scope)},
    adressegrupper={"Person": ADDRESS_ELEMENTS},
)
