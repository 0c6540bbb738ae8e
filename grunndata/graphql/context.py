"""The per-request context every resolver receives.

DataLoaders are created per request (``loader``), so batching and caching never leak
between callers. ``now`` is the request's one instant: every "now" in one answer is the
same. ``entity`` loads another register's entities by key without importing its room.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from grunndata.graphql.access import Lookups
from grunndata.graphql.auth import ANONYMOUS, Principal
from grunndata.graphql.snapshot import Connections
from grunndata.graphql.tid import Tidspunkt

#: Loads entities of one type by key, in the keys' order (None for an unknown key): one
#: SQL statement for the whole batch.
#: Keys are str for a type's primary key; for an alternative key (``"Adresse:kommunenummer
#: adressekode nummer bokstav"``: the text after ``:`` is the federation ``@key`` fields) a
#: tuple of the values in that order.
EntityBatch = Callable[["Context", Tidspunkt, list[Any]], Awaitable[list[Any]]]


@dataclass
class Context:
    #: Where statements get their connection: the request's ``Snapshot`` when served (one
    #: consistent view for the whole answer), or a plain pool.
    pool: Connections
    request_id: str
    entities: Mapping[str, EntityBatch] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)
    #: Who asks (``grunndata.graphql.auth``); anonymous sees open data only.
    principal: Principal = ANONYMOUS
    #: The persons this request returned, for the lookup log.
    lookups: Lookups = field(default_factory=Lookups)
    #: Where the lookup log is read when it has a database of its own
    #: (``GRUNNDATA_LOG_DATABASE_URL``); None: from ``pool``.
    log: Connections | None = None

    def loader(
        self, key: Hashable, make: Callable[[], DataLoader[Any, Any]]
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader for ``key``, made on first use."""
        if key not in self.loaders:
            self.loaders[key] = make()
        return self.loaders[key]

    async def entity(self, type_name: str, key: Hashable, tid: Tidspunkt | None = None) -> Any:
        """The entity ``type_name`` (e.g. ``"Person"``) with ``key`` as of ``tid`` (default:
        now), batched with every other such lookup at the same level of the request. None
        when unknown, or when no register serving ``type_name`` runs in this process."""
        batch = self.entities.get(type_name)
        if batch is None:
            return None
        tid = tid or Tidspunkt(gyldig=self.now)
        loader = self.loader(
            ("entity", type_name, tid), lambda: DataLoader(partial(batch, self, tid))
        )
        return await loader.load(key)
