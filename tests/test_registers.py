"""Every register has all its parts, and keeps to its room."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import grunndata
import grunndata.registers
from grunndata.registers import REGISTERS

PACKAGE = Path(grunndata.__file__).parent
ROOMS = sorted(p.name for p in (PACKAGE / "registers").iterdir() if (p / "__init__.py").exists())


def test_every_room_is_registered_once():
    assert sorted(r.name for r in REGISTERS) == ROOMS
    # REGISTERS is built from the registry's room names, in its order, each named as its room.
    assert [r.name for r in REGISTERS] == list(grunndata.registers.ROOMS)


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_a_register_has_its_parts(register, database):
    from grunndata.db.database import connect

    module = importlib.import_module(f"grunndata.registers.{register.name}")
    assert module.REGISTER is register
    assert register.db_schema == register.name and register.title
    with connect(database.app_url) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", [register.db_schema]
        ).fetchone()
    assert exists, f"migrations create schema {register.db_schema}"
    names = [f.name for f in register.formats]
    assert len(names) == len(set(names))
    assert all(f.register == register.name for f in register.formats)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("room", ROOMS)
def test_a_room_imports_neither_the_web_framework_nor_another_room(room):
    others = {f"grunndata.registers.{r}" for r in ROOMS if r != room}
    for path in (PACKAGE / "registers" / room).rglob("*.py"):
        for module in imported_modules(path):
            assert not module.startswith(("starlette", "uvicorn", "grunndata.server")), path
            assert not any(module.startswith(other) for other in others), path
