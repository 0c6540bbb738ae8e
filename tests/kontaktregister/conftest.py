"""Loading KRR answers into a test database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grunndata.db.database import Database
from grunndata.loaders.run import RunOutcome, run
from grunndata.registers.kontaktregister import REGISTER
from tests.access.conftest import access_database, gateway, server  # noqa: F401 (fixtures)
from tests.conftest import CAST_DIR
from tests.conftest import query as query

CAST = CAST_DIR / "kontaktregister" / "personer.json"


def cast_entries() -> list[dict[str, Any]]:
    return json.loads(CAST.read_text(encoding="utf-8"))["personer"]


def entry(number: str) -> dict[str, Any]:
    return next(e for e in cast_entries() if e["personidentifikator"] == number)


def load(db: Database, *paths: Path, **kwargs: Any) -> RunOutcome:
    return run(list(paths), formats=REGISTER.formats, database=db, **kwargs)


def answer(path: Path, *entries: dict[str, Any]) -> Path:
    """A KRR lookup answer holding ``entries``, written to ``path``."""
    path.write_text(json.dumps({"personer": list(entries)}, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def db(fresh_database: Database) -> Database:
    return fresh_database
