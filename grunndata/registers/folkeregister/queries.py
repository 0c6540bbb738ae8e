"""Reading Folkeregisteret: one SQL statement per batch of persons, as of a Tidspunkt."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from grunndata.graphql.tid import Tidspunkt
from grunndata.registers.lenker import FolkeregisterNoekkel


@dataclass(frozen=True)
class Fakt:
    """One version of a fact as a Tidspunkt sees it: its fields and its times."""

    element: str
    data: dict[str, Any]
    gyldig_fra: dt.datetime | None
    gyldig_til: dt.datetime | None
    ajourholdstidspunkt: dt.datetime | None
    er_gjeldende: bool | None
    kilde: str | None
    aarsak: str | None


Fakta = dict[str, list[Fakt]]

_FAKT_COLUMNS = """f.person_id, f.element, v.data, lower(f.gyldig) AS gyldig_fra,
    upper(f.gyldig) AS gyldig_til, v.ajourholdstidspunkt, v.er_gjeldende, v.kilde, v.aarsak"""


def _fakt(row: dict[str, Any]) -> Fakt:
    return Fakt(
        row["element"],
        row["data"],
        row["gyldig_fra"],
        row["gyldig_til"],
        row["ajourholdstidspunkt"],
        row["er_gjeldende"],
        row["kilde"],
        row["aarsak"],
    )


async def _rows(pool: AsyncConnectionPool, query: str, params: dict[str, Any]) -> list[dict]:
    async with pool.connection() as conn:
        cursor = await conn.cursor(row_factory=dict_row).execute(query, params)  # type: ignore[arg-type]
        return await cursor.fetchall()


async def person_ids(
    pool: AsyncConnectionPool, tid: Tidspunkt, identifiers: list[str]
) -> dict[str, int]:
    """The persons holding (now or ever) these identifiers, as the register knew at the
    recorded instant: identifier → person id."""
    known = "TRUE"
    if tid.registrert is not None:
        known = """EXISTS (SELECT 1 FROM folkeregister.fakta f WHERE f.person_id = i.person_id
                   AND f.element = 'identifikasjonsnummer'
                   AND f.registrert @> %(registrert)s::timestamptz)"""
    rows = await _rows(
        pool,
        f"""SELECT i.identifikasjonsnummer, i.person_id FROM folkeregister.identifikator i
            WHERE i.identifikasjonsnummer = ANY(%(keys)s) AND {known}""",
        {"keys": identifiers, "registrert": tid.registrert},
    )
    return {row["identifikasjonsnummer"]: row["person_id"] for row in rows}


async def fakta(pool: AsyncConnectionPool, tid: Tidspunkt, persons: list[int]) -> list[Fakta]:
    """Every fact of each person valid at ``tid.gyldig`` as known at ``tid.registrert``."""
    condition, params = tid.as_of_sql("f")
    rows = await _rows(
        pool,
        f"""SELECT {_FAKT_COLUMNS} FROM folkeregister.fakta f
            JOIN folkeregister.versjon v ON v.id = f.versjon_id
            WHERE f.person_id = ANY(%(persons)s) AND {condition}
            ORDER BY f.person_id, f.element, lower(f.gyldig) NULLS FIRST, f.relasjon, v.id""",
        {**params, "persons": persons},
    )
    return _by_person(rows, persons)


#: A bostedsadresse version's Matrikkel id (the expression of index versjon_adresse_id).
ADRESSE_ID = "(v.data ->> 'adresseIdentifikatorFraMatrikkelen')"


async def beboere(
    pool: AsyncConnectionPool, tid: Tidspunkt, adresser: list[FolkeregisterNoekkel]
) -> list[list[tuple[int, str]]]:
    """Per Matrikkel address (as ``FolkeregisterNoekkel``): the persons (id, an identifier)
    whose bostedsadresse at ``tid`` names it: by adresseIdentifikatorFraMatrikkelen, or,
    without one, by the vegadresse's kommunenummer, adressekode, husnummer and husbokstav;
    each person once, by identifier. One statement."""
    condition, params = tid.as_of_sql("f")
    kode = [a.kode or (None, None, None, "") for a in adresser]
    rows = await _rows(
        pool,
        f"""WITH k AS (
              SELECT * FROM unnest(%(id)s::text[], %(knr)s::text[], %(kode)s::text[],
                                   %(nr)s::text[], %(bokstav)s::text[])
              WITH ORDINALITY AS k(id, knr, kode, nr, bokstav, i)),
            versjon AS (
              SELECT k.i, v.id FROM k JOIN folkeregister.versjon v
                ON v.element = 'bostedsadresse' AND {ADRESSE_ID} = k.id
              UNION ALL
              SELECT k.i, v.id FROM k JOIN folkeregister.versjon v
                ON v.element = 'bostedsadresse' AND {ADRESSE_ID} IS NULL
               AND v.data -> 'vegadresse' ->> 'kommunenummer' = k.knr
               AND ltrim(v.data -> 'vegadresse' ->> 'adressekode', '0') = k.kode
               AND ltrim(v.data -> 'vegadresse' -> 'adressenummer' ->> 'husnummer', '0') = k.nr
               AND upper(coalesce(v.data -> 'vegadresse' -> 'adressenummer' ->> 'husbokstav',
                                  '')) = k.bokstav)
            SELECT DISTINCT ON (3, 1) s.i, f.person_id,
                   (SELECT min(i.identifikasjonsnummer) FROM folkeregister.identifikator i
                    WHERE i.person_id = f.person_id) AS identifikasjonsnummer
            FROM versjon s
            JOIN folkeregister.fakta f ON f.versjon_id = s.id AND f.element = 'bostedsadresse'
            WHERE {condition}
            ORDER BY 3, 1""",
        {
            **params,
            "id": [a.adresse_id for a in adresser],
            "knr": [k[0] for k in kode],
            "kode": [None if k[1] is None else str(k[1]) for k in kode],
            "nr": [None if k[2] is None else str(k[2]) for k in kode],
            "bokstav": [k[3] for k in kode],
        },
    )
    grouped: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["i"]].append((row["person_id"], row["identifikasjonsnummer"]))
    return [grouped.get(i, []) for i in range(1, len(adresser) + 1)]


HISTORIKK = ("navn", "bostedsadresse", "sivilstand", "status")


async def historikk(
    pool: AsyncConnectionPool, registrert: dt.datetime | None, persons: list[int]
) -> list[Fakta]:
    """Every version of the historic elements as the register knew it at ``registrert``
    (None: now), whatever its valid time."""
    recorded = (
        "upper_inf(f.registrert)"
        if registrert is None
        else "f.registrert @> %(registrert)s::timestamptz"
    )
    rows = await _rows(
        pool,
        f"""SELECT {_FAKT_COLUMNS} FROM folkeregister.fakta f
            JOIN folkeregister.versjon v ON v.id = f.versjon_id
            WHERE f.person_id = ANY(%(persons)s) AND f.element = ANY(%(elements)s) AND {recorded}
            ORDER BY f.person_id, f.element, lower(f.gyldig) NULLS FIRST, f.relasjon, v.id""",
        {"persons": persons, "elements": list(HISTORIKK), "registrert": registrert},
    )
    return _by_person(rows, persons)


def _by_person(rows: list[dict[str, Any]], persons: list[int]) -> list[Fakta]:
    grouped: dict[int, Fakta] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[row["person_id"]][row["element"]].append(_fakt(row))
    return [grouped.get(person, {}) for person in persons]


def _normalised_name(text: str) -> str:
    return " ".join(text.casefold().split())


def _name_forms(navn: dict[str, Any]) -> set[str]:
    """The name as "fornavn mellomnavn etternavn" and as "fornavn etternavn", normalised."""
    parts = [navn.get("fornavn"), navn.get("mellomnavn"), navn.get("etternavn")]
    with_middle = " ".join(str(part) for part in parts if part)
    without = " ".join(str(part) for part in (parts[0], parts[2]) if part)
    return {_normalised_name(with_middle), _normalised_name(without)}


async def personsoek(pool: AsyncConnectionPool, navn: str, foedselsdato: dt.date) -> list[int]:
    """Persons (at most two: enough to tell 'several') with this name, current or
    historic, and this birth date, by the current registrations. Names are compared
    here, not in SQL: the database's collation may lowercase only ASCII (not Æ, Ø, Å)."""
    rows = await _rows(
        pool,
        """SELECT DISTINCT n.person_id, nv.data AS navn
           FROM folkeregister.fakta n JOIN folkeregister.versjon nv ON nv.id = n.versjon_id
           JOIN folkeregister.fakta b ON b.person_id = n.person_id AND b.element = 'foedsel'
                AND upper_inf(b.registrert)
           JOIN folkeregister.versjon bv ON bv.id = b.versjon_id
           WHERE n.element = 'navn' AND upper_inf(n.registrert)
             AND bv.data->>'foedselsdato' = %(foedselsdato)s""",
        {"foedselsdato": foedselsdato.isoformat()},
    )
    wanted = _normalised_name(navn)
    found = sorted({row["person_id"] for row in rows if wanted in _name_forms(row["navn"])})
    return found[:2]
