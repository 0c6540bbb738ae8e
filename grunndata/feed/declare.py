"""What a register publishes in the change feed (``Register.hendelser``).

The engine writes the events of every load from this declaration (``grunndata.feed.
staging``): for each table merged by ``merge_snapshot`` (``TableEvents``) from what the
merge found changed, and for the rest from the register's own SQL. Each event names an
entity as the GraphQL API names it (``entitet``, ``noekkel``), what happened to it and
the field groups that changed; never a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: The kinds of event, in the words of the feed.
HENDELSESTYPER = ("opprettet", "endret", "opphoert", "slettet", "tilbakefoert")


@dataclass(frozen=True)
class TableEvents:
    """The events of one versioned table (a ``VersionedTable`` merged by
    ``merge_snapshot``). Each part is an SQL expression over ``k``, the entity's key
    columns as ``text[]`` (in the table's key order).

    ``main``: the table says whether the entity was created or ended; the events of the
    others (an Eiendom's teig, its owners) are ``endret`` of the same entity."""

    table: str
    entitet: str
    noekkel: str = "k[1]"
    feltgruppe: str | None = None
    main: bool = True


@dataclass(frozen=True)
class Hendelser:
    """A register's part of the change feed.

    ``load``: statements inserting into ``fh_staged (last_id, entitet, noekkel,
    hendelsestype, feltgruppe)`` the events of load ``%(load)s`` that ``tables`` do not
    cover (what the register writes outside ``merge_snapshot``). ``reverted``: statements
    inserting into ``fh_staged`` one row per entity revert ``%(revert)s`` touched in the
    register's own tables (``felles.tilbakefort``: ``tabell``, ``nokkel``), with
    hendelsestype ``tilbakefoert``; the engine maps ``tables`` itself.
    ``entiteter``: every entity name its events carry (what consumers may filter by).
    ``personer``: entity → the scopes (any one of them) a consumer needs to see its
    events, for entities keyed by a person (``grunndata.feed.access``). ``lenker``: entity
    → the entity type (``Register.entities``) an event's link returns, when not its own
    (an Underenhet's is the Enhet by the same key). ``adressegrupper``: entity → the
    field groups that say a person's address changed, left out of a graded person's events
    for a consumer without the graded scope."""

    entiteter: Sequence[str]
    tables: Sequence[TableEvents] = ()
    load: Sequence[str] = ()
    reverted: Sequence[str] = ()
    personer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lenker: Mapping[str, str] = field(default_factory=dict)
    adressegrupper: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
