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


@pytest.fixture(scope="module")
def loaded(clones) -> Database:
    from grunndata.cli import FIXTURES_DIR
    from grunndata.loaders.run import run
    from grunndata.registers import REGISTERS

    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    assert run([FIXTURES_DIR], formats=formats, database=database).exit_code == 0
    return database


@pytest.fixture(scope="module")
def cast(clones) -> Database:
    """The hand-written test cast, with its graded persons (tests/data/cast/cast.md)."""
    from grunndata.loaders.run import run
    from grunndata.registers import REGISTERS
    from tests.conftest import CAST_DIR

    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    assert run([CAST_DIR], formats=formats, database=database).exit_code == 0
    return database


def grunndata(database: Database, *args: str) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it, against ``database``."""
    env = {
        **os.environ,
        "GRUNNDATA_DATABASE_URL": database.app_url,
        "GRUNNDATA_OWNER_DATABASE_URL": database.owner_url,
    }
    return subprocess.run([GRUNNDATA, *args], capture_output=True, text=True, timeout=300, env=env)
