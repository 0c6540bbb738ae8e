"""After a database restart, the server's pooled connections are checked and replaced: the
first request after the database is healthy again succeeds. Run on a private throwaway
cluster (the suite's cluster is shared with other test runs, so it is never restarted)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from grunndata.db import migrate, pools
from grunndata.db.cluster import EmbeddedCluster
from grunndata.db.database import bootstrap, connect
from grunndata.errors import DatabaseUnavailable
from grunndata.server import create_app
from tests.conftest import TEST_ROLES, LiveServer

#: One query answered by the SQL fast path, one by the resolvers (a field it does not form).
QUERIES = [
    '{ person(identifikasjonsnummer: "13869100069") { navn { fornavn } } }',
    '{ adresser(sok: "Bjorbjorveien 7", first: 1) { totalCount } }',
    "{ serverInfo { version } }",
]


def ask(base: str, query: str) -> dict:
    response = httpx.post(f"{base}/graphql", json={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def database_back(url: str, within: float = 60) -> None:
    """Waits for the database itself (not through the server, whose /healthz would take
    the pool's connections one by one and so hide what the next request meets)."""
    deadline = time.monotonic() + within
    while True:
        try:
            with connect(url):
                return
        except DatabaseUnavailable:
            assert time.monotonic() < deadline, "the database did not come back"
            time.sleep(0.2)


def healthy(base: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while httpx.get(f"{base}/healthz", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the server did not become healthy"
        time.sleep(0.2)


@pytest.mark.parametrize(
    "recent_s",
    [pools.RECENT_S, 3600.0],
    ids=["restart-slower-than-the-idle-check", "restart-quicker-than-the-idle-check"],
)
def test_the_first_request_after_a_database_restart_succeeds(
    cluster_dir, recent_s: float, monkeypatch: pytest.MonkeyPatch
):
    # With 3600 s every pooled connection counts as just used, so none is checked as it
    # leaves the pool: the dead ones are met by the request itself (a restart quicker
    # than the idle check), and the snapshot and the lookup log must replace them.
    monkeypatch.setattr(pools, "RECENT_S", recent_s)
    cluster = EmbeddedCluster(cluster_dir)
    cluster.start()
    try:
        database = bootstrap(cluster.url(), "grunndata_restart", TEST_ROLES)
        migrate.upgrade(database)
        with LiveServer(create_app(database.app_url, pool_size=5)) as base:
            healthy(base)
            with ThreadPoolExecutor(5) as pool:  # fill the pool with idle connections
                for answer in pool.map(lambda q: ask(base, q), QUERIES * 5):
                    assert "errors" not in answer, answer
            cluster.stop()
            cluster.start()
            database_back(database.app_url)
            for query in QUERIES * 4:
                answer = ask(base, query)
                assert "errors" not in answer, (query, answer)
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    finally:
        cluster.stop()
