"""After a database restart, the server's pooled connections are checked and replaced: the
first request after the database is healthy again succeeds. Run on a private throwaway
cluster (the suite's cluster is shared with other test runs, so it is never restarted)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from grunndata.db import migrate
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


def test_the_first_request_after_a_database_restart_succeeds(cluster_dir):
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
