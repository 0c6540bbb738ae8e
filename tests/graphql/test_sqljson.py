"""Answers built in SQL (grunndata.graphql.sql) are the resolvers' answers.

Every query here runs both ways on the test cast (tests/data/cast) at the same instant: the
SQL form must answer it (or, for the cases listed, decline it) and give exactly the
resolvers' data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grunndata.db.database import Database, connect
from grunndata.server import create_app
from tests.conftest import ALL_SCOPES, LiveServer, examples
from tests.sqlforms import BothPaths


class Both(BothPaths):
    """Asked with every scope, where the resolvers raise no error."""

    def ask(self, query: str, variables: dict[str, Any] | None = None) -> tuple[Any, Any]:  # type: ignore[override]
        """(the SQL form's data or None when it declines, the resolvers' data)."""
        fast, resolved = super().ask(query, ALL_SCOPES, variables)
        assert not resolved["codes"], resolved["codes"]
        return (None if fast is None else fast[0]), resolved["data"]


@pytest.fixture(scope="module")
def both(cast_database: Database) -> Iterator[Both]:
    b = Both(cast_database)
    yield b
    b.close()


@pytest.fixture(scope="module")
def units(cast_database: Database) -> list[str]:
    with connect(cast_database.app_url) as conn:
        rows = conn.execute(
            "SELECT matrikkelnummer FROM matrikkel.matrikkelenhet WHERE upper_inf(registrert) "
            "ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


EIENDOM_FIELDS = """matrikkelnummer kommunenummer gardsnummer bruksnummer festenummer
  seksjonsnummer type status bruksnavn arealM2 geometri tidligereMatrikkelnumre
  teiger { arealM2 geometri }
  adresser { adresseId adressetype adressekode adressenavn nummer bokstav undernummer
    adressetekst adressetilleggsnavn postnummer poststed kommunenummer matrikkelnummer
    representasjonspunkt eiendom { matrikkelnummer } }
  hjemmelshavere { andel { teller nevner } navn identifikasjonsnummer organisasjonsnummer }"""

PERSON_FIELDS = """identifikasjonsnummer navn { fornavn mellomnavn etternavn } foedselsdato
  foedselsaar kjoenn status
  bostedsadresse { adresseIdentifikatorFraMatrikkelen adressegradering vegadresse {
    adressenavn adressekode kommunenummer bruksenhetsnummer adressetilleggsnavn coAdressenavn
    adressenummer { husnummer husbokstav } poststed { postnummer poststedsnavn } } }
  oppholdsadresse { vegadresse { adressenavn } }"""

ANSWERED = {
    "every field of a unit, owners with and without shares": (
        f'{{ eiendom(matrikkelnummer: "4204-97/90") {{ {EIENDOM_FIELDS} }} }}',
        {},
    ),
    "a unit owned by an enhet, short matrikkelnummer": (
        '{ eiendom(matrikkelnummer: "4204-97/84/0/0") { matrikkelnummer hjemmelshavere '
        "{ navn organisasjonsnummer andel { teller } } } }",
        {},
    ),
    "aliases, __typename, fragments and variables": (
        "query($nr: String!) { a: eiendom(matrikkelnummer: $nr) { __typename nr: "
        'matrikkelnummer ...F } b: eiendom(matrikkelnummer: "4204-58/48") { ... on Eiendom '
        "{ bruksnummer } } } fragment F on Eiendom { adresser { tekst: adressetekst } }",
        {"nr": "4204-58/205"},
    ),
    "as of an instant in valid time": (
        '{ eiendom(matrikkelnummer: "4204-97/90", gyldighetstidspunkt: "2023-06-01T12:00:00")'
        " { matrikkelnummer arealM2 hjemmelshavere { navn } } }",
        {},
    ),
    "a page of units with cursors and the total": (
        '{ eiendommer(filter: {kommunenummer: "4204", gardsnummer: 97}, first: 5, '
        'after: "bzox") { totalCount edges { cursor node { matrikkelnummer adresser '
        "{ adressetekst } } } } }",
        {},
    ),
    "pageInfo: first, middle, last, empty and past the end": (
        'query { a: eiendommer(filter: {kommunenummer: "4204"}, first: 2) { ...P } '
        'b: eiendommer(filter: {kommunenummer: "4204"}, first: 2, after: "bzox") { ...P } '
        'c: eiendommer(filter: {kommunenummer: "4204"}, first: 1000, after: "bzox") { ...P } '
        'd: eiendommer(filter: {kommunenummer: "4204"}, first: 0) { ...P } '
        'e: eiendommer(filter: {kommunenummer: "4204"}, after: "bzo1MDA=") { ...P } } '
        "fragment P on EiendomConnection { totalCount pageInfo { hasNextPage hasPreviousPage "
        "startCursor endCursor __typename } edges { cursor } }",
        {},
    ),
    "enheter by every filter but the name, pages and counts": (
        'query { a: enheter(filter: {kommunenummer: ["4204"]}, first: 4, after: "bzox") '
        '{ ...E } b: enheter(filter: {organisasjonsform: ["as", "ENK"], naeringskode: '
        '["43", "62.01"]}) { ...E } c: enheter(filter: {konkurs: true}) { ...E } '
        "d: enheter(filter: {erSlettet: true, erUnderenhet: false}) { ...E } "
        'e: enheter(filter: {overordnetEnhet: "310911410"}) { ...E } '
        "f: enheter(filter: {underAvvikling: false, fraAntallAnsatte: 0, tilAntallAnsatte: 50}) "
        "{ ...E } g: enheter { ...E } } fragment E on EnhetConnection { totalCount pageInfo "
        "{ hasNextPage endCursor } edges { cursor node { organisasjonsnummer navn "
        "forretningsadresse { adresse kommunenummer } naeringskoder { kode } roller "
        "{ type { kode } innehaver { navn } } } } }",
        {},
    ),
    "links between registers: a person's roles, an address's units": (
        '{ a: person(identifikasjonsnummer: "14834806046") { roller { type { kode } '
        "rollegruppe { beskrivelse } innehaver { navn foedselsnummer } enhet { navn "
        "forretningsadresse { adresse } roller { innehaver { navn person { navn { fornavn } "
        '} } } } } } b: person(identifikasjonsnummer: "21867525758", gyldighetstidspunkt: '
        '"2000-01-01") { navn { etternavn } roller { type { kode } enhet { navn } } } '
        'c: eiendom(matrikkelnummer: "4204-97/90") { adresser { adressetekst enheter { '
        "organisasjonsnummer navn roller { type { kode } } } } } }",
        {},
    ),
    "a unit's underenheter, paged by literals and by variables, and its roles' persons": (
        'query($first: Int, $after: String) { a: enhet(organisasjonsnummer: "310911410") { '
        "underenheter { totalCount } roller { innehaver { navn person { navn { fornavn } } } } "
        "p1: underenheter(first: 1) { ...U } p2: underenheter(first: $first, after: $after) "
        '{ ...U } p3: underenheter(first: 0) { ...U } p4: underenheter(after: "bzo1") '
        '{ ...U } } b: enhet(organisasjonsnummer: "318716897") { underenheter(first: $first) '
        '{ ...U } } c: enhet(organisasjonsnummer: "314400291") { underenheter { ...U } } } '
        "fragment U on EnhetConnection { __typename totalCount pageInfo { hasNextPage "
        "hasPreviousPage startCursor endCursor } edges { __typename cursor node { "
        "organisasjonsnummer navn overordnetEnhet { organisasjonsnummer } beliggenhetsadresse "
        "{ adresse adresseIMatrikkelen { adresseId adressetekst } } } } }",
        {"first": 1, "after": "bzow"},
    ),
    "a person's roles to the unit's address in Matrikkelen and its eiendom": (
        '{ person(identifikasjonsnummer: "14834806046") { roller { enhet { navn '
        "forretningsadresse { adresse postnummer adresseIMatrikkelen { adresseId adressetekst "
        "eiendom { matrikkelnummer hjemmelshavere { navn } } } } postadresse { "
        'adresseIMatrikkelen { adresseId } } } } } a: enhet(organisasjonsnummer: "310283827") '
        "{ forretningsadresse { adresseIMatrikkelen { adresseId } } } }",
        {},
    ),
    "a unit's versions and their times, now, at an instant, as recorded then": (
        'query($at: DateTime) { a: enhet(organisasjonsnummer: "310911410") { ...H } '
        'b: enhet(organisasjonsnummer: "317848641", gyldighetstidspunkt: "2020-01-01") '
        '{ ...H } c: enhet(organisasjonsnummer: "310911410", ajourholdstidspunkt: $at) '
        '{ ...H } d: eiendom(matrikkelnummer: "4204-97/90") { gyldigFra } } '
        "fragment H on Enhet { gyldigFra gyldigTil registrertFra registrertTil historikk { "
        "navn erSlettet gyldigFra gyldigTil registrertFra registrertTil roller { type { kode } "
        "} underenheter { totalCount } } }",
        {"at": "2030-01-01T00:00:00+01:00"},
    ),
    "units by type, an empty page": (
        "{ eiendommer(filter: {type: grunneiendom}, first: 0) { totalCount edges "
        "{ node { matrikkelnummer } } } }",
        {},
    ),
    "owners followed to Folkeregisteret": (
        '{ eiendom(matrikkelnummer: "4204-97/90") { hjemmelshavere { navn person { '
        "identifikasjonsnummer navn { fornavn etternavn } bostedsadresse { "
        "adresseIdentifikatorFraMatrikkelen } } } } }",
        {},
    ),
    "a person by a former D-nummer answers with the fødselsnummer": (
        f'{{ person(identifikasjonsnummer: "52858925126") {{ {PERSON_FIELDS} }} }}',
        {},
    ),
    "a person with a protected address, a dead person": (
        f'{{ a: person(identifikasjonsnummer: "19906311480") {{ {PERSON_FIELDS} }} '
        f'b: person(identifikasjonsnummer: "06865829386") {{ {PERSON_FIELDS} }} }}',
        {},
    ),
    "a person as of before her marriage and move": (
        '{ person(identifikasjonsnummer: "21867525758", gyldighetstidspunkt: "2000-01-01") '
        f"{{ {PERSON_FIELDS} }} }}",
        {},
    ),
    "units of a kommune merged away (1001 became 4204)": (
        '{ eiendommer(filter: {kommunenummer: "1001", bruksnummer: 90}) { totalCount '
        "edges { node { matrikkelnummer } } } }",
        {},
    ),
}


@pytest.mark.parametrize("query, variables", ANSWERED.values(), ids=ANSWERED.keys())
def test_the_sql_form_answers_as_the_resolvers(both, query, variables):
    fast, resolved = both.ask(query, variables)
    assert fast is not None, "the SQL form declined"
    assert fast == resolved


DECLINED = {
    "a field without an SQL form": (
        '{ eiendom(matrikkelnummer: "4204-97/90") { bygninger { __typename } } }'
    ),
    "a field argument": '{ eiendom(matrikkelnummer: "4204-97/90") { geometri(epsg: 25833) } }',
    "a directive": '{ eiendom(matrikkelnummer: "4204-97/90") { bruksnavn @skip(if: true) } }',
    "a former matrikkelnummer (the resolver follows it)": (
        '{ eiendom(matrikkelnummer: "1001-97/90") { matrikkelnummer } }'
    ),
    "a root field without an SQL form": "{ serverInfo { version } }",
    "a name search (ranked)": '{ enheter(filter: {navn: "Korsvik"}) { totalCount } }',
    "a shape filter": (
        '{ eiendommer(filter: {geometri: {intersects: "POINT(8.05 58.15)"}}) { totalCount } }'
    ),
}


@pytest.mark.parametrize("query", DECLINED.values(), ids=DECLINED.keys())
def test_what_the_sql_form_cannot_answer_goes_to_the_resolvers(both, query):
    fast, _ = both.ask(query)
    assert fast is None


def test_a_filter_the_resolver_refuses_is_left_to_it(both):
    query = "{ enheter(filter: {fraAntallAnsatte: -1}) { totalCount } }"
    fast, resolved = BothPaths.ask(both, query, ALL_SCOPES)
    assert fast is None
    assert [path for path, _ in resolved["codes"]] == ["enheter"]  # the error is its own


@pytest.mark.parametrize(
    "arguments, where",
    [
        ("first: 1001", ""),
        ('after: "x"', "enhet.underenheter"),
        ("first: -1", "enhet.underenheter"),
    ],
)  # a page size past the limits is refused for the whole query, a cursor by the field
def test_a_page_refused_below_the_root_is_left_to_the_resolvers(both, arguments, where):
    query = (
        '{ enhet(organisasjonsnummer: "310911410") { navn '
        f"underenheter({arguments}) {{ totalCount }} }} }}"
    )
    fast, resolved = BothPaths.ask(both, query, ALL_SCOPES)
    assert fast is None
    assert [path for path, _ in resolved["codes"]] == [where]


LEAVES = ["matrikkelnummer", "kommunenummer", "gardsnummer", "bruksnummer", "festenummer",
          "seksjonsnummer", "type", "status", "bruksnavn", "arealM2", "geometri",
          "tidligereMatrikkelnumre", "teiger { arealM2 }", "adresser { adressetekst nummer "
          "bokstav representasjonspunkt }", "adresser { eiendom { matrikkelnummer } }",
          "hjemmelshavere { andel { teller nevner } navn }"]  # fmt: skip


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_selection_of_a_unit_answers_as_the_resolvers(both, units, data):
    unit = data.draw(st.sampled_from(units))
    fields = data.draw(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=6, unique=True))
    aliased = " ".join(f"f{i}: {f}" for i, f in enumerate(fields))
    fast, resolved = both.ask(f'{{ eiendom(matrikkelnummer: "{unit}") {{ {aliased} }} }}')
    assert fast is not None
    assert fast == resolved


PERSON_LEAVES = ["identifikasjonsnummer", "navn { fornavn mellomnavn etternavn }",
                 "foedselsdato", "foedselsaar", "kjoenn", "status",
                 "bostedsadresse { adresseIdentifikatorFraMatrikkelen adressegradering }",
                 "bostedsadresse { vegadresse { adressenummer { husnummer husbokstav } } }",
                 "bostedsadresse { vegadresse { adressekode poststed { postnummer } } }",
                 "oppholdsadresse { vegadresse { adressenavn coAdressenavn } }"]  # fmt: skip


@pytest.fixture(scope="module")
def identifiers(cast_database: Database) -> list[str]:
    with connect(cast_database.app_url) as conn:
        rows = conn.execute(
            "SELECT identifikasjonsnummer FROM folkeregister.identifikator ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_selection_of_a_person_answers_as_the_resolvers(both, identifiers, data):
    number = data.draw(st.sampled_from(identifiers))
    fields = data.draw(
        st.lists(st.sampled_from(PERSON_LEAVES), min_size=1, max_size=5, unique=True)
    )
    aliased = " ".join(f"f{i}: {f}" for i, f in enumerate(fields))
    fast, resolved = both.ask(f'{{ person(identifikasjonsnummer: "{number}") {{ {aliased} }} }}')
    assert fast is not None
    assert fast == resolved


def test_over_http_the_sql_form_answers_and_errors_still_come_from_the_resolvers(
    cast_database,
):
    with LiveServer(create_app(cast_database.app_url)) as base:
        answered = httpx.post(
            f"{base}/graphql",
            json={"query": '{ eiendom(matrikkelnummer: "4204-97/90") { matrikkelnummer } }'},
            headers={"X-Request-Id": "sql-1"},
        )
        refused = httpx.post(
            f"{base}/graphql", json={"query": '{ eiendom(matrikkelnummer: "97/90") { type } }'}
        )
        broken = httpx.post(
            f"{base}/graphql",
            content=b'{"query": "{ eiendom(',
            headers={"content-type": "application/json"},
        )
    assert answered.status_code == 200
    assert answered.headers["x-request-id"] == "sql-1"
    assert answered.json() == {"data": {"eiendom": {"matrikkelnummer": "4204-97/90/0/0"}}}
    assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_IDENTIFIER"
    assert broken.status_code == 400


def test_a_unit_with_more_fields_than_one_json_build_object_takes_answers_as_the_resolvers(both):
    """Every field of Enhet (more than json_build_object's 100 arguments hold): the object
    is built in parts and joined, keys in order and the lookup-log mark still last."""
    from grunndata.graphql.sql.compiler import MAX_JSON_KEYS
    from tests.enhetsregister.test_roundtrip import selection

    every = selection()
    assert len(parse(f"{{ {every} }}").definitions[0].selection_set.selections) > MAX_JSON_KEYS
    for query in (
        f"{{ enheter(first: 30) {{ edges {{ node {{ {every} }} }} }} }}",
        f"{{ enheter(first: 5) {{ edges {{ node {{ {every} "
        "roller { type { kode } innehaver { person { navn { fornavn } } } } } } } }",
    ):
        fast, resolved = both.ask(query)
        assert fast is not None, "the SQL form declined"
        assert fast == resolved
