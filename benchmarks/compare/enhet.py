"""(d) An enhet with its roles (holders followed into Folkeregisteret) and underenheter;
(e) an ``enheter`` search by kommune and næringskode: 100 with forretningsadresse."""

from __future__ import annotations

from typing import Any

from benchmarks.compare.query import Query, enhet_adresse, fact, now, sorted_json

#: A role holder's name as grunndata gives it (``Rolleinnehaver.navn``), over ``r``.
HOLDER_NAME = (
    "coalesce(nullif(concat_ws(' ', nullif(r.person_fornavn, ''), "
    "nullif(r.person_mellomnavn, ''), nullif(r.person_etternavn, '')), ''), "
    "nullif(r.enhet_navn, ''), '')"
)
#: Not withdrawn from open data (as grunndata's ``shown``), for the unit ``{t}``.
SHOWN = (
    "NOT EXISTS (SELECT 1 FROM enhetsregister.fjernet f "
    "WHERE f.organisasjonsnummer = {t}.organisasjonsnummer AND f.opphevet IS NULL)"
)

ENHET = Query(
    name="enhet with roller (holders → person) and underenheter",
    grunndata="""query($nr: ID!) { enhet(organisasjonsnummer: $nr) {
  organisasjonsnummer navn organisasjonsform { kode } naeringskode1 { kode beskrivelse }
  forretningsadresse { adresse postnummer poststed kommunenummer }
  roller { type { kode } rollegruppe { kode } innehaver { navn foedselsnummer organisasjonsnummer
    person { identifikasjonsnummer navn { fornavn etternavn } } } }
  underenheter { edges { node { organisasjonsnummer navn
    beliggenhetsadresse { adresse postnummer poststed kommunenummer } } } } } }""",
    postgraphile="""query($nr: String!) { enhetByOrganisasjonsnummer(organisasjonsnummer: $nr) {
  organisasjonsnummer navn organisasjonsformKode naeringskode1Kode naeringskode1Beskrivelse
  forretningsadresse
  roller { nodes { rolletypeKode rollegruppeKode navn personFodselsnummer
    enhetOrganisasjonsnummer person { identifikasjonsnummer fornavn etternavn } } }
  underenheter(orderBy: ORGANISASJONSNUMMER_ASC) { nodes { organisasjonsnummer navn
    beliggenhetsadresse } } } }""",
    variables=lambda key: {"nr": key},
    grunndata_answer=lambda d: _enhet_g(d["enhet"]),
    postgraphile_answer=lambda d: _enhet_p(d["enhetByOrganisasjonsnummer"]),
    sql=f"""SELECT json_build_object(
  'organisasjonsnummer', e.organisasjonsnummer, 'navn', e.navn,
  'organisasjonsform', json_build_object('kode', e.organisasjonsform_kode),
  'naeringskode1', json_build_object('kode', e.naeringskode1_kode,
                                     'beskrivelse', e.naeringskode1_beskrivelse),
  'forretningsadresse', e.forretningsadresse,
  'roller', (SELECT coalesce(json_agg(json_build_object(
      'type', r.rolletype_kode, 'rollegruppe', r.rollegruppe_kode, 'navn', {HOLDER_NAME},
      'foedselsnummer', r.person_fodselsnummer,
      'organisasjonsnummer', r.enhet_organisasjonsnummer,
      'person', (SELECT json_build_object('identifikasjonsnummer', i.identifikasjonsnummer,
          'navn', json_build_object('fornavn', n.data->'fornavn', 'etternavn', n.data->'etternavn'))
        FROM folkeregister.identifikator i
        LEFT JOIN LATERAL {fact("i.person_id", "navn")} n ON true
        WHERE i.identifikasjonsnummer = r.person_fodselsnummer))
      ORDER BY r.rollegruppe_kode, r.rekkefolge, r.rolletype_kode), '[]')
    FROM enhetsregister.rolle r WHERE r.organisasjonsnummer = e.organisasjonsnummer
    AND {now("r")}),
  'underenheter', (SELECT coalesce(json_agg(json_build_object(
      'organisasjonsnummer', u.organisasjonsnummer, 'navn', u.navn,
      'beliggenhetsadresse', u.beliggenhetsadresse) ORDER BY u.organisasjonsnummer), '[]')
    FROM (SELECT * FROM enhetsregister.enhet u WHERE u.overordnet_enhet = e.organisasjonsnummer
      AND {now("u")} AND {SHOWN.format(t="u")} ORDER BY u.organisasjonsnummer LIMIT 100) u))
FROM enhetsregister.enhet e
WHERE e.organisasjonsnummer = $1 AND {now("e")} AND {SHOWN.format(t="e")}""",
)


def _role(kind: str, group: str, navn: str, fnr: str | None, orgnr: str | None,
          person: Any) -> dict[str, Any]:  # fmt: skip
    return {"type": kind, "gruppe": group, "navn": navn, "fnr": fnr, "orgnr": orgnr,
            "person": person}  # fmt: skip


def _enhet_g(e: dict[str, Any] | None) -> Any:
    if e is None:
        return None
    roles = []
    for r in e["roller"]:
        h, p = r["innehaver"], r["innehaver"]["person"]
        person = p and [p["identifikasjonsnummer"], p["navn"]["fornavn"], p["navn"]["etternavn"]]
        roles.append(_role(r["type"]["kode"], r["rollegruppe"]["kode"], h["navn"],
                           h["foedselsnummer"], h["organisasjonsnummer"], person))  # fmt: skip
    under = [[u["node"]["organisasjonsnummer"], u["node"]["navn"],
              enhet_adresse(u["node"]["beliggenhetsadresse"])]
             for u in e["underenheter"]["edges"]]  # fmt: skip
    return {
        "nr": e["organisasjonsnummer"], "navn": e["navn"],
        "form": (e["organisasjonsform"] or {}).get("kode"),
        "naering": e["naeringskode1"] and [e["naeringskode1"]["kode"],
                                           e["naeringskode1"]["beskrivelse"]],
        "adresse": enhet_adresse(e["forretningsadresse"]), "roller": sorted_json(roles),
        "underenheter": under,
    }  # fmt: skip


def _enhet_p(e: dict[str, Any] | None) -> Any:
    if e is None:
        return None
    roles = []
    for r in e["roller"]["nodes"]:
        p = r["person"]
        person = p and [p["identifikasjonsnummer"], p["fornavn"], p["etternavn"]]
        roles.append(
            _role(
                r["rolletypeKode"],
                r["rollegruppeKode"],
                r["navn"],
                r["personFodselsnummer"],
                r["enhetOrganisasjonsnummer"],
                person,
            )
        )
    under = [[u["organisasjonsnummer"], u["navn"], enhet_adresse(u["beliggenhetsadresse"])]
             for u in e["underenheter"]["nodes"]]  # fmt: skip
    naering = None
    if e["naeringskode1Kode"] is not None or e["naeringskode1Beskrivelse"] is not None:
        naering = [e["naeringskode1Kode"], e["naeringskode1Beskrivelse"]]
    return {
        "nr": e["organisasjonsnummer"], "navn": e["navn"], "form": e["organisasjonsformKode"],
        "naering": naering, "adresse": enhet_adresse(e["forretningsadresse"]),
        "roller": sorted_json(roles), "underenheter": under,
    }  # fmt: skip


def search(key: str) -> tuple[str, str]:
    """An ``enheter`` key ``kommunenummer|næringskode``."""
    kommune, kode = key.split("|")
    return kommune, kode


ENHETER = Query(
    name="enheter by kommune and næringskode, 100 with forretningsadresse",
    grunndata="""query($k: [String!], $n: [String!]) {
  enheter(filter: {kommunenummer: $k, naeringskode: $n}, first: 100) { edges { node {
    organisasjonsnummer navn naeringskode1 { kode }
    forretningsadresse { adresse postnummer poststed kommunenummer } } } } }""",
    postgraphile="""query($k: String!, $n: String!) {
  allEnhets(condition: {kommunenummer: $k, naeringskode1Kode: $n}, first: 100,
    orderBy: ORGANISASJONSNUMMER_ASC) { nodes {
    organisasjonsnummer navn naeringskode1Kode forretningsadresse } } }""",
    variables=lambda key: {"k": [search(key)[0]], "n": [search(key)[1]]},
    postgraphile_variables=lambda key: {"k": search(key)[0], "n": search(key)[1]},
    grunndata_answer=lambda d: [
        [
            n["node"]["organisasjonsnummer"],
            n["node"]["navn"],
            n["node"]["naeringskode1"]["kode"],
            enhet_adresse(n["node"]["forretningsadresse"]),
        ]
        for n in d["enheter"]["edges"]
    ],
    postgraphile_answer=lambda d: [
        [
            n["organisasjonsnummer"],
            n["navn"],
            n["naeringskode1Kode"],
            enhet_adresse(n["forretningsadresse"]),
        ]
        for n in d["allEnhets"]["nodes"]
    ],
    sql=f"""SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node',
  json_build_object('organisasjonsnummer', e.organisasjonsnummer, 'navn', e.navn,
    'naeringskode1', json_build_object('kode', e.naeringskode1_kode),
    'forretningsadresse', e.forretningsadresse)) ORDER BY e.organisasjonsnummer), '[]'))
FROM (SELECT * FROM enhetsregister.enhet e WHERE upper_inf(e.registrert) AND upper_inf(e.gyldig)
  AND coalesce(e.forretningsadresse, e.beliggenhetsadresse) ->> 'kommunenummer'
    = split_part($1, '|', 1)
  AND e.naeringskode1_kode = split_part($1, '|', 2) AND {SHOWN.format(t="e")}
  ORDER BY e.organisasjonsnummer LIMIT 100) e""",
)
