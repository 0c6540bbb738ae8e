"""One request, one snapshot: every root field of an answer reads the same state of the
database, while writes race it (on the SQL forms' path and on the resolvers')."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

import httpx
import pytest

from grunndata.db.database import connect
from grunndata.graphql.sql.answers import SqlAnswers
from grunndata.loaders.run import run
from grunndata.registers import REGISTERS
from grunndata.server import create_app
from tests.conftest import CAST_DIR, test_token, with_token

FIRST, SECOND = "4204-97/90", "4204-97/89"
#: Requests per path. The operations issue asked for zero torn answers in 10 000:
#: ``GRUNNDATA_TORN_READS=5000`` runs that many (two paths). The suite runs 1 500 per path
#: to stay quick. They go to the app in process (the whole ASGI app: the snapshot, the SQL
#: forms, the resolvers, the lookup log; no sockets, which cost a third of the CPU time),
#: ``CONCURRENT`` at a time.
REQUESTS = int(os.environ.get("GRUNNDATA_TORN_READS", "1500"))
CONCURRENT = 8
#: Two root fields, two statements. The directive sends the query to the resolvers.
QUERIES = {
    "sql": (
        f'{{ a: eiendom(matrikkelnummer: "{FIRST}") {{ bruksnavn }} '
        f'b: eiendom(matrikkelnummer: "{SECOND}") {{ bruksnavn }} }}'
    ),
    "resolvers": (
        f'{{ a: eiendom(matrikkelnummer: "{FIRST}") {{ bruksnavn @include(if: true) }} '
        'b: eiendommer(filter: {kommunenummer: "4204", gardsnummer: 97, bruksnummer: 89}) '
        "{ edges { node { bruksnavn } } } }"
    ),
}


@pytest.fixture(scope="module")
def units(clones: Any) -> Any:
    database = clones.make()
    formats = [f for register in REGISTERS for f in register.formats]
    outcome = run([CAST_DIR / "matrikkel"], formats=formats, database=database)
    assert outcome.exit_code == 0, outcome
    return database


async def _ask(app: Any, query: str, begin: Any) -> list[tuple[Any, Any]]:
    """``REQUESTS`` answers to ``query`` from ``app``, ``CONCURRENT`` requests at a time,
    once ``begin`` (the writer) has been called."""
    transport = httpx.ASGITransport(app=with_token(app, test_token()))
    answers: list[tuple[Any, Any]] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        begin()

        async def worker(count: int) -> None:
            for _ in range(count):
                response = await client.post("/graphql", json={"query": query})
                answers.append(_names(response.json()))

        share, extra = divmod(REQUESTS, CONCURRENT)
        await asyncio.gather(*(worker(share + (i < extra)) for i in range(CONCURRENT)))
    return answers


def _names(body: dict[str, Any]) -> tuple[Any, Any]:
    assert "errors" not in body, body
    data = body["data"]
    second = (
        data["b"]["bruksnavn"]
        if "bruksnavn" in data["b"]
        else (data["b"]["edges"][0]["node"]["bruksnavn"])
    )
    return data["a"]["bruksnavn"], second


@pytest.mark.slow
@pytest.mark.parametrize("path", QUERIES)
def test_no_answer_mixes_two_states_of_the_database(
    units: Any, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer renames both units in one transaction, over and over; no answer may show
    one unit's name from before a commit and the other's from after it."""
    answered: list[bool] = []  # by the SQL forms, per request
    original = SqlAnswers.answer

    async def counted(self: SqlAnswers, *args: Any, **kwargs: Any) -> Any:
        answer = await original(self, *args, **kwargs)
        answered.append(answer is not None)
        return answer

    monkeypatch.setattr(SqlAnswers, "answer", counted)
    stop = threading.Event()
    commits = 0

    def write() -> None:
        nonlocal commits
        with connect(units.owner_url, autocommit=False) as conn:
            while not stop.is_set():
                conn.execute(
                    "UPDATE matrikkel.matrikkelenhet SET bruksnavn = %s "
                    "WHERE matrikkelnummer = ANY(%s) AND upper_inf(registrert)",
                    (f"navn {commits}", [f"{FIRST}/0/0", f"{SECOND}/0/0"]),
                )
                conn.commit()
                commits += 1

    app = create_app(units.app_url, pool_size=CONCURRENT)
    writer = threading.Thread(target=write, daemon=True)
    started = time.monotonic()
    try:
        answers = asyncio.run(_ask(app, QUERIES[path], writer.start))
    finally:
        stop.set()
        writer.join(timeout=10)
    print(f"{REQUESTS} answers in {time.monotonic() - started:.1f} s, {commits} commits")
    assert answered == [path == "sql"] * REQUESTS  # each path took every request
    torn = [pair for pair in answers if pair[0] != pair[1]]
    assert commits > REQUESTS // 10, "the writer hardly raced the reads: the test proves nothing"
    assert len({pair[0] for pair in answers}) > 10, "the answers hardly changed"
    assert torn == [], f"{len(torn)} of {len(answers)} answers mixed two states: {torn[:3]}"
