"""``Register.extensions``: fields one register adds to another's entity type, in the schema
being built only."""

from __future__ import annotations

import pytest
import strawberry

from grunndata.graphql.schema import build_schema
from grunndata.registers import REGISTERS, Register
from grunndata.registers.base import TypeExtension
from grunndata.registers.folkeregister import REGISTER as FOLKEREGISTER
from grunndata.registers.folkeregister.types import Person


def _fields(schema: strawberry.Schema, type_name: str) -> set[str]:
    return set(schema._schema.type_map[type_name].fields)  # type: ignore[attr-defined]


def test_every_link_is_in_the_printed_schema():
    printed = build_schema().as_str()
    for line in (
        "  eiendommer(",  # Person and Enhet
        "  roller(",
        "  beboere(",
        "  enheter(",
        "  adresseIMatrikkelen: Adresse",
        "  normalisertPostadresse: String",
        "  person: Person",
    ):
        assert line in printed, line
    schema = build_schema()
    assert {"eiendommer", "roller"} <= _fields(schema, "Person")
    assert {"beboere", "enheter", "eiendom"} <= _fields(schema, "Adresse")
    assert "eiendommer" in _fields(schema, "Enhet")


def test_the_rooms_classes_are_left_alone_and_schemas_stay_apart():
    build_schema()
    names = {f.name for f in Person.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    assert "eiendommer" not in names and "roller" not in names
    alone = build_schema([FOLKEREGISTER])  # Matrikkelen's fields are Matrikkelen's to add
    assert not {"eiendommer", "roller"} & _fields(alone, "Person")
    assert {"eiendommer", "roller"} <= _fields(build_schema(REGISTERS), "Person")
    assert not {"eiendommer", "roller"} & _fields(alone, "Person")


@strawberry.type
class Nowhere:
    x: int


@strawberry.type
class Thing:
    name: str


@strawberry.type
class ThingNowhere:
    @strawberry.field
    def nowhere(self) -> Nowhere:
        return Nowhere(x=1)


@strawberry.type
class Root:
    thing: Thing


def test_an_extension_returning_an_unreachable_type_is_refused_clearly():
    registers = [
        Register(name="a", title="A", db_schema="a", query=Root),
        Register(
            name="b", title="B", db_schema="b", extensions=(TypeExtension("Thing", ThingNowhere),)
        ),
    ]
    with pytest.raises(TypeError, match=r"b: Thing.nowhere returns Nowhere"):
        build_schema(registers)
