"""One query asked of the SQL forms and of the resolvers alike, at the same instant, on
one event loop and pool (tests/graphql/test_sqljson.py, tests/access/test_sqlguard.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from psycopg_pool import AsyncConnectionPool

from grunndata.db.database import Database
from grunndata.graphql.auth import Principal
from grunndata.graphql.context import Context
from grunndata.graphql.oppslagslogg import LookupLogWriter
from grunndata.graphql.schema import build_schema
from grunndata.graphql.sql.asgi import logged_answer
from grunndata.server import _connection_setup

SCHEMA = build_schema()


class BothPaths:
    def __init__(self, database: Database) -> None:
        self.loop = asyncio.new_event_loop()
        self.pool = AsyncConnectionPool(
            database.app_url, min_size=1, max_size=2, open=False,
            kwargs={"autocommit": True}, configure=_connection_setup(30_000),
        )  # fmt: skip
        self.loop.run_until_complete(self.pool.open(wait=True))

    def ask(
        self, query: str, who: Principal, variables: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """(the SQL forms' (data, logged persons), or None when they decline; the
        resolvers' {data, codes: sorted (path, code), logged: sorted logged persons})."""
        return self.loop.run_until_complete(self._ask(query, who, variables or {}))

    async def _ask(
        self, query: str, who: Principal, variables: dict[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        now = dt.datetime.now(dt.UTC)
        assert SCHEMA.sql_answers is not None
        body = {"query": query, "variables": variables}
        writer = LookupLogWriter(self.pool)
        try:  # as a request to the server: answered, logged, graded persons checked
            answer = await logged_answer(SCHEMA.sql_answers, self.pool, writer, body, now=now,
                                         principal=who, request_id="t",
                                         behandlingsgrunnlag=None)  # fmt: skip
        finally:
            await writer.close()
        context = Context(pool=self.pool, request_id="t", entities=SCHEMA.entity_batches,
                          now=now, principal=who)  # fmt: skip
        result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
        resolved = {
            "data": json.loads(json.dumps(result.data)),
            "codes": sorted(
                (".".join(map(str, e.path or ())), (e.extensions or {}).get("code"))
                for e in result.errors or ()
            ),
            "logged": sorted(await context.lookups.identified(context)),
        }
        if answer is None:
            return None, resolved
        return (json.loads(answer.body)["data"], sorted(answer.persons)), resolved

    def close(self) -> None:
        self.loop.run_until_complete(self.pool.close())
        self.loop.close()
