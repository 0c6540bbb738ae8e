"""A register's current state as its users see it: every field of its entities asked through
GraphQL, from the single process and through Hive Gateway (tests/gateway.py), which must
answer alike. Two databases whose answers are equal hold the same current state (the
engine's own recorded and valid times aside: a followed change is recorded when it was
followed, a bulk load when it was loaded)."""

from __future__ import annotations

from typing import Any

import httpx
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

from grunndata.db.database import Database
from grunndata.graphql.schema import build_schema
from tests.gateway import OneGateway

GRAPHQL = build_schema()._schema
#: The engine's own times (when it learnt a version), and what is not the current state.
LEFT_OUT = frozenset({"historikk", "registrertFra", "registrertTil", "gyldigFra", "gyldigTil"})
#: Entities: a register's own asked by key when met inside one of them; other registers'
#: left out.
KEYS = ("identifikasjonsnummer", "organisasjonsnummer", "matrikkelnummer", "adresseId")
ENTITIES = frozenset({"Person", "Enhet", "Eiendom", "Adresse"})


def _askable(field: GraphQLField) -> bool:
    return not any(
        is_non_null_type(arg.type) and arg.default_value is None for arg in field.args.values()
    )


def selection(own: str, type_name: str | None = None, depth: int = 4) -> str:
    """Every field of ``type_name`` (default: the register's entity ``own``) without
    required arguments; ``own`` met again (a parent, a unit's parent unit) by key, links to
    other registers' entities left out: the databases compared hold one register."""
    gtype = GRAPHQL.get_type(type_name or own)
    assert isinstance(gtype, GraphQLObjectType), type_name
    if type_name == own:
        return " ".join(k for k in KEYS if k in gtype.fields)
    chosen = []
    for name, field in gtype.fields.items():
        inner = get_named_type(field.type)
        if name in LEFT_OUT or not _askable(field):
            continue
        if is_leaf_type(inner):
            chosen.append(name)
        elif isinstance(inner, GraphQLObjectType) and depth > 0:
            if inner.name in ENTITIES and inner.name != own:
                continue
            chosen.append(f"{name} {{ {selection(own, inner.name, depth - 1)} }}")
    return " ".join(chosen)


def post(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, timeout=120
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"][:3]
    return body["data"]


def answers(
    one_gateway: OneGateway, database: Database, query: str, **variables: Any
) -> dict[str, Any]:
    """``query``'s answer from ``database``, the same from the single process and the
    gateway."""
    with one_gateway.serving(database, keep=False) as federated:
        single = post(federated.single, query, variables)
        through_gateway = post(federated.gateway, query, variables)
    assert through_gateway == single
    return single


PERSONS = (
    "query($ids: [ID!]!) { personer(identifikasjonsnummer: $ids) { " + selection("Person") + " } }"
)
UNITS = (
    "query($after: String) { enheter(first: 400, after: $after) { "
    "pageInfo { hasNextPage endCursor } edges { node { " + selection("Enhet") + " } } } }"
)


def units(one_gateway: OneGateway, database: Database) -> list[dict[str, Any]]:
    """Every unit every query shows (a page of ``enheter`` at a time, within the cost limit)."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = answers(one_gateway, database, UNITS, after=after)["enheter"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]
