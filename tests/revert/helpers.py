"""Shared by the revert tests: load through the loader API, revert, and everything a query
can see of a register (every row whose recorded time is not empty: each answer, at every
recorded and valid time, is read from these rows)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool

from grunndata.db.database import Database, connect
from grunndata.graphql.context import Context
from grunndata.graphql.schema import build_schema
from grunndata.loaders.complete import Completeness
from grunndata.loaders.revert import Outcome, revert
from grunndata.loaders.run import FileOutcome, run
from grunndata.registers import REGISTERS
from tests.conftest import ALL_SCOPES

FORMATS = [f for r in REGISTERS for f in r.formats]
REVERTIBLES = {r.name: r.revertible for r in REGISTERS if r.revertible is not None}
SCHEMA = build_schema()
ENTITIES = {k: v for r in REGISTERS for k, v in r.entities.items()}
HIDDEN = "- 'load_id' - 'ersatt_av' - 'tilbakefort'"

FREG = (
    "SELECT (to_jsonb(f) - 'load_id')::text || v.data::text || coalesce(v.er_gjeldende::text, '') "
    "|| coalesce(v.fjernet::text, '') || (SELECT string_agg(identifikasjonsnummer, ',' ORDER BY 1) "
    "FROM folkeregister.identifikator i WHERE i.person_id = f.person_id) "
    "FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id ORDER BY 1",
    "SELECT identifikasjonsnummer || ':' || person_id FROM folkeregister.identifikator ORDER BY 1",
    "SELECT (to_jsonb(a))::text FROM felles.adressebeskyttelse a ORDER BY 1",
)


def load(db: Database, path: Path, **kwargs: Any) -> FileOutcome:
    (file,) = run([path], formats=FORMATS, database=db, **kwargs).files
    assert file.exit_code == 0, file.message or file.findings
    return file


def load_complete(db: Database, path: Path, scope: dict[str, str]) -> FileOutcome:
    return load(db, path, complete=Completeness(scope))


def revert_load(db: Database, load_id: int, **kwargs: Any) -> Outcome:
    return revert(db, load_id, REVERTIBLES, **kwargs)


def visible(db: Database, register: str) -> dict[str, list[str]]:
    """Every row any query of ``register`` can see, and the extract times it keeps."""
    statements: dict[str, str] = {
        "uttak": "SELECT register || nokkel || uttatt::text FROM felles.uttak "
        f"WHERE register = '{register}' ORDER BY 1"
    }
    revertible = REVERTIBLES[register]
    for table in revertible.tables:
        statements[table.name] = (
            f"SELECT (to_jsonb(t) {HIDDEN})::text FROM {table.name} t "
            "WHERE NOT isempty(t.registrert) ORDER BY 1"
        )
    if register == "folkeregister":
        statements.update({f"freg{i}": s for i, s in enumerate(FREG)})
    with connect(db.app_url) as conn:
        return {
            name: [row[0] for row in conn.execute(statement).fetchall()]  # type: ignore[arg-type]
            for name, statement in statements.items()
        }


def now(db: Database) -> str:
    with connect(db.app_url) as conn:
        return conn.execute("SELECT clock_timestamp()::text").fetchone()[0]  # type: ignore[index]


async def _ask(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with AsyncConnectionPool(
        url, open=False, kwargs={"options": "-c TimeZone=Europe/Oslo"}
    ) as pool:
        context = Context(pool=pool, request_id="test", entities=ENTITIES, principal=ALL_SCOPES)
        result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
    assert not result.errors, result.errors
    return result.data  # type: ignore[return-value]


def ask(db: Database, query: str, **variables: Any) -> dict[str, Any]:
    return asyncio.run(_ask(db.app_url, query, variables))


def answers(db: Database, query: str, times: list[str | None]) -> list[dict[str, Any]]:
    """The answers to ``query`` at each recorded time (None: now), at now and one valid
    time in the past."""
    return [
        ask(db, query, ajour=t, gyldig=g) for t in times for g in (None, "2021-06-01T00:00:00Z")
    ]
