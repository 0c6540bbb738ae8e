"""A union that can hold persons (as federation's ``_entities`` does) is checked item by
item: positions kept, persons the token may not see null, other entities answered."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from psycopg_pool import AsyncConnectionPool

from grunndata.graphql.access import rule_for
from grunndata.graphql.auth import ANONYMOUS, Principal
from grunndata.graphql.context import Context
from grunndata.graphql.schema import build_schema
from grunndata.registers import REGISTERS, Register
from grunndata.registers.enhetsregister.types import Enhet
from grunndata.registers.folkeregister.access import IDENTITET
from grunndata.registers.folkeregister.types import Person
from tests.access.conftest import OPEN_PERSON

Entity = Annotated[Person | Enhet, strawberry.union("EntityTest")]


@strawberry.type
class EntitiesQuery:
    @strawberry.field
    async def entities_test(self, info: strawberry.Info[Context, None]) -> list[Entity | None]:
        return await asyncio.gather(
            info.context.entity("Person", OPEN_PERSON), info.context.entity("Enhet", "310911410")
        )


SCHEMA = build_schema([*REGISTERS, Register(name="t", title="", db_schema="felles",
                                            query=EntitiesQuery)])  # fmt: skip
QUERY = """{ entitiesTest { __typename ... on Person { identifikasjonsnummer }
  ... on Enhet { organisasjonsnummer } } }"""


def run(url: str, principal: Principal) -> tuple[Any, list[Any], Context]:
    async def go() -> tuple[Any, list[Any], Context]:
        async with AsyncConnectionPool(url, open=False, kwargs={"autocommit": True}) as pool:
            context = Context(pool=pool, request_id="t", entities=SCHEMA.entity_batches,
                              principal=principal)  # fmt: skip
            result = await SCHEMA.execute(QUERY, context_value=context)
            return result.data, list(result.errors or []), context

    return asyncio.run(go())


def test_the_union_field_is_checked_per_item_not_refused_whole():
    field = SCHEMA._schema.query_type.fields["entitiesTest"]  # type: ignore[union-attr]
    from graphql import get_named_type

    rule = rule_for("Query", "entitiesTest", get_named_type(field.type))
    assert rule is not None and rule.per_item and rule.requires == ()


def test_without_a_person_scope_the_person_is_null_and_the_unit_answered(access_database):
    data, errors, context = run(access_database.app_url, ANONYMOUS)
    assert errors == []
    assert data == {"entitiesTest": [None, {"__typename": "Enhet",
                                            "organisasjonsnummer": "310911410"}]}  # fmt: skip
    assert not context.lookups


def test_with_a_person_scope_the_person_is_answered_and_logged(access_database):
    principal = Principal(scopes=frozenset({IDENTITET}), orgnr="1", authenticated=True)
    data, errors, context = run(access_database.app_url, principal)
    assert errors == []
    assert data["entitiesTest"][0] == {"__typename": "Person", "identifikasjonsnummer": OPEN_PERSON}
    assert context.lookups.persons
