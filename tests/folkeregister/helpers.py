"""Shared helpers for the Folkeregisteret tests: load files, ask GraphQL in process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool

from grunndata.db.database import Database
from grunndata.graphql.context import Context
from grunndata.graphql.errors import error_code_and_message
from grunndata.graphql.schema import build_schema
from grunndata.loaders.run import Mode, RunOutcome, run
from grunndata.registers.folkeregister import REGISTER
from tests.conftest import ALL_SCOPES

DATA = Path(__file__).parent / "data"
REAL_FILES = sorted(DATA.glob("person_*.json"))
SCHEMA = build_schema()


def load(
    database: Database | None, *paths: Path, mode: Mode | None = None, **kwargs: Any
) -> RunOutcome:
    mode = mode or (Mode.LOAD if database else Mode.VALIDATE)
    return run(list(paths), formats=REGISTER.formats, database=database, mode=mode, **kwargs)


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


async def _ask(url: str, query: str, variables: dict[str, Any] | None) -> dict[str, Any]:
    async with AsyncConnectionPool(
        url, open=False, kwargs={"options": "-c TimeZone=Europe/Oslo"}
    ) as pool:
        context = Context(
            pool=pool, request_id="test", entities=REGISTER.entities, principal=ALL_SCOPES
        )
        result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
    errors = []
    for error in result.errors or []:
        known = error.original_error and error_code_and_message(error.original_error)
        if not known:
            raise AssertionError(result.errors)
        errors.append({"code": known[0], "message": known[1]})
    return {"data": result.data, "errors": errors}


def ask(database: Database, query: str, **variables: Any) -> dict[str, Any]:
    """Run ``query`` against the schema in process, with a real pool on ``database``."""
    return asyncio.run(_ask(database.app_url, query, variables))
