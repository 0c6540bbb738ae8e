"""The HTTP surface, through a real uvicorn server on loopback."""

from __future__ import annotations

import re
import time

import httpx
import pytest
import strawberry
from psycopg import sql

import grunndata
from grunndata.db import migrate
from grunndata.db.database import bootstrap, connect
from grunndata.errors import NotFound
from grunndata.graphql.ide import GRAPHIQL_ASSETS
from grunndata.graphql.schema import build_schema
from grunndata.identifiers import parse_orgnr
from grunndata.registers import REGISTERS, Register
from grunndata.server import create_app
from tests.conftest import TEST_ROLES, LiveServer, scratch_name


def post(base: str, query: str) -> httpx.Response:
    return httpx.post(f"{base}/graphql", json={"query": query}, timeout=10)


@pytest.fixture(scope="module")
def dev_server(database):
    with LiveServer(create_app(database.app_url, dev=True)) as base:
        yield base


def test_healthz_reports_database_and_schema_version(dev_server, database):
    response = httpx.get(f"{dev_server}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True
    assert body["database"]["schemaVersion"] == migrate.head_revision()
    assert body["database"]["postgis"].startswith("3.")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    app = create_app(f"postgresql://nobody@/nothing?host={tmp_path}&connect_timeout=1")
    with LiveServer(app) as base:
        response = httpx.get(f"{base}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json()["database"] == {"reachable": False}


def test_healthz_is_503_when_the_database_has_no_schema(admin_url):
    name = scratch_name("blank")
    blank = bootstrap(admin_url, name, TEST_ROLES)
    try:
        with LiveServer(create_app(blank.app_url)) as base:
            response = httpx.get(f"{base}/healthz", timeout=10)
        assert response.status_code == 503
        database = response.json()["database"]
        assert database["reachable"] is True and database["schemaVersion"] is None
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_query_needing_a_database_that_is_down_fails_fast_with_a_code(tmp_path):
    app = create_app(f"postgresql://nobody@/nothing?host={tmp_path}", pool_timeout=0.5)
    with LiveServer(app) as base:
        started = time.monotonic()
        body = post(base, "{ serverInfo { version schemaVersion } }").json()
    assert time.monotonic() - started < 5
    assert body["data"]["serverInfo"] == {"version": grunndata.__version__, "schemaVersion": None}
    assert body["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert "nobody" not in str(body) and "nothing" not in str(body)


def test_graphql_answers_server_info(dev_server):
    response = post(dev_server, "{ serverInfo { version registers schemaVersion } }")
    assert response.status_code == 200
    info = response.json()["data"]["serverInfo"]
    assert info["registers"] == [r.name for r in REGISTERS]
    assert info["schemaVersion"] == migrate.head_revision()


def test_graphiql_is_served_from_our_own_files(dev_server):
    page = httpx.get(f"{dev_server}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert not re.search(r"(src|href)=\"https?://", page.text), "no asset may come from a CDN"
    for asset in GRAPHIQL_ASSETS:
        assert asset in page.text
        assert httpx.get(f"{dev_server}/static/graphiql/{asset}").status_code == 200


def test_no_graphiql_unless_dev(database):
    with LiveServer(create_app(database.app_url)) as base:
        page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
        assert page.status_code != 200 or "graphiql" not in page.text.lower()
        assert httpx.get(f"{base}/static/graphiql/graphiql.min.js").status_code == 404


def test_syntax_and_validation_errors_have_codes(dev_server):
    broken = post(dev_server, "{ serverInfo { ")
    assert broken.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    unknown = post(dev_server, "{ noSuchField }")
    assert unknown.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@strawberry.type
class _FailingQuery:
    @strawberry.field
    def crash(self) -> str:
        raise RuntimeError("SELECT secret FROM internals -- must never reach a caller")

    @strawberry.field
    def bad_orgnr(self) -> str:
        return parse_orgnr("112233445").value

    @strawberry.field
    def missing(self) -> str | None:
        raise NotFound("No such thing.")


def test_errors_carry_stable_codes_and_never_leak_internals(database):
    register = Register(name="test", title="Test", db_schema="test", query=_FailingQuery)
    app = create_app(database.app_url, schema=build_schema([*REGISTERS, register]))
    with LiveServer(app) as base:
        crash = post(base, "{ crash }").json()["errors"][0]
        invalid = post(base, "{ badOrgnr }").json()["errors"][0]
        missing = post(base, "{ missing }").json()
    assert crash["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in str(crash) and "Traceback" not in str(crash)
    assert re.fullmatch(r"[0-9a-f]{32}", crash["extensions"]["requestId"])
    assert invalid["extensions"]["code"] == "INVALID_IDENTIFIER"
    assert "never issued" in invalid["message"]
    assert missing["data"] == {"missing": None}
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
