"""Sending a subscription's events without executing its selection per consumer.

A subscription that selects only the plain fields of ``Hendelse`` (no link to an entity,
no fragment, no directive) gets the same JSON for an event whatever the consumer: so each
event's ``data`` is serialized once per process and selection (``Payloads``) and every
such consumer is sent those bytes, wrapped in its own ``next`` message. The access rules
still apply per consumer before an event gets here (``grunndata.feed.follow``: what is
left out, and a graded person's address field groups, which make the event itself
differ); the lookup log is written before each message leaves
(``grunndata.graphql.websocket``). A selection with anything else goes through GraphQL
execution as before.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson
from graphql import FieldNode

from grunndata.feed.graphql import NODE_TYPE, HendelseNode

#: The plain fields of ``Hendelse``: GraphQL name → the JSON value of a node.
PLAIN: dict[str, Any] = {
    "sekvensnummer": lambda node: node.sekvensnummer,
    "lastId": lambda node: str(node.last_id),
    "tidspunkt": lambda node: node.tidspunkt.isoformat(),
    "register": lambda node: node.register,
    "entitet": lambda node: node.entitet,
    "noekkel": lambda node: node.noekkel,
    "hendelsestype": lambda node: node.hendelsestype.name,
    "feltgrupper": lambda node: list(node.feltgrupper),
    "__typename": lambda node: NODE_TYPE,
}
CACHED = 4096  # events' payloads kept (a few commits' worth, for every selection)

#: (the root field's response key, ((response key, field name), ...))
Selection = tuple[str, tuple[tuple[str, str], ...]]


def plain_selection(field_nodes: list[FieldNode]) -> Selection | None:
    """The selection when it is plain fields only (see the module docstring), else None."""
    if len(field_nodes) != 1:
        return None
    root = field_nodes[0]
    if root.directives or root.selection_set is None:
        return None
    fields: list[tuple[str, str]] = []
    for selection in root.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives or selection.arguments:
            return None
        name = selection.name.value
        if name not in PLAIN or selection.selection_set is not None:
            return None
        fields.append(((selection.alias or selection.name).value, name))
    return (root.alias or root.name).value, tuple(fields)


class Payloads:
    """Each event's ``data`` as JSON, once per selection (the last ``CACHED``)."""

    def __init__(self, size: int = CACHED) -> None:
        self.size = size
        self._cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()

    def data(self, selection: Selection, node: HendelseNode) -> bytes:
        key = (selection, node.sekvensnummer, tuple(node.feltgrupper))
        found = self._cache.get(key)
        if found is None:
            root, fields = selection
            value = {response: PLAIN[name](node) for response, name in fields}
            found = self._cache[key] = orjson.dumps({root: value})
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return found


def next_message(operation_id: str, data: bytes) -> str:
    """A ``next`` message of ``graphql-transport-ws`` around serialized ``data``."""
    head = b'{"id":' + orjson.dumps(operation_id) + b',"type":"next","payload":{"data":'
    return (head + data + b"}}").decode()
