"""The comparison benchmark's queries (benchmarks/compare/) stay valid against the schema,
and the SQL forms answer each whole unless it selects a field the forms leave to the
resolvers (tests/graphql/sqlform_gaps.txt); PostGraphile itself stays out of CI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values

from benchmarks.compare import QUERIES
from benchmarks.compare.data import VIEWS
from benchmarks.soak import MIX as SOAK_MIX
from grunndata.db.database import Database, connect
from grunndata.graphql.schema import build_schema
from grunndata.graphql.sql.forms import Unsupported
from grunndata.graphql.sql.selection import query_operation

SCHEMA = build_schema()
#: A key of each query on the test cast (tests/data/cast/cast.md).
KEYS = {
    "person": "21867525758",
    "eiendom": "4204-97/90",
    "list": "4204:0",
    "enhet": "310911410",
    "enheter": "4204|43.220",
    "kjede": "14834806046",
}
GAPS = Path(__file__).parent / "graphql" / "sqlform_gaps.txt"


def gaps() -> set[str]:
    return {
        line for line in GAPS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }  # fmt: skip


def selected(document: DocumentNode) -> set[str]:
    """Every ``Type.field`` the document selects (and ``Type *`` for each type it enters)."""
    info = TypeInfo(SCHEMA._schema)
    found: set[str] = set()

    class Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = info.get_parent_type()
            if parent is not None and not node.name.value.startswith("__"):
                found.add(f"{parent.name}.{node.name.value}")
                found.add(f"{get_named_type(info.get_type()).name} *")

    visit(document, TypeInfoVisitor(info, Fields()))
    return found


def test_the_keys_cover_every_query():
    assert set(KEYS) == set(QUERIES)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_benchmark_query_is_valid_and_answered_as_the_gaps_say(name):
    query = QUERIES[name]
    document = parse(query.grunndata)
    assert validate(SCHEMA._schema, document) == []
    answers = SCHEMA.sql_answers
    assert answers is not None
    operation = query_operation(document, None)
    assert operation is not None
    variables = get_variable_values(
        SCHEMA._schema, operation.variable_definitions or (), query.variables(KEYS[name])
    )
    now = dt.datetime.now(dt.UTC)
    left = selected(document) & gaps()
    if left:  # the benchmark measures the resolvers there, until those fields get forms
        with pytest.raises(Unsupported):
            list(answers._statements(query.grunndata, document, operation, variables, now))
    else:
        statements = list(answers._statements(query.grunndata, document, operation, variables, now))
        assert len(statements) == 1


def test_the_views_and_the_floor_answer_on_the_cast(cast_database: Database):
    """PostGraphile's views (benchmarks/postgraphile/views.sql) and each query's floor
    statement run against this schema, on the test cast, in a transaction rolled back."""
    with connect(cast_database.owner_url) as conn:
        try:
            conn.execute(VIEWS.read_text(encoding="utf-8"))
            views = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.views "
                "WHERE table_schema = 'postgraphile' ORDER BY 1")]  # fmt: skip
            assert len(views) == 8, views
            for view in views:
                assert conn.execute(f"SELECT count(*) FROM postgraphile.{view}").fetchone()[0]
            keys = dict(KEYS)  # the unit as the table spells its number
            keys["eiendom"] = conn.execute(
                "SELECT matrikkelnummer FROM matrikkel.matrikkelenhet WHERE kommunenummer = "
                "'4204' AND gardsnummer = 97 AND bruksnummer = 90 AND upper_inf(registrert)"
            ).fetchone()[0]
            answers = {}
            for name, query in QUERIES.items():
                text = query.sql.replace("$1", "%s")
                row = conn.execute(text, [keys[name]] * text.count("%s")).fetchone()
                assert row is not None and row[0] is not None, name
                answers[name] = row[0]
        finally:
            conn.rollback()
    assert answers["person"]["bostedsadresse"]["vegadresse"]
    assert len(answers["eiendom"]["hjemmelshavere"]) == 2
    assert answers["list"]["edges"] and answers["enheter"]["edges"]
    assert answers["enhet"]["roller"] and answers["enhet"]["underenheter"]
    chain = [r["enhet"]["adresseIMatrikkelen"] for r in answers["kjede"]["roller"]]
    assert any(a and a["eiendom"] for a in chain), answers["kjede"]


@pytest.mark.parametrize("index", range(len(SOAK_MIX)))
def test_each_soak_query_is_valid(index):
    """The soak's mix (benchmarks/soak.py): the gateway serves the same graph."""
    kind, _, _, make = SOAK_MIX[index]
    assert validate(SCHEMA._schema, parse(make("0"))) == [], kind
