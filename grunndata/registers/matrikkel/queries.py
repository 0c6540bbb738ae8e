"""Matrikkelen's SQL: one statement per relation, rows as dicts, geometry in the asked EPSG.

Versioned tables are read as of a ``Tidspunkt`` (``tid.as_of_sql``). Distances and areas
are true (ellipsoidal) metres: measured on the geography of the EPSG:4326 geometry, not in
the UTM plane, whose scale is off by up to a few per cent far from zone 33's meridian.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from grunndata.graphql.tid import Tidspunkt
from grunndata.registers.matrikkel.geometri import TOLERANCE_M, geojson_sql

Row = dict[str, Any]

ENHET_COLUMNS = (
    "m.matrikkelnummer, m.kommunenummer, m.gardsnummer, m.bruksnummer, m.festenummer, "
    "m.seksjonsnummer, m.matrikkelenhetstype, m.status, m.bruksnavn, m.kun_fra_kart, "
    "lower(m.gyldig) AS gyldig_fra"
)
ADRESSE_FIELDS = (
    "a.adresse_id, a.adressetype, a.adressekode, a.adressenavn, a.nummer, a.bokstav, "
    "a.undernummer, a.adressetekst, a.adressetilleggsnavn, a.postnummer, a.poststed, "
    "a.kommunenummer, a.matrikkelnummer, a.postadresse_form, "
    "ST_X(a.punkt) AS x, ST_Y(a.punkt) AS y"
)
#: The point in EPSG:4326 as GeoJSON (a coordinate transformation per row).
ADRESSE_PUNKT_4326 = f"{geojson_sql('a.punkt', '4326')} AS punkt_4326"
ADRESSE_COLUMNS = f"{ADRESSE_FIELDS}, {ADRESSE_PUNKT_4326}"


async def _all(
    conn: AsyncConnection, query: str, params: dict[str, Any], prepare: bool | None = None
) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(query, params, prepare=prepare)  # type: ignore[arg-type]
        return await cursor.fetchall()


async def matrikkelenheter(
    conn: AsyncConnection, tid: Tidspunkt, numre: Sequence[str]
) -> list[Row]:
    where, params = tid.as_of_sql("m")
    return await _all(
        conn,
        f"SELECT {ENHET_COLUMNS} FROM matrikkel.matrikkelenhet m "
        f"WHERE m.matrikkelnummer = ANY(%(numre)s) AND {where}",
        {**params, "numre": list(numre)},
    )


async def etterfolgere(conn: AsyncConnection, tid: Tidspunkt, tidligere: str) -> list[str]:
    """The units that recorded ``tidligere`` as a former matrikkelnummer, whenever it was
    theirs (as the register knew it at ``tid``'s recorded time)."""
    if tid.registrert is None:
        where, params = "upper_inf(t.registrert)", {}
    else:
        where, params = (
            "t.registrert @> %(registrert)s::timestamptz",
            {"registrert": tid.registrert},
        )
    rows = await _all(
        conn,
        "SELECT DISTINCT t.matrikkelnummer FROM matrikkel.tidligere_matrikkelnummer t "
        f"WHERE t.tidligere = %(tidligere)s AND {where} ORDER BY 1",
        {**params, "tidligere": tidligere},
    )
    return [row["matrikkelnummer"] for row in rows]


async def tidligere_numre(conn: AsyncConnection, tid: Tidspunkt, numre: Sequence[str]) -> list[Row]:
    where, params = tid.as_of_sql("t")
    return await _all(
        conn,
        "SELECT t.matrikkelnummer, t.tidligere FROM matrikkel.tidligere_matrikkelnummer t "
        f"WHERE t.matrikkelnummer = ANY(%(numre)s) AND {where} ORDER BY t.tidligere",
        {**params, "numre": list(numre)},
    )


async def teiger(
    conn: AsyncConnection, tid: Tidspunkt, numre: Sequence[str], epsg: int
) -> list[Row]:
    where, params = tid.as_of_sql("t")
    return await _all(
        conn,
        f"SELECT t.matrikkelnummer, {geojson_sql('t.geometri')} AS geometri, "
        "ST_Area(ST_Transform(t.geometri, 4326)::geography) AS areal "
        f"FROM matrikkel.teig t WHERE t.matrikkelnummer = ANY(%(numre)s) AND {where} "
        "ORDER BY t.matrikkelnummer, ST_XMin(t.geometri), ST_YMin(t.geometri), "
        "ST_XMax(t.geometri), ST_YMax(t.geometri)",
        {**params, "numre": list(numre), "epsg": epsg},
    )


async def samlet_geometri(
    conn: AsyncConnection, tid: Tidspunkt, numre: Sequence[str], epsg: int
) -> list[Row]:
    where, params = tid.as_of_sql("t")
    return await _all(
        conn,
        f"SELECT t.matrikkelnummer, {geojson_sql('ST_Multi(ST_Union(t.geometri))')} AS geometri "
        f"FROM matrikkel.teig t WHERE t.matrikkelnummer = ANY(%(numre)s) AND {where} "
        "GROUP BY t.matrikkelnummer",
        {**params, "numre": list(numre), "epsg": epsg},
    )


async def eierforhold(conn: AsyncConnection, tid: Tidspunkt, numre: Sequence[str]) -> list[Row]:
    where, params = tid.as_of_sql("e")
    return await _all(
        conn,
        "SELECT e.matrikkelnummer, e.andel_teller, e.andel_nevner, e.navn, "
        "e.identifikasjonsnummer, e.organisasjonsnummer FROM matrikkel.eierforhold e "
        f"WHERE e.matrikkelnummer = ANY(%(numre)s) AND {where} "
        "ORDER BY e.matrikkelnummer, e.identifikasjonsnummer, e.organisasjonsnummer, e.navn",
        {**params, "numre": list(numre)},
    )


async def bygninger(conn: AsyncConnection, tid: Tidspunkt, numre: Sequence[str]) -> list[Row]:
    where, params = tid.as_of_sql("b")
    return await _all(
        conn,
        "SELECT n.matrikkelnummer, b.bygningsnummer, b.bygningstype, b.bygningsstatus, "
        "b.matrikkelnumre, ST_X(b.punkt) AS x, ST_Y(b.punkt) AS y, "
        f"{geojson_sql('b.punkt', '4326')} AS punkt_4326 "
        "FROM matrikkel.bygning b "
        "CROSS JOIN LATERAL unnest(b.matrikkelnumre) AS n(matrikkelnummer) "
        f"WHERE b.matrikkelnumre && %(numre)s::text[] AND {where} "
        "AND n.matrikkelnummer = ANY(%(numre)s) ORDER BY b.bygningsnummer",
        {**params, "numre": list(numre)},
    )


async def adresser_for_matrikkelenheter(
    conn: AsyncConnection, tid: Tidspunkt, numre: Sequence[str]
) -> list[Row]:
    where, params = tid.as_of_sql("a")
    return await _all(
        conn,
        f"SELECT {ADRESSE_COLUMNS} FROM matrikkel.adresse a "
        f"WHERE a.matrikkelnummer = ANY(%(numre)s) AND {where} "
        "ORDER BY a.adressenavn, a.nummer, a.bokstav NULLS FIRST, a.adresse_id",
        {**params, "numre": list(numre)},
    )


async def adresser_by_id(conn: AsyncConnection, tid: Tidspunkt, ids: Sequence[int]) -> list[Row]:
    where, params = tid.as_of_sql("a")
    return await _all(
        conn,
        f"SELECT {ADRESSE_COLUMNS} FROM matrikkel.adresse a "
        f"WHERE a.adresse_id = ANY(%(ids)s) AND {where}",
        {**params, "ids": list(ids)},
    )


async def punkter(conn: AsyncConnection, xs: list[float], ys: list[float], epsg: int) -> list[Any]:
    """Points given in EPSG:25833 as GeoJSON in ``epsg``, in order."""
    rows = await _all(
        conn,
        f"SELECT {geojson_sql('ST_SetSRID(ST_MakePoint(x, y), 25833)')} AS g "
        "FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) WITH ORDINALITY AS p(x, y, i) ORDER BY i",
        {"xs": xs, "ys": ys, "epsg": epsg},
    )
    return [row["g"] for row in rows]


async def matrikkelenheter_ved_punkt(
    conn: AsyncConnection, tid: Tidspunkt, punkt: bytes
) -> list[Row]:
    """Units whose teig covers the point, or passes within the tolerance of it."""
    where_t, params = tid.as_of_sql("t")
    where_m, _ = tid.as_of_sql("m")
    return await _all(
        conn,
        f"SELECT {ENHET_COLUMNS} FROM (SELECT DISTINCT t.matrikkelnummer "
        "FROM matrikkel.teig t, (SELECT ST_SetSRID(ST_GeomFromWKB(%(punkt)s), 25833) AS g) p "
        f"WHERE {where_t} AND ST_DWithin(t.geometri, p.g, {TOLERANCE_M})) AS hit "
        "JOIN matrikkel.matrikkelenhet m ON m.matrikkelnummer = hit.matrikkelnummer "
        f"WHERE {where_m} ORDER BY m.kommunenummer, m.gardsnummer, m.bruksnummer, "
        "m.festenummer, m.seksjonsnummer",
        {**params, "punkt": punkt},
    )


async def finn_matrikkelenheter(
    conn: AsyncConnection,
    tid: Tidspunkt,
    conditions: list[str],
    params: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A page of units matching ``conditions`` on ``m`` (and a shape ``%(shape)s``), with
    the total count."""
    where, as_of = tid.as_of_sql("m")
    teig_where, _ = tid.as_of_sql("t")
    conditions = [c.replace("{teig_as_of}", teig_where) for c in conditions]
    rows = await _all(
        conn,
        f"SELECT {ENHET_COLUMNS}, count(*) OVER () AS total FROM matrikkel.matrikkelenhet m "
        f"WHERE {' AND '.join([where, *conditions])} "
        "ORDER BY m.kommunenummer, m.gardsnummer, m.bruksnummer, m.festenummer, "
        "m.seksjonsnummer LIMIT %(limit)s OFFSET %(offset)s",
        {**as_of, **params, "limit": limit, "offset": offset},
    )
    if rows or (offset == 0 and limit > 0):  # no row on a first page: none match
        return rows, rows[0]["total"] if rows else 0
    counted = await _all(
        conn,
        f"SELECT count(*) AS total FROM matrikkel.matrikkelenhet m "
        f"WHERE {' AND '.join([where, *conditions])}",
        {**as_of, **params},
    )
    return rows, counted[0]["total"]


async def naermeste(conn: AsyncConnection, punkt: bytes, radius: float, first: int) -> list[Row]:
    """Addresses within ``radius`` true metres, nearest first: the KNN index picks the
    candidates in the UTM plane, the geography distance ranks and cuts them."""
    return await _all(
        conn,
        f"""
        WITH p AS (SELECT ST_SetSRID(ST_GeomFromWKB(%(punkt)s), 25833) AS g),
        candidates AS (
            SELECT a.*, ST_Transform(p.g, 4326)::geography AS here
            FROM matrikkel.adresse a, p
            WHERE upper_inf(a.registrert) AND upper_inf(a.gyldig)
              AND ST_DWithin(a.punkt, p.g, %(radius)s * 1.05 + 1)
            ORDER BY a.punkt <-> p.g
            LIMIT %(first)s * 2 + 20
        )
        SELECT {ADRESSE_COLUMNS},
               ST_Distance(ST_Transform(a.punkt, 4326)::geography, a.here) AS avstand
        FROM candidates a
        WHERE ST_Distance(ST_Transform(a.punkt, 4326)::geography, a.here) <= %(radius)s
        ORDER BY avstand, a.adresse_id
        LIMIT %(first)s
        """,
        {"punkt": punkt, "radius": radius, "first": first},
    )


async def adresser_by_kode(
    conn: AsyncConnection, tid: Tidspunkt, keys: Sequence[tuple[str, int, int, str]]
) -> list[Row]:
    """Vegadresser by (kommunenummer, adressekode, nummer, bokstav; "" for none), with the
    index ``i`` (1-based) of the key each matches."""
    where, params = tid.as_of_sql("a")
    return await _all(
        conn,
        f"SELECT k.i, {ADRESSE_COLUMNS} FROM unnest(%(knr)s::text[], %(kode)s::int[], "
        "%(nr)s::int[], %(bokstav)s::text[]) WITH ORDINALITY AS k(knr, kode, nr, bokstav, i) "
        "JOIN matrikkel.adresse a ON a.kommunenummer = k.knr AND a.adressekode = k.kode "
        "AND a.nummer = k.nr AND upper(coalesce(a.bokstav, '')) = upper(k.bokstav) "
        f"AND a.undernummer IS NULL AND {where}",
        {
            **params,
            "knr": [k[0] for k in keys],
            "kode": [k[1] for k in keys],
            "nr": [k[2] for k in keys],
            "bokstav": [k[3] for k in keys],
        },
    )


async def adresser_by_folkeregisternoekkel(
    conn: AsyncConnection,
    tid: Tidspunkt,
    keys: Sequence[tuple[int | None, str | None, int | None, int | None, str]],
) -> list[Row]:
    """Addresses by (adresseId, kommunenummer, adressekode, nummer, bokstav): by the id when
    an address has it, else (no id, or an unknown one) the vegadresser with the kode; with
    the index ``i`` (1-based) of the key each matches. One statement."""
    where, params = tid.as_of_sql("a")
    return await _all(
        conn,
        f"""WITH k AS (
              SELECT * FROM unnest(%(id)s::bigint[], %(knr)s::text[], %(kode)s::int[],
                                   %(nr)s::int[], %(bokstav)s::text[])
              WITH ORDINALITY AS k(id, knr, kode, nr, bokstav, i)),
            by_id AS (
              SELECT k.i, {ADRESSE_COLUMNS} FROM k
              JOIN matrikkel.adresse a ON a.adresse_id = k.id AND {where})
            SELECT * FROM by_id
            UNION ALL
            SELECT k.i, {ADRESSE_COLUMNS} FROM k
            JOIN matrikkel.adresse a ON a.kommunenummer = k.knr AND a.adressekode = k.kode
              AND a.nummer = k.nr AND upper(coalesce(a.bokstav, '')) = k.bokstav
              AND a.undernummer IS NULL AND {where}
            WHERE NOT EXISTS (SELECT 1 FROM by_id WHERE by_id.i = k.i)""",
        {
            **params,
            **{
                name: [key[n] for key in keys]
                for n, name in enumerate(("id", "knr", "kode", "nr", "bokstav"))
            },
        },
    )


async def adresser_by_postform(
    conn: AsyncConnection, tid: Tidspunkt, former: Sequence[str]
) -> list[Row]:
    """Addresses by normalised postal form (``felles.postadresse_form``), with the index
    ``i`` (1-based) of the form each matches."""
    where, params = tid.as_of_sql("a")
    return await _all(
        conn,
        f"SELECT k.i, {ADRESSE_COLUMNS} FROM unnest(%(former)s::text[]) "
        "WITH ORDINALITY AS k(form, i) "
        f"JOIN matrikkel.adresse a ON a.postadresse_form = k.form AND {where}",
        {**params, "former": list(former)},
    )


async def eiendommer_for_eiere(
    conn: AsyncConnection, tid: Tidspunkt, column: str, eiere: Sequence[str]
) -> list[Row]:
    """The units whose hjemmelshavere (``column``: identifikasjonsnummer or
    organisasjonsnummer) include each owner, at ``tid``; ``eier`` names the owner."""
    assert column in ("identifikasjonsnummer", "organisasjonsnummer")
    where_e, params = tid.as_of_sql("e")
    where_m, _ = tid.as_of_sql("m")
    return await _all(
        conn,
        f"SELECT DISTINCT e.{column} AS eier, {ENHET_COLUMNS} FROM matrikkel.eierforhold e "
        "JOIN matrikkel.matrikkelenhet m ON m.matrikkelnummer = e.matrikkelnummer "
        f"AND {where_m} WHERE e.{column} = ANY(%(eiere)s) AND {where_e} "
        "ORDER BY eier, m.matrikkelnummer",
        {**params, "eiere": list(eiere)},
    )
