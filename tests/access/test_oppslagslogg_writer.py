"""The lookup log's group commit (``LookupLogWriter``): concurrent requests share INSERTs,
each waits for its own rows to be committed, a failure reaches every request of its flush
and no other, a cancelled waiter loses nobody's rows, and the migration from one row per
person (0007) keeps the old rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from grunndata.db import migrate
from grunndata.db.database import Database, connect
from grunndata.graphql.auth import Principal
from grunndata.graphql.oppslagslogg import (
    LookupLogUnavailable,
    LookupLogWriter,
    rows_of,
    text_array,
)
from grunndata.registers.folkeregister.access import IDENTITET, MED_HJEMMEL
from grunndata.server import create_app
from tests.access.conftest import OPEN_PERSON, ask, codes, logged
from tests.conftest import LiveServer, examples, test_token

WHO = Principal(scopes=frozenset({IDENTITET}), orgnr="910000001", authenticated=True)
#: Persons of the test cast (tests/data/cast): Arne Korsvik's family.
FAMILY = [OPEN_PERSON, "02915116372", "21867525758", "30880376205", "05920683144"]


def found(*numbers: str, groups: tuple[str, ...] = ("identitet",)) -> list[tuple[str, list[str]]]:
    return [(number, list(groups)) for number in numbers]


def rows(request_id: str, *numbers: str) -> list[Any]:
    return rows_of(found(*numbers), principal=WHO, now=dt.datetime.now(dt.UTC),
                   request_id=request_id, operation=None, behandlingsgrunnlag=None)  # fmt: skip


def inserts(database: Database, request_ids: list[str]) -> int:
    """How many INSERT statements wrote these requests' rows (rows of one statement share
    their transaction id, xmin)."""
    with connect(database.app_url) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT xmin::text) FROM felles.oppslagslogg WHERE request_id = ANY(%s)",
            [request_ids],
        ).fetchone()
    assert row is not None
    return int(row[0])


def with_writer(database: Database, body: Any) -> Any:
    """``body(writer)`` on a writer of its own (and its own pool); the writer is closed."""

    async def go() -> Any:
        async with AsyncConnectionPool(
            database.app_url, min_size=1, max_size=4, open=False, kwargs={"autocommit": True}
        ) as pool:
            writer = LookupLogWriter(pool)
            try:
                return await body(writer)
            finally:
                await writer.close()

    return asyncio.run(go())


#: Any text PostgreSQL can store: no NUL, no lone surrogates.
STORABLE = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


@settings(max_examples=examples(50), deadline=None)
@given(values=st.lists(st.text(STORABLE, max_size=12)))
def test_a_text_array_literal_is_read_back_as_the_same_list(database, values):
    with connect(database.app_url) as conn:
        row = conn.execute("SELECT %s::text[]", [text_array(values)]).fetchone()
    assert row == (values,)


@settings(max_examples=examples(30), deadline=None)
@given(
    numbers=st.lists(st.text(STORABLE, min_size=1, max_size=12), min_size=1, max_size=4),
    purpose=st.none() | st.text(STORABLE, max_size=40),
    operation=st.none() | st.text(STORABLE, max_size=20),
)
def test_a_row_is_stored_as_written_whatever_its_text(database, numbers, purpose, operation):
    """The batch goes to PostgreSQL as one JSON array: quotes, backslashes, unicode and
    control characters in any value come back unchanged."""
    request_id = f"gc-{uuid.uuid4().hex}"
    made = rows_of(found(*numbers), principal=WHO, now=dt.datetime.now(dt.UTC),
                   request_id=request_id, operation=operation,
                   behandlingsgrunnlag=purpose)  # fmt: skip

    async def body(writer: LookupLogWriter) -> None:
        await writer.write(made)

    with_writer(database, body)
    with connect(database.app_url) as conn:
        stored = conn.execute(
            "SELECT identifikasjonsnumre, behandlingsgrunnlag, operasjon, scopes, feltgrupper, "
            "konsument FROM felles.oppslagslogg WHERE request_id = %s",
            [request_id],
        ).fetchall()
    assert stored == [(numbers, purpose, operation, sorted(WHO.scopes), ["identitet"],
                       WHO.orgnr)]  # fmt: skip


def test_one_request_is_one_row_per_field_group_set():
    made = rows_of(
        [("1", ["identitet"]), ("2", ["adresse", "identitet"]), ("3", ["identitet"])],
        principal=WHO, now=dt.datetime.now(dt.UTC), request_id="r", operation="Op",
        behandlingsgrunnlag=None,
    )  # fmt: skip
    assert [(row["feltgrupper"], row["identifikasjonsnumre"]) for row in made] == [
        (["identitet"], ["1", "3"]), (["adresse", "identitet"], ["2"])]  # fmt: skip


def test_concurrent_writes_share_one_insert_and_all_are_committed(database):
    ids = [f"gc-{uuid.uuid4().hex}" for _ in range(20)]

    async def body(writer: LookupLogWriter) -> int:
        await asyncio.gather(*(writer.write(rows(i, FAMILY[n % 5])) for n, i in enumerate(ids)))
        return writer.statements

    statements = with_writer(database, body)
    assert statements == 1  # all 20 queued before the first flush began
    assert inserts(database, ids) == 1
    assert [logged(database, i)[0][0] for i in ids] == [FAMILY[n % 5] for n in range(20)]


def test_requests_arriving_during_a_flush_go_together_in_the_next(database):
    ids = [f"gc-{uuid.uuid4().hex}" for _ in range(11)]

    async def body(writer: LookupLogWriter) -> int:
        flushing = asyncio.Event()
        insert = writer._insert

        async def noted(batch: Any) -> Any:
            flushing.set()
            return await insert(batch)

        writer._insert = noted  # type: ignore[method-assign]
        first = asyncio.create_task(writer.write(rows(ids[0], OPEN_PERSON)))
        await flushing.wait()  # the first request's flush has begun
        await asyncio.gather(first, *(writer.write(rows(i, OPEN_PERSON)) for i in ids[1:]))
        return writer.statements

    assert with_writer(database, body) == 2
    assert inserts(database, ids) == 2


def test_a_batch_is_bounded_by_persons_and_keeps_requests_whole(database):
    ids = [f"gc-{uuid.uuid4().hex}" for _ in range(4)]

    async def body(writer: LookupLogWriter) -> int:
        writer.max_batch_persons = 5
        await asyncio.gather(*(writer.write(rows(i, *FAMILY[:3])) for i in ids))
        return writer.statements

    assert with_writer(database, body) == 4  # 3 + 3 persons exceed 5: one request a flush
    assert all(len(logged(database, i)) == 3 for i in ids)


def test_a_failed_flush_fails_its_requests_only_and_the_writer_goes_on(database):
    good = f"gc-{uuid.uuid4().hex}"
    later = f"gc-{uuid.uuid4().hex}"

    async def body(writer: LookupLogWriter) -> list[Any]:
        bad = [{**rows("x", OPEN_PERSON)[0], "request_id": None}]  # NOT NULL: refused
        outcome = await asyncio.gather(writer.write(bad), writer.write(rows(good, OPEN_PERSON)),
                                       return_exceptions=True)  # fmt: skip
        await writer.write(rows(later, OPEN_PERSON))
        return outcome

    outcome = with_writer(database, body)
    assert [type(o) for o in outcome] == [LookupLogUnavailable, LookupLogUnavailable]
    assert logged(database, good) == []  # its flush failed: it answered nothing
    assert len(logged(database, later)) == 1


def test_a_cancelled_waiter_loses_no_rows_and_does_not_wedge_the_writer(database):
    ids = [f"gc-{uuid.uuid4().hex}" for _ in range(3)]

    async def body(writer: LookupLogWriter) -> None:
        gone = asyncio.create_task(writer.write(rows(ids[0], OPEN_PERSON)))
        stays = asyncio.create_task(writer.write(rows(ids[1], OPEN_PERSON)))
        await asyncio.sleep(0)
        gone.cancel()  # its client went away while it waited
        await stays
        with pytest.raises(asyncio.CancelledError):
            await gone
        await writer.write(rows(ids[2], OPEN_PERSON))

    with_writer(database, body)
    assert [len(logged(database, i)) for i in ids] == [1, 1, 1]


def test_closing_flushes_what_is_pending_and_refuses_more(database):
    request_id = f"gc-{uuid.uuid4().hex}"

    async def body(writer: LookupLogWriter) -> None:
        pending = asyncio.create_task(writer.write(rows(request_id, OPEN_PERSON)))
        await asyncio.sleep(0)
        await writer.close()
        await pending  # committed, no error
        with pytest.raises(LookupLogUnavailable, match="closed"):
            await writer.write(rows("too-late", OPEN_PERSON))

    with_writer(database, body)
    assert len(logged(database, request_id)) == 1


@pytest.mark.parametrize("which", ["server", "resolvers_only"])
def test_twenty_requests_at_once_are_all_logged_in_fewer_inserts(request, access_database, which):
    base = request.getfixturevalue(which)
    ids = [uuid.uuid4().hex for _ in range(20)]
    token = test_token(MED_HJEMMEL)

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*(
                client.post(f"{base}/graphql", headers={
                    "Authorization": f"Bearer {token}", "X-Request-Id": request_id,
                }, json={"query": f'{{ person(identifikasjonsnummer: "{FAMILY[n % 5]}") '
                                  "{ navn { fornavn } } }"})
                for n, request_id in enumerate(ids)
            ))  # fmt: skip

    responses = asyncio.run(go())
    assert all(r.status_code == 200 and codes(r.json()) == {} for r in responses)
    assert [[row[0] for row in logged(access_database, i)] for i in ids] == [
        [FAMILY[n % 5]] for n in range(20)
    ]
    assert inserts(access_database, ids) < 20


def test_when_the_log_cannot_be_written_no_data_leaves(server, access_database):
    """The app role loses INSERT on the log for a moment: both paths answer nothing."""
    with connect(access_database.app_url) as conn:
        app_role = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    grant = sql.SQL("{} INSERT ON felles.oppslagslogg {} {}")
    with connect(access_database.owner_url, autocommit=True) as owner:
        owner.execute(grant.format(sql.SQL("REVOKE"), sql.SQL("FROM"), sql.Identifier(app_role)))
        try:
            request_id = uuid.uuid4().hex
            query = f'{{ person(identifikasjonsnummer: "{OPEN_PERSON}") {{ navn {{ fornavn }} }} }}'
            body = ask(server, query, test_token(MED_HJEMMEL), X_Request_Id=request_id).json()
        finally:
            owner.execute(grant.format(sql.SQL("GRANT"), sql.SQL("TO"), sql.Identifier(app_role)))
    assert body["data"] is None
    assert codes(body) == {"": "LOOKUP_LOG_UNAVAILABLE"}
    assert logged(access_database, request_id) == []
    assert codes(ask(server, query, test_token(MED_HJEMMEL)).json()) == {}  # and it recovers


def _migrate(database: Database, revision: str, *, down: bool = False) -> None:
    config = migrate._config(database)
    with migrate.engine_for(database.owner_url).connect() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
        connection.commit()


def test_the_migration_groups_the_0007_rows_by_request(fresh_database):
    _migrate(fresh_database, "0008", down=True)
    old = [
        ("2026-01-01T10:00:00Z", "910000001", "a", OPEN_PERSON, "{identitet}", "Op"),
        ("2026-01-01T10:00:00Z", "910000001", "a", "02915116372", "{identitet}", "Op"),
        ("2026-01-01T10:00:00Z", "910000001", "a", "21867525758", "{adresse,identitet}", "Op"),
        ("2026-01-02T10:00:00Z", None, "b", OPEN_PERSON, "{identitet}", None),
    ]
    with connect(fresh_database.app_url) as conn:
        for row in old:
            conn.execute(
                "INSERT INTO felles.oppslagslogg (tidspunkt, konsument, request_id, "
                "identifikasjonsnummer, feltgrupper, operasjon) VALUES (%s, %s, %s, %s, %s, %s)",
                row,
            )
    _migrate(fresh_database, "heads")
    with connect(fresh_database.app_url) as conn:
        converted = conn.execute(
            "SELECT request_id, identifikasjonsnumre, feltgrupper, konsument, operasjon "
            "FROM felles.oppslagslogg ORDER BY id"
        ).fetchall()
    assert converted == [
        ("a", [OPEN_PERSON, "02915116372"], ["identitet"], "910000001", "Op"),
        ("a", ["21867525758"], ["adresse", "identitet"], "910000001", "Op"),
        ("b", [OPEN_PERSON], ["identitet"], None, None),
    ]
    assert [row[:3] for row in logged(fresh_database, "a")] == [
        ("02915116372", ["identitet"], "910000001"),
        (OPEN_PERSON, ["identitet"], "910000001"),
        ("21867525758", ["adresse", "identitet"], "910000001"),
    ]
    # and back: one row per person again, the same persons
    _migrate(fresh_database, "0008", down=True)
    with connect(fresh_database.app_url) as conn:
        back = conn.execute(
            "SELECT request_id, identifikasjonsnummer FROM felles.oppslagslogg ORDER BY id"
        ).fetchall()
    assert back == [(row[2], row[3]) for row in old]
    _migrate(fresh_database, "heads")


def test_who_looked_up_a_person_is_read_through_the_gin_index(fresh_database):
    """On 100 000 rows the reader's query uses the GIN index (``@>``), not a scan, in the
    month's partition that holds them (the empty months' partitions cost nothing)."""
    with connect(fresh_database.owner_url) as conn:
        conn.execute(
            """INSERT INTO felles.oppslagslogg (request_id, identifikasjonsnumre)
               SELECT 'r' || i, ARRAY[(10000000000 + i)::text, (20000000000 + i % 97)::text]
               FROM generate_series(1, 100000) AS i"""
        )
        conn.execute("ANALYZE felles.oppslagslogg")
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN SELECT tidspunkt FROM felles.oppslagslogg "
            "WHERE identifikasjonsnumre @> '{10000000042}'::text[] "
            "ORDER BY tidspunkt DESC, id DESC LIMIT 1000"
        ))  # fmt: skip
        (month,) = conn.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM felles.oppslagslogg"
        ).fetchone()  # type: ignore[misc]
    month = month.removeprefix("felles.")
    assert f"Bitmap Index Scan on {month}_identifikasjonsnumre_idx" in plan, plan
    assert f"Seq Scan on {month} " not in plan, plan


def test_a_subgraphs_entities_are_logged_by_its_writer(access_database):
    """The gateway asks the Folkeregisteret subgraph for persons through ``_entities``."""
    from grunndata.graphql.federation.build import build_subgraph_schema

    app = create_app(access_database.app_url, schema=build_subgraph_schema("folkeregister"))
    request_id = uuid.uuid4().hex
    query = """query Gateway($r: [_Any!]!) { _entities(representations: $r) {
      ... on Person { navn { fornavn } } } }"""
    representations = [{"__typename": "Person", "identifikasjonsnummer": n} for n in FAMILY[:2]]
    with LiveServer(app, token=None) as base:
        body = ask(base, query, test_token(MED_HJEMMEL), {"r": representations},
                   X_Request_Id=request_id).json()  # fmt: skip
    assert codes(body) == {} and all(body["data"]["_entities"])
    assert [row[:2] for row in logged(access_database, request_id)] == [
        ("02915116372", ["identitet"]),
        (OPEN_PERSON, ["identitet"]),
    ]
