"""(b) An eiendom with geometry and owners; (c) 100 eiendommer of a kommune, a page at an
offset, with addresses, owners and the owners in Folkeregisteret."""

from __future__ import annotations

from typing import Any

from benchmarks.compare.query import Query, fact, sorted_json
from grunndata.graphql.connection import encode_cursor

EIENDOM = Query(
    name="eiendom by matrikkelnummer, with geometry and owners",
    grunndata="""query($nr: String!) { eiendom(matrikkelnummer: $nr) {
  matrikkelnummer type bruksnavn arealM2 geometri
  hjemmelshavere { andel { teller nevner } navn identifikasjonsnummer organisasjonsnummer } } }""",
    postgraphile="""query($nr: String!) { eiendomByMatrikkelnummer(matrikkelnummer: $nr) {
  matrikkelnummer type bruksnavn arealM2 geometri
  hjemmelshavere { nodes { andelTeller andelNevner navn identifikasjonsnummer
    organisasjonsnummer } } } }""",
    variables=lambda key: {"nr": key},
    grunndata_answer=lambda d: _eiendom_g(d["eiendom"]),
    postgraphile_answer=lambda d: _eiendom_p(d["eiendomByMatrikkelnummer"]),
    sql="""SELECT json_build_object(
  'matrikkelnummer', m.matrikkelnummer, 'type', m.matrikkelenhetstype, 'bruksnavn', m.bruksnavn,
  'arealM2', t.areal, 'geometri', t.geometri,
  'hjemmelshavere', (SELECT coalesce(json_agg(json_build_object(
      'andel', CASE WHEN e.andel_teller IS NOT NULL THEN json_build_object(
               'teller', e.andel_teller, 'nevner', e.andel_nevner) END,
      'navn', e.navn, 'identifikasjonsnummer', e.identifikasjonsnummer,
      'organisasjonsnummer', e.organisasjonsnummer)
    ORDER BY e.identifikasjonsnummer, e.organisasjonsnummer, e.navn), '[]')
    FROM matrikkel.eierforhold e WHERE e.matrikkelnummer = m.matrikkelnummer
    AND e.gyldig @> now() AND upper_inf(e.registrert)))
FROM matrikkel.matrikkelenhet m
LEFT JOIN LATERAL (SELECT sum(ST_Area(ST_Transform(t.geometri, 4326)::geography)) AS areal,
    ST_AsGeoJSON(ST_Transform(ST_Multi(ST_Union(t.geometri)), 4326), 9, 0)::json AS geometri
  FROM matrikkel.teig t WHERE t.matrikkelnummer = m.matrikkelnummer
  AND t.gyldig @> now() AND upper_inf(t.registrert)) t ON true
WHERE m.matrikkelnummer = $1 AND m.gyldig @> now() AND upper_inf(m.registrert)""",
)


def _eiendom_g(e: dict[str, Any] | None) -> Any:
    if e is None:
        return None
    owners = [
        {
            "teller": (h["andel"] or {}).get("teller"), "nevner": (h["andel"] or {}).get("nevner"),
            "navn": h["navn"], "fnr": h["identifikasjonsnummer"],
            "orgnr": h["organisasjonsnummer"],
        }
        for h in e["hjemmelshavere"]
    ]  # fmt: skip
    return {
        "nr": e["matrikkelnummer"], "type": e["type"], "bruksnavn": e["bruksnavn"],
        "areal": round(e["arealM2"], 3), "geometri": e["geometri"], "eiere": sorted_json(owners),
    }  # fmt: skip


def _eiendom_p(e: dict[str, Any] | None) -> Any:
    if e is None:
        return None
    owners = [
        {
            "teller": h["andelTeller"], "nevner": h["andelNevner"], "navn": h["navn"],
            "fnr": h["identifikasjonsnummer"], "orgnr": h["organisasjonsnummer"],
        }
        for h in e["hjemmelshavere"]["nodes"]
    ]  # fmt: skip
    return {
        "nr": e["matrikkelnummer"], "type": e["type"], "bruksnavn": e["bruksnavn"],
        "areal": round(e["arealM2"], 3), "geometri": e["geometri"], "eiere": sorted_json(owners),
    }  # fmt: skip


def page(key: str) -> tuple[str, int]:
    """A list key ``kommunenummer:offset``: the 100 units of that kommune from ``offset``."""
    kommune, offset = key.split(":")
    return kommune, int(offset)


def _list_g(key: str) -> dict[str, Any]:
    kommune, offset = page(key)
    return {"k": kommune, "after": encode_cursor(offset - 1) if offset else None}


def _list_p(key: str) -> dict[str, Any]:
    kommune, offset = page(key)
    return {"k": kommune, "offset": offset}


LIST = Query(
    name="100 eiendommer with addresses, owners and the owners in Folkeregisteret",
    grunndata="""query($k: String!, $after: String) { eiendommer(filter: {kommunenummer: $k},
  first: 100, after: $after) { edges { node { matrikkelnummer bruksnavn
    adresser { adresseId adressetekst postnummer poststed }
    hjemmelshavere { navn identifikasjonsnummer organisasjonsnummer
      person { identifikasjonsnummer navn { fornavn etternavn } } } } } } }""",
    postgraphile="""query($k: String!, $offset: Int!) { allEiendoms(condition: {kommunenummer: $k},
  first: 100, offset: $offset, orderBy: [GARDSNUMMER_ASC, BRUKSNUMMER_ASC,
  FESTENUMMER_ASC, SEKSJONSNUMMER_ASC]) { nodes { matrikkelnummer bruksnavn
    adresser { nodes { adresseId adressetekst postnummer poststed } }
    hjemmelshavere { nodes { navn identifikasjonsnummer organisasjonsnummer
      person { identifikasjonsnummer fornavn etternavn } } } } } }""",
    variables=_list_g,
    postgraphile_variables=_list_p,
    grunndata_answer=lambda d: [
        _unit(e["node"], e["node"]["adresser"], [_owner_g(h) for h in e["node"]["hjemmelshavere"]])
        for e in d["eiendommer"]["edges"]
    ],
    postgraphile_answer=lambda d: [
        _unit(n, n["adresser"]["nodes"], [_owner_p(h) for h in n["hjemmelshavere"]["nodes"]])
        for n in d["allEiendoms"]["nodes"]
    ],
    sql=f"""SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node',
  json_build_object('matrikkelnummer', m.matrikkelnummer, 'bruksnavn', m.bruksnavn,
    'adresser', (SELECT coalesce(json_agg(json_build_object('adresseId', a.adresse_id::text,
        'adressetekst', a.adressetekst, 'postnummer', a.postnummer, 'poststed', a.poststed)
        ORDER BY a.adressenavn, a.nummer, a.bokstav NULLS FIRST, a.adresse_id), '[]')
      FROM matrikkel.adresse a WHERE a.matrikkelnummer = m.matrikkelnummer
      AND a.gyldig @> now() AND upper_inf(a.registrert)),
    'hjemmelshavere', (SELECT coalesce(json_agg(json_build_object('navn', e.navn,
        'identifikasjonsnummer', e.identifikasjonsnummer,
        'organisasjonsnummer', e.organisasjonsnummer,
        'person', (SELECT json_build_object('identifikasjonsnummer', i.identifikasjonsnummer,
            'navn', json_build_object('fornavn', n.data->'fornavn',
                                      'etternavn', n.data->'etternavn'))
          FROM folkeregister.identifikator i
          LEFT JOIN LATERAL {fact("i.person_id", "navn")} n ON true
          WHERE i.identifikasjonsnummer = e.identifikasjonsnummer))
        ORDER BY e.identifikasjonsnummer, e.organisasjonsnummer, e.navn), '[]')
      FROM matrikkel.eierforhold e WHERE e.matrikkelnummer = m.matrikkelnummer
      AND e.gyldig @> now() AND upper_inf(e.registrert))))
  ORDER BY m.gardsnummer, m.bruksnummer, m.festenummer, m.seksjonsnummer), '[]'))
FROM (SELECT * FROM matrikkel.matrikkelenhet m WHERE m.kommunenummer = split_part($1, ':', 1)
  AND m.gyldig @> now() AND upper_inf(m.registrert)
  ORDER BY m.gardsnummer, m.bruksnummer, m.festenummer, m.seksjonsnummer
  LIMIT 100 OFFSET split_part($1, ':', 2)::int) m""",
)


def _owner_g(h: dict[str, Any]) -> dict[str, Any]:
    p = h["person"]
    person = p and [p["identifikasjonsnummer"], p["navn"]["fornavn"], p["navn"]["etternavn"]]
    return {**h, "person": person}


def _owner_p(h: dict[str, Any]) -> dict[str, Any]:
    p = h["person"]
    return {**h, "person": p and [p["identifikasjonsnummer"], p["fornavn"], p["etternavn"]]}


def _unit(node: dict[str, Any], adresser: list[dict[str, Any]], eiere: list[dict[str, Any]]) -> Any:
    return {
        "nr": node["matrikkelnummer"],
        "bruksnavn": node["bruksnavn"],
        "adresser": sorted_json(adresser),
        "eiere": sorted_json(eiere),
    }
