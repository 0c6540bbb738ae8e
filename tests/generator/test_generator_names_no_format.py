"""The generator makes the world; each register writes it in its own format
(``Register.fixtures``): no module of ``grunndata/fixtures/`` imports a register's room or
names a register's format."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import grunndata
from grunndata.registers import REGISTERS

FIXTURES = Path(grunndata.__file__).parent / "fixtures"


def imported(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
    return modules


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py")), ids=lambda p: p.name)
def test_a_generator_module_imports_no_registers_room(path: Path):
    rooms = [m for m in imported(path) if m.startswith("grunndata.registers.")]
    assert rooms in ([], ["grunndata.registers.REGISTERS"]), f"{path.name} imports {rooms}"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py")), ids=lambda p: p.name)
def test_a_generator_module_names_no_registers_format(path: Path):
    text = path.read_text()
    formats = sorted(f.name for register in REGISTERS for f in register.formats)
    assert formats and [name for name in formats if name in text] == [], path.name


def test_every_register_writes_its_own_part():
    assert all(register.fixtures is not None for register in REGISTERS)
