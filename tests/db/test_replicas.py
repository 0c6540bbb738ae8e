"""Reads on a real streaming replica (``pg_basebackup`` of a private cluster): GraphQL
reads go to the replica while its lag is within ``GRUNNDATA_READ_MAX_LAG_SECONDS``, and to
the primary when it falls further behind (its replay paused); writes (the lookup log) go
to the primary."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from psycopg_pool import AsyncConnectionPool

from grunndata.db import migrate
from grunndata.db.cluster import EmbeddedCluster
from grunndata.db.database import bootstrap, connect
from grunndata.db.replicas import ReadPools, replica_pools
from grunndata.db.urls import with_params
from grunndata.server import create_app
from tests.conftest import TEST_ROLES, LiveServer
from tests.db.replica import REPLICA_PORT, streaming_replica

PERSON = "13869100069"
LOG = f'{{ oppslagslogg(identifikasjonsnummer: "{PERSON}") {{ requestId }} }}'


def log_a_lookup(app_url: str) -> str:
    """A row in the lookup log, written on the primary; its request id."""
    request_id = uuid.uuid4().hex
    with connect(app_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO felles.oppslagslogg (tidspunkt, konsument, scopes, feltgrupper, "
            "identifikasjonsnumre, request_id) VALUES (now(), '318716897', '{}', "
            "'{identitet}', %s, %s)",
            [[PERSON], request_id],
        )
    return request_id


def logged(base: str) -> list[str]:
    answer = httpx.post(f"{base}/graphql", json={"query": LOG}, timeout=30).json()
    assert "errors" not in answer, answer
    return [row["requestId"] for row in answer["data"]["oppslagslogg"]]


def replica_serving(base: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=30).text
    lines = [line for line in text.splitlines() if line.startswith("grunndata_replica_serving")]
    assert len(lines) == 1, lines
    return float(lines[0].rsplit(" ", 1)[1])


def replay(replica: EmbeddedCluster, action: str) -> None:
    with connect(replica.url(), autocommit=True) as conn:
        conn.execute(f"SELECT pg_wal_replay_{action}()")


def until(condition, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


async def in_recovery(reads: ReadPools) -> bool:
    async with reads.connection() as conn:
        row = await (await conn.execute("SELECT pg_is_in_recovery()")).fetchone()
    return bool(row and row[0])


async def route_by_lag(primary_url: str, replica_url: str, replica: EmbeddedCluster) -> None:
    async def nothing(conn: object) -> None:
        return None

    primary = AsyncConnectionPool(primary_url, open=False, kwargs={"autocommit": True})
    replicas = replica_pools([replica_url], size=2, timeout=5, configure=nothing)
    reads = ReadPools(primary, replicas, max_lag_s=1.0)
    await primary.open()
    await reads.open()
    try:
        await reads.check()
        assert reads.lags == [0.0]
        assert await in_recovery(reads)  # the replica answers
        replay(replica, "pause")
        log_a_lookup(primary_url)  # the primary moves on; the replica does not follow
        for _ in range(6):
            await asyncio.sleep(0.5)
            await reads.check()
        assert reads.lags[0] > 1.0
        assert not await in_recovery(reads)  # too far behind: the primary answers
        replay(replica, "resume")
        await asyncio.sleep(0.5)
        await reads.check()
        assert reads.lags == [0.0]
        assert await in_recovery(reads)
    finally:
        await reads.close()
        await primary.close()


def test_reads_go_to_a_streaming_replica_within_its_lag(cluster_dir, monkeypatch):
    primary = EmbeddedCluster(cluster_dir)
    primary.start()
    try:
        database = bootstrap(primary.url(), "grunndata_replicas", TEST_ROLES)
        migrate.upgrade(database)
        replica_dir = cluster_dir.with_name(f"{cluster_dir.name}-replica")
        with streaming_replica(primary, replica_dir) as replica:
            replica_url = with_params(database.app_url, host=str(replica_dir),
                                      port=str(REPLICA_PORT))  # fmt: skip
            asyncio.run(route_by_lag(database.app_url, replica_url, replica))

            monkeypatch.setenv("GRUNNDATA_READ_DATABASE_URLS", replica_url)
            monkeypatch.setenv("GRUNNDATA_READ_MAX_LAG_SECONDS", "3")
            with LiveServer(create_app(database.app_url)) as base:
                until(lambda: replica_serving(base) == 1)
                first = log_a_lookup(database.app_url)
                until(lambda: logged(base)[0] == first)  # replayed on the replica
                replay(replica, "pause")
                second = log_a_lookup(database.app_url)
                assert logged(base)[0] == first  # read on the replica: not there yet
                until(lambda: replica_serving(base) == 0)  # over 3 s behind
                assert logged(base)[:2] == [second, first]  # read on the primary
                replay(replica, "resume")
                until(lambda: replica_serving(base) == 1)
                assert logged(base)[:2] == [second, first]
                assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    finally:
        primary.stop()
