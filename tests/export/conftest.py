"""A database of the demo data for the export tests: their own, since a person export
writes the lookup log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grunndata.db.database import Database

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")


def _clone_with(clones, directory: Path) -> Database:
    from grunndata.loaders.run import run
    from grunndata.registers import REGISTERS

    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    assert run([directory], formats=formats, database=database).exit_code == 0
    return database


@pytest.fixture(scope="module")
def loaded(clones) -> Database:
    """The demo data (fixtures/)."""
    from grunndata.cli import FIXTURES_DIR

    return _clone_with(clones, FIXTURES_DIR)


@pytest.fixture(scope="module")
def cast(clones) -> Database:
    """The hand-written test cast, with its graded persons (tests/data/cast/cast.md)."""
    from tests.conftest import CAST_DIR

    return _clone_with(clones, CAST_DIR)


def revert_last_address_load(database: Database) -> None:
    """Take the newest load of Matrikkelen's addresses out again (it publishes events)."""
    from grunndata.db.database import connect
    from grunndata.loaders.revert import revert
    from grunndata.registers import REGISTERS

    with connect(database.app_url) as conn:
        load_id = conn.execute(
            "SELECT max(id) FROM felles.load WHERE source LIKE '%%adresse%%'"
        ).fetchone()[0]
    revertibles = {r.name: r.revertible for r in REGISTERS if r.revertible is not None}
    revert(database, load_id, revertibles, cascade=True)


def grunndata(database: Database, *args: str) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it, against ``database``."""
    env = {
        **os.environ,
        "GRUNNDATA_DATABASE_URL": database.app_url,
        "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url,
    }
    return subprocess.run([GRUNNDATA, *args], capture_output=True, text=True, timeout=300, env=env)
