"""Folkeregisteret's part of ``grunndata fixtures generate``: every generated person's Freg
document (``persondokument``), in one JSON array (``folkeregister/personer.json``)."""

from __future__ import annotations

from grunndata.fixtures.facts import Person
from grunndata.fixtures.hooks import FixtureFiles, JsonArray
from grunndata.registers.folkeregister.persondokument import persondokument


class FolkeregisterFixtures:
    def __init__(self, files: FixtureFiles) -> None:
        self.personer = JsonArray(files.open("folkeregister/personer.json"))

    def person(self, person: Person) -> None:
        self.personer.add(persondokument(person.p))

    def close(self) -> str:
        self.personer.close()
        return ""


def fixtures(files: FixtureFiles) -> FolkeregisterFixtures:
    """``Register.fixtures``: the factory the generator calls."""
    return FolkeregisterFixtures(files)
