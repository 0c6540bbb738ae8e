"""The comparison benchmark's queries (benchmarks/compare.py) stay valid against the schema
and are answered whole by the SQL forms; PostGraphile itself stays out of CI."""

from __future__ import annotations

import datetime as dt

import pytest
from graphql import parse, validate
from graphql.execution.values import get_variable_values

from benchmarks.compare import QUERIES
from benchmarks.soak import MIX as SOAK_MIX
from grunndata.graphql.schema import build_schema
from grunndata.graphql.sql.selection import query_operation

SCHEMA = build_schema()
KEYS = {"person": "21867525758", "eiendom": "4204-97/90", "list": "97"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_benchmark_query_is_valid_and_has_an_sql_form(name):
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
    statements = list(answers._statements(query.grunndata, document, operation, variables, now))
    assert len(statements) == 1


@pytest.mark.parametrize("index", range(len(SOAK_MIX)))
def test_each_soak_query_is_valid(index):
    """The soak's mix (benchmarks/soak.py): the gateway serves the same graph."""
    kind, _, _, make = SOAK_MIX[index]
    assert validate(SCHEMA._schema, parse(make("0"))) == [], kind
