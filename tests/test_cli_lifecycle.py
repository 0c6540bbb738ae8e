"""The CLI's success paths on a fresh embedded cluster: parallel starts, db commands, demo."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from grunndata.db import migrate
from grunndata.graphql.auth import dev_key_path
from tests.db.test_cluster import postgres_processes_on

GRUNNDATA = str(Path(sys.executable).parent / "grunndata")


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRUNNDATA_DATA_DIR": str(data_dir)}
    env.pop("GRUNNDATA_DATABASE_URL", None)
    return subprocess.run([GRUNNDATA, *args], env=env, capture_output=True, text=True, timeout=180)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_parallel_commands_on_a_fresh_machine_then_every_db_command(cluster_dir):
    # Six processes at once on a data directory that does not exist yet: one initialises,
    # one bootstraps, one migrates; all succeed.
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: cli("db", "upgrade", data_dir=cluster_dir), range(6)))
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    assert all(f"database at revision {migrate.head_revision()}" in r.stdout for r in results)
    try:
        status = cli("db", "status", data_dir=cluster_dir)
        assert status.returncode == 0 and "running (PID" in status.stdout
        assert cli("db", "start", data_dir=cluster_dir).stdout.startswith(
            "embedded PostgreSQL already running"
        )
        url = cli("db", "url", data_dir=cluster_dir).stdout.strip()
        assert url.startswith("postgresql://grunndata_app@/grunndata?host=")
        owner = cli("db", "url", "--owner", data_dir=cluster_dir).stdout.strip()
        assert owner.startswith("postgresql://grunndata_owner@/grunndata?host=")
        journal = cli("loads", data_dir=cluster_dir)  # piped: the header only, and why
        assert (
            journal.stdout.strip().startswith("id\tstarted\tstatus")
            and len(journal.stdout.strip().splitlines()) == 1
        )
        assert "No loads yet." in journal.stderr
    finally:
        stopped = cli("db", "stop", data_dir=cluster_dir)
    assert stopped.stdout.strip() == "embedded PostgreSQL stopped"
    assert postgres_processes_on(cluster_dir / "pgdata") == []
    assert cli("db", "status", data_dir=cluster_dir).returncode == 1


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_demo_serves_and_stops_the_cluster_it_started(cluster_dir, stop):
    port = free_port()
    env = {**os.environ, "GRUNNDATA_DATA_DIR": str(cluster_dir)}
    env.pop("GRUNNDATA_DATABASE_URL", None)
    demo = subprocess.Popen(
        [GRUNNDATA, "demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert demo.poll() is None, demo.communicate()
                assert time.monotonic() < deadline, "demo did not come up"
                time.sleep(0.2)
        assert health.status_code == 200
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "GraphiQL" in page.text
        assert "Bearer ey" in page.text  # the demo's token, preset in GraphiQL's headers
        # Person data needs a token; the demo trusts the development key's.
        query = {"query": '{ person(identifikasjonsnummer: "27816200062") { foedselsdato } }'}
        anonymous = httpx.post(f"http://127.0.0.1:{port}/graphql", json=query).json()
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        token = cli("token", "--scope", "folkeregister/offentligutenhjemmel", "--orgnr",
                    "310000000", data_dir=cluster_dir).stdout.strip().splitlines()[-1]  # fmt: skip
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json=query,
                            headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert answer.json()["data"]["person"]["foedselsdato"]
    finally:
        demo.send_signal(stop)
        out, err = demo.communicate(timeout=60)
        shutil.rmtree(dev_key_path(cluster_dir).parent, ignore_errors=True)
    assert demo.returncode == 0, err
    assert "grunndata demo is up" in out
    assert "export TOKEN=ey" in out and "Authorization: Bearer $TOKEN" in out
    assert "stopped the embedded PostgreSQL this demo started" in err
    assert postgres_processes_on(cluster_dir / "pgdata") == []
