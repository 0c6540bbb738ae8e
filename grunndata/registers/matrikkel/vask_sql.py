"""The candidates for address washing: one statement for a whole batch of texts.

For each text, the street names to consider are
- the name itself and its one-edit neighbours (a letter dropped, two swapped, ``aa``/``oe``
  for å/ø; sent as one ``|``-separated text per name), by B-tree;
- only when neither the name nor a neighbour exists: the names of the place the text
  names, nearest first by trigram distance (GiST over place and name,
  ``matrikkel.adressenavn_sted``): the postnummer's and the kommune's, or without a
  postnummer the poststed's and kommune's and the nearest names in the country (GiST,
  ``<->``), whatever their similarity. (A KNN scan over a whole country's names, or a
  poststed's, costs tens of milliseconds; a postnummer's is small.)

Then, per name, the addresses with the typed number (B-tree on name, number, letter), or
when the number does not exist on that street, the nearest number below and above it.
A matrikkeladresse (gnr/bnr) finds the addresses of its unit.

The output columns are computed over the materialized hits: pushed down into the
``LATERAL`` union, each rescan would set PostGIS's coordinate transformation up again
(about 10 ms each).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import AsyncConnection

from grunndata.registers.matrikkel.adresseparser import Tolkning
from grunndata.registers.matrikkel.navneform import sokeform, typeform
from grunndata.registers.matrikkel.queries import (
    ADRESSE_FIELDS,
    ADRESSE_PUNKT_4326,
    Row,
    _all,
)

#: Names taken from the place, and from the nearest-name search.
PLACE_NAMES = 8
NEAREST_NAMES = 8
_CURRENT = "upper_inf(a.registrert) AND upper_inf(a.gyldig)"
#: The typed number exists on the street: its neighbours are no candidates.
_NUMBER_EXISTS = (
    "SELECT FROM matrikkel.adresse e WHERE matrikkel.sokeform(e.adressenavn) = names.sokenavn"
    " AND e.nummer = names.nummer AND upper_inf(e.registrert) AND upper_inf(e.gyldig)"
)


@dataclass(frozen=True)
class Sporring:
    """One text to wash, as the SQL needs it: the parsed text and the place hints."""

    i: int
    tolkning: Tolkning
    postnummer: str | None
    stedform: str | None
    kommunenummer: str | None


@functools.lru_cache(maxsize=16384)
def naboformer(navn: str) -> tuple[str, ...]:
    """The search form's one-edit neighbours: a letter dropped, two neighbours swapped,
    ``aa``/``oe`` read as å/ø (which fold to a/o).

    >>> sorted(naboformer("stroggata"))[:4]
    ['sroggate', 'srtoggate', 'stoggate', 'storggate']
    """
    form = sokeform(navn)
    out = {form.replace("aa", "a").replace("oe", "o")}
    for i in range(len(form)):
        out.add(form[:i] + form[i + 1 :])
        if i + 1 < len(form):
            out.add(form[:i] + form[i + 1] + form[i] + form[i + 2 :])
    return tuple(_refolded(v) for v in out if v.strip())


def _refolded(variant: str) -> str:
    """A variant of a search form in search form again (only a street type or the
    spaces an edit touched can have left it)."""
    if "veg" in variant or "gat" in variant or "veie" in variant or "  " in variant:
        return typeform(variant)
    return variant.strip()


_VEGADRESSER = f"""
WITH q AS (
    SELECT i, navn AS q, nummer, post, sted, kommune, nabo
    FROM unnest(%(i)s::int[], %(navn)s::text[], %(nummer)s::int[], %(post)s::text[],
                %(sted)s::text[], %(kommune)s::text[], %(nabo)s::text[])
         AS t(i, navn, nummer, post, sted, kommune, nabo)
), known AS (
    SELECT q.i, q.nummer, n.sokenavn FROM q CROSS JOIN LATERAL (
        SELECT sokenavn FROM matrikkel.adressenavn WHERE sokenavn = q.q) n
    UNION
    SELECT q.i, q.nummer, n.sokenavn
    FROM q CROSS JOIN LATERAL unnest(string_to_array(q.nabo, '|')) AS v(tekst)
    CROSS JOIN LATERAL (
        SELECT sokenavn FROM matrikkel.adressenavn WHERE sokenavn = v.tekst) n
), unknown AS (
    SELECT * FROM q WHERE NOT EXISTS (SELECT 1 FROM known WHERE known.i = q.i)
), names AS (
    SELECT * FROM known
    UNION
    SELECT q.i, q.nummer, s.sokenavn FROM unknown q CROSS JOIN LATERAL (
        (SELECT sokenavn FROM matrikkel.adressenavn_sted
         WHERE postnummer = q.post ORDER BY sokenavn <-> q.q LIMIT {PLACE_NAMES})
        UNION ALL
        (SELECT sokenavn FROM matrikkel.adressenavn_sted
         WHERE poststedform = q.sted AND q.post IS NULL
         ORDER BY sokenavn <-> q.q LIMIT {PLACE_NAMES})
        UNION ALL
        (SELECT sokenavn FROM matrikkel.adressenavn_sted
         WHERE kommunenummer = q.kommune ORDER BY sokenavn <-> q.q LIMIT {PLACE_NAMES})
    ) s
    UNION
    SELECT q.i, q.nummer, n.sokenavn FROM unknown q CROSS JOIN LATERAL (
        SELECT sokenavn FROM matrikkel.adressenavn WHERE q.post IS NULL
        ORDER BY sokenavn <-> q.q LIMIT {NEAREST_NAMES}) n
), hits AS MATERIALIZED (
    SELECT names.i, names.sokenavn, a.*
FROM names CROSS JOIN LATERAL (
    (SELECT a.*, true AS eksakt FROM matrikkel.adresse a
     WHERE matrikkel.sokeform(a.adressenavn) = names.sokenavn AND a.nummer = names.nummer
       AND {_CURRENT} OFFSET 0)
    UNION ALL
    (SELECT a.*, false FROM matrikkel.adresse a
     WHERE matrikkel.sokeform(a.adressenavn) = names.sokenavn AND a.nummer < names.nummer
       AND {_CURRENT} AND NOT EXISTS ({_NUMBER_EXISTS})
     ORDER BY a.nummer DESC, a.bokstav DESC LIMIT 1)
    UNION ALL
    (SELECT a.*, false FROM matrikkel.adresse a
     WHERE matrikkel.sokeform(a.adressenavn) = names.sokenavn
       AND a.nummer > coalesce(names.nummer, 0) AND {_CURRENT} AND NOT EXISTS ({_NUMBER_EXISTS})
     ORDER BY a.nummer, a.bokstav LIMIT 1)
) AS a
)
SELECT a.i, a.sokenavn, a.eksakt, {{columns}} FROM hits a
"""

_MATRIKKELADRESSER = f"""
SELECT q.i, NULL::text AS sokenavn, true AS eksakt, {{columns}}
FROM unnest(%(i)s::int[], %(enhet)s::text[], %(tekst)s::text[]) AS q(i, enhet, tekst)
CROSS JOIN LATERAL (
    SELECT * FROM matrikkel.adresse a
    WHERE {_CURRENT} AND (a.matrikkelnummer = q.enhet
        OR (q.enhet IS NULL AND a.adressetype = 'matrikkeladresse'
            AND a.adressetekst LIKE q.tekst || '%%'))
    ORDER BY a.adressetype DESC, a.undernummer NULLS FIRST, a.adresse_id LIMIT 20
) AS a
"""


#: Up to this many texts, the statement runs alone (one round trip) and is prepared.
FEW = 20


async def kandidater(
    conn: AsyncConnection, sporringer: Sequence[Sporring], punkt: bool = True
) -> list[Row]:
    """The candidate addresses of every query, each row tagged with its query's ``i``,
    the name's search form (``sokenavn``) and whether the number was the one typed;
    ``punkt``: with the point in EPSG:4326 (``punkt_4326``), else without (NULL)."""
    if len(sporringer) <= FEW:  # costed far below JIT compilation's threshold
        return await _kandidater(conn, sporringer, punkt, prepare=True)
    async with conn.transaction():
        # A batch's plan is costed high enough for JIT compilation, which takes seconds
        # and saves nothing on these index probes.
        await conn.execute("SET LOCAL jit = off")
        return await _kandidater(conn, sporringer, punkt, prepare=False)


async def _kandidater(
    conn: AsyncConnection, sporringer: Sequence[Sporring], punkt: bool, prepare: bool
) -> list[Row]:
    rows: list[Row] = []
    columns = f"{ADRESSE_FIELDS}, {ADRESSE_PUNKT_4326 if punkt else 'NULL AS punkt_4326'}"
    gater = [s for s in sporringer if s.tolkning.gatenavn and s.tolkning.gardsnummer is None]
    if gater:
        rows += await _all(conn, _VEGADRESSER.format(columns=columns), {
            "i": [s.i for s in gater], "navn": [sokeform(s.tolkning.gatenavn or "") for s in gater],
            "nummer": [s.tolkning.nummer for s in gater],
            "post": [s.postnummer for s in gater], "sted": [s.stedform for s in gater],
            "kommune": [s.kommunenummer for s in gater],
            "nabo": ["|".join(naboformer(s.tolkning.gatenavn or "")) for s in gater],
        }, prepare)  # fmt: skip
    enheter = [s for s in sporringer if s.tolkning.gardsnummer is not None]
    if enheter:
        rows += await _all(conn, _MATRIKKELADRESSER.format(columns=columns), {
            "i": [s.i for s in enheter],
            "enhet": [_matrikkelnummer(s) for s in enheter],
            "tekst": [f"{s.tolkning.gardsnummer}/{s.tolkning.bruksnummer}" for s in enheter],
        }, prepare)  # fmt: skip
    return rows


def _matrikkelnummer(s: Sporring) -> str | None:
    t = s.tolkning
    if s.kommunenummer is None:
        return None
    return f"{s.kommunenummer}-{t.gardsnummer}/{t.bruksnummer}/{t.festenummer or 0}/0"
