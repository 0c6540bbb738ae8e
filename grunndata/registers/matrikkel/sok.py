"""Address search in two steps, the shape measured at national scale (docs/matrikkel.md).

1. The street-name part of the text is matched, in search form (``matrikkel.sokeform``:
   lower case, no diacritics, vei/veg/veien/vegen and gate/gata/gaten folded), against
   the small table of distinct street names: exactly, as a prefix (autocomplete), with
   ``*`` wildcards, or by trigram similarity (typos).
2. The addresses of the best names are fetched by B-tree on (name, number, letter); a
   number typed is a prefix (``3`` finds 3, 30, 38 …), the exact number and letter rank
   first.

A text like ``104/1-1`` (gnr/bnr-undernummer) finds matrikkeladresser by their text.

>>> soketekst("Vardasveien 110 B, 4637 Kristiansand")
Soketekst(navn='Vardasveien', nummer='110', bokstav='B')
>>> soketekst("tyrihansvegen 3")
Soketekst(navn='tyrihansvegen', nummer='3', bokstav=None)
>>> soketekst("Tyrihans*")
Soketekst(navn='Tyrihans*', nummer=None, bokstav=None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from grunndata.registers.matrikkel.adresseparser import tolk
from grunndata.registers.matrikkel.navneform import sokeform
from grunndata.registers.matrikkel.queries import ADRESSE_COLUMNS, Row, _all
from grunndata.registers.matrikkel.vask_sql import naboformer

_MATRIKKELADRESSE = re.compile(r"^\d+\s*/[\d\s/-]*$")
_TEKST = re.compile(r"^(?P<navn>.*?)(?:\s+(?P<nummer>\d{1,5})\s*(?P<bokstav>[A-Za-zÆØÅæøå])?)?$")
NAME_CANDIDATES = 8


@dataclass(frozen=True)
class Soketekst:
    navn: str
    nummer: str | None
    bokstav: str | None


def soketekst(text: str) -> Soketekst:
    first = text.split(",")[0].strip()
    match = _TEKST.match(first)
    assert match is not None  # the pattern matches any text
    navn = match["navn"].strip()
    if not navn and match["nummer"]:  # only a number: it is a name (or nothing) after all
        return Soketekst(first, None, None)
    return Soketekst(navn, match["nummer"], match["bokstav"].upper() if match["bokstav"] else None)


def number_ranges(prefix: str) -> tuple[list[int], list[int]]:
    """The house numbers (at most 5 digits) that start with ``prefix``, as ranges, so the
    B-tree on (name, number) serves a prefix.

    >>> number_ranges("3")
    ([3, 30, 300, 3000, 30000], [3, 39, 399, 3999, 39999])
    >>> number_ranges("110")
    ([110, 1100, 11000], [110, 1109, 11099])
    """
    value, lows, highs = int(prefix), [], []
    width = 1
    while value * width <= 99999:
        lows.append(value * width)
        highs.append(value * width + width - 1)
        width *= 10
    return lows, highs


def _name_step(navn: str, nearest: bool = False) -> tuple[str, dict[str, Any]]:
    """SQL giving ``(sokenavn, score)`` of the street names that match ``navn``."""
    if "*" in navn:
        pattern = navn.replace("%", "").replace("_", "").replace("*", "%")
        return (
            "SELECT sokenavn, 2.0 AS score FROM matrikkel.adressenavn "
            "WHERE sokenavn LIKE matrikkel.sokeform(%(pattern)s) "
            "ORDER BY sokenavn LIMIT %(names)s",
            {"pattern": pattern},
        )
    clean = navn.replace("%", "").replace("_", "")
    if nearest:  # nothing else matched: the nearest names by trigram distance (GiST)
        return (
            "SELECT sokenavn, 1 - (sokenavn <-> q) AS score FROM matrikkel.adressenavn, given "
            "ORDER BY sokenavn <-> q LIMIT %(names)s",
            {"navn": clean},
        )
    # The exact name, or names it begins (B-tree); only when there are none, similar
    # names (trigram word similarity, or one edit away: typos, a missing first word).
    return (
        """
        SELECT * FROM (
            SELECT sokenavn, CASE WHEN sokenavn = q THEN 3.0 ELSE 2.0 END AS score
            FROM matrikkel.adressenavn, given
            WHERE sokenavn LIKE q || '%%'
            ORDER BY score DESC, length(sokenavn), sokenavn LIMIT %(names)s
        ) AS exact_names
        UNION ALL
        SELECT * FROM (
            SELECT sokenavn, 1 + greatest(word_similarity(q, sokenavn),
                CASE WHEN sokenavn = ANY(%(naboer)s) THEN 0.9 ELSE 0 END) AS score
            FROM matrikkel.adressenavn, given
            WHERE NOT EXISTS (SELECT 1 FROM matrikkel.adressenavn, given
                              WHERE sokenavn LIKE q || '%%')
              AND (q <%% sokenavn OR sokenavn = ANY(%(naboer)s))
            ORDER BY score DESC, sokenavn LIMIT %(names)s
        ) AS similar_names
        """,
        {"navn": clean, "naboer": list(naboformer(clean))},
    )


def tolket(text: str) -> tuple[Soketekst, str | None, str | None]:
    """The search text read by the address parser (abbreviations written out, postnummer
    and poststed anywhere), with the postnummer and place it names; the plain split for a
    ``*`` pattern or what the parser cannot read.

    >>> tolket("Storg. 12 0150 Oslo")
    (Soketekst(navn='Storgata', nummer='12', bokstav=None), '0150', 'oslo')
    >>> tolket("0150 Oslo")
    (Soketekst(navn='', nummer=None, bokstav=None), '0150', 'oslo')
    """
    if "*" in text:
        return soketekst(text), None, None
    t = tolk(text)
    if t.gatenavn is None and t.postnummer is None:
        return soketekst(text), None, None
    nummer = str(t.nummer) if t.nummer is not None else None
    sted = sokeform(t.sted) if t.sted else None
    return Soketekst(t.gatenavn or "", nummer, t.bokstav), t.postnummer, sted


async def sok(
    conn: AsyncConnection,
    text: str | None,
    kommunenummer: list[str] | None,
    postnummer: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A page of addresses matching the search, best first, with the total count."""
    filters = ["upper_inf(a.registrert)", "upper_inf(a.gyldig)"]
    params: dict[str, Any] = {"limit": limit, "offset": offset, "names": NAME_CANDIDATES}
    if kommunenummer is not None:
        filters.append("a.kommunenummer = ANY(%(kommunenummer)s)")
        params["kommunenummer"] = kommunenummer
    if postnummer is not None:
        filters.append("a.postnummer = %(postnummer)s")
        params["postnummer"] = postnummer
    first_part = text.split(",")[0].strip() if text else ""
    parsed, typed_post, sted = tolket(text) if text and text.strip() else (None, None, None)
    if parsed is not None and not parsed.navn.strip("* ") and typed_post is not None:
        filters.append("a.postnummer = %(typed_post)s")  # '0150 Oslo': the place alone
        params["typed_post"] = typed_post
    where = " AND ".join(filters)
    if parsed is None or not parsed.navn.strip("* "):
        query = (
            f"SELECT {ADRESSE_COLUMNS}, count(*) OVER () AS total FROM matrikkel.adresse a "
            f"WHERE {where} ORDER BY a.adressenavn, a.nummer, a.bokstav NULLS FIRST, "
            "a.adressetekst, a.adresse_id LIMIT %(limit)s OFFSET %(offset)s"
        )
        return _with_total(await _all(conn, query, params))
    if _MATRIKKELADRESSE.match(first_part):
        params["tekst"] = re.sub(r"\s+", "", first_part)
        query = (
            f"SELECT {ADRESSE_COLUMNS}, count(*) OVER () AS total FROM matrikkel.adresse a "
            f"WHERE {where} AND a.adressetype = 'matrikkeladresse' "
            "AND a.adressetekst LIKE %(tekst)s || '%%' "
            "ORDER BY a.adressetekst = %(tekst)s DESC, a.adressetekst, a.adresse_id "
            "LIMIT %(limit)s OFFSET %(offset)s"
        )
        return _with_total(await _all(conn, query, params))
    params |= {"nummer": parsed.nummer, "bokstav": parsed.bokstav, "post": typed_post,
               "sted": sted}  # fmt: skip
    rows = await _addresses(conn, parsed, where, params, nearest=False)
    if not rows[0] and "*" not in parsed.navn:
        first = rows if not offset else await _addresses(conn, parsed, where, params | {
            "limit": 1, "offset": 0}, nearest=False)  # fmt: skip
        if not first[0]:  # no name matched at all: the nearest names
            rows = await _addresses(conn, parsed, where, params, nearest=True)
    return rows


async def _addresses(
    conn: AsyncConnection, parsed: Soketekst, where: str, params: dict[str, Any], nearest: bool
) -> tuple[list[Row], int]:
    names, name_params = _name_step(parsed.navn, nearest)
    given = (
        "given AS (SELECT matrikkel.sokeform(%(navn)s) AS q), " if "*" not in parsed.navn else ""
    )
    params = params | name_params
    # One index probe per (name, number range), whatever the planner estimates (LATERAL,
    # kept from being flattened into a hash join by OFFSET 0): the number is a prefix.
    ranges, number = "", ""
    if parsed.nummer is not None:
        params["lows"], params["highs"] = number_ranges(parsed.nummer)
        ranges = "CROSS JOIN unnest(%(lows)s::int[], %(highs)s::int[]) AS r(lo, hi)"
        number = "AND a.nummer BETWEEN r.lo AND r.hi"
    query = f"""
        WITH {given}names AS ({names})
        SELECT {ADRESSE_COLUMNS}, count(*) OVER () AS total
        FROM names {ranges}
        CROSS JOIN LATERAL (
            SELECT * FROM matrikkel.adresse a
            WHERE matrikkel.sokeform(a.adressenavn) = names.sokenavn {number} AND {where}
            OFFSET 0
        ) AS a
        ORDER BY names.score DESC,
                 a.nummer::text = %(nummer)s::text DESC NULLS LAST,
                 a.bokstav IS NOT DISTINCT FROM %(bokstav)s::text DESC,
                 a.postnummer = %(post)s::text DESC NULLS LAST,
                 matrikkel.sokeform(a.poststed) LIKE %(sted)s::text || '%%' DESC NULLS LAST,
                 a.adressenavn, a.nummer, a.bokstav NULLS FIRST, a.adresse_id
        LIMIT %(limit)s OFFSET %(offset)s
    """
    return _with_total(await _all(conn, query, params))


def _with_total(rows: list[Row]) -> tuple[list[Row], int]:
    return rows, rows[0]["total"] if rows else 0
