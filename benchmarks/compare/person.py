"""(a) A person by identifier, with address."""

from __future__ import annotations

from typing import Any

from benchmarks.compare.query import Query, fact

PERSON = Query(
    name="person by identifier, with address",
    grunndata="""query($id: ID!) { person(identifikasjonsnummer: $id) {
  identifikasjonsnummer navn { fornavn mellomnavn etternavn } foedselsdato
  bostedsadresse { adresseIdentifikatorFraMatrikkelen
    vegadresse { adressenavn adressenummer { husnummer husbokstav } kommunenummer
      poststed { postnummer poststedsnavn } } } } }""",
    postgraphile="""query($id: String!) {
  personByIdentifikasjonsnummer(identifikasjonsnummer: $id) {
  identifikasjonsnummer fornavn mellomnavn etternavn foedselsdato
  bostedsadresse { adresseIdentifikatorFraMatrikkelen adressenavn husnummer husbokstav
    kommunenummer postnummer poststedsnavn } } }""",
    variables=lambda key: {"id": key},
    grunndata_answer=lambda d: _person_g(d["person"]),
    postgraphile_answer=lambda d: _person_p(d["personByIdentifikasjonsnummer"]),
    sql=f"""SELECT json_build_object(
  'identifikasjonsnummer', i.identifikasjonsnummer,
  'navn', json_build_object('fornavn', n.data->>'fornavn', 'mellomnavn', n.data->>'mellomnavn',
                            'etternavn', n.data->>'etternavn'),
  'foedselsdato', f.data->>'foedselsdato',
  'bostedsadresse', json_build_object(
     'adresseIdentifikatorFraMatrikkelen', b.data->>'adresseIdentifikatorFraMatrikkelen',
     'vegadresse', b.data->'vegadresse'))
FROM folkeregister.identifikator i
LEFT JOIN LATERAL {fact("i.person_id", "navn")} n ON true
LEFT JOIN LATERAL {fact("i.person_id", "foedsel")} f ON true
LEFT JOIN LATERAL {fact("i.person_id", "bostedsadresse")} b ON true
WHERE i.identifikasjonsnummer = $1""",
)


def _person_g(p: dict[str, Any] | None) -> Any:
    if p is None:
        return None
    adresse = p["bostedsadresse"] or {}
    veg = adresse.get("vegadresse") or {}
    nummer = veg.get("adressenummer") or {}
    return {
        "id": p["identifikasjonsnummer"],
        "navn": [p["navn"]["fornavn"], p["navn"]["mellomnavn"], p["navn"]["etternavn"]],
        "foedselsdato": p["foedselsdato"],
        "adresse": [
            adresse.get("adresseIdentifikatorFraMatrikkelen"), veg.get("adressenavn"),
            nummer.get("husnummer"), nummer.get("husbokstav"), veg.get("kommunenummer"),
            (veg.get("poststed") or {}).get("postnummer"),
            (veg.get("poststed") or {}).get("poststedsnavn"),
        ],
    }  # fmt: skip


def _person_p(p: dict[str, Any] | None) -> Any:
    if p is None:
        return None
    a = p["bostedsadresse"] or {}
    return {
        "id": p["identifikasjonsnummer"],
        "navn": [p["fornavn"], p["mellomnavn"], p["etternavn"]],
        "foedselsdato": p["foedselsdato"],
        "adresse": [
            a.get("adresseIdentifikatorFraMatrikkelen"), a.get("adressenavn"),
            a.get("husnummer"), a.get("husbokstav"), a.get("kommunenummer"),
            a.get("postnummer"), a.get("poststedsnavn"),
        ],
    }  # fmt: skip
