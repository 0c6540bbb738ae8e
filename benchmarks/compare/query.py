"""One benchmark query as each side spells it, and the helpers that bring both sides'
answers to one comparable form."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: How a person is asked for in the hand-written SQL: the newest version of a Freg fact
#: valid now (``{element}``) of the person ``{person}``, as grunndata's Person picks it.
FACT = """(SELECT v.data FROM folkeregister.fakta x
  JOIN folkeregister.versjon v ON v.id = x.versjon_id WHERE x.person_id = {person}
  AND x.element = '{element}' AND x.gyldig @> now() AND upper_inf(x.registrert)
  ORDER BY lower(x.gyldig) DESC NULLS LAST LIMIT 1)"""
#: Valid now, as registered now: what either side answers without time arguments.
NOW = "{t}.gyldig @> now() AND upper_inf({t}.registrert)"


@dataclass(frozen=True)
class Query:
    """One benchmark query as each server spells it, how to make its variables from a
    sample key, how to bring each answer to one comparable form, and its SQL floor."""

    name: str
    grunndata: str
    postgraphile: str
    variables: Callable[[str], dict[str, Any]]
    grunndata_answer: Callable[[dict[str, Any]], Any]
    postgraphile_answer: Callable[[dict[str, Any]], Any]
    sql: str  # one statement, one parameter (the key), answering the whole query as JSON
    #: PostGraphile's variables, when they differ from grunndata's (``variables``)
    postgraphile_variables: Callable[[str], dict[str, Any]] | None = None


def now(alias: str) -> str:
    return NOW.format(t=alias)


def fact(person: str, element: str) -> str:
    return FACT.format(person=person, element=element)


def sorted_json(rows: list[Any]) -> list[str]:
    """A list whose order neither side promises, as sorted JSON texts."""
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def enhet_adresse(a: dict[str, Any] | None) -> Any:
    """An Enhetsregister address (grunndata's ``EnhetAdresse`` or PostGraphile's jsonb)."""
    if not a:
        return None
    return [a.get("adresse") or [], a.get("postnummer"), a.get("poststed"),
            a.get("kommunenummer")]  # fmt: skip
