"""Registers reach each other's entities by key, batched per request, without imports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import strawberry

from grunndata.graphql.context import Context
from grunndata.graphql.schema import build_schema
from grunndata.graphql.tid import Tidspunkt
from grunndata.registers import Register


def test_lookups_at_one_level_are_one_batch_per_type_and_instant():
    calls: list[tuple[Tidspunkt, list[str]]] = []

    async def people(context: Context, tid: Tidspunkt, keys: list[str]) -> list[Any]:
        calls.append((tid, keys))
        return [f"person {k}" if k != "unknown" else None for k in keys]

    now = datetime(2026, 11, 28, tzinfo=UTC)
    context = Context(pool=None, request_id="r", entities={"Person": people}, now=now)  # type: ignore[arg-type]
    then = Tidspunkt(gyldig=datetime(2020, 1, 1, tzinfo=UTC))

    async def run() -> list[Any]:
        return await asyncio.gather(
            context.entity("Person", "a"),
            context.entity("Person", "b"),
            context.entity("Person", "unknown"),
            context.entity("Person", "a", then),
            context.entity("Enhet", "1"),
        )

    assert asyncio.run(run()) == ["person a", "person b", None, "person a", None]
    assert calls == [(Tidspunkt(gyldig=now), ["a", "b", "unknown"]), (then, ["a"])]


def test_the_schema_collects_every_registers_entities():
    async def batch(context: Context, tid: Tidspunkt, keys: list[str]) -> list[Any]:
        return [None] * len(keys)

    @strawberry.type
    class Query:
        hello: str = "hei"

    registers = [
        Register(name="a", title="A", db_schema="a", query=Query, entities={"Person": batch}),
        Register(name="b", title="B", db_schema="b", entities={"Enhet": batch}),
    ]
    schema = build_schema(registers)
    assert dict(schema.entity_batches) == {"Person": batch, "Enhet": batch}
