"""The ``grunndata`` command starts without what only some commands need.

Every invocation of the command pays for what ``grunndata.cli`` imports: the registers'
GraphQL types and tables, Alembic and the server cost seconds of CPU, which ``--help``,
``db status``, ``loads`` and ``token`` do not need. A command imports those when it runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

from grunndata.registers import ROOMS

#: Imported by some commands when they run, never at start.
HEAVY = (
    "strawberry", "graphql", "sqlalchemy", "alembic", "shapely", "geoalchemy2", "uvicorn",
    "starlette", "httpx", "grunndata.server", "grunndata.graphql", "grunndata.export",
)  # fmt: skip


def imported_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def rooms_in(modules: set[str]) -> set[str]:
    """The register rooms (and their modules) among ``modules``."""
    rooms = tuple(f"grunndata.registers.{room}" for room in ROOMS)
    return {m for m in modules if m in rooms or m.startswith(tuple(f"{r}." for r in rooms))}


def test_the_command_starts_without_the_registers_the_server_or_alembic():
    modules = imported_after("import grunndata.cli")
    assert "grunndata.cli.loading" in modules  # every command group is there ...
    assert rooms_in(modules) == set()  # ... but no register's room
    assert {m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)} == set()


def test_reading_the_migrations_imports_no_register():
    modules = imported_after("from grunndata.db import migrate\nmigrate.head_revision()")
    assert rooms_in(modules) == set()
