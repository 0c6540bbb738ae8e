"""The feed as a GraphQL subscription: ``subscription { hendelser(after: "N", …) }`` over
WebSocket (``graphql-transport-ws``, ``grunndata.graphql.websocket``).

It replays the events after ``N`` and then goes live (``grunndata.feed.follow``), one
``next`` message per event, as the ``Hendelse`` of the ``hendelser`` query with the same
arguments (bar ``first``) and the same access: events keyed by a person are left out
without a scope for persons (asking for them by name is refused), and each person key a
message shows is in the lookup log before the message leaves. A selection of plain fields
only is sent without executing it per consumer (``grunndata.feed.fanout``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from grunndata.errors import InvalidArgument
from grunndata.feed import access, fanout, request
from grunndata.feed.follow import Filter, follow
from grunndata.feed.graphql import HendelseNode, Hendelsestype
from grunndata.graphql.access import GROUP_IDENTITET
from grunndata.graphql.context import Context
from grunndata.graphql.websocket import OPERATION, SocketContext


@strawberry.type(name="Subscription")
class HendelserSubscription:
    @strawberry.subscription(
        description="The change feed after a cursor (a sequence number; none: from the "
        "oldest kept), then every new event as it is committed: no gap, no repeat. Over "
        "WebSocket (graphql-transport-ws), the token in connection_init's payload. Events "
        "about persons need a scope for persons and are left out without one."
    )
    async def hendelser(
        self,
        info: Info[Context, None],
        after: str | None = None,
        registre: list[str] | None = None,
        entiteter: list[str] | None = None,
        hendelsestyper: list[Hendelsestype] | None = None,
    ) -> AsyncGenerator[HendelseNode, None]:
        context = info.context
        if not isinstance(context, SocketContext) or context.feed is None:
            raise InvalidArgument(
                "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql"
            )
        types = [t.value for t in hendelsestyper] if hendelsestyper is not None else None
        asked = request.utvalg(after, None, registre, entiteter, types)
        access.refuse_asked(context.principal, asked.entities)
        wanted = Filter(asked.registers, asked.entities, asked.types,
                        frozenset(access.hidden(context.principal)),
                        access.unplaced(context.principal))  # fmt: skip
        socket, operation = OPERATION.get() or (None, None)
        plain = fanout.plain_selection(info._raw_info.field_nodes)
        async for event in follow(context.feed, asked.after, wanted):
            node = HendelseNode.of(event, bool(access.person_keys([event])))
            if node.person_key:
                context.lookups.saw(node, GROUP_IDENTITET)
            if socket is None or plain is None:
                yield node
                continue
            data = context.feed.payloads.data(plain, node)
            if not await socket.send_data(operation, data):
                return
