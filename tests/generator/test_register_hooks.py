"""A register's own part of the generator (``Register.fixtures``): it gets every generated
person (the facts, not another register's format) and writes its own files, and the other
files stay the same bytes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from grunndata.fixtures import generate as generator
from grunndata.fixtures.facts import Person
from grunndata.fixtures.hooks import FixtureFiles
from grunndata.registers import REGISTERS


class Counting:
    def __init__(self, files: FixtureFiles) -> None:
        self.out = files.open("nyttregister/personer.txt")
        self.seed, self.count = files.seed, 0

    def person(self, person: Person) -> None:
        self.out.write(person.p.nummer + "\n")
        self.count += 1

    def close(self) -> str:
        return f"Nytt register: {self.count} persons (seed {self.seed})."


def test_a_registers_part_gets_every_person_and_changes_no_other_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    generator.generate(40, 3, tmp_path / "without")
    extra = dataclasses.replace(REGISTERS[-1], name="nyttregister", fixtures=Counting)
    monkeypatch.setattr(generator, "REGISTERS", (*REGISTERS, extra))
    generator.generate(40, 3, tmp_path / "with")
    people = json.loads((tmp_path / "with/folkeregister/personer.json").read_text())
    written = (tmp_path / "with/nyttregister/personer.txt").read_text().split()
    assert written == [p["identifikasjonsnummer"][0]["foedselsEllerDNummer"] for p in people]
    assert "Nytt register: 40 persons (seed 3)." in (tmp_path / "with/cast.md").read_text()
    for path in (tmp_path / "without").rglob("*"):
        if path.is_file() and path.name != "cast.md":
            assert path.read_bytes() == (tmp_path / "with" / path.relative_to(
                tmp_path / "without")).read_bytes(), path  # fmt: skip
