"""Which events a consumer sees: an event keyed by a person needs one of the scopes its
register declares for that entity (``Hendelser.personer``); without one it is left out,
in SQL, so the consumer does not learn that the person changed. Asking for such an
entity by name without the scope is refused instead (``FORBIDDEN``/``UNAUTHENTICATED``).
A graded person's event shows no field group saying its address changed to a consumer
without the graded scope (``unplaced``). Every person key an answer shows goes to the
lookup log (``person_keys``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from grunndata.errors import Forbidden, Unauthenticated
from grunndata.feed.declare import Hendelser
from grunndata.feed.store import Hendelse
from grunndata.graphql.auth import Principal


@cache
def declared() -> dict[str, Hendelser]:
    """Every register's declaration by register name (read lazily: the rooms import the
    engine)."""
    from grunndata.registers import REGISTERS

    return {r.name: r.hendelser for r in REGISTERS if r.hendelser is not None}


def _guarded() -> dict[tuple[str, str], tuple[str, ...]]:
    return {
        (register, entity): scopes
        for register, hendelser in declared().items()
        for entity, scopes in hendelser.personer.items()
    }


def hidden(principal: Principal) -> list[tuple[str, str]]:
    """The (register, entitet) pairs whose events ``principal`` may not see."""
    return [pair for pair, scopes in _guarded().items() if principal.scopes.isdisjoint(scopes)]


def unplaced(principal: Principal) -> list[tuple[str, str, tuple[str, ...]]]:
    """(register, entitet, address field groups) to leave out of graded persons' events,
    unless ``principal`` sees graded persons."""
    from grunndata.graphql.access import graded_scope

    if principal.has(graded_scope()):
        return []
    return [
        (register, entity, groups)
        for register, hendelser in declared().items()
        for entity, groups in hendelser.adressegrupper.items()
    ]


def refuse_asked(principal: Principal, entities: Sequence[str] | None) -> None:
    """Refuse a request naming a person-keyed entity the principal may not see."""
    for (_, entity), scopes in _guarded().items():
        if entities is not None and entity in entities and principal.scopes.isdisjoint(scopes):
            needed = " or ".join(sorted(scopes))
            if not principal.authenticated:
                raise Unauthenticated(f"{entity} events need a bearer token with scope {needed}.")
            raise Forbidden(f"{entity} events need scope {needed}, which the token does not have.")


def person_keys(events: Iterable[Hendelse]) -> list[str]:
    """The person keys among ``events`` (each once), for the lookup log."""
    guarded = _guarded()
    return list(dict.fromkeys(e.noekkel for e in events if (e.register, e.entitet) in guarded))
