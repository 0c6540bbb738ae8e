"""The forms a register declares for its types and root fields in SQL (``SqlType`` with
its ``Column``, ``Nested``, ``Related``, ``Paged``, ``ByKey`` and ``Link`` fields; an
``SqlRoot`` giving a ``RootPlan``), read by the compiler (``grunndata.graphql.sql.compiler``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from grunndata.graphql.tid import Tidspunkt


@dataclass(frozen=True)
class Column:
    """A leaf: an SQL expression over the row ``{t}`` giving exactly what the resolver
    serialises (ids as text, GeoJSON as json, timestamps by ``scalars.datetime_sql``, ...).
    It may be a subquery over rows ``{x}`` with ``{as_of}`` the query's Tidspunkt condition
    on them; ``{at}`` is the query's instant in valid time (a timestamptz), as any form's."""

    sql: str


@dataclass(frozen=True)
class Nested:
    """An object built from the same row, or from ``at`` (SQL over ``{t}``, e.g. a part
    of a JSON column, or a value its fields read) as its row; null when ``null_if`` (SQL
    over ``{t}``) holds."""

    type_name: str
    null_if: str | None = None
    at: str = "{t}"


@dataclass(frozen=True)
class Related:
    """Rows of ``type_name`` linked to the row ``{t}``: ``source`` is ``FROM … WHERE …``
    over ``{t}`` and the related row ``{r}``, where ``{as_of}`` stands for the query's
    Tidspunkt condition on ``{r}`` (``{recorded}`` for its recorded-time half alone). A
    list (``many``, in ``order_by``) or one row."""

    type_name: str
    source: str
    order_by: str = ""
    many: bool = True


@dataclass(frozen=True)
class Paged:
    """A connection (``edges``, ``pageInfo``, ``totalCount``) of rows of ``type_name``
    linked to the row ``{t}`` (``source`` and ``order_by`` as ``Related``'s; a total order):
    the page its ``first`` and ``after`` arguments ask for, as ``connection.page`` reads them."""

    type_name: str
    source: str
    order_by: str


@dataclass(frozen=True)
class ByKey:
    """The entity ``type_name`` whose key is ``key`` (SQL over ``{t}``), as it is now, as
    ``Context.entity`` gives it: found by the type's own ``by_key``, or by its ``by_keys``
    entry for ``entity`` (an alternative key's ``Register.entities`` name), so that a room
    never writes SQL over another room's tables."""

    type_name: str
    key: str
    entity: str = ""


@dataclass(frozen=True)
class Link:
    """A field one room adds to another room's type (a ``TypeExtension``): rows of
    ``type_name`` from ``source`` (``FROM … WHERE …`` over the related row ``{r}``, with
    ``{key}`` the parent's field ``key`` as the parent type's own ``Column`` computes it),
    as they are now (``{as_of}``), as a link asked without time arguments answers."""

    type_name: str
    key: str
    source: str
    order_by: str = ""
    many: bool = True


Field = Column | Nested | Related | Paged | ByKey | Link


@dataclass(frozen=True)
class PersonForm:
    """What access control asks of a person's row ``{t}`` (as the type's hooks answer it):
    ``identifier``, the one the lookup log records (SQL as a ``Column``'s, ``{as_of}`` the
    query's instants), and ``graded``, whether the address is graded now (a boolean; its
    ``{as_of}`` is "now")."""

    identifier: str
    graded: str


@dataclass(frozen=True)
class SqlType:
    """A GraphQL type's fields in SQL; ``by_key`` (``FROM … WHERE …`` over ``{r}``,
    ``{key}`` and ``{as_of}``) finds an entity by key for other rooms' ``ByKey``, and
    ``by_keys`` by an alternative key (by its entity name, ``ByKey.entity``).
    ``person``: the type is a person; ``linked_person``: its rows name one by this
    identifier (SQL over ``{t}``), as ``access``'s ``linked_person`` hook; ``graded_matters``:
    whether access control may hide such a row for a graded person (False: its rows are
    answered whatever the grading, so its marks do not ask)."""

    name: str
    fields: Mapping[str, Field]
    by_key: str = ""
    by_keys: Mapping[str, str] = field(default_factory=dict)
    person: PersonForm | None = None
    linked_person: str | None = None
    graded_matters: bool = True


def merged(types: Iterable[SqlType]) -> dict[str, SqlType]:
    """The rooms' forms by type name, a type's fields from every room that declares some
    (its own room, and rooms that add ``Link`` fields to it), its own room's settings."""
    found: dict[str, SqlType] = {}
    for sql_type in types:
        known = found.get(sql_type.name)
        if known is None:
            found[sql_type.name] = sql_type
        elif sql_type.by_key or sql_type.by_keys or sql_type.person or sql_type.linked_person:
            found[sql_type.name] = replace(sql_type, fields={**known.fields, **sql_type.fields})
        else:
            found[sql_type.name] = replace(known, fields={**known.fields, **sql_type.fields})
    return found


class Shape(Enum):
    ONE = "one"
    CONNECTION = "connection"
    KEYS = "keys"  # a list, one row (or null) per key of ``%(keys)s``, in their order


@dataclass(frozen=True)
class RootPlan:
    """What a root field asks for: rows of ``type_name`` from ``source`` (``FROM … WHERE
    …`` over ``{r}``, ``{as_of}`` as in ``Related``; for ``Shape.KEYS``, ``{r}.x = {key}``
    matches any key of the text array ``params["keys"]``, ``key`` is a row's, SQL over
    ``{r}``, and a key has at most one row) with ``params``, as of ``tid``."""

    type_name: str
    tid: Tidspunkt
    source: str
    params: Mapping[str, Any]
    shape: Shape = Shape.ONE
    order_by: str = ""
    limit: int = 0
    offset: int = 0
    fall_back_on_null: bool = False
    key: str = ""


def one_at(
    type_name: str, source: str, params: Mapping[str, Any], arguments: Mapping[str, Any],
    now: dt.datetime,
) -> RootPlan:  # fmt: skip
    """A root field's plan for one row of ``type_name`` by key, at the instants its time
    arguments ask for (``gyldighetstidspunkt``, ``ajourholdstidspunkt``; now without
    them); a miss goes to the resolver, which knows what to say."""
    tid = Tidspunkt.fra_argumenter(
        arguments.get("gyldighetstidspunkt"), arguments.get("ajourholdstidspunkt"), naa=now
    )
    return RootPlan(type_name, tid, source, params, fall_back_on_null=True)


#: A root field's SQL form: its (coerced) arguments and the request's instant → a plan,
#: or None to leave the field to its resolver.
SqlRoot = Callable[[Mapping[str, Any], dt.datetime], RootPlan | None]


class Unsupported(Exception):
    """The query selects something without an SQL form: the resolvers answer it."""
