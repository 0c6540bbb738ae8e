"""Who may see what: the one place where person data is guarded, field by field.

The rules come from the registers' declarations (``Register.access``: ``AccessRules``, and
``PersonAccess`` from the register that holds persons), read once into a ``Policy``.
``guard_schema`` walks the built GraphQL schema once and wraps the resolver of every field
a scope can hide. Rules are keyed by type and field name, so a field added later to the
person type is denied by default (it needs the persons' full scope), and any field
anywhere that returns a person needs one of the persons' scopes. Open data keeps its plain
resolvers and costs nothing extra.

A refused field answers ``null`` with ``UNAUTHENTICATED`` (no token) or ``FORBIDDEN`` (a
token without the scope) at its path; the rest of the query is answered.

Graded addresses (adressebeskyttelse fortrolig, strengtFortrolig, ...) follow the person's
*current* grading. Without the persons' ``graded_scope``:
- a graded person's addresses are ``FORBIDDEN``, except a cover address: the postal
  address the person register gives a graded person to send their post through (it names
  no place of theirs), which is answered;
- a graded person is left out (silently, as if absent) of every value reached through a
  place (an address, a property, a building, ...): residents, owners, a unit's roles.

Objects of the person rooms take part through small duck-typed hooks, so this module
imports no register:
- a person: ``person_id``, ``async adressebeskyttet(info) -> bool`` and
  ``async person_identifier(context) -> str``;
- an object inside one person (a history entry): ``subject`` (the person) and
  ``adressebeskyttet``;
- an object that names a person by identifier (a role, an owner):
  ``linked_person() -> str | None``;
- an address a cover field returns: ``is_cover_address() -> bool``.

Whether a person is graded now is read from ``felles.adressebeskyttelse``
(``grunndata.graphql.gradering``), by identifier for a person named by one (an owner, a
role holder, a federation reference), so every process answers alike, with or without
the person register.

Every person returned is noted in the request's ``Lookups`` with the field groups read, for
the lookup log (``grunndata.graphql.oppslagslogg``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    SelectionSetNode,
    default_field_resolver,
    get_named_type,
)

from grunndata.errors import Forbidden, Unauthenticated
from grunndata.graphql import gradering
from grunndata.graphql.limits import selected_fields
from grunndata.graphql.names import python_name

if TYPE_CHECKING:
    from grunndata.registers.base import PersonAccess, Register

#: The engine's own scope: reading any person's lookup log.
TILSYN = "tilsyn"
#: Fields of the engine's own that need a scope.
ENGINE_FIELD_SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Query", "oppslagslogg"): (TILSYN,),
}

#: Field groups named in the lookup log.
GROUP_IDENTITET = "identitet"
GROUP_OPPLYSNINGER = "personopplysninger"
GROUP_ADRESSE = "adresse"


@dataclass(frozen=True)
class Policy:
    """Every register's ``AccessRules`` as one: what ``rule_for`` and the guard read."""

    scopes: tuple[str, ...]
    persons: PersonAccess
    field_scopes: Mapping[tuple[str, str], tuple[str | frozenset[str], ...]]
    identifier_fields: frozenset[tuple[str, str]]
    field_groups: Mapping[tuple[str, str], str]
    place_types: frozenset[str]
    person_link_types: frozenset[str]

    @classmethod
    def of(cls, registers: Sequence[Register]) -> Policy:
        holders = [r.access.persons for r in registers if r.access.persons is not None]
        if len(holders) != 1:
            raise TypeError(f"exactly one register must hold persons, not {len(holders)}")
        rules = [r.access for r in registers]
        return cls(
            scopes=(*dict.fromkeys(s for r in rules for s in r.scopes), TILSYN),
            persons=holders[0],
            field_scopes={k: v for r in rules for k, v in r.field_scopes.items()}
            | ENGINE_FIELD_SCOPES,
            identifier_fields=frozenset(f for r in rules for f in r.identifier_fields),
            field_groups={k: v for r in rules for k, v in r.field_groups.items()},
            place_types=frozenset(t for r in rules for t in r.place_types),
            person_link_types=frozenset(t for r in rules for t in r.person_link_types),
        )

    @property
    def person_scopes(self) -> frozenset[str]:
        return frozenset({self.persons.identity_scope, self.persons.full_scope})


@cache
def policy() -> Policy:
    """The registers' rules (``Register.access``), read once (lazily: the rooms' modules
    import this one)."""
    from grunndata.registers import REGISTERS

    return Policy.of(REGISTERS)


def __getattr__(name: str) -> Any:
    """``SCOPES``: every scope grunndata knows, without the configured prefix (the
    registers' and the engine's)."""
    if name == "SCOPES":
        return policy().scopes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def graded_scope() -> str:
    """The scope that sees persons whose address is graded."""
    return policy().persons.graded_scope


@dataclass(frozen=True)
class Rule:
    """What a field needs. ``requires``: for each entry, one of its scopes. ``graded``: the
    field places its (graded) person. ``persons``: its value holds persons or links to them.
    ``group``: the lookup log's field group, for a field of a person."""

    requires: tuple[frozenset[str], ...] = ()
    graded: bool = False
    persons: bool = False
    group: str | None = None
    per_item: bool = False  # a union (federation's _entities): persons checked item by item
    cover: bool = False  # a graded person's value is answered if it is a cover address


def rule_for(type_name: str, field_name: str, field_type: GraphQLNamedType) -> Rule | None:
    """The rule for ``type_name.field_name`` returning ``field_type``; None for open data."""
    rules = policy()
    persons = rules.persons
    requires: list[frozenset[str]] = [
        frozenset({scope}) if isinstance(scope, str) else scope
        for scope in rules.field_scopes.get((type_name, field_name), ())
    ]
    graded = False
    group = None
    person_scopes = rules.person_scopes
    full_only = frozenset({persons.full_scope})
    returns_person = _holds(field_type, persons.type_name)
    per_item = returns_person and isinstance(field_type, GraphQLUnionType)
    if returns_person and not per_item:
        requires.append(person_scopes)
    if type_name == persons.type_name:
        if field_name in persons.identity_fields:
            requires.append(person_scopes)
            group = GROUP_IDENTITET
        elif field_name in persons.address_fields or field_type.name in rules.place_types:
            requires.append(full_only)
            graded, group = True, GROUP_ADRESSE
        else:  # deny by default: all other person data needs a legal basis
            requires.append(full_only)
            group = GROUP_OPPLYSNINGER
    elif (type_name, field_name) in persons.inner_address_fields:
        graded, group = True, GROUP_ADRESSE
    elif (type_name, field_name) in rules.identifier_fields:
        group = GROUP_IDENTITET
    elif (type_name, field_name) in rules.field_groups:
        group = rules.field_groups[type_name, field_name]
    links = rules.person_link_types | {persons.type_name}
    holds_persons = returns_person or any(_holds(field_type, name) for name in links)
    if not (requires or graded or holds_persons):
        return None
    unique = tuple(dict.fromkeys(requires))
    cover = type_name == persons.type_name and field_name in persons.cover_fields
    return Rule(requires=unique, graded=graded, persons=holds_persons, group=group,
                per_item=per_item, cover=cover)  # fmt: skip


def _holds(field_type: GraphQLNamedType, name: str) -> bool:
    if field_type.name == name:
        return True
    if isinstance(field_type, GraphQLUnionType):  # e.g. federation's _Entity
        return any(member.name == name for member in field_type.types)
    return False


def guard_schema(schema: GraphQLSchema) -> GraphQLSchema:
    """Wrap the resolver of every guarded field of ``schema`` (in place; once)."""
    for type_name, named in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(named, GraphQLObjectType):
            continue
        for field_name, graphql_field in named.fields.items():
            rule = rule_for(type_name, field_name, get_named_type(graphql_field.type))
            if rule is not None and not getattr(graphql_field.resolve, "guarded", False):
                graphql_field.resolve = _guarded(type_name, field_name, rule, graphql_field)
    return schema


def _guarded(
    type_name: str, field_name: str, rule: Rule, graphql_field: GraphQLField
) -> Callable[..., Any]:
    resolve = graphql_field.resolve or default_field_resolver
    where = f"{type_name}.{field_name}"

    if not (rule.graded or rule.persons):

        def plain(source: Any, info: Any, **kwargs: Any) -> Any:
            _check_scopes(rule, info.context.principal, where)
            if rule.group:
                info.context.lookups.saw(source, rule.group)
            return resolve(source, info, **kwargs)

        plain.guarded = True  # type: ignore[attr-defined]
        return plain

    async def checked(source: Any, info: Any, **kwargs: Any) -> Any:
        principal = info.context.principal
        _check_scopes(rule, principal, where)
        sees_graded = principal.has(graded_scope())
        protected = rule.graded and not sees_graded and await _graded(source, info)
        if protected and not rule.cover:
            raise _address_protected(where)
        value = resolve(source, info, **kwargs)
        if isawaitable(value):
            value = await value
        if protected and not _is_cover_address(value):
            raise _address_protected(where)
        if rule.group:
            info.context.lookups.saw(source, rule.group)
        if rule.persons:
            at_place = not sees_graded and _at_place(info)
            value = await _persons(value, info, at_place, rule.per_item)
        return value

    checked.guarded = True  # type: ignore[attr-defined]
    return checked


def _address_protected(where: str) -> Forbidden:
    return Forbidden(
        f"{where}: this person's address is protected (adressebeskyttelse); it needs "
        f"scope {graded_scope()}."
    )


def _is_cover_address(value: Any) -> bool:
    check = getattr(value, "is_cover_address", None)
    return bool(check()) if check is not None else False


def refusal(rule: Rule, principal: Any, where: str) -> Unauthenticated | Forbidden | None:
    """Why ``principal`` may not read the field ``where`` (whose rule is ``rule``), or None:
    the one scope check of both paths (the resolvers' guard and the SQL forms')."""
    for one_of in rule.requires:
        if principal.scopes.isdisjoint(one_of):
            needed = " or ".join(sorted(one_of))
            if not principal.authenticated:
                return Unauthenticated(f"{where} needs a bearer token with scope {needed}.")
            return Forbidden(f"{where} needs scope {needed}, which the token does not have.")
    return None


def _check_scopes(rule: Rule, principal: Any, where: str) -> None:
    error = refusal(rule, principal, where)
    if error is not None:
        raise error


def _at_place(info: Any) -> bool:
    """Whether the field is reached through a place (its parent or any ancestor)."""
    path = info.path
    place_types = policy().place_types
    while path is not None:
        if path.typename in place_types:
            return True
        path = path.prev
    return False


async def _persons(value: Any, info: Any, at_place: bool, per_item: bool = False) -> Any:
    """``value`` without the graded persons (when ``at_place``), persons noted for the log.
    ``per_item`` (a union list such as ``_entities``, whose positions matter): a person the
    token may not see, or a graded one at a place, becomes null in its place."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if per_item:
        sees_persons = not info.context.principal.scopes.isdisjoint(policy().person_scopes)
        items = [None if _is_person(item) and not sees_persons else item for item in items]
    if at_place:
        hidden = await asyncio.gather(*(_graded(item, info) for item in items))
        if per_item:
            items = [None if graded else item for item, graded in zip(items, hidden, strict=True)]
        else:
            items = [item for item, graded in zip(items, hidden, strict=True) if not graded]
    lookups = info.context.lookups
    for item in items:
        if item is not None and hasattr(item, "person_identifier"):
            lookups.saw(item, None)
    if isinstance(value, list):
        return items
    return items[0] if items else None


def _is_person(item: Any) -> bool:
    person_type = policy().persons.type_name
    return hasattr(item, "person_identifier") or type(item).__name__ == person_type


async def _graded(item: Any, info: Any) -> bool:
    """Whether ``item`` is, belongs to or names a person whose address is graded now."""
    if item is None:
        return False
    check = getattr(item, "adressebeskyttet", None)
    if check is not None:
        return bool(await check(info))
    linked = getattr(item, "linked_person", None)
    if linked is not None:
        key = linked()
    elif _is_person(item):  # a federation stub of a person: only its key is here
        key = getattr(item, python_name(policy().persons.key), None)
        if key is None:
            return True
    else:
        return False
    if key is None:
        return False
    return await gradering.graded(info.context, str(key))


@dataclass
class Lookups:
    """The persons one request returned (or showed the identifier of), with the field
    groups read of each."""

    persons: dict[int, Any] = field(default_factory=dict)
    groups: dict[int, set[str]] = field(default_factory=dict)
    named: dict[str, set[str]] = field(default_factory=dict)

    def saw(self, source: Any, group: str | None) -> None:
        linked = getattr(source, "linked_person", None)
        if linked is not None:  # an owner or a role holder: only its identifier is shown
            number = linked()
            if number:
                self.named.setdefault(number, set()).add(group or GROUP_IDENTITET)
            return
        person = getattr(source, "subject", source)
        key = getattr(person, "person_id", None)
        if key is None:
            number = getattr(person, python_name(policy().persons.key), None)
            if number and _is_person(person):  # a federation stub: its key is shown
                self.named.setdefault(number, set()).add(group or GROUP_IDENTITET)
            return
        self.persons.setdefault(key, person)
        groups = self.groups.setdefault(key, set())  # logged even with no field read
        if group:
            groups.add(group)

    def __bool__(self) -> bool:
        return bool(self.persons or self.named)

    async def identified(self, context: Any) -> list[tuple[str, list[str]]]:
        """(identifier, sorted field groups) per person, once each; identifiers of the
        persons returned resolved in one batch."""
        keys = list(self.persons)
        numbers: list[str] = await asyncio.gather(
            *(self.persons[key].person_identifier(context) for key in keys)
        )
        found: dict[str, set[str]] = {n: set(g) for n, g in self.named.items()}
        for number, key in zip(numbers, keys, strict=True):
            found.setdefault(number, set()).update(self.groups[key])
        return [(number, sorted(groups)) for number, groups in found.items()]


def selected_rules(
    schema: GraphQLSchema, selection: SelectionSetNode, parent: GraphQLNamedType,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Iterator[tuple[str, Rule]]:  # fmt: skip
    """(``Type.field``, rule) of every field selected below ``parent`` that has a rule."""
    for node, owner in selected_fields(schema, selection, parent, fragments):
        definition = getattr(owner, "fields", {}).get(node.name.value)
        if owner is None or definition is None:  # __typename (else validation fails)
            continue
        named = get_named_type(definition.type)
        rule = rule_for(owner.name, node.name.value, named)
        if rule is not None:
            yield f"{owner.name}.{node.name.value}", rule
        if node.selection_set is not None:
            yield from selected_rules(schema, node.selection_set, named, fragments)
