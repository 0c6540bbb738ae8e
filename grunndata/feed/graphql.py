"""The feed in GraphQL: ``hendelser`` (a Relay connection whose cursor is the sequence
number) and ``sisteHendelse``; on each event, links to the entity itself (``person``,
``eiendom``, ...) as of the event's time (``add_links``).

Sequence numbers are 64-bit: GraphQL's ``Int`` is 32-bit, so ``sekvensnummer`` and the
cursors are strings of digits."""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.types import Info

from grunndata.feed import access, request
from grunndata.feed.store import LAST, Hendelse, aread_events
from grunndata.graphql.access import GROUP_IDENTITET
from grunndata.graphql.connection import PageInfo
from grunndata.graphql.context import Context
from grunndata.graphql.tid import Tidspunkt

NODE_TYPE = "Hendelse"


@strawberry.enum(description="What happened to the entity.")
class Hendelsestype(enum.Enum):
    opprettet = "opprettet"
    endret = "endret"
    opphoert = strawberry.enum_value("opphoert", description="Its valid time ended.")
    slettet = "slettet"
    tilbakefoert = strawberry.enum_value("tilbakefoert", description="A revert took it back.")


@strawberry.type(name=NODE_TYPE, description="One change of one entity; never its values.")
class HendelseNode:
    sekvensnummer: str = strawberry.field(
        description="Its place in the feed: a 64-bit number, as a string; gap-free, in "
        "commit order."
    )
    last_id: strawberry.ID = strawberry.field(description="The load or followed batch.")
    tidspunkt: datetime = strawberry.field(
        description="When grunndata committed it: read the entity with ajourholdstidspunkt "
        "= tidspunkt for exactly this version."
    )
    register: str
    entitet: str
    noekkel: str = strawberry.field(description="The entity's key, as this API names it.")
    hendelsestype: Hendelsestype
    feltgrupper: list[str] = strawberry.field(description="The field groups that changed.")
    person_key: strawberry.Private[bool] = False

    @classmethod
    def of(cls, event: Hendelse, person: bool) -> HendelseNode:
        return cls(
            sekvensnummer=str(event.sekvensnummer), last_id=strawberry.ID(str(event.last_id)),
            tidspunkt=event.tidspunkt, register=event.register, entitet=event.entitet,
            noekkel=event.noekkel, hendelsestype=Hendelsestype(event.hendelsestype),
            feltgrupper=event.feltgrupper, person_key=person,
        )  # fmt: skip

    def linked_person(self) -> str | None:
        """Lookup-log hook (``graphql.access.Lookups``): a person's key is shown."""
        return self.noekkel if self.person_key else None


@strawberry.type(name="HendelseEdge")
class HendelseEdge:
    cursor: str
    node: HendelseNode


@strawberry.type(name="HendelseConnection")
class HendelseConnection:
    edges: list[HendelseEdge]
    page_info: PageInfo


@strawberry.type(description="The newest event this answer's snapshot holds.")
class SisteHendelse:
    sekvensnummer: str = strawberry.field(description="0 when the feed is empty.")
    tidspunkt: datetime | None


@strawberry.type
class HendelserQuery:
    @strawberry.field(
        description=f"The change feed after a cursor (a sequence number; none: from the "
        f"oldest kept), in order, at most {request.MAX_PAGE} a page. Events about persons "
        "need a scope for persons and are left out without one."
    )
    async def hendelser(
        self,
        info: Info[Context, None],
        after: str | None = None,
        first: int | None = None,
        registre: list[str] | None = None,
        entiteter: list[str] | None = None,
        hendelsestyper: list[Hendelsestype] | None = None,
    ) -> HendelseConnection:
        types = [t.value for t in hendelsestyper] if hendelsestyper is not None else None
        asked = request.utvalg(after, first, registre, entiteter, types)
        context = info.context
        access.refuse_asked(context.principal, asked.entities)
        async with context.pool.connection() as conn:
            events = await aread_events(
                conn, after=asked.after, limit=asked.limit, registers=asked.registers,
                entities=asked.entities, types=asked.types,
                hidden=access.hidden(context.principal),
                unplaced=access.unplaced(context.principal),
            )  # fmt: skip
        persons = set(access.person_keys(events))
        nodes = [HendelseNode.of(e, e.noekkel in persons and _guarded(e)) for e in events]
        for node in nodes:
            if node.person_key:
                context.lookups.saw(node, GROUP_IDENTITET)
        edges = [HendelseEdge(cursor=n.sekvensnummer, node=n) for n in nodes]
        return HendelseConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(edges) == asked.limit and asked.limit > 0,
                has_previous_page=asked.after > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else str(asked.after),
            ),
        )

    @strawberry.field(description="The newest event: where a consumer starting now begins.")
    async def siste_hendelse(self, info: Info[Context, None]) -> SisteHendelse:
        async with info.context.pool.connection() as conn:
            cursor = await conn.execute(
                f"SELECT s, (SELECT tidspunkt FROM felles.hendelse WHERE sekvensnummer = s) "
                f"FROM ({LAST}) AS last(s)"
            )
            row = await cursor.fetchone()
        assert row is not None
        return SisteHendelse(sekvensnummer=str(row[0]), tidspunkt=row[1])


def _guarded(event: Hendelse) -> bool:
    return (event.register, event.entitet) in access._guarded()


def links() -> dict[str, str]:
    """Entity name → the entity type its events link to (``Hendelser.lenker``, else
    itself)."""
    return {
        entity: hendelser.lenker.get(entity, entity)
        for hendelser in access.declared().values()
        for entity in hendelser.entiteter
    }


def add_links(schema: Any, batches: Collection[str]) -> None:
    """Give ``Hendelse`` a field per entity type the schema serves by key (``batches``:
    ``person``, ``eiendom``, ...): the entity as of the event's time, null for another
    entity's event. Before ``guard_schema``, so a person's link is guarded as any field
    returning one."""
    types = schema._schema.type_map
    node = types.get(NODE_TYPE)
    if not isinstance(node, GraphQLObjectType):
        return
    for type_name in sorted(set(links().values())):
        target = types.get(type_name)
        if isinstance(target, GraphQLObjectType) and type_name in batches:
            field_name = type_name[0].lower() + type_name[1:]
            node.fields[field_name] = GraphQLField(target, resolve=_link(type_name))


def _link(type_name: str) -> Any:
    async def resolve(source: HendelseNode, info: Any) -> Any:
        if links().get(source.entitet) != type_name:
            return None
        at = Tidspunkt(gyldig=source.tidspunkt, registrert=source.tidspunkt)
        return await info.context.entity(type_name, source.noekkel, at)

    return resolve
