"""Hardening (issue 7 §5): limits on depth, aliases, tokens, cost and page size; the
persisted-query allow-list; introspection and GraphiQL off unless enabled; body size;
rate limits; statement timeout. Each refusal has a stable code and names its limit."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
from graphql import parse
from hypothesis import given
from hypothesis import strategies as st

from grunndata.config import SecuritySettings, Settings
from grunndata.graphql import limits
from grunndata.graphql.limits import sha256
from grunndata.server import create_app
from tests.access.conftest import OPEN_PERSON, ask, codes
from tests.conftest import LiveServer, test_token
from tests.sqlforms import SCHEMA


def refusal(body: dict) -> dict:
    (error,) = body["errors"]
    assert body["data"] is None
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    return error


def nested(steps: int) -> str:
    """Spouse of spouse of ...: two levels a step, no lists (so cheap)."""
    inner = "identifikasjonsnummer"
    for _ in range(steps):
        inner = f"sivilstand {{ ektefelleEllerPartner {{ {inner} }} }}"
    return f'{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ {inner} }} }}'


def test_a_deep_query_is_refused_naming_the_depth_limit(server):
    assert "errors" not in ask(server, nested(6), test_token()).json()  # depth 14
    error = refusal(ask(server, nested(8), test_token()).json())  # depth 18
    assert error["extensions"]["limit"] == "maxDepth"
    assert error["extensions"]["maximum"] == 15
    assert "maxDepth" in error["message"]


def test_fragments_count_towards_depth(server):
    inner = "navn { fornavn }"
    for _ in range(8):
        inner = f"sivilstand {{ ektefelleEllerPartner {{ {inner} }} }}"
    query = f"fragment F on Person {{ {inner} }} "
    query += f'{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ ...F }} }}'
    assert refusal(ask(server, query, test_token()).json())["extensions"]["limit"] == "maxDepth"


def test_too_many_aliases_are_refused(server):
    query = "{ " + " ".join(f"a{i}: serverInfo {{ version }}" for i in range(31)) + " }"
    error = refusal(ask(server, query).json())
    assert error["extensions"]["limit"] == "maxAliases"


def test_too_many_tokens_are_refused(server):
    query = "{ serverInfo { " + " ".join(["version"] * 6000) + " } }"
    (error,) = ask(server, query).json()["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "tokens" in error["message"]


@pytest.mark.parametrize(
    "query",
    [
        "{ adresser(first: 1001) { totalCount } }",
        "query($n: Int) { enheter(first: $n) { totalCount } }",
    ],
)
def test_a_page_over_1000_is_refused(server, query):
    response = httpx.post(f"{server}/graphql", json={"query": query, "variables": {"n": 5000}})
    error = refusal(response.json())
    assert error["extensions"]["limit"] == "maxFirst"
    assert error["extensions"]["maximum"] == 1000


def test_an_expensive_query_is_refused_by_its_cost(server):
    query = """{ eiendommer(first: 1000) { edges { node {
      adresser { eiendom { adresser { eiendom { hjemmelshavere { navn } } } } } } } } }"""
    error = refusal(ask(server, query).json())
    assert error["extensions"]["limit"] == "maxCost"
    assert error["extensions"]["actual"] > error["extensions"]["maximum"]


def test_introspection_is_off_unless_enabled(server, access_database):
    query = "{ __schema { queryType { name } } }"
    body = ask(server, query).json()
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection has been disabled" in body["errors"][0]["message"]
    assert httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}).status_code == 404
    with LiveServer(create_app(access_database.app_url, dev=True), token=None) as base:
        assert ask(base, query).json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()


def settings(**changes: object) -> SecuritySettings:
    return replace(Settings.from_env().security, **changes)  # type: ignore[arg-type]


def test_only_persisted_queries_run_in_allow_list_mode(access_database, tmp_path):
    allowed = '{ enhet(organisasjonsnummer: "310911410") { navn } }'
    listing = tmp_path / "persisted.json"
    listing.write_text(json.dumps({sha256(allowed): allowed}), encoding="utf-8")
    app = create_app(access_database.app_url, security=settings(persisted_queries=listing))
    with LiveServer(app, token=None) as base:
        assert ask(base, allowed).json() == {"data": {"enhet": {"navn": "KORSVIK BYGG AS"}}}
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256(allowed)}}
        by_hash = httpx.post(f"{base}/graphql", json={"extensions": persisted})
        assert by_hash.json() == {"data": {"enhet": {"navn": "KORSVIK BYGG AS"}}}
        by_id = httpx.post(f"{base}/graphql", json={"documentId": f"sha256:{sha256(allowed)}"})
        assert by_id.json() == {"data": {"enhet": {"navn": "KORSVIK BYGG AS"}}}
        other = ask(base, "{ serverInfo { version } }").json()
        assert other["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        unknown = httpx.post(f"{base}/graphql", json={"documentId": "0" * 64})
        assert unknown.status_code == 400 and "PERSISTED_QUERY_NOT_FOUND" in unknown.text


def test_a_body_over_the_limit_is_413(access_database):
    app = create_app(access_database.app_url, security=settings(max_body_bytes=2000))
    with LiveServer(app, token=None) as base:
        big = "{ serverInfo { version } }" + " " * 3000
        response = httpx.post(f"{base}/graphql", json={"query": big})
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"

        def chunks():  # no Content-Length: counted as it streams
            for _ in range(10):
                yield b" " * 500

        streamed = httpx.post(f"{base}/graphql", content=chunks(),
                              headers={"Content-Type": "application/json"})  # fmt: skip
        assert streamed.status_code == 413
        assert ask(base, "{ serverInfo { version } }").status_code == 200


def test_a_consumer_over_its_rate_is_429_with_retry_after(access_database):
    app = create_app(access_database.app_url,
                     security=settings(rate_limit_per_minute=6, rate_limit_burst=3))  # fmt: skip
    with LiveServer(app, token=None) as base:
        busy, calm = test_token(orgnr="318716897"), test_token(orgnr="310911410")
        statuses = [ask(base, "{ serverInfo { version } }", busy).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        refused = ask(base, "{ serverInfo { version } }", busy)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 10  # one request per 10 s
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert ask(base, "{ serverInfo { version } }", calm).status_code == 200


def test_a_statement_over_the_timeout_is_cancelled_with_a_code(access_database):
    import strawberry

    from grunndata.graphql.context import Context
    from grunndata.graphql.schema import build_schema
    from grunndata.registers import REGISTERS, Register

    @strawberry.type
    class SlowQuery:
        @strawberry.field
        async def slow(self, info: strawberry.Info[Context, None]) -> int:
            async with info.context.pool.connection() as conn:
                await conn.execute("SELECT pg_sleep(2)")
            return 1

    schema = build_schema([*REGISTERS, Register(name="slow", title="", db_schema="felles",
                                                 query=SlowQuery)])  # fmt: skip
    app = create_app(access_database.app_url, schema=schema,
                     security=settings(statement_timeout_ms=200))  # fmt: skip
    with LiveServer(app, token=None) as base:
        body = ask(base, "{ slow }").json()
    assert codes(body) == {"slow": "QUERY_TIMEOUT"}
    assert "Traceback" not in json.dumps(body) and "pg_sleep" not in json.dumps(body)


def test_the_sql_path_remembers_refusals_per_page_size_not_per_query(server):
    """The SQL forms remember a query's verdict by what the limits read of its variables
    (``limits.measured_values``): a page size costing too much is refused every time."""
    query = """query($n: Int) { eiendommer(first: $n) { edges { node { matrikkelnummer
      adresser { eiendom { adresser { eiendom { hjemmelshavere { navn } } } } } } } } }"""
    for n in (5, 1000, 5, 1000):
        body = ask(server, query, test_token(), {"n": n}).json()
        if n == 1000:
            assert refusal(body)["extensions"]["limit"] == "maxCost"
        else:
            assert "errors" not in body and body["data"]["eiendommer"]["edges"]


MEASURED = """query($first: Int, $ids: [String!], $kommune: String, $gnr: Int) {
  eiendommer(first: $first, filter: {kommunenummer: $kommune, gardsnummer: $gnr}) {
    edges { node { hjemmelshavere { navn } adresser(ider: $ids) { adressetekst } } } } }"""
VALUE = st.one_of(st.none(), st.integers(-5, 5000), st.text(max_size=3),
                  st.lists(st.text(max_size=2), max_size=40))  # fmt: skip


@given(
    variables=st.dictionaries(st.sampled_from(["first", "ids", "kommune", "gnr"]), VALUE),
    other=st.dictionaries(st.sampled_from(["kommune", "gnr"]), VALUE),
    data=st.data(),
)
def test_the_limits_read_only_what_measured_values_keeps(variables, other, data):
    """Variables with the same ``measured_values`` get the same measure: the others (here
    inside an object argument) and a list's items do not count."""
    document = parse(MEASURED)
    names = limits.measured_variables(document)
    assert names == {"first", "ids"}
    changed = {**variables, **other}
    if isinstance(variables.get("ids"), list):
        size = len(variables["ids"])
        changed["ids"] = data.draw(st.lists(st.text(max_size=2), min_size=size, max_size=size))
    key = limits.measured_values(names, variables)
    assert limits.measured_values(names, changed) == key
    schema = SCHEMA._schema
    assert limits.measure(schema, document, None, variables) == limits.measure(
        schema, document, None, changed
    )
    if isinstance(variables.get("first"), int):
        bigger = {**variables, "first": variables["first"] + 1}
        assert limits.measured_values(names, bigger) != key
