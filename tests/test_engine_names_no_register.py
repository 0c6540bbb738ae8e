"""The engine knows registers only through their declarations (``Register``): the modules
that assemble the schema, guard it, link registers and build federation subgraphs name no
register, none of their scopes and none of their types."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import grunndata
from grunndata.graphql.access import policy
from grunndata.registers import REGISTERS

PACKAGE = Path(grunndata.__file__).parent
ENGINE_MODULES = sorted(
    [
        PACKAGE / "graphql" / "access.py",
        PACKAGE / "graphql" / "lenker.py",
        PACKAGE / "graphql" / "oppslagslogg.py",
        PACKAGE / "graphql" / "schema.py",
        *(PACKAGE / "graphql" / "federation").glob("*.py"),
    ]
)

#: Words a module may use as its own: the lookup log's field and argument
#: ``identifikasjonsnummer`` (the log's column is ``identifikasjonsnumre``) is the general
#: name of a person's identifier (fødselsnummer or D-nummer), not a register's field.
OWN_WORDS = {"oppslagslogg.py": {"identifikasjonsnummer"}}


def register_words() -> set[str]:
    """What names a register: its name, title and schema (any case, also inside a word),
    its scopes, and the types it declares for access control and federation."""
    words: set[str] = set()
    for register in REGISTERS:
        words |= {register.name, register.title, register.db_schema}
        rules = register.access
        words |= set(rules.scopes) | rules.place_types | rules.person_link_types
        # the root type is the engine's: a register may guard its own root fields
        words |= {type_name for type_name, _ in rules.field_scopes if type_name != "Query"}
        words |= {type_name for type_name, _ in rules.field_groups}
        words |= {keys.type_name for keys in register.entity_keys}
        words |= {name.partition(":")[0] for name in register.entities}
        if rules.persons is not None:
            words |= {rules.persons.type_name, *rules.persons.identity_fields}
            words |= {type_name for type_name, _ in rules.persons.inner_address_fields}
    return words


def test_the_checked_modules_exist():
    assert all(path.is_file() for path in ENGINE_MODULES)
    assert len(ENGINE_MODULES) >= 7  # access, lenker, oppslagslogg, schema, federation


@pytest.mark.parametrize("path", ENGINE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_an_engine_module_names_no_register(path):
    text = path.read_text()
    found = []
    for word in sorted(register_words() - OWN_WORDS.get(path.name, set())):
        if word.islower() and "/" not in word:  # a register's name: also inside a word
            pattern = re.compile(re.escape(word), re.IGNORECASE)
        else:  # a type, a field or a scope: as a whole word
            pattern = re.compile(rf"(?<![\w/]){re.escape(word)}(?![\w/])")
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.name}:{line}: {word}")
    assert not found, "the engine names a register:\n" + "\n".join(found)


def test_every_scope_comes_from_a_register_or_the_engine():
    declared = [s for r in REGISTERS for s in r.access.scopes]
    assert len(declared) == len(set(declared)), "a scope declared twice"
    assert set(policy().scopes) == {*declared, "tilsyn"}
