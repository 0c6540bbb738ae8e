"""The per-request context every resolver receives.

DataLoaders are created per request (``loader``), so batching and caching never leak
between callers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool
from strawberry.dataloader import DataLoader


@dataclass
class Context:
    pool: AsyncConnectionPool
    request_id: str
    loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)

    def loader(
        self, key: Hashable, make: Callable[[], DataLoader[Any, Any]]
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader for ``key``, made on first use."""
        if key not in self.loaders:
            self.loaders[key] = make()
        return self.loaders[key]
