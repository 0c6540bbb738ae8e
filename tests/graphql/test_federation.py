"""Each register as a Federation v2 subgraph; all of them behind a real Hive Gateway answer
as the single process does."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from hypothesis import given
from hypothesis import strategies as st

from grunndata.db.database import Database
from grunndata.graphql.context import Context
from grunndata.graphql.federation.build import (
    ALL_SUBGRAPHS,
    SUBGRAPH_NAMES,
    build_subgraph_schema,
)
from grunndata.graphql.federation.keys import EntityKey, parse_representation
from grunndata.graphql.schema import build_schema
from grunndata.graphql.tid import Tidspunkt
from grunndata.registers import REGISTERS, Register
from grunndata.server import EXAMPLE_QUERY, create_app
from tests.conftest import CAST_DIR, LiveServer, test_token
from tests.gateway import NEEDS_NODE, Federated, OneGateway
from tests.lenker.test_adressekode import (  # noqa: F401  (kode_database: a fixture)
    FOREALDRET_ID,
    TYRIHANSVEIEN_38,
    TYRIHANSVEIEN_40,
    UTEN_ID,
    kode_database,
)
from tests.lenker.test_n_plus_one import GARDSNUMMER, Statements, many_owned  # noqa: F401
from tests.lenker.test_n_plus_one import QUERY as N_PLUS_ONE_QUERY
from tests.test_cli import cli
from tests.test_readme import QUERIES as README_QUERIES


def post(
    url: str,
    query: str,
    headers: dict[str, str] | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body = {"query": query, "variables": variables or {}}
    response = httpx.post(f"{url}/graphql", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


# -- the subgraph schemas -----------------------------------------------------------------


def test_each_subgraph_declares_its_entity_keys_and_only_its_own_root_fields():
    sdl = {name: build_subgraph_schema(name).as_str() for name in SUBGRAPH_NAMES}
    assert (
        'type Person @key(fields: "identifikasjonsnummer", resolvable: true)'
        in sdl["folkeregister"]
    )
    assert (
        'type Enhet @key(fields: "organisasjonsnummer", resolvable: true)' in sdl["enhetsregister"]
    )
    assert 'type Eiendom @key(fields: "matrikkelnummer", resolvable: true)' in sdl["matrikkel"]
    assert '@key(fields: "adresseId", resolvable: true)' in sdl["matrikkel"]
    assert "  person(" in sdl["folkeregister"] and "  person(" not in sdl["matrikkel"]
    assert "  enhet(" not in sdl["folkeregister"]
    # Enhetsregisteret reaches Person by key only: a stub with the key field and what
    # Enhetsregisteret itself adds to persons, nothing of Folkeregisteret's.
    person_stub = sdl["enhetsregister"].split("type Person @key(")[1].split("\n}")[0]
    assert "  identifikasjonsnummer: ID!" in person_stub
    assert "navn" not in person_stub and "bostedsadresse" not in person_stub
    assert all("hendelser(" not in text for text in sdl.values())


def test_the_feed_is_a_subgraph_of_its_own_linking_to_entities_by_reference():
    """``felles`` (the engine's, no register's) serves the change feed; an event's links
    are references (their primary key, not resolvable there) to each entity type the
    registers' events name."""
    sdl = build_subgraph_schema("felles").as_str()
    assert "  hendelser(" in sdl and "  sisteHendelse:" in sdl and "type Subscription {" in sdl
    assert "  person(" not in sdl and "  eiendom(" not in sdl and "  enhet(" not in sdl
    for type_name, key in (("Person", "identifikasjonsnummer"), ("Eiendom", "matrikkelnummer"),
                           ("Adresse", "adresseId"), ("Enhet", "organisasjonsnummer")):  # fmt: skip
        stub = sdl.split(f"type {type_name} @key(")[1].split("\n}")[0]
        assert stub == f'fields: "{key}", resolvable: false) {{\n  {key}: ID!'
        field = type_name[0].lower() + type_name[1:]
        assert f"  {field}: {type_name}\n" in sdl.split("type Hendelse {")[1]


def test_folkeregister_names_addresses_by_its_key_and_requires_the_rest():
    """The Freg stub of ``Adresse``: the Folkeregister key (so a reference can be made
    without a Matrikkel id) and ``beboere`` requiring the address's id and kode from
    Matrikkelen; only ``folkeregisternoekkel`` is answered from the reference."""
    sdl = build_subgraph_schema("folkeregister").as_str()
    stub = sdl.split("type Adresse @key(")[1].split("\n}")[0]
    assert stub.startswith('fields: "folkeregisternoekkel", resolvable: true)')
    assert '@requires(fields: "adresseId kommunenummer adressekode nummer bokstav' in stub
    assert "  adresseId: ID! @external" in stub and "  kommunenummer: String! @external" in stub
    assert "  folkeregisternoekkel: ID!\n" in stub
    assert '@key(fields: "folkeregisternoekkel"' in build_subgraph_schema("matrikkel").as_str()
    single = build_schema().as_str()
    assert "  folkeregisternoekkel: ID!" in single and "@requires" not in single


def test_building_subgraphs_leaves_the_single_process_schema_as_it_was():
    before = build_schema().as_str()
    first = {name: build_subgraph_schema(name).as_str() for name in SUBGRAPH_NAMES}
    again = {name: build_subgraph_schema(name).as_str() for name in reversed(SUBGRAPH_NAMES)}
    assert again == first  # no build leaves anything behind for the next
    after = build_schema().as_str()
    assert after == before
    assert "@key" not in after and "_entities" not in after and "_service" not in after


def test_shared_machinery_types_are_shareable_in_every_subgraph():
    sdl = {name: build_subgraph_schema(name).as_str() for name in ALL_SUBGRAPHS}
    for name in ("matrikkel", "enhetsregister"):
        assert "type PageInfo @shareable" in sdl[name]
    for name, text in sdl.items():
        assert text.count("type PageInfo") == text.count("type PageInfo @shareable"), name


@NEEDS_NODE
def test_supergraph_composes_every_subgraph(tmp_path: Path):
    out = tmp_path / "supergraph.graphql"
    url = "http://matrikkel.internal:8000/graphql"
    result = cli("supergraph", "--out", str(out), "--subgraph-url", f"matrikkel={url}")
    assert result.returncode == 0, result.stderr
    sdl = out.read_text()
    assert {"folkeregister", "matrikkel", "enhetsregister", "felles"} <= set(ALL_SUBGRAPHS)
    for graph in ALL_SUBGRAPHS:
        assert f"{graph.upper()} @join__graph(" in sdl, graph
    assert f'MATRIKKEL @join__graph(name: "matrikkel", url: "{url}")' in sdl
    assert '"http://127.0.0.1:4001/graphql"' in sdl  # the default for folkeregister
    assert 'type Person @join__type(graph: ENHETSREGISTER, key: "identifikasjonsnummer"' in sdl


def test_bad_subgraph_arguments_get_one_clear_sentence():
    bad_url = cli("supergraph", "--subgraph-url", "matrikkel")
    assert bad_url.returncode == 1
    assert "--subgraph-url 'matrikkel': expected NAME=http(s)://..." in bad_url.stderr
    bad_name = cli("serve", "--subgraph", "tinglysing")
    assert bad_name.returncode == 2
    assert "--subgraph 'tinglysing': choose one of folkeregister, matrikkel, " in bad_name.stderr
    bad_schema = cli("schema", "--subgraph", "tinglysing")
    assert bad_schema.returncode == 2
    assert "no subgraph 'tinglysing'; choose one of folkeregister, " in bad_schema.stderr
    for result in (bad_url, bad_name, bad_schema):
        assert "Traceback" not in result.stdout + result.stderr


def test_schema_prints_a_subgraphs_sdl():
    result = cli("schema", "--subgraph", "matrikkel")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == build_subgraph_schema("matrikkel").as_str().strip()


# -- representations ----------------------------------------------------------------------

KEYS = {
    "Person": [EntityKey.of("Person")],
    "Adresse": [EntityKey.of("Adresse"), EntityKey.of("Adresse:kommunenummer adressekode")],
}


def test_a_representation_names_its_key_and_value():
    rep = {"__typename": "Person", "identifikasjonsnummer": "21867525758"}
    key, value = parse_representation(rep, KEYS, 0)
    assert (key.entity_name, value) == ("Person", "21867525758")
    rep = {"__typename": "Adresse", "kommunenummer": "4204", "adressekode": 18981}
    key, value = parse_representation(rep, KEYS, 3)
    assert (key.entity_name, value) == ("Adresse:kommunenummer adressekode", ("4204", 18981))


@pytest.mark.parametrize(
    ("representation", "reason"),
    [
        ("Person", "representations[2]: expected an object"),
        ({"identifikasjonsnummer": "1"}, "__typename None is not an entity of this subgraph"),
        ({"__typename": "Enhet", "organisasjonsnummer": "1"}, "'Enhet' is not an entity"),
        ({"__typename": "Person"}, 'Person needs the key fields "identifikasjonsnummer"'),
        ({"__typename": "Person", "identifikasjonsnummer": None}, "identifikasjonsnummer is req"),
        ({"__typename": "Person", "identifikasjonsnummer": 7}, "must be a string"),
        (
            {"__typename": "Adresse", "kommunenummer": "4204", "adressekode": "x"},
            "Adresse.adressekode must be an integer",
        ),
    ],
)
def test_a_malformed_representation_is_refused_with_the_reason(representation, reason):
    with pytest.raises(Exception, match="representations") as raised:
        parse_representation(representation, KEYS, 2)
    assert reason in str(raised.value)
    assert getattr(raised.value, "code", None) == "INVALID_ARGUMENT"


VALUES = st.one_of(st.none(), st.text(), st.integers())


@given(st.one_of(VALUES, st.lists(st.text()), st.dictionaries(st.text(), VALUES)))
def test_any_representation_is_a_key_or_a_clear_refusal(representation):
    try:
        key, value = parse_representation(representation, KEYS, 0)
    except Exception as error:
        assert getattr(error, "code", None) == "INVALID_ARGUMENT"
        assert str(error).startswith("representations[0]: ")
    else:
        assert representation["__typename"] == key.type_name
        assert value == key.key_value(representation)


@strawberry.type(name="Adresse")
class FakeAdresse:
    adresse_id: strawberry.ID
    kommunenummer: str
    adressekode: int | None
    nummer: int | None
    bokstav: str | None


@strawberry.type
class FakeQuery:
    @strawberry.field
    def adresse(self) -> FakeAdresse | None:
        return None


UNKNOWN, KODE = "20", "kommunenummer adressekode nummer bokstav"


def test_entities_are_loaded_in_one_batch_per_type_and_key_kind_in_the_callers_order():
    calls: list[tuple[str, list[Any]]] = []

    def batch(kind: str) -> Any:
        async def load(context: Context, tid: Tidspunkt, keys: list[Any]) -> list[Any]:
            calls.append((kind, keys))
            return [None if k == UNKNOWN else _fake(k) for k in keys]

        return load

    register = Register(
        name="fake", title="Fake", db_schema="fake", query=FakeQuery,
        entities={"Adresse": batch("id"), f"Adresse:{KODE}": batch("kode")},
    )  # fmt: skip
    schema = build_subgraph_schema("fake", [register])
    kode = {"kommunenummer": "4204", "adressekode": 18981, "nummer": 38, "bokstav": None}
    representations = [
        {"__typename": "Adresse", "adresseId": "1"},
        {"__typename": "Adresse", **kode},
        {"__typename": "Adresse", "adresseId": UNKNOWN},
        {"__typename": "Adresse", "adresseId": 3},  # malformed: not a string
        {"__typename": "Adresse", "adresseId": "4"},
    ]
    context = Context(pool=None, request_id="t", entities=schema.entity_batches)  # type: ignore[arg-type]
    result = asyncio.run(
        schema.execute(
            "query ($r: [_Any!]!) { _entities(representations: $r) "
            "{ ... on Adresse { adresseId } } }",
            variable_values={"r": representations},
            context_value=context,
        )
    )
    assert result.data == {
        "_entities": [{"adresseId": "1"}, {"adresseId": "kode"}, None, None, {"adresseId": "4"}]
    }
    assert sorted(calls) == [("id", ["1", "20", "4"]), ("kode", [("4204", 18981, 38, None)])]
    [error] = result.errors or []
    assert error.path == ["_entities", 3]
    assert "representations[3]: Adresse.adresseId must be a string" in error.message


def _fake(key: Any) -> FakeAdresse:
    number = key if isinstance(key, str) else "kode"
    return FakeAdresse(
        adresse_id=strawberry.ID(number), kommunenummer="4204", adressekode=None, nummer=None,
        bokstav=None,
    )  # fmt: skip


# -- _entities over HTTP ------------------------------------------------------------------

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Person { identifikasjonsnummer navn { fornavn etternavn } }
  }
}
"""


def test_entities_batch_of_known_unknown_and_malformed_keys(cast_database: Database):
    representations = [
        {"__typename": "Person", "identifikasjonsnummer": "21867525758"},
        {"__typename": "Person", "identifikasjonsnummer": "01010100000"},  # no such person
        {"__typename": "Person", "identifikasjonsnummer": "52858925126"},  # a former D-nummer
        {"__typename": "Person"},
    ]
    app = create_app(cast_database.app_url, schema=build_subgraph_schema("folkeregister"))
    with LiveServer(app) as base:
        response = httpx.post(
            f"{base}/graphql",
            json={"query": ENTITIES, "variables": {"representations": representations}},
            timeout=30,
        ).json()
    found = response["data"]["_entities"]
    assert found[0] == {
        "__typename": "Person",
        "identifikasjonsnummer": "21867525758",
        "navn": {"fornavn": "CAMILLA", "etternavn": "STRAND"},
    }
    assert found[1] is None
    assert found[2]["identifikasjonsnummer"] == "12858938404"
    assert found[3] is None
    [error] = response["errors"]
    assert error["path"] == ["_entities", 3]
    assert error["extensions"]["code"] == "INVALID_ARGUMENT"
    assert "needs the key fields" in error["message"]


def links_sample(register: Register) -> tuple[str, list[dict[str, Any]], str]:
    """``tests/<register>/samples/links.json``: a query through the register's links to
    other registers' entities, and the representations the gateway would send for the
    fields it adds to them with a selection of those fields."""
    path = Path(__file__).parents[1] / register.name / "samples" / "links.json"
    sample = json.loads(path.read_text())
    return sample["query"], sample["representations"], sample["selection"]


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_a_subgraph_reads_only_its_own_registers_tables(
    cast_database: Database, monkeypatch: pytest.MonkeyPatch, register: Register
):
    """Another register's entity is a reference (its key) the owner resolves; the fields a
    subgraph adds to it read only its own tables."""
    name = register.name
    query, representations, selection = links_sample(register)
    entities = f"""query ($r: [_Any!]!) {{ _entities(representations: $r) {{ {selection} }} }}"""
    statements = Statements()
    app = create_app(cast_database.app_url, schema=build_subgraph_schema(name))
    with LiveServer(app) as base:
        post(base, "{ __typename }")
        statements.install(monkeypatch)
        links = post(base, query)
        added = post(base, entities, variables={"r": representations})
    assert "errors" not in links and "errors" not in added
    assert all(entity for entity in added["data"]["_entities"]), added
    others = [r.db_schema for r in REGISTERS if r.name != name]
    read = " ".join(statements.sent)
    assert statements.sent and not [schema for schema in others if f"{schema}." in read]
    assert f"{register.db_schema}." in read
    if name == "enhetsregister":
        holders = [r["innehaver"]["person"] for r in links["data"]["enhet"]["roller"]]
        assert {"__typename": "Person", "identifikasjonsnummer": "14834806046"} in holders


# -- through a real gateway ---------------------------------------------------------------


@pytest.fixture
def federated(cast_database: Database, one_gateway: OneGateway) -> Iterator[Federated]:
    """Every subgraph and the single process on the test cast (tests/data/cast), and
    Hive Gateway serving the composed supergraph, all on loopback."""
    with one_gateway.serving(cast_database) as running:
        yield running


@pytest.fixture
def federated_demo(demo_database: Database, one_gateway: OneGateway) -> Iterator[Federated]:
    """The same on the demo data (what the README's queries ask about)."""
    with one_gateway.serving(demo_database) as running:
        yield running


#: Queries whose answers must be the same through the gateway and from the single process.
SAME_ANSWERS = {
    "person with family and home": """{
      person(identifikasjonsnummer: "21867525758") {
        identifikasjonsnummer navn { fornavn etternavn }
        bostedsadresse { adresseIdentifikatorFraMatrikkelen
          vegadresse { adressenavn adressenummer { husnummer husbokstav } } }
        sivilstand { sivilstand ektefelleEllerPartner { navn { fornavn } } }
        barn { identifikasjonsnummer foedselsdato }
        foreldre { navn { fornavn } }
      }
    }""",
    "a person as of an instant": """{
      person(identifikasjonsnummer: "21867525758", gyldighetstidspunkt: "2000-01-01") {
        navn { etternavn } bostedsadresse { vegadresse { adressenavn } }
      }
    }""",
    "address search with its property and owners": """{
      adresser(sok: "Vardåsveien 110 B", first: 1) {
        totalCount
        edges { node { adresseId adressetekst representasjonspunkt
          eiendom { matrikkelnummer arealM2 hjemmelshavere { navn identifikasjonsnummer
            organisasjonsnummer andel { teller nevner } } } } }
      }
    }""",
    "a unit's board, followed into Folkeregisteret": """{
      enhet(organisasjonsnummer: "310911410") {
        navn
        roller { type { kode } innehaver { navn organisasjonsnummer
          person { identifikasjonsnummer navn { fornavn etternavn }
            bostedsadresse { vegadresse { adressenavn adressenummer { husnummer } } } }
          enhet { navn } } }
      }
    }""",
    "units with their roles' persons, listed": """{
      enheter(first: 5) { edges { node { organisasjonsnummer navn
        roller { innehaver { person { identifikasjonsnummer foedselsdato } } } } } }
    }""",
    "an unknown key and a bad identifier": """{
      person(identifikasjonsnummer: "01010100000") { navn { fornavn } }
      enhet(organisasjonsnummer: "123") { navn }
    }""",
}


#: The cross-register links (issue 6 §1), each answered by the register owning its data.
SAME_ANSWERS.update({
    "a person to home, its property, its owners and residents": """{
      person(identifikasjonsnummer: "14834806046") {
        navn { fornavn }
        bostedsadresse { adresseIMatrikkelen { adresseId adressetekst postnummer
          beboere { identifikasjonsnummer navn { fornavn } }
          enheter { organisasjonsnummer navn }
          eiendom { matrikkelnummer arealM2
            hjemmelshavere { andel { teller nevner }
              person { identifikasjonsnummer navn { etternavn } }
              enhet { organisasjonsnummer navn } } } } }
        eiendommer { matrikkelnummer bruksnavn }
        roller { type { kode } enhet { organisasjonsnummer navn } }
      }
    }""",
    "a company to its board and their homes": """{
      enhet(organisasjonsnummer: "310911410") {
        navn
        forretningsadresse { adresse adresseIMatrikkelen { adresseId adressetekst } }
        beliggenhetsadresse { adresseIMatrikkelen { adresseId } }
        eiendommer { matrikkelnummer }
        roller { type { kode } innehaver { person {
          navn { fornavn etternavn }
          bostedsadresse { adresseIMatrikkelen { adressetekst eiendom { matrikkelnummer } } }
          roller { type { kode } enhet { organisasjonsnummer } } } } }
      }
    }""",
    "a unit's properties and their owner units": """{
      enhet(organisasjonsnummer: "315761697") {
        eiendommer { matrikkelnummer
          hjemmelshavere { enhet { organisasjonsnummer navn
            roller { innehaver { person { identifikasjonsnummer } } } } } }
      }
    }""",
    "every role holder and owner, by key into the other registers": """{
      enheter(first: 100) { edges { node { roller { innehaver { foedselsnummer
        organisasjonsnummer person { identifikasjonsnummer navn { fornavn } }
        enhet { organisasjonsnummer } } } } } }
      eiendommer(first: 100) { edges { node { hjemmelshavere { identifikasjonsnummer
        organisasjonsnummer person { identifikasjonsnummer navn { fornavn } }
        enhet { organisasjonsnummer navn } } } } }
    }""",
    "links at an instant": """{
      adresse(adresseId: "219136687") {
        naa: beboere { identifikasjonsnummer }
        da: beboere(gyldighetstidspunkt: "1999-06-01T12:00:00") { identifikasjonsnummer
          eiendommer(gyldighetstidspunkt: "1999-06-01T12:00:00") { matrikkelnummer } }
      }
    }""",
    "a list of properties with owners, homes and roles": """{
      eiendommer(first: 20) { edges { node { matrikkelnummer
        adresser { adresseId beboere { identifikasjonsnummer } enheter { organisasjonsnummer } }
        hjemmelshavere { person { identifikasjonsnummer
            bostedsadresse { adresseIMatrikkelen { adresseId } }
            roller { enhet { organisasjonsnummer navn } } }
          enhet { organisasjonsnummer eiendommer { matrikkelnummer } } } } } }
    }""",
})  # fmt: skip


@pytest.mark.parametrize("name", list(SAME_ANSWERS))
def test_the_gateway_answers_as_the_single_process(federated: Federated, name: str):
    query = SAME_ANSWERS[name]
    through_gateway = post(federated.gateway, query)
    single = post(federated.single, query)
    assert through_gateway["data"] == single["data"]
    assert _codes(through_gateway) == _codes(single)
    assert single["data"] is not None


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_every_entity_resolves_by_key_through_the_gateway(federated: Federated, register):
    """The conformance suite's gateway part (tests/test_conformance.py): the supergraph the
    gateway serves routes each entity key the register declares to its subgraph, and that
    subgraph, as the gateway reaches it, resolves the register's sample of each key
    (tests/<register>/samples/entities.json) to the entity, by ``_entities`` as the gateway
    asks it (the gateway itself exposes no ``_entities``)."""
    samples = json.loads(
        (Path(__file__).parents[1] / register.name / "samples" / "entities.json").read_text()
    )
    assert sorted(samples) == sorted(register.entities)
    graph = register.name.upper()
    for entity_name, representation in samples.items():
        key = EntityKey.of(entity_name)
        definition = re.search(rf"\ntype {key.type_name}\b[^{{]*", federated.supergraph)
        assert definition is not None, key.type_name
        joined = f'@join__type(graph: {graph}, key: "{key.selection}"'
        assert joined in definition.group(0), (entity_name, definition.group(0))
        answer = post(
            federated.subgraphs[register.name],
            "query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
            variables={"r": [representation]},
        )
        assert answer.get("errors") is None, (entity_name, answer)
        assert answer["data"]["_entities"] == [{"__typename": key.type_name}], entity_name


#: The README's queries and GraphiQL's opening example, but ``serverInfo`` (the single
#: process's own).
DOCUMENTED = [q for q in (*README_QUERIES, EXAMPLE_QUERY) if "serverInfo" not in q]


@pytest.mark.parametrize("query", DOCUMENTED)
def test_the_documented_queries_answer_the_same_through_the_gateway(
    federated_demo: Federated, query: str
):
    through_gateway = post(federated_demo.gateway, query)
    assert through_gateway == post(federated_demo.single, query)
    assert "errors" not in through_gateway


#: The queries that name no identifier, which also run on the (generated) demo data.
WHOLE_DATA = [
    "units with their roles' persons, listed",
    "every role holder and owner, by key into the other registers",
    "a list of properties with owners, homes and roles",
]


@pytest.mark.parametrize("name", WHOLE_DATA)
def test_the_gateway_answers_as_the_single_process_on_the_demo(
    federated_demo: Federated, name: str
):
    query = SAME_ANSWERS[name]
    through_gateway = post(federated_demo.gateway, query)
    assert through_gateway == post(federated_demo.single, query)
    assert "errors" not in through_gateway


def _codes(response: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    return sorted(
        (e.get("extensions", {}).get("code"), tuple(e.get("path") or ()))
        for e in response.get("errors", [])
    )


def test_the_gateway_forwards_the_callers_headers(federated: Federated):
    """Authorization, X-Request-Id and Behandlingsgrunnlag reach every subgraph the
    query needs."""
    federated.seen.clear()
    headers = {
        "Authorization": f"Bearer {test_token()}",  # subgraphs verify it (a fake gets 401)
        "X-Request-Id": "fed-test-1",
        "Behandlingsgrunnlag": "GDPR art. 6(1)(e)",
    }
    query = SAME_ANSWERS["a unit's board, followed into Folkeregisteret"]
    assert post(federated.gateway, query, headers=headers)["data"]["enhet"] is not None
    wanted = {k.lower(): v for k, v in headers.items()}
    assert {name for name, _ in federated.seen} == {"enhetsregister", "folkeregister"}
    for _, got in federated.seen:
        assert {k: got.get(k) for k in wanted} == wanted


def test_a_reference_its_owner_cannot_resolve(fresh_database: Database, one_gateway: OneGateway):
    """The known difference (docs/federation.md): with no person in Folkeregisteret and no
    address in Matrikkelen, a role holder's person is null in the single process; through
    the gateway it is the reference (its key) with null in every field Folkeregisteret
    answers."""
    from grunndata.cli import formats
    from grunndata.loaders.run import run

    outcome = run([CAST_DIR / "enhetsregister"], formats=formats(), database=fresh_database)
    assert outcome.exit_code == 0, outcome
    query = """{ enhet(organisasjonsnummer: "310911410") { roller { innehaver {
        foedselsnummer person { identifikasjonsnummer navn { fornavn } } } } } }"""
    address = """{ enhet(organisasjonsnummer: "310911410") {
        forretningsadresse { adresseIMatrikkelen { adresseId adressetekst } } } }"""
    with one_gateway.serving(fresh_database, keep=False) as running:
        single = post(running.single, query)
        through_gateway = post(running.gateway, query)
        address_answers = [post(base, address) for base in (running.single, running.gateway)]
    assert "errors" not in single and "errors" not in through_gateway
    holders = [r["innehaver"] for r in single["data"]["enhet"]["roller"]]
    assert {h["foedselsnummer"] for h in holders} > {None}
    assert all(h["person"] is None for h in holders)
    for holder in (r["innehaver"] for r in through_gateway["data"]["enhet"]["roller"]):
        number = holder["foedselsnummer"]
        expected = None if number is None else {"identifikasjonsnummer": number, "navn": None}
        assert holder["person"] == expected
    # No address in Matrikkelen: null either way, never a wrong address; the gateway adds
    # an error for the non-null fields it could not fill.
    nothing = {"enhet": {"forretningsadresse": {"adresseIMatrikkelen": None}}}
    assert [answer["data"] for answer in address_answers] == [nothing, nothing]
    assert "errors" not in address_answers[0]
    assert "Cannot return null for non-nullable field Adresse." in str(address_answers[1])


#: A Freg address without (or with a stale) Matrikkel id, from both sides.
BY_KODE = """query ($uten: ID!, $gammel: ID!, $adresse: ID!) {
  uten: person(identifikasjonsnummer: $uten) { bostedsadresse {
    adresseIdentifikatorFraMatrikkelen
    adresseIMatrikkelen { adresseId adressetekst beboere { identifikasjonsnummer } } } }
  gammel: person(identifikasjonsnummer: $gammel) { bostedsadresse {
    adresseIMatrikkelen { adresseId eiendom { matrikkelnummer } } } }
  adresse(adresseId: $adresse) { adresseId beboere { identifikasjonsnummer
    bostedsadresse { adresseIMatrikkelen { adresseId } } } }
}"""


def test_an_address_found_by_kode_is_the_same_through_the_gateway(
    kode_database: Database,  # noqa: F811
    one_gateway: OneGateway,
):
    variables = {"uten": UTEN_ID, "gammel": FOREALDRET_ID, "adresse": TYRIHANSVEIEN_38}
    with one_gateway.serving(kode_database, keep=False) as running:
        single = post(running.single, BY_KODE, variables=variables)
        through_gateway = post(running.gateway, BY_KODE, variables=variables)
    assert "errors" not in single and "errors" not in through_gateway, through_gateway
    assert through_gateway["data"] == single["data"]
    data = single["data"]
    home = data["uten"]["bostedsadresse"]
    assert home["adresseIdentifikatorFraMatrikkelen"] is None
    assert home["adresseIMatrikkelen"]["adresseId"] == TYRIHANSVEIEN_38
    assert UTEN_ID in [p["identifikasjonsnummer"] for p in home["adresseIMatrikkelen"]["beboere"]]
    stale = data["gammel"]["bostedsadresse"]["adresseIMatrikkelen"]
    assert stale["adresseId"] == TYRIHANSVEIEN_40
    residents = data["adresse"]["beboere"]
    assert UTEN_ID in [p["identifikasjonsnummer"] for p in residents]
    for resident in residents:
        own = resident["bostedsadresse"]["adresseIMatrikkelen"]
        assert own == {"adresseId": TYRIHANSVEIEN_38}


def test_through_the_gateway_ten_and_a_hundred_eiendommer_cost_the_same_statements(
    many_owned: Database,  # noqa: F811  (the fixture of tests/lenker/test_n_plus_one.py)
    one_gateway: OneGateway,
    monkeypatch: pytest.MonkeyPatch,
):
    """§4 through the gateway: the subgraphs resolve each level's references in batches
    (one ``_entities`` request per subgraph and level, one statement per type and key
    kind), so listing 10 or 100 eiendommer with owners → person → home, roles → unit costs
    the same statements, and answers as the single process does."""
    statements = Statements()
    with one_gateway.serving(many_owned, keep=False) as running:
        variables = {"gardsnummer": GARDSNUMMER, "first": 1}
        post(running.gateway, N_PLUS_ONE_QUERY, variables=variables)  # warm-up: connections
        statements.install(monkeypatch)
        counts = {}
        for first in (10, 100):
            variables["first"] = first
            statements.sent.clear()
            answer = post(running.gateway, N_PLUS_ONE_QUERY, variables=variables)
            counts[first] = len(statements.sent)
            assert "errors" not in answer
            assert answer == post(running.single, N_PLUS_ONE_QUERY, variables=variables)
    assert len(answer["data"]["eiendommer"]["edges"]) == 100
    # 10 reads, and one lookup-log INSERT from each subgraph request that shows persons
    # (Matrikkelen's owners and Enhetsregisteret's roles of persons by their key, too).
    assert counts[10] == counts[100] <= 14, (counts, statements.sent)


#: Links to another register's entity the owner does not know, each asking a non-null field
#: of it: a Freg home and a Brønnøysund address with no address in Matrikkelen.
UNKNOWN_TO_THE_OWNER = """{
  person(identifikasjonsnummer: "21867525758") {
    bostedsadresse { adresseIMatrikkelen { adresseId } } }
  enhet(organisasjonsnummer: "310911410") {
    forretningsadresse { adresseIMatrikkelen { adresseId } }
    roller { innehaver { person { identifikasjonsnummer } } } }
}"""


@pytest.mark.xfail(
    strict=True,
    reason="a reference its owner cannot resolve: Hive Gateway nulls its fields and adds "
    "'Cannot return null for non-nullable field' (docs/federation.md, Known differences)",
)
def test_a_link_the_owner_cannot_resolve_is_null_as_in_the_single_process(
    fresh_database: Database, one_gateway: OneGateway
):
    """Folkeregisteret and Enhetsregisteret without Matrikkelen: every
    ``adresseIMatrikkelen`` is null, with no error, through the gateway as in the single
    process."""
    from grunndata.cli import formats
    from grunndata.loaders.run import run

    paths = [CAST_DIR / "folkeregister", CAST_DIR / "enhetsregister"]
    outcome = run(paths, formats=formats(), database=fresh_database)
    assert outcome.exit_code == 0, outcome
    with one_gateway.serving(fresh_database, keep=False) as running:
        single = post(running.single, UNKNOWN_TO_THE_OWNER)
        through_gateway = post(running.gateway, UNKNOWN_TO_THE_OWNER)
    assert "errors" not in single, single
    assert single["data"]["person"]["bostedsadresse"] == {"adresseIMatrikkelen": None}
    assert single["data"]["enhet"]["forretningsadresse"] == {"adresseIMatrikkelen": None}
    assert through_gateway == single
