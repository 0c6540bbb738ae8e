"""(f) Across the three registers: person → roller → enhet → forretningsadresse →
adresseIMatrikkelen → eiendom."""

from __future__ import annotations

from typing import Any

from benchmarks.compare.enhet import SHOWN
from benchmarks.compare.query import Query, enhet_adresse, fact, now, sorted_json

#: The one current Matrikkel address with the postal form ``{form}``, none if several.
ONLY_ADDRESS = """a.postadresse_form = {form} AND a.gyldig @> now() AND upper_inf(a.registrert)
  AND NOT EXISTS (SELECT 1 FROM matrikkel.adresse b WHERE b.postadresse_form = a.postadresse_form
    AND b.adresse_id <> a.adresse_id AND b.gyldig @> now() AND upper_inf(b.registrert))"""

KJEDE = Query(
    name="person → roller → enhet → forretningsadresse → adresseIMatrikkelen → eiendom",
    grunndata="""query($id: ID!) { person(identifikasjonsnummer: $id) {
  identifikasjonsnummer navn { fornavn etternavn }
  roller { type { kode } enhet { organisasjonsnummer navn
    forretningsadresse { adresse postnummer poststed kommunenummer
      adresseIMatrikkelen { adresseId adressetekst
        eiendom { matrikkelnummer bruksnavn type } } } } } } }""",
    postgraphile="""query($id: String!) {
  personByIdentifikasjonsnummer(identifikasjonsnummer: $id) {
  identifikasjonsnummer fornavn etternavn
  roller { nodes { rolletypeKode enhet { organisasjonsnummer navn forretningsadresse
    adresseIMatrikkelen { adresseId adressetekst
      eiendom { matrikkelnummer bruksnavn type } } } } } } }""",
    variables=lambda key: {"id": key},
    grunndata_answer=lambda d: _kjede_g(d["person"]),
    postgraphile_answer=lambda d: _kjede_p(d["personByIdentifikasjonsnummer"]),
    sql=f"""SELECT json_build_object('identifikasjonsnummer', i.identifikasjonsnummer,
  'navn', json_build_object('fornavn', n.data->'fornavn', 'etternavn', n.data->'etternavn'),
  'roller', (SELECT coalesce(json_agg(json_build_object('type', r.rolletype_kode,
      'enhet', (SELECT json_build_object('organisasjonsnummer', e.organisasjonsnummer,
          'navn', e.navn, 'forretningsadresse', e.forretningsadresse,
          'adresseIMatrikkelen', (SELECT json_build_object('adresseId', a.adresse_id::text,
              'adressetekst', a.adressetekst,
              'eiendom', (SELECT json_build_object('matrikkelnummer', m.matrikkelnummer,
                  'bruksnavn', m.bruksnavn, 'type', m.matrikkelenhetstype)
                FROM matrikkel.matrikkelenhet m
                WHERE m.matrikkelnummer = a.matrikkelnummer AND {now("m")}))
            FROM matrikkel.adresse a WHERE {ONLY_ADDRESS.format(form="e.forretningsadresse_form")}))
        FROM enhetsregister.enhet e WHERE e.organisasjonsnummer = r.organisasjonsnummer
        AND {now("e")} AND {SHOWN.format(t="e")}))
      ORDER BY r.organisasjonsnummer, r.rollegruppe_kode, r.rekkefolge, r.rolletype_kode), '[]')
    FROM enhetsregister.rolle r WHERE r.person_fodselsnummer = i.identifikasjonsnummer
    AND r.fratraadt IS NOT TRUE AND {now("r")}))
FROM folkeregister.identifikator i
LEFT JOIN LATERAL {fact("i.person_id", "navn")} n ON true
WHERE i.identifikasjonsnummer = $1""",
)


def _enhet(e: dict[str, Any] | None, adresse: dict[str, Any] | None) -> Any:
    if e is None:
        return None
    a = adresse and adresse["adresseIMatrikkelen"]
    m = a and a["eiendom"]
    eiendom = m and [m["matrikkelnummer"], m["bruksnavn"], m["type"]]
    return [e["organisasjonsnummer"], e["navn"], enhet_adresse(adresse),
            a and [a["adresseId"], a["adressetekst"], eiendom]]  # fmt: skip


def _kjede_g(p: dict[str, Any] | None) -> Any:
    if p is None:
        return None
    roles = [[r["type"]["kode"], _enhet(r["enhet"], (r["enhet"] or {}).get("forretningsadresse"))]
             for r in p["roller"]]  # fmt: skip
    navn = [p["navn"]["fornavn"], p["navn"]["etternavn"]]
    return {"id": p["identifikasjonsnummer"], "navn": navn, "roller": sorted_json(roles)}


def _kjede_p(p: dict[str, Any] | None) -> Any:
    if p is None:
        return None
    roles = []
    for r in p["roller"]["nodes"]:
        e = r["enhet"]
        # PostGraphile's jsonb address and its link are siblings; bring them together
        adresse = (
            e
            and e["forretningsadresse"]
            and {**e["forretningsadresse"], "adresseIMatrikkelen": e["adresseIMatrikkelen"]}
        )
        roles.append([r["rolletypeKode"], _enhet(e, adresse)])
    return {"id": p["identifikasjonsnummer"], "navn": [p["fornavn"], p["etternavn"]],
            "roller": sorted_json(roles)}  # fmt: skip
