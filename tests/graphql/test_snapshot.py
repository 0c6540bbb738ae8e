"""One request, one snapshot: every root field of an answer reads the same state of the
database, while writes race it (on the SQL forms' path and on the resolvers')."""

from __future__ import annotations

import os
import threading
from typing import Any

import httpx
import pytest

from grunndata.db.database import connect
from grunndata.graphql.sql.answers import SqlAnswers
from grunndata.loaders.run import run
from grunndata.registers import REGISTERS
from grunndata.server import create_app
from tests.conftest import CAST_DIR, LiveServer

FIRST, SECOND = "4204-97/90", "4204-97/89"
#: Requests per path; the operations issue asked for zero torn answers in 10 000 (set
#: GRUNNDATA_TORN_READS=10000 to run that many).
REQUESTS = int(os.environ.get("GRUNNDATA_TORN_READS", "1500"))
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

    app = create_app(units.app_url, pool_size=4)
    with LiveServer(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        try:
            answers = [
                _names(client.post("/graphql", json={"query": QUERIES[path]}).json())
                for _ in range(REQUESTS)
            ]
        finally:
            stop.set()
            writer.join(timeout=10)
    assert answered == [path == "sql"] * REQUESTS  # each path took every request
    torn = [pair for pair in answers if pair[0] != pair[1]]
    assert commits > REQUESTS // 10, "the writer hardly raced the reads: the test proves nothing"
    assert len({pair[0] for pair in answers}) > 10, "the answers hardly changed"
    assert torn == [], f"{len(torn)} of {len(answers)} answers mixed two states: {torn[:3]}"
