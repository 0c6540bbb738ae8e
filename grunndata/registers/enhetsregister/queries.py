"""The SQL the register answers with, batched: every function takes many keys and runs one
statement. Rows come back as dicts keyed by column."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from grunndata.graphql.connection import Page
from grunndata.graphql.tid import Tidspunkt

Row = dict[str, Any]
KOMMUNENUMMER = "coalesce(e.forretningsadresse, e.beliggenhetsadresse) ->> 'kommunenummer'"


def shown(alias: str) -> str:
    """Not withdrawn from open data (``Fjernet``, in force in ``enhetsregister.fjernet``):
    a withdrawn unit and its roles are left out of every answer, at any time asked for."""
    return (
        "NOT EXISTS (SELECT 1 FROM enhetsregister.fjernet f "
        f"WHERE f.organisasjonsnummer = {alias}.organisasjonsnummer AND f.opphevet IS NULL)"
    )


#: What "now" looks like for the search indexes (partial on the first two conditions).
PRESENT = f"upper_inf(e.registrert) AND upper_inf(e.gyldig) AND {shown('e')}"
#: How alike (pg_trgm word similarity) a name must be to the one asked for.
NAVN_THRESHOLD = 0.5


async def _rows(conn: AsyncConnection, statement: str, params: dict[str, Any]) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(statement, params)  # type: ignore[arg-type]
        return await cursor.fetchall()


async def enheter(conn: AsyncConnection, tid: Tidspunkt, orgnrs: Sequence[str]) -> list[Row | None]:
    """The version of each unit ``tid`` sees, in the keys' order (None: unknown then)."""
    as_of, params = tid.as_of_sql("e")
    rows = await _rows(
        conn,
        f"SELECT e.* FROM enhetsregister.enhet e "
        f"WHERE e.organisasjonsnummer = ANY(%(keys)s) AND {as_of} AND {shown('e')}",
        {**params, "keys": list(orgnrs)},
    )
    found = {row["organisasjonsnummer"]: row for row in rows}
    return [found.get(key) for key in orgnrs]


async def historikk(
    conn: AsyncConnection, tid: Tidspunkt, orgnrs: Sequence[str]
) -> list[list[Row]]:
    """Every version of each unit in valid time, as registered at ``tid`` (default: now),
    oldest first."""
    recorded = (
        "upper_inf(e.registrert)"
        if tid.registrert is None
        else "e.registrert @> %(registrert)s::timestamptz"
    )
    rows = await _rows(
        conn,
        f"SELECT e.* FROM enhetsregister.enhet e WHERE e.organisasjonsnummer = ANY(%(keys)s) "
        f"AND {recorded} AND {shown('e')} ORDER BY lower(e.gyldig) NULLS FIRST",
        {"keys": list(orgnrs), "registrert": tid.registrert},
    )
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["organisasjonsnummer"]].append(row)
    return [grouped.get(key, []) for key in orgnrs]


async def roller(conn: AsyncConnection, tid: Tidspunkt, orgnrs: Sequence[str]) -> list[list[Row]]:
    """The roles of each unit, in Brønnøysund's order (group, then rekkefolge)."""
    as_of, params = tid.as_of_sql("r")
    rows = await _rows(
        conn,
        f"SELECT r.* FROM enhetsregister.rolle r WHERE r.organisasjonsnummer = ANY(%(keys)s) "
        f"AND {as_of} AND {shown('r')} ORDER BY r.organisasjonsnummer, r.rollegruppe_kode, "
        "r.rekkefolge, "
        "r.rolletype_kode, r.person_etternavn, r.person_fornavn, r.enhet_organisasjonsnummer",
        {**params, "keys": list(orgnrs)},
    )
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["organisasjonsnummer"]].append(row)
    return [grouped.get(key, []) for key in orgnrs]


async def roller_for_personer(
    conn: AsyncConnection, tid: Tidspunkt, identifikasjonsnumre: Sequence[str]
) -> list[list[Row]]:
    """The roles each person (by fødselsnummer) holds at ``tid``, resigned ones
    (fratraadt) left out, by unit and Brønnøysund's order."""
    as_of, params = tid.as_of_sql("r")
    rows = await _rows(
        conn,
        "SELECT r.* FROM enhetsregister.rolle r WHERE r.person_fodselsnummer = ANY(%(keys)s) "
        f"AND r.fratraadt IS NOT TRUE AND {as_of} AND {shown('r')} "
        "ORDER BY r.person_fodselsnummer, "
        "r.organisasjonsnummer, r.rollegruppe_kode, r.rekkefolge, r.rolletype_kode",
        {**params, "keys": list(identifikasjonsnumre)},
    )
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["person_fodselsnummer"]].append(row)
    return [grouped.get(key, []) for key in identifikasjonsnumre]


async def enheter_ved_adresser(
    conn: AsyncConnection, tid: Tidspunkt, former: Sequence[str]
) -> list[list[Row]]:
    """The units whose forretningsadresse or beliggenhetsadresse has each normalised postal
    form (``felles.postadresse_form``) at ``tid``, by organisasjonsnummer."""
    as_of, params = tid.as_of_sql("e")
    rows = await _rows(
        conn,
        "SELECT e.* FROM enhetsregister.enhet e WHERE (e.forretningsadresse_form = "
        "ANY(%(keys)s) OR e.beliggenhetsadresse_form = ANY(%(keys)s)) "
        f"AND {as_of} AND {shown('e')} ORDER BY e.organisasjonsnummer",
        {**params, "keys": list(former)},
    )
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        for form in {row["forretningsadresse_form"], row["beliggenhetsadresse_form"]}:
            if form is not None:
                grouped[form].append(row)
    return [grouped.get(key, []) for key in former]


async def underenheter(
    conn: AsyncConnection, tid: Tidspunkt, parents: Sequence[str], page: Page
) -> list[tuple[list[Row], int]]:
    """One page of each unit's underenheter (by organisasjonsnummer) and how many there are;
    not its organisasjonsledd, hovedenheter that name it as overordnetEnhet too."""
    as_of, params = tid.as_of_sql("e")
    rows = await _rows(
        conn,
        "SELECT * FROM (SELECT e.*, count(*) OVER w AS total, row_number() OVER "
        "(w ORDER BY e.organisasjonsnummer) AS n FROM enhetsregister.enhet e "
        f"WHERE e.overordnet_enhet = ANY(%(keys)s) AND e.er_underenhet AND {as_of} "
        f"AND {shown('e')} "
        "WINDOW w AS (PARTITION BY e.overordnet_enhet)) s "
        "WHERE s.n > %(offset)s AND s.n <= %(offset)s + %(limit)s "
        "OR s.n = 1 ORDER BY s.overordnet_enhet, s.n",
        {**params, "keys": list(parents), "offset": page.offset, "limit": page.limit},
    )
    pages: dict[str, list[Row]] = defaultdict(list)
    totals: dict[str, int] = {}
    for row in rows:
        parent = row["overordnet_enhet"]
        totals[parent] = row["total"]
        if page.offset < row["n"] <= page.offset + page.limit:
            pages[parent].append(row)
    return [(pages.get(key, []), totals.get(key, 0)) for key in parents]


@dataclass(frozen=True)
class Search:
    """The ``enheter`` filter, checked. Empty lists and None mean: no condition."""

    navn: str | None = None
    organisasjonsform: tuple[str, ...] = ()
    kommunenummer: tuple[str, ...] = ()
    naeringskode: tuple[str, ...] = ()
    fra_antall_ansatte: int | None = None
    til_antall_ansatte: int | None = None
    konkurs: bool | None = None
    under_avvikling: bool | None = None
    er_slettet: bool | None = None
    overordnet_enhet: str | None = None
    er_underenhet: bool | None = None

    def where(self) -> tuple[list[str], dict[str, Any]]:
        """The conditions on ``e`` other than the name's (see ``navn_match``)."""
        conditions = [PRESENT, "e.gyldig @> %(naa)s::timestamptz"]
        params: dict[str, Any] = {}
        if self.organisasjonsform:
            params["former"] = [f.upper() for f in self.organisasjonsform]
            conditions.append("e.organisasjonsform_kode = ANY(%(former)s)")
        if self.kommunenummer:
            params["kommuner"] = list(self.kommunenummer)
            conditions.append(f"({KOMMUNENUMMER}) = ANY(%(kommuner)s)")
        if self.naeringskode:
            params["koder"] = [f"{_escape_like(k)}%" for k in self.naeringskode]
            conditions.append(
                "(e.naeringskode1_kode LIKE ANY(%(koder)s) OR e.naeringskode2_kode "
                "LIKE ANY(%(koder)s) OR e.naeringskode3_kode LIKE ANY(%(koder)s))"
            )
        if self.fra_antall_ansatte is not None:
            params["fra"] = self.fra_antall_ansatte
            conditions.append("e.antall_ansatte >= %(fra)s")
        if self.til_antall_ansatte is not None:
            params["til"] = self.til_antall_ansatte
            conditions.append("e.antall_ansatte <= %(til)s")
        for column, value in (
            ("konkurs", self.konkurs),
            ("under_avvikling", self.under_avvikling),
            ("er_underenhet", self.er_underenhet),
        ):
            if value is not None:
                conditions.append(f"e.{column}" if value else f"e.{column} IS NOT TRUE")
        if self.er_slettet is not None:
            conditions.append(f"e.slettedato IS {'NOT ' if self.er_slettet else ''}NULL")
        if self.overordnet_enhet is not None:
            params["overordnet"] = self.overordnet_enhet
            conditions.append("e.overordnet_enhet = %(overordnet)s")
        return conditions, params


def _fold(parameter: str) -> str:
    """A text parameter lowered as ``navn_sok`` is (``navn_fold``, migration 0005)."""
    return f"enhetsregister.navn_fold({parameter}::text)"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    conn: AsyncConnection, search: Search, page: Page, naa: datetime
) -> tuple[list[Row], int]:
    """One page of the units valid at ``naa`` matching ``search`` (ranked by name when a
    name is given, else by organisasjonsnummer) and how many match in all."""
    conditions, params = search.where()
    params.update(naa=naa, limit=page.limit, offset=page.offset)
    where = " AND ".join(conditions)
    if search.navn:
        return await _search_navn(conn, search.navn, conditions, params)
    total = await _rows(
        conn, f"SELECT count(*) AS n FROM enhetsregister.enhet e WHERE {where}", params
    )
    rows = await _rows(
        conn,
        f"SELECT e.* FROM enhetsregister.enhet e WHERE {where} ORDER BY e.organisasjonsnummer "
        "LIMIT %(limit)s OFFSET %(offset)s",
        params,
    )
    return rows, total[0]["n"]


async def _search_navn(
    conn: AsyncConnection, navn: str, conditions: list[str], params: dict[str, Any]
) -> tuple[list[Row], int]:
    """Name search in one statement, each matching unit's name compared once.

    1. ``navn``: the present units whose folded name (``navn_sok``, stored) is like the one
       asked for (word similarity at least ``NAVN_THRESHOLD``) or contains it, found through
       the trigram index alone (materialized, so the planner cannot trade the index for a
       scan that compares every name in a kommune or a næringskode).
    2. ``treff``: those that meet the other filters too (looked up by key), with what ranks
       them: exact, prefix, word similarity.
    3. ``topp``: the first ``offset + limit`` by that rank, with ties, so only these few
       get ``similarity`` (the last key before hovedenheter-first and orgnr).
    4. The page's rows, with the exact count of ``treff``.
    """
    params = {
        **params,
        "navn": navn,
        "navn_like": f"%{_escape_like(navn)}%",
        "navn_prefix": f"{_escape_like(navn)}%",
    }
    q = _fold("%(navn)s")
    now = f"{PRESENT} AND e.gyldig @> %(naa)s::timestamptz"
    found = "SELECT e.organisasjonsnummer, e.er_underenhet, e.navn_sok FROM enhetsregister.enhet e"
    # Two arms, each one bitmap scan of the trigram index: with an OR, pg_trgm's recheck
    # and the filter would both compute the word similarity of every candidate.
    navn_sql = (
        f"{found} WHERE {now} AND {q} <%% e.navn_sok UNION "
        f"{found} WHERE {now} AND e.navn_sok LIKE {_fold('%(navn_like)s')}"
    )
    treff = (
        f"SELECT n.*, n.navn_sok = {q} AS eksakt, "
        f"n.navn_sok LIKE {_fold('%(navn_prefix)s')} AS prefiks, "
        f"word_similarity({q}, n.navn_sok) AS ordlikhet FROM navn n"
    )
    others = conditions[2:]  # beyond PRESENT and the valid time, which navn applies
    if others:
        treff += (
            f" JOIN enhetsregister.enhet e ON e.organisasjonsnummer = n.organisasjonsnummer "
            f"AND {now} WHERE {' AND '.join(others)}"
        )
    ctes = f"WITH navn AS MATERIALIZED ({navn_sql}), treff AS MATERIALIZED ({treff})"
    statement = (
        f"{ctes}, "
        "topp AS (SELECT * FROM treff ORDER BY eksakt DESC, prefiks DESC, ordlikhet DESC "
        "FETCH FIRST (%(offset)s + %(limit)s) ROWS WITH TIES), "
        "rangert AS (SELECT organisasjonsnummer, row_number() OVER (ORDER BY eksakt DESC, "
        f"prefiks DESC, ordlikhet DESC, similarity({q}, navn_sok) DESC, er_underenhet, "
        "organisasjonsnummer) AS nr FROM topp) "
        "SELECT e.*, (SELECT count(*) FROM treff) AS treff_totalt FROM rangert r "
        "JOIN enhetsregister.enhet e ON e.organisasjonsnummer = r.organisasjonsnummer "
        f"AND {now} WHERE r.nr > %(offset)s AND r.nr <= %(offset)s + %(limit)s ORDER BY r.nr"
    )
    async with conn.transaction():
        # One dropped or swapped letter in a word of eight still matches (default 0.6).
        await conn.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {NAVN_THRESHOLD}")
        rows = await _rows(conn, statement, params)
        if rows:
            return rows, rows[0]["treff_totalt"]
        # A page past the end: the count alone.
        total = await _rows(conn, f"{ctes} SELECT count(*) AS n FROM treff", params)
    return rows, total[0]["n"]
