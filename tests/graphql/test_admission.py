"""Admission control: when every pooled connection is busy, a request is refused at once
with OVERLOADED (HTTP 503, Retry-After, the request id), not queued until the pool's
timeout and then reported as DATABASE_UNAVAILABLE."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from grunndata.db.database import connect
from grunndata.server import create_app
from tests.conftest import LiveServer, _dbname

QUERY = '{ eiendom(matrikkelnummer: "4204-97/90") { bruksnavn } }'


def _post(base: str, request_id: str) -> httpx.Response:
    return httpx.post(
        f"{base}/graphql", json={"query": QUERY}, headers={"X-Request-Id": request_id}, timeout=60
    )


def _waiting(admin: Any, database: str) -> int:
    """The server's connections waiting for a lock (seen as the superuser)."""
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'grunndata' "
        "AND wait_event_type = 'Lock' AND datname = %s",
        [database],
    ).fetchone()
    return int(row[0])


def test_a_request_finding_every_connection_busy_is_refused_as_overloaded(
    fresh_database: Any, admin_url: str
) -> None:
    app = create_app(fresh_database.app_url, pool_size=2, pool_timeout=20)
    name = _dbname(fresh_database.app_url)
    with (
        connect(admin_url, autocommit=True) as admin,
        connect(fresh_database.owner_url, autocommit=True) as locker,
        LiveServer(app) as base,
    ):
        tables = [r[0] for r in locker.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname = 'matrikkel'"
        )]  # fmt: skip
        held: list[httpx.Response] = []
        with locker.transaction():
            locker.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
            workers = [
                threading.Thread(target=lambda i=i: held.append(_post(base, f"held-{i}")))
                for i in range(2)
            ]
            for worker in workers:
                worker.start()
            deadline = time.monotonic() + 30
            while _waiting(admin, name) < 2:  # both connections wait for the lock
                assert time.monotonic() < deadline, "the two requests never took both connections"
                time.sleep(0.05)
            started = time.monotonic()
            refused = _post(base, "the-third")
            seconds = time.monotonic() - started
        for worker in workers:
            worker.join(timeout=30)
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "1"
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "OVERLOADED"
    assert error["extensions"]["requestId"] == "the-third"
    assert seconds < 10, f"refused after {seconds:.1f} s: it queued instead"
    assert [r.status_code for r in held] == [200, 200]
    assert all("errors" not in r.json() for r in held), [r.json() for r in held]
