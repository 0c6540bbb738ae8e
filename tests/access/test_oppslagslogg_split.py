"""One lookup log however the registers are deployed (issue 20 §6): with each register's
subgraph on a database of its own, every subgraph writes the lookup log to one log database
(``GRUNNDATA_LOG_DATABASE_URL``), and ``oppslagslogg`` / ``mineOppslag`` through Hive
Gateway show the lookups of a person by every subgraph.

Four databases of the suite's cluster stand for four clusters: a connection reaches only
the database it names (PostgreSQL has no cross-database query, and grunndata uses no dblink
or foreign table), so a subgraph cannot read or write another database's log, as on another
cluster. A private cluster costs about half a minute to start and migrate on this machine;
four of them would buy no further isolation of what is logged where."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from grunndata.db.database import Database, connect
from grunndata.graphql.access import TILSYN
from grunndata.graphql.federation.build import SUBGRAPH_NAMES
from grunndata.loaders.run import run
from grunndata.registers import REGISTERS
from tests.access.conftest import OPEN_PERSON, ask, codes, shared_unit, shown_identifiers
from tests.access.test_oppslagslogg import FROM_A_REFERENCE
from tests.conftest import CAST_DIR, Clones, test_token
from tests.gateway import NEEDS_NODE, OneGateway

#: One lookup of Arne Korsvik through each subgraph: only that subgraph shows him.
LOOKUPS = {
    "folkeregister": f"""{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ __typename
        identifikasjonsnummer navn {{ fornavn }} }} }}""",
    "matrikkel": FROM_A_REFERENCE["an owner's person and its properties"],
    "enhetsregister": FROM_A_REFERENCE["a role holder's person"],
}


@pytest.fixture
def split(clones: Clones, tmp_path: Path) -> Iterator[dict[str, Database]]:
    """Each register's part of the test cast in a database of its own, and an empty
    migrated database for the log (``"log"``)."""
    owned = tmp_path / "delt_eiendom.jsonl"  # Arne Korsvik owns half of it
    owned.write_text(json.dumps(shared_unit()) + "\n", encoding="utf-8")
    extra = {"matrikkel": [owned]}
    formats = [f for register in REGISTERS for f in register.formats]
    databases: dict[str, Database] = {}
    try:
        for name in SUBGRAPH_NAMES:
            databases[name] = clones.make()
            paths = [CAST_DIR / name, *extra.get(name, [])]
            outcome = run(paths, formats=formats, database=databases[name])
            assert outcome.exit_code == 0, outcome
        databases["log"] = clones.make()
        yield databases
    finally:
        for database in databases.values():
            clones.drop(database)


def logged_requests(database: Database) -> set[str]:
    with connect(database.app_url) as conn:
        rows = conn.execute(
            "SELECT request_id FROM felles.oppslagslogg WHERE %s = ANY (identifikasjonsnumre)",
            [OPEN_PERSON],
        ).fetchall()
    return {row[0] for row in rows}


@NEEDS_NODE
def test_every_subgraph_logs_into_one_log_read_through_the_gateway(
    split: dict[str, Database], one_gateway: OneGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRUNNDATA_LOG_DATABASE_URL", split["log"].app_url)
    registers = {name: split[name] for name in SUBGRAPH_NAMES}
    with one_gateway.serving(
        split["folkeregister"], token=None, keep=False, split=registers
    ) as running:
        gateway = running.gateway
        request_ids = {}
        for name, query in LOOKUPS.items():
            request_ids[name] = f"{name}-{uuid.uuid4().hex}"
            body = ask(gateway, query, test_token(), X_Request_Id=request_ids[name]).json()
            assert codes(body) == {}, (name, body)
            assert OPEN_PERSON in shown_identifiers(body["data"]), name

        query = f"""{{ oppslagslogg(identifikasjonsnummer: "{OPEN_PERSON}") {{
            identifikasjonsnummer requestId konsument enhet {{ navn }} }} }}"""
        body = ask(gateway, query, test_token(TILSYN)).json()
        assert codes(body) == {}, body
        entries = body["data"]["oppslagslogg"]
        assert sorted(e["requestId"] for e in entries) == sorted(request_ids.values())
        assert {e["identifikasjonsnummer"] for e in entries} == {OPEN_PERSON}
        assert {e["enhet"]["navn"] for e in entries} == {"SØRLANDET IT AS"}

        citizen = test_token("none", orgnr=None, pid=OPEN_PERSON)
        body = ask(gateway, "{ mineOppslag { requestId } }", citizen).json()
        assert codes(body) == {}, body
        mine = [e["requestId"] for e in body["data"]["mineOppslag"]]
        assert sorted(mine) == sorted(request_ids.values())

        assert logged_requests(split["log"]) == set(request_ids.values())
        for name in SUBGRAPH_NAMES:  # nothing in a register's own database
            assert logged_requests(split[name]) == set(), name
