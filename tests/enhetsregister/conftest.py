"""Loading Brønnøysund files into a test database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grunndata.db.database import Database, connect
from grunndata.loaders.run import RunOutcome, run
from grunndata.registers.enhetsregister import REGISTER

DATA = Path(__file__).parent / "data"


def load(db: Database | None, *paths: Path, **kwargs: Any) -> RunOutcome:
    return run(list(paths), formats=REGISTER.formats, database=db, **kwargs)


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def query(db: Database, statement: str, params: Any = None) -> list[tuple]:
    with connect(db.app_url) as conn:
        return conn.execute(statement, params).fetchall()


@pytest.fixture
def db(fresh_database: Database) -> Database:
    return fresh_database
